"""Model variants as options, not copies: ``key:name=value:name=value`` specs (colons, so a
comma-separated list of models stays unambiguous).

Every option is declared at registration as an ``Option`` with its type and range, so a value
is converted and checked the same way everywhere: ``"False"`` is a bool, ``"4"`` an int, and
``nan`` is no forget bias.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.checks import invalid, is_number
from core.errors import UsageError

_BOOLS = {"true": True, "false": False}


@dataclass(frozen=True)
class Option:
    """One keyword option of a model builder: its type (float, int, bool or str) and range."""

    name: str
    type: type
    help: str
    choices: tuple[str, ...] = ()  # for str options: the allowed values
    check: Callable[[Any], bool] | None = None  # for numbers: the allowed range ...
    rule: str = ""  # ... in words

    def parse(self, text: str) -> Any:
        """Convert the text of a spec to this option's type, or a one-line UsageError."""
        def bad(rule: str) -> UsageError:
            return invalid(f"model option {self.name}", text, rule)

        if self.type is bool:
            if text.lower() not in _BOOLS:
                raise bad("true or false")
            return _BOOLS[text.lower()]
        if self.type is str:
            if self.choices and text not in self.choices:
                raise bad(f"known: {', '.join(self.choices)}")
            if self.check is not None and not self.check(text):
                raise bad(self.rule)
            return text
        try:
            value = self.type(text)
        except ValueError:
            raise bad("an integer" if self.type is int else "a number") from None
        if isinstance(value, float) and not is_number(value):
            raise bad("a finite number")
        if self.check is not None and not self.check(value):
            raise bad(self.rule)
        return value


def parse_spec(spec: str, registered=()) -> tuple[str, dict[str, str]]:
    """``"rnn:init=identity:nonlinearity=relu"`` -> ``("rnn", {"init": ..., ...})``; a
    plug-in's key is its import path, ``"mypkg.cells:MyCell:order=4"`` -> ``("mypkg.cells:MyCell",
    {"order": "4"})``."""
    key, _, rest = spec.partition(":")
    if key not in registered and rest and "=" not in rest.partition(":")[0]:
        # an import path, module:Attribute (a registered key is followed by options only)
        attribute, _, rest = rest.partition(":")
        key = f"{key}:{attribute}"
    options: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in rest.split(":"))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(f"model option {item!r} in {spec!r} must look like name=value")
        options[name.strip()] = value.strip()
    return key.strip(), options


def typed_options(key: str, declared: tuple[Option, ...], options: dict[str, str]
                  ) -> dict[str, Any]:
    """Check option names against the declared ones and convert each value to its type."""
    by_name = {option.name: option for option in declared}
    typed: dict[str, Any] = {}
    for name, text in options.items():
        if name not in by_name:
            raise UsageError(f"model {key!r} has no option {name!r}; known: "
                             f"{', '.join(by_name) or '(none)'}")
        typed[name] = by_name[name].parse(text)
    return typed


def canonical_spec(key: str, options: dict[str, Any]) -> str:
    """One spelling per variant, so the same variant always gets the same cell id and row."""
    def text(value: Any) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    return "".join([key] + [f":{k}={text(options[k])}" for k in sorted(options)])
