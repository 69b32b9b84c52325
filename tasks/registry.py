"""The task registry: ``register`` a task class under a key; ``get_task(key, **params)``
builds it."""

from __future__ import annotations

import dataclasses
import math

from core.errors import UsageError
from core.registry import Registry

TASKS = Registry("task")
register = TASKS.register


def task_param_names(key: str) -> list[str]:
    return [f.name for f in dataclasses.fields(TASKS.get(key))]


_TYPES = {  # a parameter's declared type -> (accepts a value?, what it must be)
    "float": (lambda v: isinstance(v, int | float) and not isinstance(v, bool)
              and math.isfinite(v), "a finite number"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "str": (lambda v: isinstance(v, str), "a string"),
}


def get_task(key: str, **params):
    """Build the task registered under ``key`` with its parameters: unknown names and values
    of the wrong type are refused here (one line naming them); ranges are the task's check."""
    cls = TASKS.get(key)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name, value in params.items():
        if name not in fields:
            raise UsageError(f"{key}: unknown task parameter {name!r}; known: "
                             f"{', '.join(fields) or '(none)'}")
        declared = getattr(fields[name].type, "__name__", str(fields[name].type))
        accepts, rule = _TYPES.get(declared, (lambda v: True, ""))
        if not accepts(value):
            raise UsageError(f"{key}: parameter {name}={value!r} is invalid; it must be {rule}")
    return cls(**params)
