"""The one divergence rule, on a constructed summary with known answers."""

import math

import pandas as pd

from benchmark.schema import DIVERGENCE_FACTOR, apply_divergence_rule


def test_blow_ups_and_non_finite_losses_score_exactly_the_baseline():
    base = {"baseline": 1 / 6, "normalised_error": 0.0, "solved": True,
            "solved_validation": True, "message": ""}
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
    assert "above 10x the baseline" in blown["message"].iloc[0]
    assert scored.loc[0, "final_metric"] == 0.01  # the others untouched
    assert apply_divergence_rule(scored).equals(scored)  # idempotent
