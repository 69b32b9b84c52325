"""The model registry: ``register`` a core builder under a key, ``build_model(spec, ...)``
builds the core and wraps it in the shared readout.

A builder is ``build(input_dim, hidden_size, **options) -> core``, the core having nn.LSTM's
call signature (batch first). A spec is a key with optional variant options,
``"lstm:forget_bias=1.0"`` or ``"rnn:init=identity:nonlinearity=relu"``; each option is declared
at registration (models/options.py). Traits the harness reads are registry metadata:
``family`` (models of one family share a colour) and ``twin`` (the library model a from-scratch
model reproduces exactly, weights and all).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from core.registry import Registry
from models.options import Option, canonical_spec, parse_spec, typed_options
from models.readout import SequenceModel
from models.stack import LAYERS, stack

MODELS = Registry("model")
# How the report tells families apart: each family's slot in a colour-blind palette (a family
# not listed, a plug-in's, gets one by a hash of its name). A model's own marker is its
# registration's ``marker``.
FAMILY_COLOURS = {"rnn": 0, "lstm": 1, "gru": 2, "lmu": 4, "oscillator": 3, "ssm": 5, "minimal": 6,
                  "plugin": 7}


def register(key: str, *, label: str, description: str, family: str,
             twin: str | None = None, options: tuple[Option, ...] = (),
             marker: str | None = None) -> Callable[[Any], Any]:
    return MODELS.register(key, label=label, description=description, family=family,
                           twin=twin, options=tuple(options), marker=marker)


def _stacks_generically(key: str) -> bool:
    """Whether ``layers`` is the generic stack (models/stack.py): unless the builder declares
    an option of that name itself."""
    return all(option.name != LAYERS.name for option in MODELS.entry(key).traits["options"])


def _declared(key: str) -> tuple[Option, ...]:
    own = MODELS.entry(key).traits["options"]
    return (*own, LAYERS) if _stacks_generically(key) else own


def resolve(spec: str) -> tuple[str, dict]:
    """The registered key and typed options of a model spec (UsageError if either is bad).
    ``layers=1`` of the generic stack is dropped: it is the bare model, under the bare key."""
    key, options = parse_spec(spec, MODELS.keys())
    typed = typed_options(key, _declared(key), options)
    if _stacks_generically(key) and typed.get(LAYERS.name) == 1:
        del typed[LAYERS.name]
    return key, typed


def model_label(spec: str) -> str:
    key, options = resolve(spec)
    label = MODELS.entry(key).label
    shown = {k: str(v).lower() if isinstance(v, bool) else v for k, v in options.items()}
    return label + (f" ({', '.join(f'{k}={v}' for k, v in shown.items())})" if options else "")


LENGTH_MARK = " [told T]"  # after the label of a model whose initialisation reads the length


@functools.cache
def length_informed(spec: str) -> bool:
    """Whether a spec's model is told the sequence length: built for two input lengths from
    one seed, its initial weights differ (the chrono LSTM's T_max = T, the LMU's theta = T,
    IndRNN's bound 2^(1/T)). Read off the weights, so a plug-in is judged as a built-in."""
    def weights(seq_len: int) -> dict:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            return build_model(spec, 1, 4, 1, None, seq_len).state_dict()

    short, long = weights(50), weights(500)
    return any(not torch.equal(short[name], long[name]) for name in short)


def marked_label(spec: str, label: str) -> str:
    """``label`` with the length mark where the spec's model is told the length (a spec not
    loadable here keeps its label)."""
    try:
        informed = length_informed(spec)
    except Exception:  # noqa: BLE001  (a plug-in not importable in this process)
        informed = False
    return label + LENGTH_MARK if informed and not label.endswith(LENGTH_MARK) else label


def model_traits(spec: str) -> dict[str, Any]:
    """The registry's metadata of the model a spec names: family, twin (or None), marker (or
    None) and its family's colour slot (or None)."""
    key, _ = parse_spec(spec, MODELS.keys())
    if key not in MODELS:
        return {"family": key, "twin": None, "marker": None, "colour": None}
    traits = MODELS.entry(key).traits
    return {"family": traits["family"], "twin": traits["twin"],
            "marker": traits.get("marker"), "colour": FAMILY_COLOURS.get(traits["family"])}


def model_depth(spec: str) -> int:
    """How many stacked layers a spec asks for (1 for a bare model, or for a plug-in key that
    is not loaded here): memory and run-time estimates scale with it."""
    key, _ = parse_spec(spec, MODELS.keys())
    if key not in MODELS or not _stacks_generically(key):
        return 1
    return resolve(spec)[1].get(LAYERS.name, 1)


def with_layers(spec: str, layers: int) -> str:
    """``spec`` at another depth, canonically spelt (``gru`` at 2: ``gru:layers=2``)."""
    key, options = resolve(spec)
    return check_spec(canonical_spec(key, {**options, LAYERS.name: layers}))


def check_spec(spec: str) -> str:
    """Validate a spec by building a tiny model; returns its canonical spelling."""
    key, options = resolve(spec)
    _core(key, options, 1, 2)
    return canonical_spec(key, options)


def _core(key: str, options: dict, input_dim: int, hidden_size: int) -> nn.Module:
    """The recurrent core of a resolved spec, stacked when it asks for generic layers."""
    builder = MODELS.get(key)
    if not _stacks_generically(key):
        return builder(input_dim, hidden_size, **options)
    own = {name: value for name, value in options.items() if name != LAYERS.name}
    return stack(builder, options.get(LAYERS.name, 1), input_dim, hidden_size, **own)


def build_model(spec: str, input_dim: int, hidden_size: int, output_dim: int,
                readout_steps: int | None = None, seq_len: int | None = None) -> nn.Module:
    """Build the model a spec names: a recurrent core plus the shared readout, answering at
    the last step (``readout_steps`` None) or at each of the last k steps. ``seq_len`` (the
    input length) reaches builders that declare it (initialisations that depend on it)."""
    key, options = resolve(spec)
    if seq_len is not None and "seq_len" in inspect.signature(MODELS.get(key)).parameters:
        options = {**options, "seq_len": seq_len}
    return SequenceModel(_core(key, options, input_dim, hidden_size), hidden_size, output_dim,
                         readout_steps)
