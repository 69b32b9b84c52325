"""Shared fixtures: one smoke run through the real CLI, reused by the tests that read it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300):
    """Run ``python -m benchmark`` in a fresh process, as a user would."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "benchmark", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """The smoke preset run end to end with two workers."""
    out = tmp_path_factory.mktemp("runs") / "smoke"
    result = run_cli("run", "--preset", "smoke", "--out", str(out), "--n-jobs", "2",
                     "--no-progress")
    assert result.returncode == 0, result.stderr
    return out
