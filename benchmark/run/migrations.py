"""Runs written by earlier versions of the suite, brought up to the current form on read.

Every compatibility rule lives here, so the main paths read one form only: a summary that
predates the graded outcome gets it where its own numbers determine it; cell files that
predate checksums get theirs (rewritten whole, after being read back in full).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from benchmark.run.schema import CHECKSUM, CorruptCellFile
from core.rules import beats_baseline
from tasks import TASKS


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


def upgrade_cell_files(store) -> int:
    """Checksums for cell files written before they existed (call while holding the lock);
    unreadable ones are left for the run to report and recompute. Returns how many."""
    upgraded = 0
    for path in sorted(store.cells_dir.glob("*.npz")):
        try:
            upgraded += add_checksum(store, path)
        except CorruptCellFile:
            continue
    return upgraded


def add_checksum(store, path) -> bool:
    """Give a cell file written before checksums existed its checksum, after reading it back
    whole (CorruptCellFile if it cannot be); False if it has one already. Call while holding
    the lock."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if CHECKSUM in data.files:
                return False
    except Exception as err:  # noqa: BLE001
        raise CorruptCellFile(f"{path}: {type(err).__name__}: {err}") from None
    record = store.read_cell(path, legacy=True)
    store.write_record(path, record["summary"], record["curve"], record["gradients"])
    return True
