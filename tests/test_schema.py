"""The one divergence rule, on a constructed summary with known answers."""

import math

import pandas as pd
import pytest

from benchmark.run.judgement import apply_divergence_rule
from core.rules import DIVERGENCE_FACTOR


def test_blow_ups_and_non_finite_losses_score_exactly_the_baseline():
    base = {"baseline": 1 / 6, "normalised_error": 0.0, "solved": True,
            "solved_validation": True, "message": "", "beats_baseline": True,
            "baseline_gain": 0.9, "test_loss": 0.01}
    summary = pd.DataFrame([
        {**base, "status": "ok", "final_metric": 0.01, "validation_metric": 0.01},
        {**base, "status": "ok", "final_metric": 1.1e7, "validation_metric": 2e6},
        {**base, "status": "ok", "final_metric": math.inf, "validation_metric": 0.1},
        {**base, "status": "diverged", "final_metric": 0.54, "validation_metric": 0.48},
        {**base, "status": "ok", "final_metric": 0.99 * DIVERGENCE_FACTOR / 6,
         "validation_metric": 1},
    ])
    scored = apply_divergence_rule(summary)
    assert list(scored["status"]) == ["ok", "diverged", "diverged", "diverged", "ok"]
    blown = scored[scored["status"] == "diverged"]
    assert (blown["final_metric"] == 1 / 6).all() and (blown["validation_metric"] == 1 / 6).all()
    assert (blown["normalised_error"] == 1).all() and not blown["solved"].any()
    assert not blown["beats_baseline"].any() and (blown["baseline_gain"] == 0).all()
    assert blown["test_loss"].isna().all()
    assert "above 10x the baseline" in blown["message"].iloc[0]
    assert scored.loc[0, "final_metric"] == 0.01  # the others untouched
    assert apply_divergence_rule(scored).equals(scored)  # idempotent


def test_old_cells_get_the_graded_outcome_only_where_the_summary_determines_it():
    from benchmark.run.migrations import fill_graded_outcome

    summary = pd.DataFrame([
        {"task": "adding", "status": "ok", "final_metric": 0.10, "baseline": 1 / 6},
        {"task": "adding", "status": "ok", "final_metric": 0.16, "baseline": 1 / 6},
        {"task": "copy_memory", "status": "ok", "final_metric": 0.5, "baseline": 7 / 8},
    ])
    filled = fill_graded_outcome(summary)
    assert filled.loc[0, "baseline_gain"] == pytest.approx(0.4) and filled.loc[0, "beats_baseline"]
    assert not filled.loc[1, "beats_baseline"]  # 4 % below: inside the margin
    # copy_memory is graded on the test loss, which old cells never recorded: left empty
    assert math.isnan(filled.loc[2, "baseline_gain"]) and pd.isna(filled.loc[2, "beats_baseline"])
    # cells that recorded it keep their own values
    recorded = summary.assign(baseline_gain=0.05, beats_baseline=False)
    assert (fill_graded_outcome(recorded)["baseline_gain"] == 0.05).all()
