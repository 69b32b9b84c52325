"""The model registry: ``register`` a builder under a key, ``build_model(key, ...)`` calls it."""

from __future__ import annotations

from torch import nn

from benchmark.registry import Registry

MODELS = Registry("model")
register = MODELS.register


def build_model(key: str, input_dim: int, hidden_size: int, output_dim: int) -> nn.Module:
    """Build the model registered under ``key``: a recurrent core plus the shared readout."""
    return MODELS.get(key)(input_dim, hidden_size, output_dim)
