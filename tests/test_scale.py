"""The budget sweep (--scale): its points, its checks, its cells (ordinary ones, shared with
plain runs of the same settings, resumed like any), and the slopes and orderings read off it."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from benchmark.analysis import scaling
from benchmark.run.presets import load_grid
from benchmark.run.scale import base_models, point_values, points
from core.errors import UsageError
from tests.conftest import run_cli

TINY = {"tasks": ["bit_memory"], "models": ["rnn", "gru"], "lengths": [4, 8], "steps": 20}


def _labels(grid):
    return [label for label, _ in points(grid)]


def test_each_key_varies_alone_through_the_grid_as_given():
    grid = load_grid("smoke", {**TINY, "scale": {"steps": [10, 20, 40], "layers": [1, 2]}})
    # the anchor first, each point once (steps=20 and layers=1 are the anchor itself)
    assert _labels(grid) == ["", "steps=10", "steps=40", "layers=2"]
    deep = dict(points(grid))["layers=2"]
    assert deep.models == ("rnn:layers=2", "gru:layers=2") and deep.steps == 20
    assert base_models(grid)["gru:layers=2"] == "gru"
    assert dict(points(grid))["steps=40"].models == ("rnn", "gru")


def test_crossed_keys_make_their_product():
    grid = load_grid("smoke", {**TINY, "scale": {"hidden_size": [8, 16], "layers": [1, 2],
                                                 "steps": [40]},
                               "scale_cross": ["hidden_size", "layers"]})
    values = point_values(grid)  # smoke's hidden size is 16
    assert {(v["hidden_size"], v["layers"], v["steps"]) for v in values} == {
        (16, 1, 20), (8, 1, 20), (8, 2, 20), (16, 2, 20), (16, 1, 40)}
    assert len(values) == 5


@pytest.mark.parametrize("changes, says", [
    ({"scale": {"depth": [1, 2]}}, "scale key 'depth' (--scale) is unknown"),
    ({"scale": {"steps": []}}, "non-empty list of positive integers"),
    ({"scale": {"layers": [1, 32]}}, "integers from 1 to 16"),
    ({"scale": {"steps": [1, 1]}}, "has duplicates"),
    ({"scale": {"steps": [5]}, "scale_cross": ["steps"]}, "crosses one key with nothing"),
    ({"scale": {"steps": [5]}, "scale_cross": ["steps", "layers"]}, "which --scale does not"),
    ({"scale": {"hidden_size": [8]}, "match_params": 500}, "both set the hidden size"),
    ({"scale": {"layers": [2]}, "models": ["gru:layers=2"]}, "set their own depth"),
])
def test_a_sweep_that_cannot_mean_anything_is_one_line(changes, says):
    with pytest.raises(UsageError) as caught:
        load_grid("smoke", {**TINY, **changes})
    assert says in str(caught.value) and "\n" not in str(caught.value)


def _row(point, model, low, high, **budget):
    lows, highs = [low] * 3, [high] * 3
    return {"point": point, "task": "t", "model": model, "steps": 1000, "hidden_size": 32,
            "layers": 1, "n_params": 1000, **budget, "n_seeds": 3, "seed_median_low": low,
            "seed_median_high": high, "seed_ci_low": low, "seed_ci_high": high,
            "seed_lows": lows, "seed_highs": highs}


def test_a_horizon_that_doubles_with_each_doubling_of_steps_has_slope_one():
    rows = [_row("" if s == 1000 else f"steps={s}", "a", n, 1.25 * n, steps=s)
            for s, n in ((500, 10), (1000, 20), (2000, 40), (4000, 80))]
    table = pd.DataFrame(rows)
    (fit,) = scaling.slopes(table, ["steps"]).itertuples()
    assert fit.slope == pytest.approx(1.0) and fit.slope_low <= 1 <= fit.slope_high
    assert fit.n_seed_points == 12 and fit.n_open == 0 and not fit.stops_growing


def test_open_brackets_are_left_out_and_a_plateau_is_named():
    rows = [_row("steps=500", "a", 0, 10, steps=500), _row("", "a", 20, 25),
            _row("steps=2000", "a", 40, 50, steps=2000),
            _row("steps=4000", "a", 40, 50, steps=4000)]
    (fit,) = scaling.slopes(pd.DataFrame(rows), ["steps"]).itertuples()
    assert fit.n_open == 3 and fit.n_seed_points == 9  # the first point failed its shortest
    assert fit.stops_growing  # grew to 2000 steps, and 4000 held no longer
    assert fit.change == "grows"  # [40, 50) at 4000 lies above [0, 10) at 500
    one = scaling.slope(pd.DataFrame([_row("", "a", 20, math.inf)]), "steps")
    assert math.isnan(one["slope"]) and one["n_open"] == 3
    flat = [_row("", "a", 20, 25), _row("steps=2000", "a", 20, 25, steps=2000),
            _row("steps=4000", "a", 20, 25, steps=4000)]
    (fit,) = scaling.slopes(pd.DataFrame(flat), ["steps"]).itertuples()
    assert not fit.stops_growing and fit.change == "not shown"  # it never grew: no plateau


def test_the_slope_range_holds_every_horizon_the_brackets_allow():
    # the best seeds hold the longest length at the top budget: left out, the closed brackets
    # alone fall with steps, while every horizon the brackets allow gives a rising slope
    rows = [_row("", "a", 20, 25, steps=1000), _row("steps=10000", "a", 16, 20, steps=10000)]
    rows[1]["seed_lows"], rows[1]["seed_highs"] = [16, 160, 160], [20, math.inf, math.inf]
    (fit,) = scaling.slopes(pd.DataFrame(rows), ["steps"]).itertuples()
    assert fit.slope < 0 and fit.n_open == 2
    assert fit.range_low == pytest.approx(math.log10(160 / 25)) and fit.range_high == math.inf
    closed = [_row("", "a", 10, 20, steps=1000), _row("steps=10000", "a", 40, 80, steps=10000)]
    (fit,) = scaling.slopes(pd.DataFrame(closed), ["steps"]).itertuples()
    # log10(40/20) to log10(80/10) over one decade of steps; the middles' slope lies inside
    assert (fit.range_low, fit.range_high) == pytest.approx((math.log10(2), math.log10(8)))
    assert fit.range_low <= fit.slope <= fit.range_high


def test_the_width_by_depth_map_reads_only_the_anchor_and_the_crossed_points():
    rows = pd.DataFrame([_row(p, "a", 10, 20) for p in
                         ("", "steps=3000", "hidden_size=16", "hidden_size=16,layers=2",
                          "layers=2")])
    kept = scaling.points_within(rows, ("hidden_size", "layers"))["point"].tolist()
    assert kept == ["", "hidden_size=16", "hidden_size=16,layers=2", "layers=2"]


def test_orderings_hold_flip_or_overlap():
    rows = [_row("", "a", 40, 50), _row("", "b", 10, 20), _row("", "c", 10, 60),
            _row("steps=2000", "a", 40, 50, steps=2000),
            _row("steps=2000", "b", 80, 100, steps=2000),
            _row("steps=2000", "c", 10, 60, steps=2000)]
    verdicts = scaling.orderings(pd.DataFrame(rows)).set_index(["a", "b"])["verdict"]
    assert verdicts[("a", "b")] == "flips"
    assert verdicts[("a", "c")] == "overlaps somewhere"
    rows[1]["seed_median_low"], rows[1]["seed_median_high"] = 10, 20
    rows[4]["seed_median_low"], rows[4]["seed_median_high"] = 5, 10
    verdicts = scaling.orderings(pd.DataFrame(rows)).set_index(["a", "b"])["verdict"]
    assert verdicts[("a", "b")] == "always above"


def test_capacity_per_unit_divides_the_median_seeds_bits_by_every_unit_of_the_stack():
    rows = [{**_row("", "a", 32, 40), "task": "bit_capacity", "seed_ci_low": 20,
             "seed_ci_high": math.inf},
            {**_row("layers=2", "a", 32, 40, layers=2), "task": "bit_capacity"},
            _row("", "a", 32, 40)]  # another task: no capacity
    found = scaling.capacity_table(pd.DataFrame(rows)).set_index("point")
    assert list(found.index) == ["", "layers=2"]
    assert found.loc["", "bits_per_unit"] == 1.0  # 32 bits over 32 units
    assert found.loc["", "bits_per_unit_low"] == pytest.approx(20 / 32)
    assert math.isinf(found.loc["", "bits_per_unit_high"])  # held the longest payload run
    assert found.loc["layers=2", "units"] == 64 and found.loc["layers=2", "bits_per_unit"] == 0.5
    assert scaling.capacity_table(pd.DataFrame([_row("", "a", 1, 2)])).empty


def _cells(folder):
    return {p.name for p in (folder / "cells").glob("*.npz")}


@pytest.mark.slow
def test_a_sweep_runs_ordinary_cells_resumes_and_reports(tmp_path):
    base = ["run", "--preset", "smoke", "--tasks", "bit_memory", "--models", "rnn,gru",
            "--search", "horizon", "--min-length", "4", "--max-length", "8", "--steps", "20",
            "--n-jobs", "1", "--no-progress"]
    sweep = [*base, "--scale", "steps=10,20", "--scale", "layers=1,2"]
    out = tmp_path / "sweep"
    result = run_cli(*sweep, "--out", str(out))
    assert result.returncode == 0, result.stderr
    for label in ("steps=10", "layers=2"):
        point = out / "scale" / label
        assert (point / "summary.csv").exists() and (point / "search.csv").exists()
        assert json.loads((point / "run.json").read_text())["budget_point"]["label"] == label
    deep = pd.read_csv(out / "scale" / "layers=2" / "summary.csv")
    assert set(deep["model"]) == {"rnn:layers=2", "gru:layers=2"}
    # the points are ordinary cells: a plain run at 10 steps makes the very same files
    plain = tmp_path / "plain"
    assert run_cli(*base, "--steps", "10", "--out", str(plain)).returncode == 0
    assert _cells(plain) <= _cells(out)
    assert pd.read_csv(plain / "summary.csv").drop(columns=["wall_seconds", "seconds_per_step"]
                                                   ).equals(
        pd.read_csv(out / "scale" / "steps=10" / "summary.csv").drop(
            columns=["wall_seconds", "seconds_per_step"]))
    # a killed sweep resumes: one lost cell is the only one computed again
    lost = sorted((out / "cells").glob("*.npz"))[0]
    lost.unlink()
    again = run_cli(*sweep, "--out", str(out))
    assert again.returncode == 0 and "1 computed" in again.stdout, again.stdout
    assert run_cli(*base, "--scale", "steps=10", "--out", str(out)).returncode == 2
    report = run_cli("report", str(out))
    assert report.returncode == 0, report.stderr
    text = (out / "report.md").read_text()
    assert "## Budget" in text and "figures/scaling.png" in text
    table = pd.read_csv(out / "scaling.csv")
    assert set(table["point"].fillna("")) == {"", "steps=10", "layers=2"}
    assert (table.loc[table["point"] == "layers=2", "layers"] == 2).all()
    assert np.all(table.groupby("point", dropna=False)["n_params"].nunique() == 2)


@pytest.mark.slow
def test_a_capacity_sweep_reports_bits_per_unit(tmp_path):
    out = tmp_path / "capacity"
    result = run_cli("run", "--preset", "smoke", "--tasks", "bit_capacity", "--models", "rnn",
                     "--search", "horizon", "--min-length", "2", "--max-length", "4",
                     "--steps", "10", "--n-jobs", "1", "--no-progress",
                     "--scale", "hidden_size=4,8", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert run_cli("report", str(out)).returncode == 0
    text = (out / "report.md").read_text()
    assert "**Capacity.**" in text and "| model | point | units |" in text
    assert "| simple RNN | hidden_size=4 | 4 |" in text
