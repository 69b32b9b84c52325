"""The model registry: ``register`` a builder under a key, ``build_model(spec, ...)`` calls it.

A spec is a key with optional variant options, ``"lstm:forget_bias=1.0"`` or
``"rnn:init=identity:nonlinearity=relu"``; each option is a
keyword-only argument of the builder (see models/options.py).
"""

from __future__ import annotations

from torch import nn

from benchmark.registry import Registry

MODELS = Registry("model")
register = MODELS.register


def resolve(spec: str) -> tuple[str, dict]:
    """The registered key and typed options of a model spec (UsageError if either is bad)."""
    from models.options import parse_spec, typed_options

    key, options = parse_spec(spec)
    return key, typed_options(key, MODELS.get(key), options)


def model_label(spec: str) -> str:
    key, options = resolve(spec)
    label = MODELS.entry(key).label
    return label + (f" ({', '.join(f'{k}={v}' for k, v in options.items())})" if options else "")


def check_spec(spec: str) -> str:
    """Validate a spec by building a tiny model; returns its canonical spelling."""
    from models.options import canonical_spec

    key, options = resolve(spec)
    MODELS.get(key)(1, 2, 1, **options)
    return canonical_spec(key, options)


def build_model(spec: str, input_dim: int, hidden_size: int, output_dim: int,
                readout_steps: int | None = None) -> nn.Module:
    """Build the model a spec names: a recurrent core plus the shared readout, answering at
    the last step (``readout_steps`` None) or at each of the last k steps."""
    key, options = resolve(spec)
    model = MODELS.get(key)(input_dim, hidden_size, output_dim, **options)
    model.readout_steps = readout_steps
    return model
