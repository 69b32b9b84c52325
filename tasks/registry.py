"""The task registry: ``register`` a task class under a key; ``get_task(key, **params)``
builds it."""

from __future__ import annotations

import dataclasses

from core.checks import invalid, is_bool, is_int, is_number
from core.errors import UsageError
from core.registry import Registry

TASKS = Registry("task")
register = TASKS.register


def task_param_names(key: str) -> list[str]:
    return [f.name for f in dataclasses.fields(TASKS.get(key))]


_TYPES = {  # a parameter's declared type -> (accepts a value?, what it must be)
    "float": (is_number, "a finite number"),
    "int": (is_int, "an integer"),
    "bool": (is_bool, "true or false"),
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
            raise invalid(f"{key}: parameter {name}", value, rule)
    return cls(**params)
