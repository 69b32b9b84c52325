"""The search-vs-grid comparison on a tiny budget: it runs both and writes its verdict."""

import pandas as pd
import pytest

from benchmark.perf import search_bench


def test_fixed_lengths_reach_the_resolution_everywhere():
    lengths = search_bench.fixed_lengths(10, 1000, 1.25)
    assert lengths[0] == 10 and lengths[-1] == 1000
    assert all(b / a <= 1.25 for a, b in zip(lengths, lengths[1:], strict=False))


@pytest.mark.slow
def test_search_bench_quick(tmp_path):
    # two workers: the search's executor and the grid's joblib.Parallel share one process
    assert search_bench.main(["--quick", "--out", str(tmp_path), "--max-length", "40",
                              "--n-jobs", "2"]) == 0
    table = pd.read_csv(tmp_path / "search_bench.csv")
    assert len(table) == 4 and table["agree"].all()
    assert (table["n_probed_search"] <= table["n_probed_grid"]).all()
    text = (tmp_path / "search_bench.md").read_text()
    assert "CPU-seconds (wall time" in text and "Seeds left out at a length" in text
    saved = search_bench.seed_savings(tmp_path / "search")
    assert saved["seed_lengths_run"] == len(pd.read_csv(tmp_path / "search" / "summary.csv"))
    # work is the time steps trained, recounted here from the grid's own summary
    grid = pd.read_csv(tmp_path / "grid" / "summary.csv")
    expected = (grid["steps_run"] * grid["batch_size"] * grid["input_length"]).groupby(
        [grid["task"], grid["model"]]).sum()
    got = table.set_index(["task", "model"])["work_grid"]
    assert (got.sort_index() == expected.sort_index()).all()
    # the search never trains more than the grid at the same resolution on this question
    assert table["work_search"].sum() <= table["work_grid"].sum()
