"""Model plug-ins: a core builder from outside ``models/``, named by import path
(``--models mypkg.cells:MyCell``) or by an installed package's ``longdep.models`` entry point.

The contract (the same as for a built-in): ``builder(input_dim, hidden_size, **options)``
returns a module whose ``forward(x, state=None)`` takes ``(B, T, input_dim)`` and returns
``(output (B, T, hidden_size), state)`` like ``nn.LSTM(batch_first=True)``. A class works as
a builder. Options are read from an ``options`` attribute (a tuple of ``Option``) or else
from the builder's keyword-only parameters and their annotations (int, float, bool, str).
Optional attributes: ``label``, ``description``, ``family``. The contract is checked once,
when the plug-in is loaded, with a one-line error naming what is missing.
"""

from __future__ import annotations

import inspect
import typing

import torch
from torch import nn

from core.errors import UsageError
from models.options import Option
from models.registry import register

ENTRY_POINT_GROUP = "longdep.models"
_TYPES = (int, float, bool, str)


def declared_options(builder) -> tuple[Option, ...]:
    """The options of a plug-in builder: its ``options`` attribute, or its keyword-only
    parameters typed by their annotations (``float | None`` counts as float)."""
    if hasattr(builder, "options"):
        try:
            options = tuple(builder.options)
        except TypeError:
            options = None
        if options is None or not all(isinstance(o, Option) for o in options):
            raise UsageError(f"model plug-in {getattr(builder, '__name__', builder)!r}: "
                             f"options must be a tuple of models.Option, got "
                             f"{builder.options!r}")
        return options
    target = builder.__init__ if inspect.isclass(builder) else builder
    try:
        hints = typing.get_type_hints(target)
    except Exception as err:  # noqa: BLE001  (an annotation naming something undefined)
        raise UsageError(f"model plug-in {getattr(builder, '__name__', builder)!r}: its "
                         f"annotations cannot be read ({type(err).__name__}: {err})") from None
    options = []
    for name, parameter in inspect.signature(target).parameters.items():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        kinds = [t for t in typing.get_args(hints.get(name)) or (hints.get(name),)
                 if t in _TYPES]
        if not kinds:
            raise UsageError(f"model plug-in option {name!r} needs an annotation of int, float, "
                             "bool or str")
        options.append(Option(name, kinds[0], f"plug-in option {name}"))
    return tuple(options)


def check_core(key: str, builder) -> None:
    """Build a tiny core and run it once: the contract, or a one-line UsageError."""
    where = f"model plug-in {key!r}"
    if not callable(builder):
        raise UsageError(f"{where}: {builder!r} is not callable (a builder or a module class)")
    try:
        core = builder(2, 3)
    except Exception as err:  # noqa: BLE001
        raise UsageError(f"{where}: builder(input_dim=2, hidden_size=3) failed: "
                         f"{type(err).__name__}: {err}") from None
    if not isinstance(core, nn.Module):
        raise UsageError(f"{where}: the builder must return an nn.Module, got "
                         f"{type(core).__name__}")
    for length in (4, 5):  # two lengths: a core that ignores T passes one of them by chance
        _check_forward(where, core, length)


def _shape_text(result) -> str:
    """What a forward returned, in words, for the error message."""
    if not isinstance(result, tuple):
        return type(result).__name__
    if len(result) != 2:
        return f"a tuple of {len(result)}"
    return str(tuple(result[0].shape)) if isinstance(result[0], torch.Tensor) \
        else f"({type(result[0]).__name__}, ...)"


def _check_forward(where: str, core: nn.Module, length: int) -> None:
    """Run the core on a (2, length, 2) batch: shape, finite values, batch independence."""
    x = torch.randn(2, length, 2, generator=torch.Generator().manual_seed(0))
    try:
        with torch.no_grad():
            result = core(x)
            alone = core(x[1:])  # the second sequence by itself
    except Exception as err:  # noqa: BLE001
        raise UsageError(f"{where}: forward of a (2, {length}, 2) batch failed: "
                         f"{type(err).__name__}: {err}") from None
    expected = (2, length, 3)
    if not (isinstance(result, tuple) and len(result) == 2
            and isinstance(result[0], torch.Tensor) and tuple(result[0].shape) == expected):
        raise UsageError(f"{where}: forward must return (output (B, T, hidden_size), state) "
                         f"like nn.LSTM(batch_first=True); for (2, {length}, 2) and hidden 3 "
                         f"it gave {_shape_text(result)}, not {expected}")
    if not torch.isfinite(result[0]).all():
        raise UsageError(f"{where}: forward of a (2, {length}, 2) batch returned non-finite "
                         "values (NaN or inf) at initialisation")
    if not torch.allclose(result[0][1:], alone[0], atol=1e-5):
        raise UsageError(f"{where}: the output of a sequence depends on the others in its "
                         "batch: is the core batch first (batch_first=True)?")


def register_plugin(key: str, builder) -> None:
    check_core(key, builder)
    for name in ("label", "description", "family"):
        value = getattr(builder, name, "text")
        if not (isinstance(value, str) and value.strip()):
            raise UsageError(f"model plug-in {key!r}: {name} = {value!r}; it must be a "
                             "non-empty string (or left out)")
    options = declared_options(builder)
    register(key, label=getattr(builder, "label", key.rpartition(":")[2]),
             description=getattr(builder, "description", f"plug-in {key}"),
             family=getattr(builder, "family", key), options=options)(builder)


