"""Do stored cells reproduce at HEAD? Recompute a sample of a run's cells and compare them with
what the run stored, bit for bit.

A committed reference is a claim that the code at HEAD gives its numbers. ``verify_run``
rebuilds cells from the run's own summary rows (``Cell.from_row``), trains them again in this
process, judges both sides the same way (benchmark/run/judgement.py) and compares every
recorded outcome exactly: on one machine no float difference is tolerated. The sample is the
run's cheapest cells (input steps x steps run x batch x hidden), so a check of every reference
stays cheap; ``cells=0`` checks them all.
"""

from __future__ import annotations

import math

import pandas as pd

from benchmark.run.cell import Cell
from benchmark.run.judgement import judge
from benchmark.run.store import RunStore
from benchmark.run.workers import run_cell

# What a cell measured (timings excepted): these must come out the same, exactly.
COMPARED = ("status", "final_metric", "validation_metric", "best_validation_metric",
            "test_loss", "solved", "solved_validation", "steps_to_solve", "steps_run",
            "n_params", "grad_decay_init", "grad_reach_init", "grad_decay_end",
            "grad_reach_end")


def cheapest(summary: pd.DataFrame, cells: int) -> pd.DataFrame:
    """The ``cells`` cheapest rows (all of them for 0), in a fixed order (ties by cell id)."""
    work = summary["input_length"] * summary["steps_run"] * summary["batch_size"] \
        * summary["hidden_size"]
    ordered = summary.assign(work=work).sort_values(["work", "cell_id"], kind="stable")
    return ordered if cells == 0 else ordered.head(cells)


def _same(stored, recomputed) -> bool:
    if isinstance(stored, float) and isinstance(recomputed, float) and \
            math.isnan(stored) and math.isnan(recomputed):
        return True
    if isinstance(stored, bool | int | float) and isinstance(recomputed, bool | int | float):
        return float(stored) == float(recomputed)  # exact: 1 and True and 1.0 are one value
    return stored == recomputed


def verify_run(run_dir, cells: int = 3) -> pd.DataFrame:
    """One row per (recomputed cell, compared column): cell id, task, model, seq_len, seed,
    column, stored, recomputed, same."""
    store = RunStore(run_dir)
    # what the run recorded itself: a column a migration filled in (e.g. test_loss as NaN for
    # a run written before it existed) is not a measurement to reproduce
    raw = store.load_summary(raw=True, round_trip=True)
    recorded = set(raw.columns)
    stored = cheapest(judge(raw), cells)
    rows = []
    for record in stored.to_dict("records"):
        result = run_cell(Cell.from_row(record))
        again = judge(pd.DataFrame([result.summary])).iloc[0].to_dict()
        for column in COMPARED:
            if column not in recorded:  # a run written before the column existed
                continue
            rows.append({"cell_id": record["cell_id"], "task": record["task"],
                         "model": record["model"], "seq_len": record["seq_len"],
                         "seed": record["seed"], "column": column,
                         "stored": record[column], "recomputed": again.get(column),
                         "same": _same(record[column], again.get(column))})
    return pd.DataFrame(rows)
