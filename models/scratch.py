"""The shared skeleton of the from-scratch recurrent layers (LSTM and GRU).

A subclass gives the number of gates and the one-step update; this base registers the weights
under nn.LSTM/nn.GRU's names and shapes (``weight_ih_l0`` (G*H, I), ``weight_hh_l0`` (G*H, H),
``bias_ih_l0``, ``bias_hh_l0`` (G*H)) in their order, initialises them the same way, walks the
sequence and returns ``(output, state)`` like the library modules, batch first or time first.

Speed: the input projection of all steps is one matmul before the loop, and the loop walks
``unbind(1)`` views; indexing ``x_proj[:, t]`` instead would make backward O(T^2) (every
slice's gradient is a full-size zero tensor).
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch
from torch import nn


class ScratchRecurrence(nn.Module):
    n_gates: ClassVar[int]
    state_names: ClassVar[tuple[str, ...]]  # the per-step states, e.g. ("h", "c")

    def __init__(self, input_size: int, hidden_size: int, batch_first: bool = True):
        super().__init__()
        self.input_size, self.hidden_size, self.batch_first = input_size, hidden_size, batch_first
        gates = self.n_gates * hidden_size
        # Registration order matches the library modules', which their initialisation walks in.
        self.weight_ih_l0 = nn.Parameter(torch.empty(gates, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.empty(gates, hidden_size))
        self.bias_ih_l0 = nn.Parameter(torch.empty(gates))
        self.bias_hh_l0 = nn.Parameter(torch.empty(gates))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)  # the library's U(-1/sqrt(H), 1/sqrt(H))
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    # --- what a subclass writes -----------------------------------------------------------
    def project(self, x: torch.Tensor) -> torch.Tensor:
        """The input contribution to the gates of every step at once: (B, T, G*H)."""
        raise NotImplementedError

    def step(self, x_proj_t: torch.Tensor, states: tuple[torch.Tensor, ...]
             ) -> tuple[torch.Tensor, ...]:
        """One time step: the new states (h first) from the projected input and old states."""
        raise NotImplementedError

    # --- the loop -------------------------------------------------------------------------
    def forward(self, x: torch.Tensor, state=None):
        if not self.batch_first:
            x = x.transpose(0, 1)
        if state is None:
            zeros = x.new_zeros(x.shape[0], self.hidden_size)
            states = (zeros,) * len(self.state_names)
        else:
            given = state if isinstance(state, tuple) else (state,)
            states = tuple(s[0] for s in given)  # (1, B, H) -> (B, H)
        history: list[tuple[torch.Tensor, ...]] = []
        for x_proj_t in self.project(x).unbind(1):  # (B, G*H) per step
            states = self.step(x_proj_t, states)
            history.append(states)
        output = torch.stack([s[0] for s in history], dim=1)  # (B, T, H)
        if not self.batch_first:
            output = output.transpose(0, 1)
        final = tuple(s.unsqueeze(0) for s in states)  # (1, B, H) each
        return output, final if len(final) > 1 else final[0]
