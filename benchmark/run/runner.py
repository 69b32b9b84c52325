"""The one engine: a run is a set of chains of ordinary cells, submitted as results arrive.

A chain probes one length at a time: it runs the learning-rate tuning cells there (with
``lr_grid``), chooses the rate on validation, runs the evaluation seeds, and asks its plan for
the next length. A horizon search gives each (task, model) a chain whose plan climbs and
bisects (``search.next_probe``); a fixed grid gives each (task, model, length) a chain whose
plan probes that one length: a grid is a search that does not climb. Chains run side by side
on the same workers, so the cores stay busy while each chain waits only for its own cells.

This process alone writes: each result goes to the run folder the moment it arrives, so a
killed run loses no finished cell, and a rerun skips every cell whose file is whole (and
retries the missing, corrupt or crashed ones). A chain's decisions read only its own cells'
numbers, so what runs is the same whatever ``n_jobs`` or backend.
"""

from __future__ import annotations

import contextlib
import os

import pandas as pd

from benchmark.run.chains import Chain, grid_chains, search_chains
from benchmark.run.config import TUNE_SEED_OFFSET, Cell, Grid
from benchmark.run.judgement import judge
from benchmark.run.lr_selection import chosen_rates, rate_beyond, select_lr
from benchmark.run.progress import Progress
from benchmark.run.scale import points
from benchmark.run.schema import cell_commits
from benchmark.run.search import alive, median_outcomes, solved_through
from benchmark.run.store import RunStore
from benchmark.run.tables import write_search_table, write_tables
from benchmark.run.workers import (
    RunOutcome,
    capacity,
    engine,
    error_result,
    executor_for,
    finished_summary,
    open_run,
    run_cell,
    stop_workers,
    wait_first,
)


