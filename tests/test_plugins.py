"""Plug-ins from outside the repository: the example package under examples/ runs through the
whole pipeline by import path and by entry point, and a broken plug-in is one clear line."""

import os
from pathlib import Path

import pandas as pd
import pytest
import torch

from core.errors import UsageError
from models import MODELS, build_model, check_spec
from tasks import TASKS, get_task
from tests.conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples"
CELL = "longdep_example.cells:MinimalGatedUnit"
TASK = "longdep_example.tasks:FirstSign"


def _env(*paths: Path) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in paths)}


def _run(tmp_path, env, models: str, tasks: str, *extra, n_jobs: str = "2"):
    out = tmp_path / "run"
    result = run_cli("run", "--preset", "smoke", "--models", f"gru,{models}", "--tasks",
                     tasks, "--lengths", "4,8", "--n-jobs", n_jobs, "--out", str(out),
                     "--no-progress", *extra, env=env)
    assert result.returncode == 0, result.stderr
    report = run_cli("report", str(out), env=env)
    assert report.returncode == 0, report.stderr
    return out


@pytest.mark.slow
def test_a_cell_and_a_task_by_import_path(tmp_path):
    out = _run(tmp_path, _env(EXAMPLES), f"{CELL}:forget_bias=1.0", TASK,
               "--task-param", f"{TASK}.scale=2.0")
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["model"]) == {"gru", f"{CELL}:forget_bias=1.0"}
    assert (summary["status"] == "ok").all() and set(summary["task"]) == {TASK}
    grads = pd.read_parquet(out / "gradients.parquet")
    mine = grads[grads["model"] == f"{CELL}:forget_bias=1.0"]
    assert {"through_time", "through_time_h", "other_weights"} <= set(mine["kind"])
    assert "MGU (forget_bias=1.0)" in (out / "report.md").read_text()


@pytest.mark.slow
def test_a_cell_and_a_task_by_entry_point(tmp_path):
    dist = tmp_path / "site" / "longdep_example-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: longdep-example\n"
                                   "Version: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[longdep.models]\nmgu = {CELL}\n\n"
                                           f"[longdep.tasks]\nfirst_sign = {TASK}\n")
    env = _env(tmp_path / "site", EXAMPLES)
    listed = run_cli("list", env=env)
    assert listed.returncode == 0 and "mgu" in listed.stdout and "first_sign" in listed.stdout
    # in this process (the import-path test above loads a plug-in in the workers)
    out = _run(tmp_path, env, "mgu", "first_sign,bit_memory", n_jobs="1")
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["model"]) == {"gru", "mgu"} and (summary["status"] == "ok").all()


def test_plugins_load_in_process_and_leave_no_trace(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    try:
        assert check_spec(f"{CELL}:forget_bias=2") == f"{CELL}:forget_bias=2.0"
        # depth is every model's, a plug-in's too: the readout reads the top of the stack
        stacked = build_model(f"{CELL}:layers=2:forget_bias=2", 1, 3, 1)
        assert len(stacked.core.layers) == 2 and stacked(torch.randn(2, 6, 1)).shape == (2, 1)
        assert get_task(TASK, scale=0.5).scale == 0.5
    finally:
        MODELS.remove(CELL)
        TASKS.remove(TASK)


@pytest.mark.parametrize("spec, message", [
    ("no_such_module:Cell", "cannot import 'no_such_module'"),
    ("torch.nn:NoSuchCell", "has no attribute 'NoSuchCell'"),
    ("math:pi", "is not callable"),
    ("torch.nn:Linear", "forward must return (output (B, T, hidden_size), state)"),
    ("torch.nn:LSTM", "is the core batch first"),
    # checked at two lengths: a core that returns 4 steps passes T = 4 alone
    ("tests.broken_cores:FourSteps", "for (2, 5, 2) and hidden 3 it gave (2, 4, 3), not (2, 5, 3)"),
    ("tests.broken_cores:ThreeTuple", "it gave a tuple of 3, not (2, 4, 3)"),
    ("tests.broken_cores:NaNCore", "returned non-finite values"),
    ("tests.broken_cores:NoLabel", "label = None; it must be a non-empty string"),
    ("tests.broken_cores:NumberOptions", "options must be a tuple of models.Option, got 5"),
    ("tests.broken_cores:UndefinedAnnotation", "its annotations cannot be read (NameError"),
])
def test_a_broken_model_plugin_is_one_line(spec, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_spec(spec)


def test_a_plugin_module_that_raises_or_does_not_parse_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "raising_plugin.py").write_text('raise RuntimeError("boom at import")\n')
    (tmp_path / "syntax_plugin.py").write_text("def broken(:\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(UsageError, match="importing 'raising_plugin' failed: RuntimeError: boom"):
        check_spec("raising_plugin:Cell")
    with pytest.raises(UsageError, match="importing 'syntax_plugin' failed: SyntaxError"):
        check_spec("syntax_plugin:Cell")


def test_a_broken_task_plugin_names_what_is_missing():
    with pytest.raises(UsageError, match="task plug-in 'collections:OrderedDict' lacks name"):
        get_task("collections:OrderedDict")


@pytest.mark.slow
def test_a_broken_installed_plugin_is_one_warning_not_a_crash(tmp_path):
    dist = tmp_path / "broken-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[longdep.models]\nbad = no_such_package:Cell\n")
    listed = run_cli("list", env=_env(tmp_path))
    assert listed.returncode == 0 and "lstm" in listed.stdout
    assert "warning: entry point 'bad' of longdep.models" in listed.stderr
    assert "Traceback" not in listed.stderr
