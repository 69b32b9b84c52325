"""Split-half reproducibility: the overlap rule on known cases, the check that two runs are
halves of one grid, and the command end to end on two tiny searches."""

import math

import pandas as pd
import pytest

from benchmark.analysis.reproducibility import check_halves, overlap, split_half
from core.errors import UsageError
from tests.conftest import run_cli

INF = math.inf


@pytest.mark.parametrize(("a", "b", "expected"), [
    ((20, 40), (30, 80), True),
    ((20, 40), (40, 80), False),  # half-open: they touch, no length is in both
    ((0, 10), (0, 10), True),  # both failed the shortest length
    ((640, INF), (1000, INF), True),  # both open above
    ((10, 20), (500, INF), False),
])
def test_half_open_intervals_overlap_only_where_they_share_a_length(a, b, expected):
    assert overlap(*a, *b) is expected and overlap(*b, *a) is expected


def _horizons(rows):
    keys = ["task", "model", "model_label", "n_seeds", "seed_median_low", "seed_median_high",
            "seed_ci_low", "seed_ci_high", "seed_ci_coverage"]
    return pd.DataFrame([dict(zip(keys, r, strict=True)) for r in rows])


def test_split_half_reads_intervals_and_medians_separately():
    a = _horizons([("adding", "gru", "GRU", 5, 80, 160, 40, 320, 0.94),
                   ("adding", "rnn", "RNN", 5, 20, 40, 10, 40, 0.94)])
    b = _horizons([("adding", "gru", "GRU", 5, 160, 320, 80, 640, 0.94),
                   ("adding", "rnn", "RNN", 5, 40, 80, 40, 160, 0.94)])
    both = split_half(a, b).set_index("model")
    assert both.loc["gru", "interval_overlap"] and not both.loc["gru", "median_overlap"]
    assert not both.loc["rnn", "interval_overlap"]  # [10, 40) against [40, 160)


def test_halves_must_be_one_grid_on_disjoint_seeds():
    grid = {"tasks": ["adding"], "seeds": 5, "first_seed": 0, "steps": 1000}
    check_halves({"grid": grid}, {"grid": {**grid, "first_seed": 5}}, "a", "b")
    with pytest.raises(UsageError, match=r"share seeds \[3, 4\]"):
        check_halves({"grid": grid}, {"grid": {**grid, "first_seed": 3}}, "a", "b")
    with pytest.raises(UsageError, match="differ in steps"):
        check_halves({"grid": grid}, {"grid": {**grid, "first_seed": 5, "steps": 2}}, "a", "b")


@pytest.mark.slow
def test_the_command_on_two_tiny_searches(tmp_path):
    args = ["run", "--preset", "smoke", "--tasks", "bit_memory", "--models", "rnn,gru",
            "--search", "horizon", "--min-length", "4", "--max-length", "16", "--seeds", "2",
            "--steps", "20", "--n-jobs", "1", "--no-progress"]
    for name, first in (("a", "0"), ("b", "2")):
        result = run_cli(*args, "--first-seed", first, "--out", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
    result = run_cli("reproducibility", str(tmp_path / "a"), str(tmp_path / "b"), "--out",
                     str(tmp_path / "split"))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "split" / "reproducibility.csv")
    assert len(table) == 2 and set(table["n_seeds_a"]) == {2}
    text = (tmp_path / "split" / "reproducibility.md").read_text()
    assert "horizons reproduce" in text and (tmp_path / "split" / "reproducibility.png").exists()
    same = run_cli("reproducibility", str(tmp_path / "a"), str(tmp_path / "a"), "--out",
                   str(tmp_path / "x"))
    assert same.returncode == 2 and "share seeds [0, 1]" in same.stderr
