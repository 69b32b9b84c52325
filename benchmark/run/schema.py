"""The column sets of a run's tables, defined once: every module that writes or reads them
imports these names (and the one rule for which cells count)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.run.config import CELL_KEYS

KEYS = CELL_KEYS  # identify a cell in every long table: task, model, seq_len, seed
GROUP = KEYS[:3]  # one row of the per-length statistics: task, model, seq_len
CURVE_COLUMNS = {"step": np.int32, "metric": str, "value": np.float64}
GRADIENT_COLUMNS = {"step": np.int32, "kind": str, "t": np.int32, "value": np.float64}
CHECKSUM = "sha256"  # the member of a cell file that holds the checksum of the others


def empty_columns(columns: dict[str, type]) -> dict[str, np.ndarray]:
    """A record of no rows with the given columns (a crashed cell's curve and gradients)."""
    return {name: np.zeros(0, dtype=dtype) for name, dtype in columns.items()}


def as_columns(columns: dict[str, type], values: dict[str, list]) -> dict[str, np.ndarray]:
    """Lists of one cell's records as typed numpy columns (they pickle and store cheaply)."""
    return {name: np.asarray(values[name], dtype=dtype) for name, dtype in columns.items()}


class CorruptCellFile(Exception):
    """A cell file that cannot be read back (truncated, not an npz, missing fields)."""


def cell_commits(summaries) -> dict[str, int]:
    """How many cells (summary dicts) each commit computed ("unknown": cells written before
    cells carried their commit); more than one key, or a "-dirty" one, is what a report
    flags."""
    counts: dict[str, int] = {}
    for summary in summaries:
        commit = summary.get("git_commit")
        commit = commit if isinstance(commit, str) and commit else "unknown"  # (NaN from CSV)
        counts[commit] = counts.get(commit, 0) + 1
    return dict(sorted(counts.items()))


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
