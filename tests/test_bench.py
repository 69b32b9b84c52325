"""make bench's machinery on a tiny budget: it runs and writes its tables (no timing asserts)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmark.perf import bench


@pytest.mark.slow
def test_bench_quick_writes_tables_and_summary(tmp_path):
    assert bench.main(["--quick", "--out", str(tmp_path)]) == 0
    times = pd.read_csv(tmp_path / "step_times.csv")
    assert set(times["model"]) == set(bench.models_on("cpu", quick=True))
    # every ratio is the model's time over nn.LSTM's at the same length and device
    reference = times[times["model"] == "lstm"].set_index(["device", "seq_len"])
    expected = times["seconds_per_step"] / [reference.loc[(d, n), "seconds_per_step"]
                                           for d, n in zip(times["device"], times["seq_len"],
                                                               strict=True)]
    assert np.allclose(times["ratio_to_lstm"], expected)
    assert (times["seconds_per_step"] > 0).all()
    memory = pd.read_csv(tmp_path / "memory.csv")
    assert (memory["saved_bytes"] > 0).all()
    # nn.LSTM and the scratch LSTM both keep O(T) activations; same order of magnitude
    assert 0.2 < memory.set_index("model").loc["lstm_scratch", "ratio_to_lstm"] < 5
    scaling = pd.read_csv(tmp_path / "scaling.csv")
    assert set(scaling["run"]) == {"grid", "search"}
    for _, rows in scaling.groupby("run"):
        assert np.allclose(rows["speedup"], rows["wall_seconds"].iloc[0] / rows["wall_seconds"])
        assert np.allclose(rows["efficiency"], rows["speedup"] / rows["n_jobs"])
        assert rows["cells"].nunique() == 1  # the same work with one worker and with all
    # the search does as much work as the grid (every chain: one failed length)
    assert scaling.groupby("run")["cells"].first().nunique() == 1
    scan = pd.read_csv(tmp_path / "scan.csv")  # every scan model beside its own loop
    assert set(scan["model"]) == {"lru"}  # the quick bench's one pair
    assert "s6:scan=parallel" not in bench.models_on("cpu")  # GPU only: 93 s a step at 1000
    assert {f"{m}:scan={mode}" for m in ("lru", "s4d", "mingru", "minlstm")
            for mode in ("loop", "parallel")} <= set(bench.models_on("cpu"))
    times_by = times.set_index(["model", "seq_len"])["seconds_per_step"]
    for row in scan.itertuples():
        assert np.isclose(row.scan_speedup, times_by[(f"{row.model}:scan=loop", row.seq_len)]
                          / times_by[(f"{row.model}:scan=parallel", row.seq_len)])
    assert scan["scan_memory_ratio"].notna().any()
    tracking = pd.read_csv(tmp_path / "tracking.csv")
    assert (tracking["seconds_off"] > 0).all() and (tracking["grad_every"] == 10).all()
    dynamics = pd.read_csv(tmp_path / "dynamics.csv")
    assert set(dynamics["model"]) == {"rnn", "gru", "lstm"} and (dynamics["lyapunov"] == 8).all()
    assert np.allclose(dynamics["overhead"], dynamics["seconds_on"] / dynamics["seconds_off"] - 1)
    text = (tmp_path / "bench.md").read_text()
    assert "Seconds per training step" in text and "scratch LSTM" in text
    assert "## Dynamics diagnostics overhead" in text
    # what was tried to get there (docs/PERFORMANCE.md) follows the measurements
    performance = (Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md")
    assert performance.read_text().splitlines()[0] in text
    assert (tmp_path / "bench.png").stat().st_size > 10_000
