"""What a run's measurements mean, judged on read: the one place that derives outcomes.

Cell files and summary.csv hold what was measured. Everything that reads a summary for a
decision or a table (the rate selection, the horizon search, the statistics, the report)
reads it through ``judge``: the divergence rule, applied to a summary brought up to the current
form (benchmark/run/migrations.py). Judging twice changes nothing.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from benchmark.run.migrations import fill_graded_outcome
from core.rules import DIVERGENCE_FACTOR


def judge(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as every decision and table reads it (see the module docstring)."""
    return apply_divergence_rule(fill_graded_outcome(summary))


def apply_divergence_rule(summary: pd.DataFrame) -> pd.DataFrame:
    """One rule for a run away model, whatever its task: a cell whose loss turned non-finite
    (status ``diverged`` already), or whose test error is non-finite or above
    DIVERGENCE_FACTOR x the task's baseline, is ``diverged``, and scores exactly the baseline
    everywhere (final, validation and best metric; normalised error 1; not solved, no gain over
    the baseline, test loss unknown). Why the factor: core/rules.py."""
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
                          ("test_loss", math.nan), ("validation_loss", math.nan)):
        if column in summary:
            summary.loc[diverged, column] = value
    return summary
