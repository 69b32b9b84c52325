"""The task registry: ``register`` a task class under a key; ``get_task(key, **params)``
builds it."""

from __future__ import annotations

import dataclasses

from core.errors import UsageError
from core.registry import Registry

TASKS = Registry("task")
register = TASKS.register


def task_param_names(key: str) -> list[str]:
    return [f.name for f in dataclasses.fields(TASKS.get(key))]


def get_task(key: str, **params):
    """Build the task registered under ``key`` with its parameters (unknown ones refused)."""
    cls = TASKS.get(key)
    known = task_param_names(key)
    for name in params:
        if name not in known:
            raise UsageError(
                f"{key}: unknown task parameter {name!r}; known: {', '.join(known) or '(none)'}"
            )
    return cls(**params)
