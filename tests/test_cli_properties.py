"""Property-based: whatever text a numeric flag gets, the CLI either accepts it or ends with one
clear line and exit code 2 — never a traceback."""

import contextlib
import io
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from benchmark import cli

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


def _is_positive_float(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isfinite(value) and value > 0


@settings(max_examples=60, deadline=None)
@given(flag=st.sampled_from(INT_FLAGS), value=values)
def test_integer_flags(tmp_path_factory, flag, value):
    code, err, written = _run(tmp_path_factory, f"{flag}={value}")
    if _is_positive_int(value.strip()):
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
    assert code == (0 if _is_positive_float(value.strip()) else 2), err
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
