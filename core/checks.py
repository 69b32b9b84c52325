"""The one way a value is checked: predicates for the kinds of value the suite takes, and the
one-line error that names a bad value and what it must be.

Settings and grid axes (benchmark/run/fields.py), model options (models/options.py) and task
parameters (tasks/registry.py, Task.check) all check with these and word their refusals with
``invalid``, so every bad value reads the same: ``name=value is invalid; it must be rule``.
"""

from __future__ import annotations

import math
from typing import Any

from core.errors import UsageError


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool, not nan or inf)."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def positive_int(value: Any) -> bool:
    return is_int(value) and value > 0


def nonneg_int(value: Any) -> bool:
    return is_int(value) and value >= 0


def positive_float(value: Any) -> bool:
    return is_number(value) and value > 0


MAX_LEARNING_RATE = 10.0  # no optimiser here survives a larger step; above it is a typo


def learning_rate(value: Any) -> bool:
    return is_number(value) and 0 < value <= MAX_LEARNING_RATE


def nonneg_float(value: Any) -> bool:
    return is_number(value) and value >= 0


def is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def invalid(name: str, value: Any, rule: str, where: str = "",
            problem: str = "is invalid") -> UsageError:
    """The refusal of a bad value, one line: ``name=value[where] is invalid; it must be rule``
    (``rule`` may instead say what is known, starting with "known:")."""
    must = rule if rule.startswith("known:") else f"it must be {rule}"
    return UsageError(f"{name}={value!r}{where} {problem}; {must}")