class Engine:
    """Drives chains to the end: submits their cells, writes results, counts, decides."""

    def __init__(self, grid: Grid, store: RunStore, executor, client, bar,
                 capacity: float, commit: str = "unknown", renew=None) -> None:
        self.grid, self.store, self.executor, self.client, self.bar = grid, store, executor, \
            client, bar
        self.commit = commit  # the code's commit: every cell computed here carries it
        self.capacity = capacity  # cells in the workers' hands at once
        self.backlog: list[tuple[Chain, Cell]] = []  # cells waiting for a free worker
        self.parent = None if client is not None else os.getpid()  # local workers exit with it
        self.summaries: dict[str, dict] = {}  # cell id -> summary, every finished cell
        self.futures: dict = {}  # future -> (chain, cell)
        self.corrupt: list[str] = []
        self.skipped = self.computed = self.failed = 0
        self.tuning_cells: dict[str, list[Cell]] = {}  # budget point -> its cells
        # a fresh executor after a worker died broke the pool (Dask's client does not break)
        self.renew = renew or (lambda: executor)
        self.retried: set[str] = set()  # cells whose worker died once already
        self.evaluation_cells: dict[str, list[Cell]] = {}

    def tuning_at(self, chain: Chain, rates) -> list[Cell]:
        return [chain.grid.cell(chain.task, chain.model, chain.probe[0], TUNE_SEED_OFFSET + s,
                                lr=lr) for lr in rates for s in range(chain.grid.tune_seeds)]

    def cells(self, chain: Chain) -> list[Cell]:
        if chain.phase != "evaluate":
            return self.tuning_at(chain, chain.rates)
        length = chain.probe[0]
        return [chain.grid.cell(chain.task, chain.model, length, s, lr=chain.lr)
                for s in chain.grid.seed_numbers() if alive(chain.seed_runs.get(s, {}), length)]

    def advance(self, chain: Chain) -> None:
        """Move a chain on until it waits for cells or is done."""
        while not chain.waiting and not chain.done:
            if chain.probe is None:
                chain.probe = chain.plan(chain.outcomes)
                if chain.probe is None:
                    chain.done = True
                    return
                chain.phase, chain.lr = ("tune", float("nan")) if chain.grid.lr_grid \
                    else ("evaluate", chain.grid.lr)
                chain.rates = chain.tried = tuple(chain.grid.lr_grid)
            cells = self.cells(chain)
            kept = self.evaluation_cells if chain.phase == "evaluate" else self.tuning_cells
            kept.setdefault(chain.point, []).extend(cells)
            for cell in cells:
                self.submit(chain, cell)
            if not chain.waiting:
                self.finish_phase(chain, cells)

    def submit(self, chain: Chain, cell: Cell) -> None:
        """Read a finished cell back, or send it to a worker."""
        stored = finished_summary(self.store, cell, self.corrupt)
        if stored is not None:
            self.summaries[cell.id] = stored
            self.skipped += 1
            self.bar.skipped(cell)
            return
        self.backlog.append((chain, cell))
        chain.waiting.add(cell.id)

    def dispatch(self) -> None:
        """Send queued cells to the workers, no more at a time than they can run: the order
        of the queue (longest first for a grid) is kept, and a stop (Ctrl-C, SIGTERM) finds
        no queued work inside the executor (loky's manager thread races on it)."""
        while self.backlog and len(self.futures) < self.capacity:
            # a cell whose worker died runs again alone, so a cell that kills its worker
            # takes no other cell down with it the second time
            if any(c.id in self.retried for _, c in self.futures.values()) or \
                    (self.backlog[0][1].id in self.retried and self.futures):
                return
            chain, cell = self.backlog.pop(0)
            try:
                future = self.executor.submit(run_cell, cell, self.parent)
            except Exception:  # noqa: BLE001  (a pool broken by a dead worker refuses work)
                self.executor = self.renew()
                future = self.executor.submit(run_cell, cell, self.parent)
            self.futures[future] = (chain, cell)

    def choose_rate(self, chain: Chain) -> None:
        """After a tuning phase: the rate chosen on validation over every rate tried here,
        or, once, one more rate beyond the grid's edge when the choice sits on it."""
        tried = self.tuning_at(chain, chain.tried)
        selection = select_lr(judge(pd.DataFrame([self.summaries[c.id] for c in tried])))
        chosen = chosen_rates(selection)[(chain.task, chain.model, chain.probe[0])]
        beyond = rate_beyond(chosen, chain.tried) \
            if chain.phase == "tune" and chain.grid.lr_extend else None
        if beyond is None:
            chain.lr, chain.phase = chosen, "evaluate"
        else:
            chain.rates, chain.tried, chain.phase = (beyond,), chain.tried + (beyond,), "extend"

    def finish_phase(self, chain: Chain, cells: list[Cell]) -> None:
        if chain.phase != "evaluate":
            self.choose_rate(chain)
            return
        length, reason = chain.probe
        judged = judge(pd.DataFrame([self.summaries[c.id] for c in cells])) if cells \
            else pd.DataFrame()
        outcomes = judged.get("solved_validation", pd.Series(False, index=judged.index))
        n_solved = 0
        for cell, solved in zip(cells, outcomes.fillna(False).astype(bool), strict=True):
            # a crashed cell fails its seed here, as a failed one does
            chain.seed_runs.setdefault(cell.seed, {})[length] = bool(solved)
            n_solved += bool(solved)
        chain.outcomes = median_outcomes(chain.seed_runs, chain.grid.seeds)
        chain.probes.append({"task": chain.task, "model": chain.model, "seq_len": length,
                             "order": len(chain.probes), "reason": reason, "lr": chain.lr,
                             "n_seeds": len(cells), "n_solved_validation": n_solved,
                             "n_solved_through": sum(solved_through(runs, length)
                                                     for runs in chain.seed_runs.values()),
                             "solved": chain.outcomes[length]})
        chain.probe = None

    def receive(self, future) -> None:
        """Write one finished cell and move its chain on."""
        chain, cell = self.futures.pop(future)
        try:
            result = future.result()
        except Exception as err:  # noqa: BLE001  (the worker died: killed, out of memory, exit)
            result = self.worker_died(chain, cell, err)
            if result is None:
                return  # queued once more
        result.summary["git_commit"] = self.commit  # provenance: each cell names its code
        self.store.write_cell(result)
        self.summaries[cell.id] = result.summary
        self.computed += 1
        self.failed += result.summary["status"] == "error"
        self.bar.finished(cell)
        chain.waiting.discard(cell.id)
        if not chain.waiting:
            self.finish_phase(chain, self.cells(chain))
            self.advance(chain)

    def worker_died(self, chain: Chain, cell: Cell, err: Exception):
        """A cell whose worker died (every cell in flight in a broken loky pool shares that
        fate): queued once more, to run alone on a fresh pool; if it dies again it is recorded
        as ``error`` with the reason, so one cell never stops the sweep. None: queued again."""
        if cell.id not in self.retried:
            self.retried.add(cell.id)
            self.backlog.insert(0, (chain, cell))  # (dispatch takes a fresh pool if broken)
            return None
        return error_result(cell, f"its worker died twice, the second time running alone "
                            f"({type(err).__name__}: "
                            f"{str(err).splitlines()[0] if str(err) else ''})"[:300])

    def run(self, chains: list[Chain]) -> None:
        for chain in chains:
            self.advance(chain)
        self.dispatch()
        while self.futures:
            for future in wait_first(list(self.futures), self.client):
                self.receive(future)
            self.dispatch()

    def outcome(self) -> RunOutcome:
        return RunOutcome(self.skipped + self.computed, self.skipped, self.computed,
                          self.failed, self.corrupt)


