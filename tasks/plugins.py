"""Task plug-ins: a task class from outside ``tasks/``, named by import path
(``--tasks mypkg.tasks:MyTask``, parameters as ``--task-param mypkg.tasks:MyTask.name=value``)
or by an installed package's ``longdep.tasks`` entry point.

The contract is the one in tasks/base.py: subclass ``Task`` (or provide the same attributes
and methods), parameters as dataclass fields with defaults. It is checked when the plug-in is
loaded, by building it with its defaults and generating a small batch, with a one-line error
naming what is missing.
"""

from __future__ import annotations

import numpy as np

from core.errors import UsageError
from tasks.registry import TASKS

ENTRY_POINT_GROUP = "longdep.tasks"
ATTRIBUTES = ("name", "input_dim", "output_dim", "kind", "metric_name", "success_rule")
METHODS = ("generate", "baseline", "solved", "loss", "metric", "check_seq_len",
           "input_length", "readout_steps", "noise_floor", "probe_loss")


def check_task(key: str, cls) -> None:
    where = f"task plug-in {key!r}"
    missing = [a for a in ATTRIBUTES if not hasattr(cls, a)] + \
        [m for m in METHODS if not callable(getattr(cls, m, None))]
    if missing:
        raise UsageError(f"{where} lacks {', '.join(missing)} (subclass tasks.Task)")
    try:
        task = cls()
        length = max(int(getattr(cls, "min_seq_len", 1)), 5)
        x, y = task.generate(3, length, np.random.default_rng(0))
    except Exception as err:  # noqa: BLE001
        raise UsageError(f"{where}: building it with its defaults and generating 3 samples "
                         f"failed: {type(err).__name__}: {err}") from None
    steps = task.input_length(length)
    if getattr(x, "shape", None) != (3, steps, task.input_dim) or x.dtype != np.float32:
        raise UsageError(f"{where}: generate(3, {length}) must give float32 x of shape "
                         f"(3, {steps}, {task.input_dim}), got {getattr(x, 'shape', x)}")
    if len(y) != 3:
        raise UsageError(f"{where}: generate(3, {length}) must give 3 targets")


def register_plugin(key: str, cls) -> None:
    check_task(key, cls)
    TASKS.register(key, label=getattr(cls, "label", key.rpartition(":")[2]),
                   description=getattr(cls, "description", f"plug-in {key}"))(cls)


