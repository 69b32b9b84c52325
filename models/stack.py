"""Depth for every model: ``layers=N`` stacks N copies of any registered core (plug-ins
included), each layer reading the sequence of hidden states of the one below, and the shared
readout reads the top layer.

Every model spec accepts ``layers`` unless its builder declares an option of that name itself
(then the builder stacks in its own way). ``layers=1`` is the bare model and spells as the bare
key, so a one-layer cell keeps the id it always had.

The stack passes its state along as one flat tuple, the top layer's components first: the
gradient probe (benchmark/run/gradients.py) reads ``state[0]`` as the hidden state the readout
sees, as it does for a single core, and ``top_state_size`` says how many of the leading
components belong to the top layer (an LSTM's (h, c) there, whatever the layers below hold).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from models.options import Option

MAX_LAYERS = 16
LAYERS = Option("layers", int, "stacked layers of the core; the readout reads the top one",
                check=lambda n: 1 <= n <= MAX_LAYERS, rule=f"an integer from 1 to {MAX_LAYERS}")


def _as_tuple(state) -> tuple[torch.Tensor, ...]:
    return state if isinstance(state, tuple) else (state,)


class StackedCore(nn.Module):
    """N recurrent cores in sequence, with nn.LSTM's call signature (batch first)."""

    def __init__(self, layers: list[nn.Module]):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        # per layer: how many state components it returns, and whether as a bare tensor;
        # learnt on the first call (a core's state layout is its own business)
        self._arity: list[int] | None = None
        self._bare: list[bool] | None = None

    @property
    def top_state_size(self) -> int:
        return self._arity[-1] if self._arity else 1

    @property
    def readout_reads_state(self) -> bool:
        """Whether the top layer's output is its state (the gradient probe asks)."""
        return getattr(self.layers[-1], "readout_reads_state", True)

    def _split(self, state: tuple) -> list:
        """The flat state (top layer first) back into each layer's own state, bottom first."""
        per_layer, start = [], 0
        for arity, bare in zip(reversed(self._arity), reversed(self._bare), strict=True):
            part = state[start:start + arity]
            per_layer.append(part[0] if bare else part)
            start += arity
        return per_layer[::-1]

    def forward(self, x: torch.Tensor, state=None):
        states_in = [None] * len(self.layers) if state is None else self._split(state)
        states_out, arity, bare = [], [], []
        for layer, layer_state in zip(self.layers, states_in, strict=True):
            x, new_state = layer(x, layer_state)  # (B, T, H)
            states_out.append(_as_tuple(new_state))
            arity.append(len(states_out[-1]))
            bare.append(not isinstance(new_state, tuple))
        self._arity, self._bare = arity, bare
        flat = tuple(component for layer_state in reversed(states_out)
                     for component in layer_state)
        return x, flat


def stack(builder: Callable[..., nn.Module], layers: int, input_dim: int, hidden_size: int,
          **options) -> nn.Module:
    """``layers`` cores from one builder: the first reads the input, each later one the
    hidden states below it. One layer is the builder's own core, unwrapped."""
    if layers == 1:
        return builder(input_dim, hidden_size, **options)
    return StackedCore([builder(input_dim if depth == 0 else hidden_size, hidden_size,
                                **options) for depth in range(layers)])
