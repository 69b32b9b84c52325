"""Bad input, in one place: every case ends with one line naming the bad value and what is
allowed, exit code 2, no traceback, and nothing written. In-process through ``cli.main`` (the
same code path as the command); one case in a fresh process for the contract as a user meets
it. Property-based cases: whatever text a numeric flag gets, the CLI either accepts it or
ends with one clear line."""

import contextlib
import io
import math
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from benchmark import cli
from tests.conftest import run_cli


@pytest.mark.parametrize("args, message", [
    (["--models", "rnn,transformer"], "unknown model 'transformer'; known:"),
    (["--tasks", "adding,copy"], "unknown task 'copy'; known:"),
    (["--preset", "huge"], "unknown preset 'huge'; known:"),
    (["--lengths", "10,-5"], "lengths="),
    (["--lengths", "10,x"], "--lengths '10,x' is invalid"),
    (["--seeds", "0"], "seeds=0"),
    (["--steps", "2.5"], "--steps '2.5' is invalid"),
    (["--hidden-size", "-3"], "hidden_size=-3"),
    (["--task-param", "noisy_sine.noise_std=-0.2"], "noise_std=-0.2"),
    (["--backend", "ray"], "unknown backend 'ray'"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    code = cli.main(["run", "--preset", "smoke", "--out", str(out), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.slow
def test_a_fresh_process_gives_the_same_one_line(tmp_path):
    """The contract as a user meets it: a new process, exit code 2, one line, no traceback."""
    out = tmp_path / "out"
    result = run_cli("run", "--preset", "smoke", "--out", str(out), "--models", "rnn,gpt")
    assert result.returncode == 2 and "unknown model 'gpt'; known:" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists()


def test_cuda_without_a_gpu_is_a_clean_error(tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    code = cli.main(["run", "--preset", "smoke", "--out", str(tmp_path / "x"), "--device",
                     "cuda"])
    assert code == 2 and "no CUDA device" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("text, message", [
    ('tasks = ["adding"]\nmodels = ["rnn"]\nlengths = [5]\nsped = 3\n', "unknown key 'sped'"),
    ('tasks = ["adding"]\nmodels = ["rnn"]\nlengths = [5]\nsteps = "ten"\n', "steps='ten'"),
    ('tasks = ["adding"\n', "not valid TOML"),
])
def test_a_bad_preset_file_names_the_file_and_key(tmp_path, capsys, text, message):
    preset = tmp_path / "mine.toml"
    preset.write_text(text)
    code = cli.main(["run", "--preset", str(preset), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "mine.toml" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_an_unreachable_dask_scheduler_is_one_line_and_writes_nothing(tmp_path, capsys,
                                                                      monkeypatch):
    pytest.importorskip("dask.distributed")
    from benchmark.run import workers

    monkeypatch.setattr(workers, "DASK_CONNECT_TIMEOUT", 1)
    code = cli.main(["run", "--preset", "smoke", "--backend", "dask", "--scheduler",
                     "tcp://127.0.0.1:1", "--out", str(tmp_path / "x"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "no Dask scheduler answered within 1 s" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "x").exists()


@pytest.mark.parametrize("args, message", [
    (["--task-param", "noisy_sine.noise_std=abc"], "noise_std='abc' is invalid"),
    (["--task-param", 'noisy_sine.noise_std="0.1"'], "noise_std='0.1' is invalid"),
    (["--task-param", "noisy_sine.noise_std=[1,2]"], "noise_std=[1, 2] is invalid"),
    (["--task-param", "noisy_sine.noise_std=true"], "noise_std=True is invalid"),
    (["--task-param", "noisy_sine.noise_std=0.1\nnoisy_sine.freq=9"], "it must be one line"),
    (["--models", "lstm:forget_bias=nan"], "forget_bias='nan' is invalid"),
    (["--models", "lstm:forget_bias=inf"], "forget_bias='inf' is invalid"),
    (["--steps", "0"], "steps=0 (--steps) is invalid"),
    (["--min-length", "10"], "--min-length and --max-length go together"),
    (["--search", "horizon", "--min-length", "100", "--max-length", "10"],
     "--min-length 100 must be below --max-length 10"),  # once swapped silently
    (["--search", "horizon", "--min-length", "1", "--max-length", "1"],
     "--min-length 1 must be below --max-length 1"),
    (["--min-length", "10", "--max-length", "100"], "add --search horizon"),
    (["--out", ""], "--out '' is empty"),  # once wrote to results/smoke
    # impossible values, refused before starting (each once ran and failed every cell)
    (["--lengths", "99999999999999999999"], "needs about 1.53e+15 GiB, more than this machine"),
    (["--hidden-size", "1000000"], "with batch 32 and hidden 1000000 needs about"),
    (["--batch-size", "1000000000"], "with batch 1000000000 and hidden 16 needs about"),
    (["--lr", "1e300"], "lr=1e+300 (--lr) is invalid; it must be a positive number up to 10"),
    (["--match-params", "1e12"], "it must be an integer"),  # 0 is allowed: not "positive"
    (["--seeds=--"], "--seeds needs a value"),  # argparse made this an empty list
    (["--task-param=--"], "--task-param needs a value"),
    (["--backend=--"], "--backend needs a value"),
    # cannot finish: refused at once, even with --dry-run (it once enumerated 10^8 lengths)
    (["--search", "horizon", "--lengths", "2,100000000", "--growth", "1.0000001",
      "--dry-run"], "would climb 177275345 lengths from 2 to 100000000; at most 1000"),
    # evaluation seeds must never reach the tuning seeds (1000 on): a rate chosen on them
    # would be chosen on evaluation data
    (["--seeds", "1001", "--lr-grid", "1e-3,3e-3"], "reaches the tuning seeds"),
    (["--seeds", "5", "--first-seed", "996"], "first_seed + seeds = 1001"),
])
def test_bad_values_are_one_line_naming_them(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    code = cli.main(["run", "--preset", "smoke", "--out", str(out), "--no-progress", *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.parametrize("setup, message", [
    ("file", "is a file, not a folder"),
    ("under_file", "cannot write there"),
    ("foreign", "holds files but no run.json of a longdep run"),
    ("bad_run_json", "run.json is damaged"),
    ("preset_dir", "is a folder; give a .toml file"),
    ("preset_binary", "is not UTF-8 text"),
    ("preset_bad_param", "noise_std='x' is invalid"),
    ("cells_file", "cells is a file, where a run keeps its cells"),
    ("long_name", "cannot use it (File name too long)"),
    ("preset_params_not_tables", "task_params in"),
    ("cell_folder", "is a folder where a cell file belongs"),
])
def test_bad_places_are_one_line_and_touch_nothing(tmp_path, capsys, setup, message):
    out, preset = tmp_path / "out", "smoke"
    if setup == "file":
        out.write_text("mine")
    elif setup == "under_file":
        (tmp_path / "f").write_text("mine")
        out = tmp_path / "f" / "run"
    elif setup == "foreign":
        out.mkdir()
        (out / ".draft.tmp").write_text("x")
        (out / "summary.csv").write_text("y")
    elif setup == "bad_run_json":
        out.mkdir()
        (out / "run.json").write_text('{"grid": ')
    elif setup == "long_name":
        out = tmp_path / ("x" * 300)
    elif setup == "preset_params_not_tables":  # with --task-param below: it merged them
        preset = str(tmp_path / "p.toml")
        Path(preset).write_text('tasks = ["noisy_sine"]\nmodels = ["rnn"]\nlengths = [5]\n'
                                'task_params = 5\n')
    elif setup in ("cells_file", "cell_folder"):
        out.mkdir()
        (out / "run.json").write_text('{"grid": {}}')
        if setup == "cells_file":
            (out / "cells").write_text("mine")
        else:
            (out / "cells" / "0123456789abcdef.npz").mkdir(parents=True)
    elif setup == "preset_dir":
        preset = str(tmp_path)
    elif setup == "preset_binary":
        preset = str(tmp_path / "p.toml")
        Path(preset).write_bytes(b'tasks = ["adding"]\n# \xff\xfe\n')
    else:
        preset = str(tmp_path / "p.toml")
        Path(preset).write_text('tasks = ["noisy_sine"]\nmodels = ["rnn"]\nlengths = [5]\n'
                                '[task_params.noisy_sine]\nnoise_std = "x"\n')
    before = sorted((p.name, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file())
    extra = ["--task-param", "noisy_sine.noise_std=0.1"] if setup.startswith("preset_params") \
        else []
    code = cli.main(["run", "--preset", preset, "--out", str(out), "--no-progress", *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err
    assert len(err.strip().splitlines()) == 1
    assert sorted((p.name, p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file()) == before


INT_FLAGS = ["--seeds", "--steps", "--hidden-size", "--batch-size", "--eval-every",
             "--test-size", "--probe-size"]
values = st.one_of(st.integers(-10**6, 10**6).map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.text(max_size=6))


def _run(tmp_path_factory, *flags: str) -> tuple[int, str, bool]:
    """(exit code, stderr, whether the output folder was created) of a dry run."""
    out = tmp_path_factory.mktemp("prop") / "out"
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["run", "--preset", "smoke", "--out", str(out), "--dry-run", *flags])
    return code, err.getvalue(), out.exists()


def _is_positive_int(text: str) -> bool:
    try:
        return int(text) > 0
    except ValueError:
        return False


def _fits(flag: str, value: int) -> bool:
    from benchmark.run.limits import cell_bytes, machine_memory

    batch, hidden = (value if flag == "--batch-size" else 32), \
        (value if flag == "--hidden-size" else 16)
    return cell_bytes(batch, 30, hidden) <= machine_memory()


def _is_positive_float(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isfinite(value) and value > 0


@settings(max_examples=60, deadline=None)
@given(flag=st.sampled_from(INT_FLAGS), value=values)
@example(flag="--hidden-size", value="19635")  # fits nowhere near 24 GiB: refused, by name
@example(flag="--hidden-size", value="1000")  # large, fits: runs
def test_integer_flags(tmp_path_factory, flag, value):
    code, err, written = _run(tmp_path_factory, f"{flag}={value}")
    # evaluation seeds stay below the tuning seeds (1000 on), and a cell must fit in memory
    # (the smoke grid: batch 32, hidden 16, copy_memory's longest input 10 + 20 steps)
    if _is_positive_int(value.strip()) and (flag != "--seeds" or int(value) < 1000) and \
            _fits(flag, int(value)):
        assert code == 0, err
    else:
        assert code == 2
        assert len(err.strip().splitlines()) == 1
        assert flag.lstrip("-").replace("-", "_") in err or flag in err
    assert not written


@settings(max_examples=40, deadline=None)
@given(value=values)
def test_learning_rate_flag(tmp_path_factory, value):
    code, err, written = _run(tmp_path_factory, f"--lr={value}")
    ok = _is_positive_float(value.strip()) and float(value) <= 10  # no optimiser survives more
    assert code == (0 if ok else 2), err
    if code:
        assert len(err.strip().splitlines()) == 1 and "lr" in err
    assert not written


@settings(max_examples=40, deadline=None)
@given(lengths=st.lists(st.integers(-5, 300), min_size=1, max_size=4))
def test_lengths_flag(tmp_path_factory, lengths):
    code, err, written = _run(tmp_path_factory, "--lengths=" + ",".join(map(str, lengths)))
    valid = all(v >= 2 for v in lengths) and len(set(lengths)) == len(lengths)  # adding: >= 2
    assert code == (0 if valid else 2), err
    if code:
        assert len(err.strip().splitlines()) == 1
    assert not written
