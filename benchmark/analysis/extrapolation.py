"""Length extrapolation read from a run's cells: how each model trained at T scores at longer
multiples of T, and the longest ratio each holds, with the seed as the unit as for horizons.

A seed holds ratio r when it is solved at r and at every smaller ratio, the trained length
itself (ratio 1, its test) included; its bracket is [the longest such ratio, the next one
scored). The model's held ratio is the median seed's bracket, with the order-statistic
interval of ``median_horizon`` (its coverage from the binomial, 75 % at 3 seeds, 94 % at 5).
"""

from __future__ import annotations

import json

import pandas as pd

from benchmark.analysis.horizon_stats import horizon_bracket, median_horizon
from benchmark.run.schema import usable

COLUMNS = ["task", "model", "seq_len", "seed", "ratio", "test_length", "metric", "baseline",
           "solved"]


def has_extrapolation(summary: pd.DataFrame) -> bool:
    return "extrapolation" in summary and summary["extrapolation"].notna().any()


def extrapolation_table(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per cell and ratio, ratio 1 being the cell's own test (empty without any)."""
    if not has_extrapolation(summary):
        return pd.DataFrame(columns=COLUMNS)
    rows = []
    for cell in usable(summary).itertuples(index=False):
        scored = json.loads(cell.extrapolation) if isinstance(cell.extrapolation, str) else []
        if not scored:
            continue
        keys = {"task": cell.task, "model": cell.model, "seq_len": cell.seq_len,
                "seed": cell.seed, "baseline": cell.baseline}
        rows.append({**keys, "ratio": 1.0, "test_length": cell.seq_len,
                     "metric": cell.final_metric, "solved": bool(cell.solved)})
        rows += [{**keys, "ratio": r["ratio"], "test_length": r["seq_len"],
                  "metric": r["metric"], "solved": bool(r["solved"])} for r in scored]
    return pd.DataFrame(rows, columns=COLUMNS)


def reference_lengths(table: pd.DataFrame) -> dict[str, int]:
    """Per task, the trained length the report compares at: the longest that every model of
    the task was trained and scored at (in a search, where all chains have cells)."""
    chosen = {}
    for task, rows in table.groupby("task", sort=False):
        per_model = [set(cells["seq_len"]) for _, cells in rows.groupby("model")]
        shared = set.intersection(*per_model)
        if shared:
            chosen[task] = int(max(shared))
    return chosen


def at_reference_lengths(summary: pd.DataFrame) -> pd.DataFrame:
    """The extrapolation table's rows at each task's reference length (empty without any)."""
    table = extrapolation_table(summary)
    lengths = reference_lengths(table)
    return table[[lengths.get(task) == length
                  for task, length in zip(table["task"], table["seq_len"], strict=True)]]


def held_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Per (task, model, trained length): the seeds, and the median seed's held ratio with
    its interval (``median_horizon``'s columns, in ratios)."""
    rows = []
    for (task, model, length), cells in table.groupby(["task", "model", "seq_len"],
                                                      sort=False):
        lows, highs = [], []
        for _, seed in cells.groupby("seed", sort=True):
            low, high = horizon_bracket(seed["ratio"], seed["solved"].astype(float))
            lows.append(low)
            highs.append(high)
        rows.append({"task": task, "model": model, "seq_len": length,
                     **median_horizon(lows, highs)})
    return pd.DataFrame(rows)
