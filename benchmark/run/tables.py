"""The tables a finished run writes beside its cells, in the grid's order whatever the timing:
summary.csv and the long tables, the tuning summary and rate selection, and search.csv."""

from __future__ import annotations

import pandas as pd

from benchmark.run.config import Cell, Grid
from benchmark.run.lr_selection import select_lr
from benchmark.run.scale import ANCHOR, SCALE_DIR, points
from benchmark.run.search import validation_bracket
from benchmark.run.store import RunStore, atomic_write


def in_grid_order(grid: Grid, cells: list[Cell], tuning: bool = False) -> list[Cell]:
    """Each cell once, in the grid's order (task, length, [rate,] seed, model; as
    ``Grid.cells`` and ``Grid.tuning_cells`` list them), whatever order they finished in: the
    tables of a run do not depend on timing or n_jobs."""
    tasks = {key: i for i, key in enumerate(grid.tasks)}
    models = {key: i for i, key in enumerate(grid.models)}
    rates = {lr: i for i, lr in enumerate(grid.lr_grid)}

    def position(cell: Cell) -> tuple:
        rate = rates.get(cell.lr, len(rates)) if tuning else 0
        return tasks[cell.task], cell.seq_len, rate, cell.seed, models[cell.model]

    return sorted({cell.id: cell for cell in cells}.values(), key=position)


def point_store(store: RunStore, label: str) -> RunStore:
    """Where a budget point's tables go: the run folder for the anchor, ``scale/<label>/``
    for the others (their cells stay in the run's ``cells/``)."""
    if label == ANCHOR:
        return store
    return RunStore(store.root / SCALE_DIR / label, cells_dir=store.cells_dir)


def write_tables(store: RunStore, run, record: dict | None = None) -> None:
    """Per budget point (one without --scale): summary.csv and the long tables of its
    evaluation cells, its tuning cells' summary and its learning-rate selection; a point
    other than the anchor also gets a run.json (its own grid, the run's environment), so its
    folder reads as an ordinary run."""
    for label, grid in points(run.grid):
        target = point_store(store, label)
        target.root.mkdir(parents=True, exist_ok=True)
        if label != ANCHOR and record is not None:
            target.write_run({**record, "grid": grid.to_dict(),
                              "budget_point": {"label": label, "run": "../.."}})
        target.write_tables(in_grid_order(grid, run.evaluation_cells.get(label, [])))
        tuning = run.tuning_cells.get(label, [])
        if tuning:
            target.write_tables(in_grid_order(grid, tuning, tuning=True), prefix="tuning_")
            selection = select_lr(target.load_summary(prefix="tuning_"))
            atomic_write(target.root / "lr_selection.csv",
                         lambda h, t=selection: t.to_csv(h, index=False))


def write_search_table(store: RunStore, chains) -> None:
    """search.csv of each budget point: every probe of every chain, with the chain's (median
    seed's) validation bracket."""
    rows: dict[str, list[dict]] = {}
    for chain in chains:
        found = validation_bracket(chain.outcomes)
        for row in chain.probes:
            rows.setdefault(chain.point, []).append(
                {**row, "bracket_solved": found.solved,
                 "bracket_failed": found.failed if found.failed is not None else -1})
    for label, probes in rows.items():
        table = pd.DataFrame(probes)
        atomic_write(point_store(store, label).root / "search.csv",
                     lambda h, t=table: t.to_csv(h, index=False))
