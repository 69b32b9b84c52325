"""What a run records about where it ran: library versions, machine, the code's git commit
(marked ``-dirty`` when tracked files differ from it), and the time in UTC."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from pathlib import Path

import joblib


def environment() -> dict:
    import numpy
    import pandas
    import scipy
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__, "numpy": numpy.__version__, "pandas": pandas.__version__,
        "scipy": scipy.__version__, "joblib": joblib.__version__,
        "machine": platform.machine(), "system": platform.platform(),
        "processor": platform.processor(), "cpu_count": os.cpu_count(),
        "git_commit": _git_commit(),
    }


REPOSITORY = Path(__file__).resolve().parents[2]  # benchmark/run/environment.py -> the root


def _git_commit() -> str:
    root = REPOSITORY
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
