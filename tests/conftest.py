"""Shared fixtures: one smoke run through the real CLI, reused by the tests that read it, and
throw-away model registrations that leave no trace in other tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models import MODELS, register

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300,
            env: dict | None = None):
    """Run ``python -m benchmark`` in a fresh process, as a user would (the package is
    installed editable, so no path is injected; ``env`` for a test that adds a plug-in's)."""
    return subprocess.run([sys.executable, "-m", "benchmark", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """The smoke preset run end to end with two workers (read only: copy before changing)."""
    out = tmp_path_factory.mktemp("runs") / "smoke"
    result = run_cli("run", "--preset", "smoke", "--out", str(out), "--n-jobs", "2",
                     "--no-progress")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def smoke_copy(smoke_run, tmp_path) -> Path:
    """A private copy of the smoke run that a test may damage, resume or report into."""
    out = tmp_path / "smoke"
    shutil.copytree(smoke_run, out)
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
