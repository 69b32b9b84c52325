"""The grid end to end through the CLI: files on disk, resume, n_jobs invariance, bad input."""

import json

import pandas as pd
import pytest

from benchmark import cli
from benchmark.report.report import write_report
from benchmark.run.presets import load_grid
from benchmark.run.runner import run_grid
from benchmark.run.store import RunStore
from tests.conftest import run_cli

TIMING = ["wall_seconds", "seconds_per_step", "git_commit"]  # not measurements


@pytest.mark.slow
def test_smoke_run_writes_the_results_layout(smoke_run):
    grid = load_grid("smoke")
    summary = pd.read_csv(smoke_run / "summary.csv")
    assert len(summary) == len(grid.cells()) == 32
    assert set(summary["status"]) == {"ok"}
    assert len(list((smoke_run / "cells").glob("*.npz"))) == 32
    run = json.loads((smoke_run / "run.json").read_text())
    assert run["grid"] == grid.to_dict() and run["finished"]
    assert {"torch", "git_commit", "cpu_count"} <= set(run["environment"])
    # provenance: every cell names the commit that computed it, and run.json counts them
    assert set(summary["git_commit"]) == {run["environment"]["git_commit"]}
    assert run["cell_commits"] == {run["environment"]["git_commit"]: 32}
    curves = pd.read_parquet(smoke_run / "curves.parquet")
    assert list(curves.columns) == ["task", "model", "seq_len", "seed", "step", "metric", "value"]
    grads = pd.read_parquet(smoke_run / "gradients.parquet")
    assert list(grads.columns) == ["task", "model", "seq_len", "seed", "step", "kind", "t",
                                   "value"]
    scratch = grads[grads["model"] == "lstm_scratch"]
    assert {"through_time_h", "through_time_c"} <= set(scratch["kind"])


@pytest.mark.slow
def test_resume_recomputes_only_the_missing_cell(smoke_copy, smoke_run):
    out = smoke_copy
    before = pd.read_csv(out / "summary.csv")
    victim = sorted((out / "cells").glob("*.npz"))[3]
    victim.unlink()
    result = run_cli("run", "--preset", "smoke", "--out", str(out), "--n-jobs", "1",
                     "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "31 already done, 1 computed" in result.stdout
    after = pd.read_csv(out / "summary.csv")
    pd.testing.assert_frame_equal(before.drop(columns=TIMING), after.drop(columns=TIMING))


@pytest.mark.slow
def test_n_jobs_does_not_change_the_numbers(smoke_run, tmp_path):
    run_grid(load_grid("smoke"), tmp_path / "serial", n_jobs=1, progress=False)
    serial = pd.read_csv(tmp_path / "serial" / "summary.csv").drop(columns=TIMING)
    parallel = pd.read_csv(smoke_run / "summary.csv").drop(columns=TIMING)
    pd.testing.assert_frame_equal(serial, parallel)
    a = RunStore(tmp_path / "serial").load_gradients()
    b = RunStore(smoke_run).load_gradients()
    pd.testing.assert_frame_equal(a, b)


def test_list_shows_tasks_models_and_presets(capsys):
    assert cli.main(["list"]) == 0
    listing = capsys.readouterr().out
    for word in ("bit_memory", "noisy_sine", "adding", "lstm_scratch", "scratch LSTM",
                 "quick", "smoke"):
        assert word in listing


@pytest.mark.slow
def test_lr_grid_tunes_on_validation_then_evaluates_at_the_choice(tmp_path):
    out = tmp_path / "tuned"
    result = run_cli("run", "--preset", "smoke", "--out", str(out), "--tasks", "bit_memory",
                     "--models", "rnn,lstm:forget_bias=1.0", "--lengths", "5",
                     "--lr-grid", "1e-3,1e-2", "--steps", "60", "--n-jobs", "1",
                     "--no-progress")
    assert result.returncode == 0, result.stderr
    selection = pd.read_csv(out / "lr_selection.csv")
    # 2 models x 2 rates, and one rate beyond the grid where a choice sat on its edge
    assert selection["chosen"].sum() == 2 and {1e-3, 1e-2} <= set(selection["lr"])
    assert len(selection) == 4 + (~selection["lr"].isin([1e-3, 1e-2])).sum()
    tuning = pd.read_csv(out / "tuning_summary.csv")
    assert (tuning["seed"] >= 1000).all()
    summary = pd.read_csv(out / "summary.csv")
    assert (summary["seed"] < 1000).all()
    # the choice read the tuning cells' validation scores, never a test score
    means = tuning.groupby(["model", "lr"])["validation_metric"].mean()
    for row in selection.itertuples():
        assert row.validation_mean == pytest.approx(means[(row.model, row.lr)])
    chosen = selection[selection["chosen"]].set_index("model")["lr"]
    assert dict(zip(summary["model"], summary["lr"], strict=True)) == chosen.to_dict()
    assert set(summary["model"]) == {"rnn", "lstm:forget_bias=1.0"}
    write_report(out)  # in this process: the CLI's report command is tested elsewhere
    text = (out / "report.md").read_text()
    assert "## Learning rate per model" in text and "nn.LSTM (forget_bias=1.0)" in text
    assert (out / "figures" / "learning_rate.png").exists()
