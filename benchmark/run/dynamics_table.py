"""``dynamics_init.csv``: each (task, model, seed) of a finished run at initialisation, without
training anything: the Lyapunov exponents, the growth of the leading direction, the time
constants and the gradient reach its model has on that task's inputs at one reference
length (``benchmark dynamics``). Initial weights depend on the architecture, its
initialisation and the seed, not on training, so a committed run gets its mechanism table in
seconds per cell.

The cells are the run's own settings at the reference length (the same seeds; the model's
weights drawn as for a cell at that length), so a length-informed initialisation (the chrono
LSTM's T_max, the LMU's theta) is set for that length.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

from benchmark.run.cell import Cell
from benchmark.run.store import RunStore, atomic_write
from benchmark.run.train import initial_dynamics

TABLE = "dynamics_init.csv"


def _row(cell: Cell, k: int) -> dict:
    import torch

    torch.set_num_threads(1)  # one cell per worker, as the runs do
    found = initial_dynamics(cell, k)
    exponents = found["lyapunov"]
    return {"task": cell.task, "model": cell.model, "seed": cell.seed, "seq_len": cell.seq_len,
            **{f"lyapunov_{i + 1}": v for i, v in enumerate(exponents)},
            "log10_growth": found["log10_growth"],
            "grad_reach_fraction_init": found["grad_reach_fraction_init"],
            "retention": found.get("retention", ""),
            **{f"tau_q{q}": v for q, v in found.get("tau_quantiles", {}).items()}}


def reference_cells(root: Path, length: int) -> list[Cell]:
    """Per (task, model, seed) of the run's evaluation cells, the same cell at ``length``."""
    summary = RunStore(root).load_usable_summary()
    chosen = {}
    for row in summary.to_dict("records"):
        cell = Cell.from_row(row)
        key = (cell.task, cell.model, cell.seed)
        if key not in chosen:
            chosen[key] = dataclasses.replace(cell, seq_len=length)
    return list(chosen.values())


def write_dynamics_table(root: str | Path, length: int = 100, k: int = 8,
                         n_jobs: int = -1) -> pd.DataFrame:
    """Compute and write ``dynamics_init.csv`` into the run folder ``root``."""
    root = Path(root)
    cells = reference_cells(root, length)
    rows = Parallel(n_jobs=n_jobs)(delayed(_row)(cell, k) for cell in cells)
    table = pd.DataFrame(rows).sort_values(["task", "model", "seed"], kind="stable")
    atomic_write(root / TABLE, lambda h: table.to_csv(h, index=False))
    return table
