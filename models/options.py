"""Model variants as options, not copies: ``key:name=value:name=value`` specs (colons, so a
comma-separated list of models stays unambiguous) and the initialisations
the literature names for long-term dependency.

- ``forget_bias`` (lstm, lstm_scratch): the forget gate's bias starts at this value instead of
  U(-1/sqrt(H), 1/sqrt(H)) (Gers et al. 2000; Jozefowicz et al. 2015 recommend 1), so the cell
  starts out holding its state. Set on ``bias_ih``'s forget slice, with ``bias_hh``'s zeroed,
  so the sum the gate sees is exactly the value.
- ``init=identity`` (rnn): recurrent weights start at the identity and biases at zero, the IRNN
  of Le et al. (2015) when combined with ``nonlinearity=relu``; input weights keep the default.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch import nn

from benchmark.errors import UsageError


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """``"rnn:init=identity:nonlinearity=relu"`` -> ``("rnn", {"init": ..., ...})``."""
    key, _, rest = spec.partition(":")
    options: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in rest.split(":"))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(f"model option {item!r} in {spec!r} must look like name=value")
        options[name.strip()] = value.strip()
    return key.strip(), options


def typed_options(key: str, builder, options: dict[str, str]) -> dict[str, Any]:
    """Check option names against the builder's keyword-only arguments and convert each value
    to the type of the argument's annotation (float or str)."""
    params = {name: p for name, p in inspect.signature(builder).parameters.items()
              if p.kind is inspect.Parameter.KEYWORD_ONLY}
    typed: dict[str, Any] = {}
    for name, text in options.items():
        if name not in params:
            raise UsageError(f"model {key!r} has no option {name!r}; known: "
                             f"{', '.join(params) or '(none)'}")
        if "float" in str(params[name].annotation):
            try:
                typed[name] = float(text)
            except ValueError:
                raise UsageError(f"model option {name}={text!r} must be a number") from None
        else:
            typed[name] = text
    return typed


def canonical_spec(key: str, options: dict[str, Any]) -> str:
    """One spelling per variant, so the same variant always gets the same cell id and row."""
    return "".join([key] + [f":{k}={options[k]}" for k in sorted(options)])


def lstm_options(core: nn.Module, forget_bias: float | None) -> nn.Module:
    if forget_bias is not None:
        hidden = core.hidden_size
        with torch.no_grad():
            core.bias_ih_l0[hidden:2 * hidden].fill_(forget_bias)  # gate order i, f, g, o
            core.bias_hh_l0[hidden:2 * hidden].zero_()
    return core


def choose(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise UsageError(f"model option {name}={value!r} is invalid; known: {', '.join(allowed)}")
    return value
