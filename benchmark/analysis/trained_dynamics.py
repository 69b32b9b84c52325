"""Trained dynamics against outcome, cell by cell: how far the slowest direction of a cell's
state decays over its whole input, |lambda_1| * T (lambda_1 the largest Lyapunov exponent in
nats per step, T the input length; e^(-|lambda_1| T) is what that direction keeps of itself
over the input), at initialisation and at the end of training, for the cells that solved
and those that did not.

How well it separates them is the share of (solved, failed) pairs of cells in which the
solved cell has the smaller |lambda_1| * T (ties count half): the Mann-Whitney U statistic
over the product of the group sizes, 1 for perfect separation, 0.5 for none. It describes
trained models; a model that solves has learnt to hold its answer, so the end-of-training
value is a consequence of solving as much as a cause.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

MOMENTS = ("init", "end")
QUANTILES = (0.5, 0.9)


def decay_over_input(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per cell that recorded its dynamics at both moments: task, model, seq_len,
    seed, solved and ``decay_init`` / ``decay_end``, |lambda_1| * T (a positive lambda_1,
    a direction that grows, gives a negative value: it keeps more than itself)."""
    rows = []
    if "dynamics" not in summary:
        return pd.DataFrame()
    for row in summary.itertuples():
        if not isinstance(row.dynamics, str):
            continue
        found = json.loads(row.dynamics)
        if not all(found.get(m, {}).get("lyapunov") for m in MOMENTS):
            continue
        length = int(row.input_length) if "input_length" in summary else int(row.seq_len)
        rows.append({"task": row.task, "model": row.model, "seq_len": row.seq_len,
                     "seed": row.seed, "solved": bool(row.solved),
                     **{f"decay_{m}": -found[m]["lyapunov"][0] * length for m in MOMENTS}})
    return pd.DataFrame(rows)


def separation(solved, failed) -> float:
    """Share of (solved, failed) pairs in which the solved value is the smaller (ties: half);
    NaN where either group is empty."""
    solved, failed = np.asarray(solved, float), np.asarray(failed, float)
    if solved.size == 0 or failed.size == 0:
        return math.nan
    below = (solved[:, None] < failed[None, :]).sum()
    ties = (solved[:, None] == failed[None, :]).sum()
    return float((below + 0.5 * ties) / (solved.size * failed.size))


def separation_table(cells: pd.DataFrame) -> pd.DataFrame:
    """Per task: the number of solved and failed cells, the quantiles of |lambda_1| * T at
    the end in each group, and the separation at initialisation and at the end."""
    rows = []
    for task, mine in cells.groupby("task", sort=False):
        solved, failed = mine[mine["solved"]], mine[~mine["solved"]]
        row = {"task": task, "n_solved": len(solved), "n_failed": len(failed)}
        for name, group in (("solved", solved), ("failed", failed)):
            for q in QUANTILES:
                row[f"{name}_end_q{q}"] = (float(group["decay_end"].quantile(q))
                                           if len(group) else math.nan)
        for moment in MOMENTS:
            row[f"separation_{moment}"] = separation(solved[f"decay_{moment}"],
                                                     failed[f"decay_{moment}"])
        rows.append(row)
    return pd.DataFrame(rows)
