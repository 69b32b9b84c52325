"""Statistics against answers known by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from benchmark.analysis import horizon_stats, stats


def test_wilson_interval_known_answers():
    # 0/3 and 3/3 with z = 1.95996: the classic (0, 0.5615) and (0.4385, 1).
    assert stats.wilson_interval(0, 3) == pytest.approx((0.0, 0.56151), abs=1e-4)
    assert stats.wilson_interval(3, 3) == pytest.approx((0.43849, 1.0), abs=1e-4)
    low, high = stats.wilson_interval(5, 10)
    assert low == pytest.approx(0.23659, abs=1e-4) and high == pytest.approx(0.76341, abs=1e-4)
    assert all(math.isnan(v) for v in stats.wilson_interval(0, 0))


def test_mean_interval_is_t_at_a_few_seeds_and_bootstrap_beyond():
    low, high = stats.mean_interval([1.0, 2.0, 3.0])  # mean 2, sd 1, t(2) 4.303 / sqrt(3)
    assert (low, high) == (pytest.approx(2 - 2.4841, abs=1e-4), pytest.approx(2 + 2.4841,
                                                                             abs=1e-4))
    assert low < 1.0 and high > 3.0  # wider than the range of the 3 seeds
    assert all(math.isnan(v) for v in stats.mean_interval([7.0]))  # one seed: no interval
    assert stats.mean_interval([2.0, 2.0]) == (2.0, 2.0)
    many = np.arange(12.0)
    assert stats.mean_interval(many) == stats.bootstrap_ci(many)


def test_bootstrap_ci_contains_the_mean_and_is_reproducible():
    values = np.random.default_rng(0).normal(5.0, 1.0, size=30)
    low, high = stats.bootstrap_ci(values)
    assert low < values.mean() < high
    assert high - low == pytest.approx(2 * 1.96 / math.sqrt(30), rel=0.3)
    assert stats.bootstrap_ci(values) == (low, high)
    assert stats.bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0)
    assert stats.bootstrap_ci([7.0]) == (7.0, 7.0)


def test_bh_qvalues_known_answer_and_ordering():
    q = stats.bh_qvalues([0.01, 0.04, 0.03, 0.005, np.nan])
    np.testing.assert_allclose(q[:4], [0.02, 0.04, 0.04, 0.02])
    assert np.isnan(q[4])


def test_sign_flip_test_known_answers():
    t = stats.paired_test([1, 2, 3], [0, 0, 1])  # differences 1, 2, 2: all 3 one way
    assert t["test"] == "sign-flip exact" and t["p_value"] == pytest.approx(0.25)
    assert t["min_p"] == pytest.approx(0.25)  # at 3 seeds nothing can go below 0.25
    assert (t["n_a_better"], t["n_b_better"]) == (0, 3) and t["differences"] == "1 2 2"
    six = stats.paired_test(np.arange(6) + 1.0, np.zeros(6))
    assert six["p_value"] == pytest.approx(2 / 2**6) and six["min_p"] == pytest.approx(2 / 64)
    # differences 1, 2, -3 (a symmetric set): half the flips reach |mean| 0
    mixed = stats.paired_test([1, 2, 0], [0, 0, 3])
    assert mixed["p_value"] == pytest.approx(1.0)
    # differences 3, 1, 1, -1: |sum| >= 4 for +3 with at most one -1 (4 flips) and the
    # mirror images (4): 8 of 16
    assert stats.sign_flip_p([3, 1, 1, -1]) == (pytest.approx(8 / 16), pytest.approx(2 / 16))
    same = stats.paired_test([0.5, 0.2], [0.5, 0.2])
    assert same["p_value"] == 1.0 and same["min_p"] == 1.0
    many = stats.paired_test(np.ones(20), np.zeros(20))  # Monte Carlo beyond 16 pairs
    assert many["test"] == "sign-flip Monte Carlo" and many["p_value"] < 1e-4


def test_comparisons_collapse_twins_and_compare_solved_pairs_by_steps():
    rows = []
    for seed in range(3):
        for model, err, solved, steps in (("lstm", 0.01, True, 100 + seed),
                                          ("lstm_scratch", 0.01, True, 100 + seed),
                                          ("gru", 0.009, True, 300 + seed),
                                          ("rnn", 0.5 + seed / 10, False, np.nan)):
            rows.append({"task": "t", "model": model, "seq_len": 10, "seed": seed,
                         "final_metric": err, "solved": solved, "steps_to_solve": steps})
    table = stats.compare_models(_summary(rows)).set_index(["model_a", "model_b"])
    assert "lstm_scratch" not in set(table.index.get_level_values(0)) | \
        set(table.index.get_level_values(1))  # the twin of nn.LSTM
    gru_lstm = table.loc[("gru", "lstm")]
    assert gru_lstm["measure"] == "steps_to_solve" and gru_lstm["better"] == "lstm"
    assert gru_lstm["mean_diff"] == pytest.approx(200)
    # 3/3 seeds agree, but at 3 pairs that happens one time in 4 by chance: not "consistent"
    assert gru_lstm["verdict"] == "mixed"
    assert table.loc[("gru", "rnn"), "measure"] == "final_metric"


@pytest.mark.parametrize(("n", "verdict"), [(4, "mixed"), (5, "consistent")])
def test_consistent_needs_five_seeds_that_all_agree(n, verdict):
    rows = [{"task": "t", "model": model, "seq_len": 10, "seed": seed, "solved": False,
             "final_metric": 0.3 + seed / 100 + (0.1 if model == "b" else 0)}
            for seed in range(n) for model in ("a", "b")]
    (row,) = stats.compare_models(_summary(rows)).itertuples()
    assert row.n_a_better == n and row.q_value >= 0.05 and row.verdict == verdict


def test_intervals_of_a_mean_stay_in_the_metric_s_range():
    # error rates 0, 1, 1 at three seeds: Student's t gives [-0.77, 2.1]; the rate lies in [0, 1]
    rows = [{"task": "t", "model": "a", "seq_len": 10, "seed": seed, "final_metric": error,
             "solved": error == 0, "metric": "error_rate"}
            for seed, error in enumerate((0.0, 1.0, 1.0))]
    (row,) = stats.aggregate(_summary(rows)).itertuples()
    assert (row.ci_low, row.ci_high) == (0.0, 1.0)
    assert stats.within_range(-0.3, 2.5, "mse") == (0.0, 2.5)  # MSE: bounded below only
    assert stats.within_range(0.1, 0.4, "error_rate") == (0.1, 0.4)  # inside: unchanged

def test_horizon_on_a_constructed_table():
    assert horizon_stats.horizon([10, 20, 50, 100], [1.0, 1.0, 0.5, 0.0]) == 50
    assert horizon_stats.horizon([10, 20], [0.0, 1 / 3]) == 0
    assert horizon_stats.horizon([10, 20, 50], [1.0, 0.0, 2 / 3]) == 10  # the first gap ends it


def test_logistic_midpoint_recovers_a_known_transition():
    rng = np.random.default_rng(1)
    lengths = np.repeat([5, 10, 20, 40, 80, 160, 320], 200)
    p = 1 / (1 + np.exp(2.0 * (np.log(lengths) - np.log(40))))
    success = rng.random(lengths.size) < p
    assert horizon_stats.logistic_midpoint(lengths, success) == pytest.approx(40, rel=0.1)
    assert math.isnan(horizon_stats.logistic_midpoint([5, 10], [1, 1]))


def test_logistic_midpoint_under_perfect_separation_lies_between_the_lengths():
    frame = pd.DataFrame({"seq_len": [10, 20, 40, 80] * 3, "seed": np.repeat([0, 1, 2], 4),
                          "solved": [1, 1, 0, 0] * 3})
    l50, low, high = horizon_stats.logistic_midpoint_ci(frame)
    assert 20 < l50 < 40
    assert low <= l50 <= high
    # the interval the data support is the whole gap between the two lengths, never a point
    assert horizon_stats.l50_interval(frame)[1:] == (20, 40)
    one_seed = frame[frame["seed"] == 0]
    assert horizon_stats.l50_interval(one_seed)[1:] == (20, 40)


def test_l50_at_the_edges_of_the_lengths_is_open_on_that_side():
    lengths = [10, 20, 40] * 3
    seeds = np.repeat([0, 1, 2], 3)
    solved_all = pd.DataFrame({"seq_len": lengths, "seed": seeds, "solved": [1] * 9})
    l50, low, high = horizon_stats.l50_interval(solved_all)
    assert math.isnan(l50) and (low, high) == (40, math.inf)
    solved_none = solved_all.assign(solved=0)
    l50, low, high = horizon_stats.l50_interval(solved_none)
    assert math.isnan(l50) and (low, high) == (0, 10)


def test_widen_to_probed_and_brackets():
    assert horizon_stats.widen_to_probed(23.0, 31.0, [10, 20, 40, 80]) == (20, 40)
    assert horizon_stats.widen_to_probed(20.0, 40.0, [10, 20, 40, 80]) == (20, 40)
    assert horizon_stats.widen_to_probed(5.0, 100.0, [10, 20]) == (0, math.inf)
    assert horizon_stats.horizon_bracket([10, 20, 40], [1, 1, 0]) == (20, 40)
    assert horizon_stats.horizon_bracket([10, 20, 40], [1, 1, 1]) == (40, math.inf)
    assert horizon_stats.horizon_bracket([10, 20, 40], [0, 1, 1]) == (0, 10)
    frame = pd.DataFrame({"seq_len": [10, 20, 40] * 2, "seed": [0, 0, 0, 1, 1, 1],
                          "solved": [1, 1, 0, 1, 0, 1]})
    seeds = horizon_stats.seed_brackets(frame).set_index("seed")
    assert tuple(seeds.loc[0]) == (20, 40) and tuple(seeds.loc[1]) == (10, 20)


def test_error_growth_recovers_a_power_law():
    lengths = np.array([10, 20, 50, 100, 200])
    slope, low, high = horizon_stats.error_growth(lengths, 0.01 * lengths**0.5)
    assert slope == pytest.approx(0.5) and low <= 0.5 <= high


def _summary(rows):
    base = {"model_label": "x", "metric": "mse", "baseline": 1.0, "noise_floor": np.nan,
            "steps_to_solve": np.nan, "seconds_per_step": 0.01, "status": "ok",
            "input_length": 10}
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame["normalised_error"] = frame["final_metric"] / frame["baseline"]
    return frame


def test_aggregate_and_compare_on_a_constructed_table():
    rows = []
    for seed in range(3):
        rows.append({"task": "t", "model": "a", "seq_len": 10, "seed": seed,
                     "final_metric": 0.1 + seed * 0.01, "solved": True, "steps_to_solve": 100})
        rows.append({"task": "t", "model": "b", "seq_len": 10, "seed": seed,
                     "final_metric": 0.5 + seed * 0.02, "solved": False})
    rows.append({"task": "t", "model": "b", "seq_len": 10, "seed": 3, "final_metric": np.nan,
                 "solved": False, "status": "error"})
    summary = _summary(rows)
    agg = stats.aggregate(summary).set_index("model")
    assert agg.loc["a", "n"] == 3 and agg.loc["b", "n_failed"] == 1
    assert agg.loc["a", "mean"] == pytest.approx(0.11)
    assert agg.loc["a", "success_rate"] == 1.0 and agg.loc["b", "success_rate"] == 0.0
    assert agg.loc["a", "median_steps_to_solve"] == 100
    comp = stats.compare_models(summary)
    assert len(comp) == 1 and comp["better"].iloc[0] == "a"
    assert comp["mean_diff"].iloc[0] == pytest.approx(0.11 - 0.52)


def test_horizons_table():
    rows = [{"task": "t", "model": "m", "seq_len": length, "seed": seed,
             "final_metric": 0.01 if length <= 20 else 0.9, "solved": length <= 20}
            for length in (10, 20, 40, 80) for seed in range(3)]
    summary = _summary(rows).assign(wall_seconds=2.0)
    table = horizon_stats.horizons(summary, stats.aggregate(summary))
    row = table.iloc[0]
    assert (row["horizon_low"], row["horizon_high"]) == (20, 40) and 20 < row["l50"] < 40
    assert (row["l50_low"], row["l50_high"]) == (20, 40)  # perfect separation: the gap
    assert row["growth_slope"] > 0
    assert row["n_probed"] == 4 and row["cpu_seconds"] == 2.0 * 12
    # cells from before the graded outcome existed: no graded horizon, not a made-up one
    assert np.isnan(row["beats_low"]) and row["beats_pattern"] == ""


def test_graded_horizon_is_read_like_the_strict_one():
    # solved to 20, but beating the baseline (2 of 3 seeds) holds to 40 and stops at 80
    rows = [{"task": "t", "model": "m", "seq_len": length, "seed": seed,
             "final_metric": 0.01 if length <= 20 else 0.9, "solved": length <= 20,
             "beats_baseline": length <= 20 or (length == 40 and seed < 2),
             "baseline_gain": 0.5} for length in (10, 20, 40, 80) for seed in range(3)]
    summary = _summary(rows).assign(wall_seconds=1.0)
    agg = stats.aggregate(summary)
    at_40 = agg[agg["seq_len"] == 40].iloc[0]
    assert at_40["beats_rate"] == pytest.approx(2 / 3) and at_40["success_rate"] == 0
    assert (at_40["beats_low"], at_40["beats_high"]) == stats.wilson_interval(2, 3)
    row = horizon_stats.horizons(summary, agg).iloc[0]
    assert (row["horizon_low"], row["horizon_high"]) == (20, 40)
    assert (row["beats_low"], row["beats_high"]) == (40, 80)
    assert row["beats_pattern"] == "10: 3/3, 20: 3/3, 40: 2/3, 80: 0/3"


def test_wilson_interval_refuses_impossible_counts():
    with pytest.raises(ValueError, match="0 <= successes <= n, got 5 of 3"):
        stats.wilson_interval(5, 3)
    with pytest.raises(ValueError):
        stats.wilson_interval(-1, 3)


def test_horizon_stops_at_the_first_failure_and_shows_the_pattern():
    assert horizon_stats.horizon([10, 30, 100], [1, 1, 0]) == 30
    assert horizon_stats.horizon([100, 10, 30], [0, 1, 1]) == 30  # input order is free
    assert horizon_stats.horizon([10, 30, 100], [0, 1, 0.67]) == 0  # failure below successes
    assert horizon_stats.horizon([10, 30, 100], [1, 0, 1]) == 10
    assert horizon_stats.horizon([10, 30], [1, 1]) == 30
    assert horizon_stats.success_pattern([30, 10, 100], [3, 0, 2], [3, 3, 3]) == \
        "10: 0/3, 30: 3/3, 100: 2/3"
    rows = [{"task": "t", "model": "m", "seq_len": n, "seed": s, "final_metric": 0.0,
             "solved": ok} for n, oks in ((10, [0, 0, 0]), (30, [1, 1, 1]), (100, [1, 1, 0]))
            for s, ok in enumerate(oks)]
    summary = _summary(rows).assign(wall_seconds=1.0)
    row = horizon_stats.horizons(summary, stats.aggregate(summary)).iloc[0]
    assert (row["horizon_low"], row["horizon_high"]) == (0, 10) and not row["monotone"]
    assert row["success_pattern"] == "10: 0/3, 30: 3/3, 100: 2/3"


def test_aggregate_carries_each_task_s_success_threshold():
    rows = [{"task": "adding", "model": "m", "seq_len": 30, "seed": s, "final_metric": 0.1,
             "solved": False} for s in range(2)]
    summary = _summary(rows)
    assert stats.aggregate(summary)["success_threshold"].iloc[0] == pytest.approx(1 / 60)
    summary["task_params"] = '{"variant": "hs97"}'  # the variant's own rule
    assert stats.aggregate(summary)["success_threshold"].iloc[0] == pytest.approx(0.01)


@pytest.mark.parametrize("n, expected", [
    (1, (1, 1, 0.0)),  # one seed: no interval at all for the median
    (3, (1, 3, 0.75)),  # the range of 3 seeds covers the median 3/4 of the time
    (5, (1, 5, 0.9375)),
    (6, (1, 6, 0.96875)),  # the first count whose range reaches 95 %
    (10, (2, 9, 1 - 2 * 11 / 1024)),
    # P(B <= 5) = (1 + 20 + 190 + 1140 + 4845 + 15504) / 2^20
    (20, (6, 15, 1 - 2 * 21700 / 2 ** 20)),
])
def test_order_statistic_interval_of_the_median(n, expected):
    k, upper, coverage = horizon_stats.order_statistic_interval(n)
    assert (k, upper) == expected[:2] and coverage == pytest.approx(expected[2], abs=1e-12)


def test_the_order_statistic_interval_covers_as_often_as_it_says():
    rng = np.random.default_rng(7)
    k, upper, coverage = horizon_stats.order_statistic_interval(10)
    draws = np.sort(rng.lognormal(3.0, 1.0, size=(20000, 10)), axis=1)
    true_median = np.exp(3.0)
    hit = (draws[:, k - 1] <= true_median) & (true_median <= draws[:, upper - 1])
    assert abs(hit.mean() - coverage) < 0.01


def test_median_horizon_takes_the_seed_as_the_unit():
    # perfect separation: every seed solved 40 and failed 48
    same = horizon_stats.median_horizon([40] * 5, [48] * 5)
    assert (same["seed_median_low"], same["seed_median_high"]) == (40, 48)
    assert (same["seed_ci_low"], same["seed_ci_high"]) == (40, 48)
    assert same["n_seeds"] == 5 and same["seed_ci_coverage"] == pytest.approx(0.9375)
    # one seed: its own bracket, and an interval that covers nothing for sure
    one = horizon_stats.median_horizon([20], [24])
    assert (one["seed_median_low"], one["seed_median_high"], one["seed_ci_coverage"]) == \
        (20, 24, 0.0)
    # two seeds that stop at 20 and 80 (zoo's IRNN): the median is between them, never above
    # both, as the stitched bracket [134, 160) was
    two = horizon_stats.median_horizon([20, 80], [40, 134])
    assert (two["seed_median_low"], two["seed_median_high"]) == (20, 134)
    assert (two["seed_ci_low"], two["seed_ci_high"]) == (20, 134)
    # a seed held to the longest length: an open end stays open
    edge = horizon_stats.median_horizon([100, 500, 500], [160, math.inf, math.inf])
    assert (edge["seed_median_low"], edge["seed_median_high"]) == (500, math.inf)
    assert horizon_stats.median_horizon([], [])["n_seeds"] == 0


def test_a_seed_left_out_after_its_failure_counts_as_failed_there():
    # the search runs seed 1 no more after it failed 20: at 40 it is a failure, not missing
    rows = [{"task": "t", "model": "m", "seq_len": n, "seed": s, "final_metric": 0.0,
             "solved": ok} for s, n, ok in ((0, 10, True), (0, 20, True), (0, 40, True),
                                           (1, 10, True), (1, 20, False),
                                           (2, 10, True), (2, 20, True), (2, 40, False))]
    summary = _summary(rows).assign(wall_seconds=1.0)
    implied = horizon_stats.with_implied_failures(summary[["seq_len", "seed", "solved"]])
    assert len(implied) == 9 and not implied.iloc[-1]["solved"]  # seed 1 at 40
    (row,) = horizon_stats.horizons(summary, stats.aggregate(summary)).itertuples()
    assert row.success_pattern == "10: 3/3, 20: 2/3, 40: 1/3"  # not 1/2 at 40
    assert (row.horizon_low, row.horizon_high) == (20, 40)
    assert (row.seed_median_low, row.seed_median_high) == (20, 40)
