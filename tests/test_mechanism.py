"""Mechanism against outcome: the rank correlation on known answers, the per-pair table, and
`benchmark dynamics` on a real run, through to its report section."""

import math

import numpy as np
import pandas as pd
import pytest

from benchmark.analysis.mechanism import correlations, per_pair, rank_correlation
from tests.conftest import run_cli


def test_a_monotone_relation_has_rho_one_and_a_point_interval():
    found = rank_correlation([1, 2, 3, 4, 5, 6], [10, 20, 40, 80, 160, 320])
    assert found["rho"] == pytest.approx(1)
    assert (found["rho_low"], found["rho_high"]) == pytest.approx((1, 1))
    reverse = rank_correlation([1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1])
    assert reverse["rho"] == pytest.approx(-1) and reverse["rho_high"] == pytest.approx(-1)


def test_too_few_pairs_or_no_spread_gives_no_interval():
    few = rank_correlation([1, 2, 3], [3, 1, 2])
    assert math.isfinite(few["rho"]) and math.isnan(few["rho_low"]) and few["n_pairs"] == 3
    flat = rank_correlation([1, 2, 3, 4, 5], [7, 7, 7, 7, 7])
    assert math.isnan(flat["rho"])
    # unrelated: the interval covers 0 (a permutation of the ranks with rho near 0)
    unrelated = rank_correlation(range(12), [5, 11, 0, 7, 2, 9, 4, 10, 1, 6, 3, 8])
    assert unrelated["rho_low"] < 0 < unrelated["rho_high"]


def test_per_pair_takes_the_seed_median_and_range_and_joins_the_horizon():
    dynamics = pd.DataFrame({"task": ["t"] * 3 + ["t"] * 3, "model": ["a"] * 3 + ["b"] * 3,
                             "seed": [0, 1, 2] * 2, "lyapunov_1": [-0.1, -0.2, -0.3,
                                                                  -0.5, -0.6, -0.4],
                             "log10_growth": [-1.0, -2.0, -3.0, -5.0, -6.0, -4.0]})
    horizons = pd.DataFrame({"task": ["t", "t"], "model": ["a", "b"], "seed_median_low":
                             [40, 10], "seed_median_high": [50, 20], "n_seeds": [3, 3]})
    pairs = per_pair(dynamics, horizons).set_index("model")
    assert pairs.loc["a", "lyapunov_1"] == pytest.approx(-0.2)
    assert (pairs.loc["b", "lyapunov_1_min"], pairs.loc["b", "lyapunov_1_max"]) == (-0.6, -0.4)
    assert pairs.loc["a", "seed_median_low"] == 40
    found = correlations(pairs.reset_index()).set_index("diagnostic")
    # two pairs: too few for a rank correlation at all
    assert math.isnan(found.loc["lyapunov_1", "rho"]) and found.loc["lyapunov_1", "n_pairs"] == 2
    assert not found["excludes_zero"].any()


def test_per_pair_prefers_the_tables_own_reach_over_the_shortest_cells():
    # the dynamics table reads every diagnostic at one reference length; the cells' reach at
    # the run's shortest length (which saturates) only fills in for a table without one
    dynamics = pd.DataFrame({"task": ["t"] * 2, "model": ["a", "b"], "seed": [0, 0],
                             "lyapunov_1": [-0.1, -0.5],
                             "grad_reach_fraction_init": [0.3, 0.1]})
    horizons = pd.DataFrame({"task": ["t", "t"], "model": ["a", "b"], "seed_median_low":
                             [40, 10], "seed_median_high": [50, 20], "n_seeds": [1, 1]})
    agg = pd.DataFrame({"task": ["t"] * 2, "model": ["a", "b"], "seq_len": [10, 10],
                        "grad_reach_fraction_init": [1.0, 1.0]})
    pairs = per_pair(dynamics, horizons, agg).set_index("model")
    assert pairs["grad_reach_fraction_init"].to_dict() == {"a": 0.3, "b": 0.1}
    older = per_pair(dynamics.drop(columns="grad_reach_fraction_init"), horizons, agg)
    assert older.set_index("model")["grad_reach_fraction_init"].to_dict() == {"a": 1.0,
                                                                              "b": 1.0}


@pytest.mark.slow
def test_the_dynamics_command_and_its_report_section(tiny_copy):
    result = run_cli("dynamics", str(tiny_copy), "--length", "12", "--k", "3", "--n-jobs", "1")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tiny_copy / "dynamics_init.csv")
    assert set(table["model"]) == {"rnn", "gru"} and (table["seq_len"] == 12).all()
    assert {"lyapunov_1", "lyapunov_3", "log10_growth", "tau_q0.5",
            "grad_reach_fraction_init"} <= set(table.columns)
    # the reach at initialisation, read at the table's length (T = 12) as a share of the input
    assert table["grad_reach_fraction_init"].between(0, 1).all()
    gru = table[table["model"] == "gru"]
    rnn = table[table["model"] == "rnn"]
    assert (gru["retention"] == "update gate").all() and rnn["tau_q0.5"].isna().all()
    assert np.all(np.diff(table[["lyapunov_1", "lyapunov_2", "lyapunov_3"]].to_numpy()) <= 0)
    bad = run_cli("dynamics", str(tiny_copy), "--length", "1")
    assert bad.returncode == 2 and "--length 1 is invalid" in bad.stderr
    assert run_cli("report", str(tiny_copy)).returncode == 0
    text = (tiny_copy / "report.md").read_text()
    assert "## Mechanism against outcome" in text and "figures/mechanism.png" in text
    assert (tiny_copy / "figures" / "mechanism.png").stat().st_size > 10_000
