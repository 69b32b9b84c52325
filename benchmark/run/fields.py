"""The declaration of a configurable value: its kind, its allowed range in words, its help.

One ``Spec`` per setting drives preset validation, the CLI flag, its help text and the
report's grid lines; ``check_value`` turns a preset or flag value into the setting's type or
raises a one-line UsageError naming the value and the rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from core.checks import (  # noqa: F401  (the predicates settings are declared with)
    invalid,
    is_bool,
    learning_rate,
    nonneg_float,
    nonneg_int,
    positive_float,
    positive_int,
)
from core.errors import UsageError


@dataclasses.dataclass(frozen=True)
class Spec:
    kind: str  # "names", "keys" (may be empty), "ints", "floats", "int", "float", "bool",
    # "str", "scale" (a table of key = list of ints)
    check: Callable[[Any], bool] | None
    rule: str
    help: str
    headline: bool = False  # always in a report's grid lines; the others when not at default


def setting(default: Any, kind: str, check, rule: str, help: str, headline: bool = False):
    """A dataclass field that is also a grid setting (a flag, a preset key, a report line)."""
    return dataclasses.field(default=default,
                             metadata={"spec": Spec(kind, check, rule, help, headline)})


def check_value(name: str, value: Any, spec: Spec, where: str = "") -> Any:
    """``value`` converted to the setting's type, or a UsageError naming it and the rule."""
    def bad() -> UsageError:
        return invalid(name, value, spec.rule, where)

    if spec.kind == "scale":
        from benchmark.run.scale import check_scale

        return check_scale(value, where)
    if spec.kind == "keys":
        if isinstance(value, str) or not isinstance(value, list | tuple) or \
                not all(isinstance(v, str) for v in value):
            raise UsageError(f"{name}={value!r}{where} is invalid; it must be a list of "
                             f"{spec.rule}")
        if len(set(value)) != len(value):
            raise UsageError(f"{name}={list(value)!r}{where} has duplicates")
        return tuple(value)
    if spec.kind == "floats":
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise UsageError(f"{name}={value!r}{where} is invalid; it must be a list of "
                             f"{spec.rule}")
        value = [float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                 for v in value]
        if not all(spec.check(v) for v in value) or len(set(value)) != len(value):
            raise UsageError(f"{name}={list(value)!r}{where} is invalid; it must be distinct "
                             f"{spec.rule}")
        return tuple(value)
    if spec.kind in ("names", "ints"):
        if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
            raise UsageError(f"{name}={value!r}{where} is invalid; it must be a non-empty list "
                             f"of {spec.rule}")
        if spec.kind == "names" and not all(isinstance(v, str) for v in value):
            raise bad()
        if spec.kind == "ints" and not all(spec.check(v) for v in value):
            raise bad()
        if len(set(value)) != len(value):
            raise UsageError(f"{name}={list(value)!r}{where} has duplicates")
        return tuple(value)
    if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not spec.check(value):
        raise bad()
    return value
