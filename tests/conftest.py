"""Shared fixtures: one smoke run through the real CLI, reused by the tests that read it, and
throw-away model registrations that leave no trace in other tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from models import MODELS, register

ROOT = Path(__file__).resolve().parent.parent
TINY = {"tasks": ["adding"], "models": ["rnn", "gru"]}  # the tiny run: the smoke preset, cut
TINY_FLAGS = ("--tasks", "adding", "--models", "rnn,gru")


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300,
            env: dict | None = None):
    """Run ``python -m benchmark`` in a fresh process, as a user would (the package is
    installed editable, so no path is injected; ``env`` for a test that adds a plug-in's)."""
    return subprocess.run([sys.executable, "-m", "benchmark", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env)


def _shared_run(tmp_path_factory, name: str, *flags: str) -> Path:
    """A run made once per test session, whichever pytest-xdist worker asks first: the others
    wait on its lock and read the same folder (xdist's documented recipe), so a session pays
    for it once, not once per worker."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder every worker's base lies in
    out = shared / "shared_runs" / name
    out.parent.mkdir(exist_ok=True)
    with FileLock(str(out) + ".lock"):
        if not (out / "summary.csv").exists():
            result = run_cli("run", "--preset", "smoke", "--out", str(out), "--no-progress",
                             *flags)
            assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """The smoke preset run end to end with two workers (read only: copy before changing)."""
    return _shared_run(tmp_path_factory, "smoke", "--n-jobs", "2")


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """One task, two models, two lengths, one seed: for tests of how a report is written,
    which need a real run but not the smoke run's 32 cells (read only: copy it)."""
    return _shared_run(tmp_path_factory, "tiny", *TINY_FLAGS, "--n-jobs", "1")


@pytest.fixture
def smoke_copy(smoke_run, tmp_path) -> Path:
    """A private copy of the smoke run that a test may damage, resume or report into."""
    out = tmp_path / "smoke"
    shutil.copytree(smoke_run, out)
    return out


@pytest.fixture
def tiny_copy(tiny_run, tmp_path) -> Path:
    """A private copy of the tiny run."""
    out = tmp_path / "tiny"
    shutil.copytree(tiny_run, out)
    return out


@pytest.fixture
def temporary_model():
    """``add(key, builder)`` registers a test-only model for this test alone."""
    added: list[str] = []

    def add(key: str, builder, options=()) -> str:
        register(key, label=key, description="test only", family="test",
                 options=options)(builder)
        added.append(key)
        return key

    yield add
    for key in added:
        MODELS.remove(key)
