"""run_search: the horizon search, run as chains of ordinary cells submitted as results arrive.

Each (task, model) is a chain: at each length it runs the learning-rate tuning cells (with
``lr_grid``), chooses the rate on validation, runs the evaluation seeds, and asks
``search.next_probe`` where to go next. Chains run side by side on the same workers (joblib's
loky executor, or Dask futures), so the cores stay busy while each chain waits only for its
own cells. Every cell is an ordinary cell of the run folder: a killed search resumes and
recomputes nothing finished, and since a chain's decisions read only its own cells' numbers,
the probed lengths are the same whatever ``n_jobs`` or backend.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os

import pandas as pd
from tqdm.auto import tqdm

from benchmark.run.config import TUNE_SEED_OFFSET, Cell, Grid
from benchmark.run.lr_selection import chosen_rates, select_lr
from benchmark.run.runner import RunOutcome, engine, finished_summary, open_run, run_cell
from benchmark.run.search import SearchPlan, bracket, next_probe
from benchmark.run.store import RunStore, atomic_write
from core.rules import enough_solved


@dataclasses.dataclass
class Chain:
    """One (task, model)'s search: what it probed and what it waits for."""

    task: str
    model: str
    outcomes: dict[int, bool] = dataclasses.field(default_factory=dict)
    probes: list[dict] = dataclasses.field(default_factory=list)  # rows of search.csv
    probe: tuple[int, str] | None = None  # the length being probed and why
    phase: str = ""  # "tune" or "evaluate"
    lr: float = float("nan")
    waiting: set[str] = dataclasses.field(default_factory=set)  # ids of submitted cells
    done: bool = False


def plan_of(grid: Grid) -> SearchPlan:
    return SearchPlan(min(grid.lengths), max(grid.lengths), grid.growth, grid.resolution)


class _Inline:
    """An executor that runs each cell at submission, in this process (``n_jobs = 1``)."""

    def submit(self, fn, *args):
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(fn(*args))
        return future


def _executor(client, n_jobs: int):
    if client is not None:
        return client  # Dask futures: client.submit(fn, *args)
    if n_jobs == 1:
        return _Inline()
    # joblib's own loky executor (not loky's bare one): a later joblib.Parallel in the same
    # process reuses it, where the bare one breaks it
    from joblib.executor import get_memmapping_executor

    return get_memmapping_executor(n_jobs if n_jobs > 0 else os.cpu_count())


def _stop_workers(executor) -> None:
    """On Ctrl-C or SIGTERM, end the local workers now: their running cells are lost (they
    were not finished, so nothing finished is), where waiting for them could take as long as
    a cell at the longest length. Dask's workers belong to their cluster and are left."""
    if isinstance(executor, concurrent.futures.Executor):  # loky's; a Dask Client is not one
        executor.shutdown(wait=False, kill_workers=True)


def _wait_first(futures, client):
    if client is not None:
        from dask.distributed import wait

        return wait(futures, return_when="FIRST_COMPLETED").done
    return concurrent.futures.wait(futures, return_when="FIRST_COMPLETED").done


