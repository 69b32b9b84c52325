"""The sweep survives faults: killed runs, crashing cells, corrupt files, concurrent runs."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmark import cli
from benchmark.run.presets import load_grid
from benchmark.run.runner import run_grid
from benchmark.run.store import CorruptCellFile, RunStore
from tests.conftest import ROOT, TINY, run_cli

TIMING = ["wall_seconds", "seconds_per_step", "git_commit"]  # not measurements


def _same_numbers(a, b):
    pd.testing.assert_frame_equal(pd.read_csv(a / "summary.csv").drop(columns=TIMING),
                                  pd.read_csv(b / "summary.csv").drop(columns=TIMING))
    pd.testing.assert_frame_equal(RunStore(a).load_gradients(), RunStore(b).load_gradients())
    pd.testing.assert_frame_equal(RunStore(a).load_curves(), RunStore(b).load_curves())


@pytest.mark.slow
def test_sigkill_loses_no_finished_cell_and_the_rerun_matches(smoke_run, tmp_path):
    out = tmp_path / "killed"
    env = dict(os.environ)
    args = [sys.executable, "-m", "benchmark", "run", "--preset", "smoke", "--out", str(out),
            "--n-jobs", "2", "--no-progress"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "cells").glob("*.npz"))) < 4:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its loky workers, mid-grid
    proc.wait()
    done = list((out / "cells").glob("*.npz"))
    assert 4 <= len(done) < len(load_grid("smoke").cells()), "the kill should land mid-grid"
    for path in done:
        RunStore(out).read_cell(path)  # every file that exists is whole
    result = run_cli("run", "--preset", "smoke", "--out", str(out), "--n-jobs", "2",
                     "--no-progress")
    assert result.returncode == 0, result.stderr
    assert f"{len(done)} already done" in result.stdout
    assert not list(out.rglob("*.tmp"))  # a write cut short by the kill was cleaned up
    _same_numbers(out, smoke_run)


def _build_broken(input_dim, hidden_size):
    """A plugged-in model with a bug: its forward raises (as an out-of-memory would)."""
    from torch import nn

    class Core(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(input_dim, hidden_size, batch_first=True)

        def forward(self, x):
            raise RuntimeError("simulated out of memory")

    return Core()


def test_a_crashing_cell_is_recorded_and_retried_alone(tmp_path, capsys, temporary_model):
    # n_jobs 1 runs in this process, where the test-only model is registered.
    temporary_model("test_broken", _build_broken)
    overrides = {"tasks": ["adding"], "models": ["rnn", "test_broken"], "lengths": [5]}
    grid = load_grid("smoke", overrides)
    outcome = run_grid(grid, tmp_path / "run", n_jobs=1, progress=False)
    assert (outcome.total, outcome.failed) == (2, 1)
    summary = pd.read_csv(tmp_path / "run" / "summary.csv").set_index("model")
    assert summary.loc["test_broken", "status"] == "error"
    assert "simulated out of memory" in summary.loc["test_broken", "message"]
    assert summary.loc["rnn", "status"] == "ok"
    again = run_grid(grid, tmp_path / "run", n_jobs=1, progress=False)
    assert (again.skipped, again.computed, again.failed) == (1, 1, 1)
    code = cli.main(["run", "--preset", "smoke", "--out", str(tmp_path / "run"), "--tasks",
                     "adding", "--models", "rnn,test_broken", "--lengths", "5", "--n-jobs", "1",
                     "--no-progress"])
    assert code == 1
    assert "1 of 2 cells failed" in capsys.readouterr().err


def _same_record(a, b) -> bool:
    if json.dumps(a["summary"], sort_keys=True) != json.dumps(b["summary"], sort_keys=True):
        return False
    return all(np.array_equal(a[part][k], b[part][k]) and a[part][k].dtype == b[part][k].dtype
               for part in ("curve", "gradients") for k in a[part])


@pytest.mark.slow
def test_every_byte_flip_is_detected_or_harmless(smoke_run, tmp_path):
    """Flip bytes across the whole of a cell file: each read either refuses the file or gives
    back exactly the numbers written (the checksum leaves no third outcome)."""
    store = RunStore(smoke_run)
    original = sorted((smoke_run / "cells").glob("*.npz"))[0]
    clean = store.read_cell(original)
    data = original.read_bytes()
    victim = tmp_path / original.name
    detected = harmless = 0
    for position in range(0, len(data), max(1, len(data) // 1500)):
        damaged = bytearray(data)
        damaged[position] ^= 0x5A
        victim.write_bytes(bytes(damaged))
        try:
            record = store.read_cell(victim)
        except CorruptCellFile:
            detected += 1
            continue
        assert _same_record(record, clean), f"a flip at byte {position} changed the numbers"
        harmless += 1
    assert detected > 0.5 * (detected + harmless)


@pytest.mark.slow
def test_a_cell_file_without_its_checksum_is_upgraded_once(smoke_copy):
    store = RunStore(smoke_copy)
    path = sorted((smoke_copy / "cells").glob("*.npz"))[0]
    with np.load(path) as data:  # rewrite it as a file of an earlier version
        arrays = {k: data[k] for k in data.files if k != "sha256"}
    np.savez_compressed(path, **arrays)
    with pytest.raises(CorruptCellFile, match="no checksum"):
        store.read_cell(path)
    outcome = run_grid(load_grid("smoke"), smoke_copy, n_jobs=1, progress=False)
    assert outcome.computed == 0  # read back whole, given its checksum, not recomputed
    store.read_cell(path)


@pytest.mark.slow
def test_a_corrupt_cell_file_is_reported_and_recomputed(smoke_copy, smoke_run, capsys):
    out = smoke_copy
    victim = sorted((out / "cells").glob("*.npz"))[5]
    victim.write_bytes(victim.read_bytes()[:100])  # truncated
    outcome = run_grid(load_grid("smoke"), out, n_jobs=1, progress=False)
    assert outcome.corrupt == [victim.name] and outcome.computed == 1
    assert "corrupt cell file" in capsys.readouterr().err
    _same_numbers(out, smoke_run)


@pytest.mark.slow
def test_two_cell_files_swapped_by_name_are_caught_and_recomputed(smoke_copy, smoke_run,
                                                                  capsys):
    out = smoke_copy
    first, second = sorted((out / "cells").glob("*.npz"))[:2]
    first_bytes = first.read_bytes()
    first.write_bytes(second.read_bytes())  # each checksum still valid, the names swapped
    second.write_bytes(first_bytes)
    with pytest.raises(CorruptCellFile, match="not the one its name says"):
        RunStore(out).read_cell(first)
    outcome = run_grid(load_grid("smoke"), out, n_jobs=1, progress=False)
    assert sorted(outcome.corrupt) == sorted([first.name, second.name])
    assert outcome.computed == 2 and "holds cell" in capsys.readouterr().err
    _same_numbers(out, smoke_run)


@pytest.mark.slow
def test_run_and_report_remove_only_what_the_suite_wrote(tiny_copy):
    out = tiny_copy
    mine = [out / ".mynotes.tmp", out / "cells" / ".keep.tmp", out / "figures" / "my_notes.txt",
            out / "figures" / "learning_curves_annotated.png"]
    ours = [out / ".summary.csv.a1b2c3d4.tmp", out / "cells" / f".{'0' * 16}.npz.x_y_z_12.tmp"]
    (out / "figures").mkdir(exist_ok=True)
    for path in mine + ours:
        path.write_text("x")
    (out / ".report.tmp").mkdir()  # a report killed with kill -9 left its staging
    (out / ".report.tmp" / "stats.csv").write_text("x")
    stale = out / "figures" / "gradient_reach.svg"  # an earlier report's figure, not drawn now
    stale.write_text("x")
    outcome = run_grid(load_grid("smoke", TINY), out, n_jobs=1, progress=False)
    assert outcome.computed == 0
    assert not any(p.exists() for p in ours) and not (out / ".report.tmp").exists()
    assert cli.main(["report", str(out)]) == 0
    assert all(p.exists() for p in mine) and not stale.exists()


@pytest.mark.slow
def test_a_worker_that_dies_costs_its_cell_not_the_sweep(tmp_path):
    out = tmp_path / "killed"
    env = {**os.environ, "LONGDEP_KILLER_ARMED": "1"}  # armed through the environment
    result = run_cli("run", "--preset", "smoke", "--tasks", "adding", "--models",
                     "rnn,tests.killer_cell:KillerCell", "--out", str(out), "--n-jobs", "2",
                     "--no-progress", env=env)
    # the sweep finished; exit 1 says a cell failed, in one line, without a traceback
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "1 of 4 cells failed" in result.stderr
    summary = pd.read_csv(out / "summary.csv")
    dead = summary[summary["status"] == "error"]
    assert len(dead) == 1 and dead["seq_len"].iloc[0] == 10  # the killer at T = 10 alone
    assert "worker died twice, the second time running alone" in dead["message"].iloc[0]
    assert (summary.loc[summary["status"] != "error", "status"] == "ok").all()
    assert len(summary) == 4 and "1 failed" in result.stdout


@pytest.mark.slow
def test_a_report_refuses_a_file_in_place_of_its_figures_before_writing(tiny_copy, capsys):
    out = tiny_copy
    assert cli.main(["report", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    shutil.rmtree(out / "figures")
    (out / "figures").write_text("mine")
    assert cli.main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert "figures is a file" in err and len(err.strip().splitlines()) == 1
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != "figures"}
    assert after == before  # the previous report whole: no table rewritten


@pytest.mark.slow
def test_a_plugin_calling_sys_exit_fails_its_cell_not_the_run(tmp_path):
    out = tmp_path / "exits"
    result = run_cli("run", "--preset", "smoke", "--tasks", "adding", "--models",
                     "tests.broken_cores:Exits", "--out", str(out), "--n-jobs", "1",
                     "--no-progress")
    assert result.returncode == 1 and "1 of 2 cells failed" in result.stderr, result.stderr
    summary = pd.read_csv(out / "summary.csv").set_index("seq_len")
    assert summary.loc[10, "message"] == "the cell called sys.exit(3)"
    assert summary.loc[5, "status"] == "ok"


@pytest.mark.slow
def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "busy"
    with RunStore(out).lock():
        # the lock is on the folder: no lock file a user could delete to let a second run in
        assert not list(out.iterdir())
        result = run_cli("run", "--preset", "smoke", "--out", str(out), "--no-progress")
    assert result.returncode == 2
    assert "in use by another run" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (out / "run.json").exists()


@pytest.mark.slow
def test_a_folder_holding_another_grid_is_refused(smoke_copy):
    out = smoke_copy
    before = sorted(p.name for p in out.rglob("*"))
    result = run_cli("run", "--preset", "smoke", "--out", str(out), "--seeds", "2")
    assert result.returncode == 2
    assert "holds a different grid" in result.stderr and "choose another --out" in result.stderr
    assert sorted(p.name for p in out.rglob("*")) == before


@pytest.mark.slow
def test_dask_backend_gives_the_numbers_of_loky(smoke_run, tmp_path):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "dask"
    result = run_cli("run", "--preset", "smoke", "--out", str(out), "--backend", "dask",
                     "--n-jobs", "2", "--no-progress")
    assert result.returncode == 0, result.stderr
    _same_numbers(out, smoke_run)


def _start_smoke(out, *extra):
    args = [sys.executable, "-m", "benchmark", "run", "--preset", "smoke", "--out", str(out),
            "--n-jobs", "2", "--no-progress", *extra]
    proc = subprocess.Popen(args, cwd=ROOT, env=dict(os.environ), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "cells").glob("*.npz"))) < 3:
        time.sleep(0.05)
    return proc


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in found.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


@pytest.mark.slow
def test_sigterm_is_a_clean_stop_and_the_rerun_resumes(tmp_path):
    out = tmp_path / "term"
    proc = _start_smoke(out)
    proc.terminate()  # SIGTERM to the run alone
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "terminated; finished cells are kept" in err
    assert "Traceback" not in err
    done = list((out / "cells").glob("*.npz"))
    assert done and not list(out.rglob("*.tmp"))
    for path in done:
        RunStore(out).read_cell(path)
    again = run_cli("run", "--preset", "smoke", "--out", str(out), "--n-jobs", "2",
                    "--no-progress")
    assert again.returncode == 0 and f"{len(done)} already done" in again.stdout


@pytest.mark.slow
def test_workers_exit_when_the_run_is_killed_alone(tmp_path):
    proc = _start_smoke(tmp_path / "orphans")
    workers = [c for c in _children(proc.pid) if _alive(c)]
    assert workers, "the run should have worker processes"
    os.kill(proc.pid, signal.SIGKILL)  # the run only, not its group: workers are orphaned
    proc.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers), "orphaned workers kept running"


def test_report_of_a_partly_or_wholly_crashed_run(tmp_path, capsys, temporary_model):
    temporary_model("test_broken", _build_broken)
    out = tmp_path / "run"
    grid = load_grid("smoke", {"tasks": ["adding", "bit_memory"], "models": ["rnn", "test_broken"],
                               "lengths": [5]})
    run_grid(grid, out, n_jobs=1, progress=False)
    assert cli.main(["report", str(out)]) == 0  # the crashed model is left out and counted
    text = (out / "report.md").read_text()
    assert "2 crashed" in text
    assert "test_broken" not in set(pd.read_csv(out / "stats.csv")["model"])
    only_broken = load_grid("smoke", {"tasks": ["adding"], "models": ["test_broken"],
                                      "lengths": [5]})
    run_grid(only_broken, tmp_path / "broken", n_jobs=1, progress=False)
    capsys.readouterr()
    assert cli.main(["report", str(tmp_path / "broken")]) == 2
    assert cli.main(["compare", str(out), str(tmp_path / "broken")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all("none of its 1 cells is usable" in line for line in err)
    assert not (tmp_path / "broken" / "report.md").exists()


@pytest.mark.slow
def test_a_report_that_fails_leaves_the_previous_one_whole(tiny_copy, monkeypatch):
    from benchmark.report import training_figures
    from benchmark.report.report import write_report

    write_report(tiny_copy)
    before = {p.name: p.read_bytes() for p in tiny_copy.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("a figure failed half way")

    monkeypatch.setattr(training_figures, "cost", broken)
    (tiny_copy / "summary.csv").write_text(
        (tiny_copy / "summary.csv").read_text().replace(",ok,", ",diverged,", 1))
    with pytest.raises(RuntimeError):
        write_report(tiny_copy)
    after = {p.name: p.read_bytes() for p in tiny_copy.rglob("*") if p.is_file()}
    del before["summary.csv"], after["summary.csv"]
    assert after == before  # no table, figure or report.md of the failed attempt
    assert not (tiny_copy / ".report.tmp").exists()


@pytest.mark.slow
def test_sigterm_stops_a_search_without_waiting_for_its_running_cells(tmp_path):
    # cells of a million steps: a stop that waited for the running ones would time out
    args = [sys.executable, "-m", "benchmark", "run", "--preset", "smoke", "--out",
            str(tmp_path / "slow"), "--n-jobs", "2", "--no-progress", "--search", "horizon",
            "--tasks", "adding", "--models", "gru,rnn", "--lengths", "5,40", "--steps",
            "1000000", "--early-stop", "false"]
    proc = subprocess.Popen(args, cwd=ROOT, env=dict(os.environ), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len([c for c in _children(proc.pid)
                                               if _alive(c)]) < 2:
        time.sleep(0.1)
    time.sleep(3)  # the workers have taken their cells
    workers = [c for c in _children(proc.pid) if _alive(c)]
    assert workers, "the search should have worker processes"
    started = time.monotonic()
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "terminated; finished cells are kept" in err
    assert "Traceback" not in err and time.monotonic() - started < 30
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers), "the workers outlived the stop"
