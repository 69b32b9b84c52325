"""The report's generated summary, on a constructed horizon table with known answers."""

import math

import pandas as pd

from benchmark.report.summary import summary_lines


def _row(task, model, low, high, beats=(math.nan, math.nan), pattern="10: 3/3"):
    return {"task": task, "model": model, "horizon_low": low, "horizon_high": high,
            "beats_low": beats[0], "beats_high": beats[1], "success_pattern": pattern}


def test_summary_names_the_leader_every_bracket_and_the_graded_rule():
    horizons = pd.DataFrame([
        _row("adding", "rnn", 10, 30), _row("adding", "gru", 100, math.inf),
        _row("adding", "lstm", 30, 100, beats=(100, math.inf)),
        _row("copy_memory", "gru", 0, 10), _row("copy_memory", "rnn", 0, 10),
        _row("noisy_sine", "gru", 10, math.inf, pattern="10: 3/3, 30: 3/3"),
    ])
    agg = pd.DataFrame([{"task": "adding", "model": m, "seq_len": n,
                         "grad_reach_fraction_init": f} for m, n, f in
                        (("rnn", 30, 0.13), ("gru", 100, 0.14), ("lstm", 100, 0.12),
                         ("lstm", 30, 0.5))])
    labels = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}
    text = "\n".join(summary_lines(horizons, agg, ["adding", "copy_memory", "noisy_sine"],
                                   ["noisy_sine"], labels))
    assert "**adding**: held longest by GRU (beyond the longest length run)" in text
    # longest first; the graded rule carries the LSTM further than the strict one
    assert "GRU [100, ∞); LSTM [30, 100); RNN [10, 30)" in text
    assert "holds longer for: LSTM [100, ∞)" in text
    # each model at the length where it first failed; the GRU never did: its longest
    assert "where each model first failed (or its longest): GRU 14% (T = 100), LSTM 12% " \
        "(T = 100), RNN 13% (T = 30)" in text
    assert "**copy_memory**: no model solved even the shortest length" in text
    assert "**noisy_sine** (control, no gap to bridge): every model solved every length" in text
    assert "figures/" not in text  # the figure is linked by its section (catalogue.py)


def test_training_diagnostics_are_medians_of_the_last_training_loss_and_clipping():
    from benchmark.report.data import training_diagnostics

    keys = {"task": "adding", "model": "m", "seq_len": 30}
    curves = pd.DataFrame([{**keys, "seed": s, "step": step, "metric": "train_loss",
                            "value": value}
                           for s, pairs in ((0, ((50, 1.0), (100, 0.2))),
                                            (1, ((50, 1.0), (100, 0.4))),
                                            (2, ((50, 1.0), (100, 0.6))))
                           for step, value in pairs])
    summary = pd.DataFrame([{**keys, "seed": s, "clipped_fraction": c, "final_metric": f}
                            for s, c, f in ((0, 0.1, 0.3), (1, 0.5, 0.5), (2, 0.9, 0.7))])
    row = training_diagnostics(curves, summary).iloc[0]
    assert (row["train_loss_end"], row["clipped_fraction"], row["final_metric"]) == \
        (0.4, 0.5, 0.5)


def test_differences_that_state_one_fact_are_one_line():
    from benchmark.report.tables import differences_in_words

    base = {"task": "adding", "seq_len": 100, "measure": "final_metric",
            "verdict": "significant", "better": "gru", "q_value": 0.01, "n_pairs": 3,
            "n_a_better": 3, "n_b_better": 0, "min_p": 0.25}
    comparisons = pd.DataFrame([
        {**base, "model_a": "gru", "model_b": "rnn", "mean_a": 0.01, "mean_b": 0.16,
         "differences": "-0.15 -0.14 -0.16"},
        # the GRU as model_b: its differences must be turned round to read better − worse
        {**base, "model_a": "lstm", "model_b": "gru", "mean_a": 0.11, "mean_b": 0.01,
         "n_a_better": 0, "n_b_better": 3, "differences": "0.1 0.2 0.05"},
        {**base, "seq_len": 30, "model_a": "gru", "model_b": "rnn", "mean_a": 0.01,
         "mean_b": 0.1, "differences": "-0.09 -0.1 -0.08"},
        {**base, "verdict": "consistent", "model_a": "lstm", "model_b": "rnn",
         "better": "lstm", "mean_a": 0.1, "mean_b": 0.2, "differences": "-1 -1 -1"}])
    labels = {"gru": "GRU", "rnn": "RNN", "lstm": "LSTM"}
    lines = differences_in_words(comparisons, labels, "significant")
    assert lines == [
        "- GRU on adding at T = 30: lower error than RNN (0.01 vs 0.1; q = 0.01; per seed "
        "-0.09 -0.1 -0.08)",
        "- GRU on adding at T = 100: lower error than RNN (0.01 vs 0.16; q = 0.01; per seed "
        "-0.15 -0.14 -0.16), LSTM (0.01 vs 0.11; q = 0.01; per seed -0.1 -0.2 -0.05)"]
    assert differences_in_words(comparisons, labels, "consistent") == [
        "- LSTM on adding at T = 100: lower error than RNN (0.1 vs 0.2; 3/3 seeds, smallest "
        "attainable p 0.25; per seed -1 -1 -1)"]
