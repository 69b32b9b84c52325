"""Variants against their base model: paired on seeds, at every shared rate and at their own."""

import pandas as pd

from benchmark.analysis import variants


def _cells(model, lr, seeds, solved, column):
    return [{"task": "adding", "seq_len": 30, "model": model, "lr": lr, "seed": s,
             "status": "ok", column: ok, "validation_metric": 0.1, "final_metric": 0.1}
            for s, ok in zip(seeds, solved, strict=True)]


def test_pairs_are_variants_whose_base_ran():
    models = ["rnn", "rnn:init=identity:nonlinearity=relu", "lstm:forget_bias=1.0", "gru"]
    assert variants.variant_pairs(models) == [("rnn", "rnn:init=identity:nonlinearity=relu")]


def test_shared_rate_and_own_rate_counts():
    variant = "lstm:forget_bias=1.0"
    tuning = pd.DataFrame(
        _cells("lstm", 1e-3, [1000, 1001], [False, False], "solved_validation")
        + _cells(variant, 1e-3, [1000, 1001], [True, False], "solved_validation")
        + _cells("lstm", 1e-2, [1000, 1001], [True, True], "solved_validation")
        + _cells(variant, 1e-2, [1000, 1001], [True, True], "solved_validation"))
    summary = pd.DataFrame(
        _cells("lstm", 3e-3, [0, 1, 2], [False, True, False], "solved")
        # seed 2 of the variant crashed: only seeds both models have are compared
        + _cells(variant, 1e-2, [0, 1], [True, True], "solved")
        + [{**_cells(variant, 1e-2, [2], [False], "solved")[0], "status": "error"}])
    effects = variants.shared_rate_effects(tuning, summary, ["lstm", variant])
    by_rate = effects.set_index("lr")
    assert (by_rate.loc["0.001", ["base_solved", "variant_solved", "n"]] == [0, 1, 2]).all()
    assert (by_rate.loc["0.01", ["base_solved", "variant_solved", "n"]] == [2, 2, 2]).all()
    own = by_rate.loc["own"]
    assert (own["base_solved"], own["variant_solved"], own["n"]) == (1, 2, 2)
    assert (own["base_lr"], own["variant_lr"]) == (3e-3, 1e-2)
    assert own["data"].startswith("test") and by_rate.loc["0.01", "data"].startswith("valid")
    # without tuning cells (one shared rate): the own-rate row only
    alone = variants.shared_rate_effects(None, summary, ["lstm", variant])
    assert list(alone["lr"]) == ["own"]
