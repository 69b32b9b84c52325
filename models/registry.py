"""The model registry: ``register`` a builder under a key, ``build_model(key, ...)`` calls it."""

from __future__ import annotations

from torch import nn

from benchmark.registry import Registry

MODELS = Registry("model")
register = MODELS.register


def build_model(key: str, input_dim: int, hidden_size: int, output_dim: int,
                readout_steps: int | None = None) -> nn.Module:
    """Build the model registered under ``key``: a recurrent core plus the shared readout,
    answering at the last step (``readout_steps`` None) or at each of the last k steps."""
    model = MODELS.get(key)(input_dim, hidden_size, output_dim)
    model.readout_steps = readout_steps
    return model