def run_chains(grid: Grid, out: str | os.PathLike, chains: list[Chain], *, n_jobs: int,
               backend: str, scheduler: str | None, progress: bool,
               planned: list[Cell] | None = None) -> Engine:
    """Run (or resume) ``chains`` into the folder ``out``; the engine holds what was done."""
    store = RunStore(out)
    with open_run(store, grid, n_jobs, backend, scheduler) as record:
        bar = Progress(store.root.name, planned, progress)
        with contextlib.closing(bar), engine(backend, n_jobs, scheduler) as client:
            executor = executor_for(client, n_jobs)
            run = Engine(grid, store, executor, client, bar, capacity(client, n_jobs),
                         record["environment"]["git_commit"],
                         renew=lambda: executor_for(client, n_jobs))
            try:
                run.run(chains)
            except BaseException:
                stop_workers(run.executor)
                raise
        record["cell_commits"] = cell_commits(run.summaries.values())
        write_tables(store, run, record)
        if grid.search == "horizon":
            write_search_table(store, chains)
    return run


def run_grid(grid: Grid, out: str | os.PathLike, *, n_jobs: int = -1, backend: str = "loky",
             scheduler: str | None = None, progress: bool = True) -> RunOutcome:
    """Run (or resume) every cell of ``grid`` into the folder ``out``."""
    return run_chains(grid, out, grid_chains(grid), n_jobs=n_jobs, backend=backend,
                      scheduler=scheduler, progress=progress,
                      planned=[cell for _, point in points(grid)
                               for cell in point.cells() + point.tuning_cells()]).outcome()


def run_search(grid: Grid, out: str | os.PathLike, *, n_jobs: int = -1, backend: str = "loky",
               scheduler: str | None = None, progress: bool = True) -> RunOutcome:
    """Run (or resume) the horizon search of ``grid`` into ``out``."""
    return run_chains(grid, out, search_chains(grid), n_jobs=n_jobs, backend=backend,
                      scheduler=scheduler, progress=progress).outcome()


def run(grid: Grid, out: str | os.PathLike, **options) -> RunOutcome:
    """The grid's own kind of run: its horizon search, or every cell of its lengths."""
    return (run_search if grid.search == "horizon" else run_grid)(grid, out, **options)
