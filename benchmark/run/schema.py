"""The column sets of a run's tables, defined once: every module that writes or reads them
imports these names (and the one rule for which cells count)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from benchmark.run.config import CELL_KEYS
from core.rules import DIVERGENCE_FACTOR, beats_baseline
from tasks import TASKS

KEYS = CELL_KEYS  # identify a cell in every long table: task, model, seq_len, seed
GROUP = KEYS[:3]  # one row of the per-length statistics: task, model, seq_len
CURVE_COLUMNS = {"step": np.int32, "metric": str, "value": np.float64}
GRADIENT_COLUMNS = {"step": np.int32, "kind": str, "t": np.int32, "value": np.float64}


def empty_columns(columns: dict[str, type]) -> dict[str, np.ndarray]:
    """A record of no rows with the given columns (a crashed cell's curve and gradients)."""
    return {name: np.zeros(0, dtype=dtype) for name, dtype in columns.items()}


def as_columns(columns: dict[str, type], values: dict[str, list]) -> dict[str, np.ndarray]:
    """Lists of one cell's records as typed numpy columns (they pickle and store cheaply)."""
    return {name: np.asarray(values[name], dtype=dtype) for name, dtype in columns.items()}


def fill_graded_outcome(summary: pd.DataFrame) -> pd.DataFrame:
    """Give cells written before the graded outcome existed their ``baseline_gain`` and
    ``beats_baseline`` where the summary alone determines them: tasks graded on their metric
    (its memoryless baseline is the ``baseline`` column). Tasks graded on the loss need the
    test loss, which such cells never recorded: they stay empty (NaN), never guessed."""
    summary = summary.copy()
    if summary.empty or "final_metric" not in summary:
        return summary
    for column in ("baseline_gain", "beats_baseline", "test_loss"):
        if column not in summary:
            summary[column] = math.nan
    summary["beats_baseline"] = summary["beats_baseline"].astype(object)
    on_metric = summary["task"].map(lambda t: getattr(TASKS.get(t), "graded_on", "") == "metric"
                                    if t in TASKS else False)
    missing = summary["baseline_gain"].isna() & on_metric.astype(bool)
    gain = 1 - summary["final_metric"].astype(float) / summary["baseline"].astype(float)
    summary.loc[missing, "baseline_gain"] = gain[missing]
    summary.loc[missing, "beats_baseline"] = beats_baseline(summary["status"] == "ok",
                                                            gain)[missing]
    return summary


def apply_divergence_rule(summary: pd.DataFrame) -> pd.DataFrame:
    """One rule for a run away model, whatever its task: a cell whose loss turned non-finite
    (status ``diverged`` already), or whose test error is non-finite or above
    DIVERGENCE_FACTOR x the task's baseline, is ``diverged``, and scores exactly the baseline
    everywhere (final, validation and best metric; normalised error 1; not solved, no gain over
    the baseline, test loss unknown). Ten times
    the memoryless error is far beyond anything training towards the target produces (the
    worst other cell of the reference run sat at 1.04x), yet a blow-up (an IRNN at 7e7) is
    caught."""
    summary = summary.copy()
    if summary.empty or "final_metric" not in summary:
        return summary
    final = summary["final_metric"].astype(float)
    blown = (summary["status"] == "ok") & (~np.isfinite(final)
                                            | (final > DIVERGENCE_FACTOR * summary["baseline"]))
    summary.loc[blown, "message"] = [f"test error {v:.3g} above {DIVERGENCE_FACTOR:g}x the "
                                     "baseline" for v in final[blown]]
    summary.loc[blown, "status"] = "diverged"
    diverged = summary["status"] == "diverged"
    for column in ("final_metric", "validation_metric", "best_validation_metric"):
        if column in summary:
            summary.loc[diverged, column] = summary.loc[diverged, "baseline"]
    summary.loc[diverged, "normalised_error"] = 1.0
    for column, value in (("solved", False), ("solved_validation", False),
                          ("beats_baseline", False), ("baseline_gain", 0.0),
                          ("test_loss", math.nan)):
        if column in summary:
            summary.loc[diverged, column] = value
    return summary


def usable(summary: pd.DataFrame) -> pd.DataFrame:
    """Cells that count: everything but crashes (status ``error``). A diverged cell counts,
    with its task's baseline as its error."""
    return summary[summary["status"] != "error"]


class ColumnLog:
    """Rows of one long table collected during a cell, returned as typed numpy columns."""

    def __init__(self, columns: dict[str, type]) -> None:
        self.columns = columns
        self.values: dict[str, list] = {name: [] for name in columns}

    def add(self, **row) -> None:
        for name in self.columns:
            self.values[name].append(row[name])

    def extend(self, **rows) -> None:
        """Several rows at once: every column a list of the same length, or a scalar."""
        length = max(len(v) for v in rows.values() if isinstance(v, list | np.ndarray))
        for name in self.columns:
            value = rows[name]
            self.values[name].extend(value if isinstance(value, list | np.ndarray)
                                     else [value] * length)

    def last(self, name: str):
        return self.values[name][-1] if self.values[name] else None

    def arrays(self) -> dict[str, np.ndarray]:
        return as_columns(self.columns, self.values)
