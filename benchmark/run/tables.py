"""The tables a finished run writes beside its cells, in the grid's order whatever the timing:
summary.csv and the long tables, the tuning summary and rate selection, and search.csv."""

from __future__ import annotations

import pandas as pd

from benchmark.run.config import Cell, Grid
from benchmark.run.lr_selection import select_lr
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


def write_tables(store: RunStore, run) -> None:
    """summary.csv and the long tables of the evaluation cells; the tuning cells' summary
    and the learning-rate selection where rates were tuned."""
    store.write_tables(in_grid_order(run.grid, run.evaluation_cells))
    if run.tuning_cells:
        store.write_tables(in_grid_order(run.grid, run.tuning_cells, tuning=True),
                           prefix="tuning_")
        selection = select_lr(store.load_summary(prefix="tuning_"))
        atomic_write(store.root / "lr_selection.csv", lambda h: selection.to_csv(h, index=False))


def write_search_table(store: RunStore, chains) -> None:
    """search.csv: every probe of every chain, with the chain's (median seed's) validation
    bracket."""
    rows = []
    for chain in chains:
        found = validation_bracket(chain.outcomes)
        for row in chain.probes:
            rows.append({**row, "bracket_solved": found.solved,
                         "bracket_failed": found.failed if found.failed is not None else -1})
    table = pd.DataFrame(rows)
    atomic_write(store.root / "search.csv", lambda h: table.to_csv(h, index=False))