class _Search:
    def __init__(self, grid: Grid, store: RunStore, executor, client, bar) -> None:
        self.grid, self.store, self.executor, self.client, self.bar = grid, store, executor, \
            client, bar
        self.plan = plan_of(grid)
        self.parent = None if client is not None else os.getpid()  # local workers exit with it
        self.summaries: dict[str, dict] = {}  # cell id -> summary, every finished cell
        self.futures: dict = {}  # future -> (chain, cell)
        self.corrupt: list[str] = []
        self.skipped = self.computed = self.failed = 0
        self.tuning_cells: list[Cell] = []
        self.evaluation_cells: list[Cell] = []

    def cells(self, chain: Chain) -> list[Cell]:
        length = chain.probe[0]
        if chain.phase == "tune":
            return [self.grid.cell(chain.task, chain.model, length, TUNE_SEED_OFFSET + s, lr=lr)
                    for lr in self.grid.lr_grid for s in range(self.grid.tune_seeds)]
        return [self.grid.cell(chain.task, chain.model, length, s, lr=chain.lr)
                for s in range(self.grid.seeds)]

    def advance(self, chain: Chain) -> None:
        """Move a chain on until it waits for cells or is done."""
        while not chain.waiting and not chain.done:
            if chain.probe is None:
                chain.probe = next_probe(chain.outcomes, self.plan)
                if chain.probe is None:
                    chain.done = True
                    return
                chain.phase, chain.lr = ("tune", float("nan")) if self.grid.lr_grid \
                    else ("evaluate", self.grid.lr)
            cells = self.cells(chain)
            (self.tuning_cells if chain.phase == "tune" else self.evaluation_cells).extend(cells)
            for cell in cells:
                stored = finished_summary(self.store, cell, self.corrupt)
                if stored is not None:
                    self.summaries[cell.id] = stored
                    self.skipped += 1
                    self.bar.update()
                else:
                    future = self.executor.submit(run_cell, cell, self.parent)
                    self.futures[future] = (chain, cell)
                    chain.waiting.add(cell.id)
            if not chain.waiting:
                self.finish_phase(chain, cells)

    def finish_phase(self, chain: Chain, cells: list[Cell]) -> None:
        summaries = [self.summaries[c.id] for c in cells]
        if chain.phase == "tune":
            chain.lr = chosen_rates(select_lr(pd.DataFrame(summaries)))[
                (chain.task, chain.model, chain.probe[0])]
            chain.phase = "evaluate"
            return
        length, reason = chain.probe
        n_solved = sum(bool(s.get("solved_validation")) for s in summaries)
        solved = bool(enough_solved(n_solved, len(summaries)))  # on validation
        chain.outcomes[length] = solved
        chain.probes.append({"task": chain.task, "model": chain.model, "seq_len": length,
                             "order": len(chain.probes), "reason": reason, "lr": chain.lr,
                             "n_seeds": len(summaries), "n_solved_validation": n_solved,
                             "solved": solved})
        chain.probe = None

    def run(self, chains: list[Chain]) -> None:
        for chain in chains:
            self.advance(chain)
        while self.futures:
            for future in _wait_first(list(self.futures), self.client):
                chain, cell = self.futures.pop(future)
                result = future.result()
                self.store.write_cell(result)
                self.summaries[cell.id] = result.summary
                self.computed += 1
                self.failed += result.summary["status"] == "error"
                self.bar.update()
                chain.waiting.discard(cell.id)
                if not chain.waiting:
                    self.finish_phase(chain, self.cells(chain))
                    self.advance(chain)


def run_search(grid: Grid, out: str | os.PathLike, *, n_jobs: int = -1, backend: str = "loky",
               scheduler: str | None = None, progress: bool = True) -> RunOutcome:
    """Run (or resume) the horizon search of ``grid`` into ``out``."""
    store = RunStore(out)
    with open_run(store, grid, n_jobs, backend, scheduler):
        chains = [Chain(task, model) for task in grid.tasks for model in grid.models]
        bar = tqdm(unit="cell", disable=not progress, desc=store.root.name, dynamic_ncols=True)
        with bar, engine(backend, n_jobs, scheduler) as client:
            executor = _executor(client, n_jobs)
            search = _Search(grid, store, executor, client, bar)
            try:
                search.run(chains)
            except BaseException:
                _stop_workers(executor)
                raise
        write_search_tables(store, search, chains)
    return RunOutcome(search.skipped + search.computed, search.skipped, search.computed,
                      search.failed, search.corrupt)


def write_search_tables(store: RunStore, search: _Search, chains: list[Chain]) -> None:
    store.write_tables(search.evaluation_cells)
    if search.tuning_cells:
        store.write_tables(search.tuning_cells, prefix="tuning_")
        selection = select_lr(store.load_summary(prefix="tuning_"))
        atomic_write(store.root / "lr_selection.csv", lambda h: selection.to_csv(h, index=False))
    rows = []
    for chain in chains:
        found = bracket(chain.outcomes, search.plan)
        for row in chain.probes:
            rows.append({**row, "bracket_solved": found.solved,
                         "bracket_failed": found.failed if found.failed is not None else -1})
    table = pd.DataFrame(rows)
    atomic_write(store.root / "search.csv", lambda h: table.to_csv(h, index=False))
