"""ScratchLSTM: a one-layer LSTM written from the gate equations, a drop-in for nn.LSTM.

    i, f, g, o = split(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)      (PyTorch's gate order)
    c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
    h_t = sigmoid(o) * tanh(c_t)

Weights, initialisation and the loop come from ``ScratchRecurrence``: ``load_state_dict`` works
both ways with nn.LSTM and the same seed gives the same weights. Both biases are added to the
input projection once, before the loop (they are constant across steps).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.lstm import LSTM_OPTIONS, lstm_init
from models.registry import register
from models.scratch import ScratchRecurrence


class ScratchLSTM(ScratchRecurrence):
    n_gates = 4
    state_names = ("h", "c")

    def project(self, x):
        return F.linear(x, self.weight_ih_l0, self.bias_ih_l0 + self.bias_hh_l0)  # (B, T, 4H)

    def step(self, x_proj_t, states):
        h, c = states
        gates = torch.addmm(x_proj_t, h, self.weight_hh_l0.t())  # (B, 4H)
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # (B, H)
        h = torch.sigmoid(o) * torch.tanh(c)  # (B, H)
        return h, c


@register("lstm_scratch", marker="d", label="scratch LSTM", family="lstm", twin="lstm",
          options=LSTM_OPTIONS,
          description="LSTM written from the gate equations (parity-tested against "
                      "nn.LSTM)")
def build(input_dim: int, hidden_size: int, *, forget_bias: float | None = None,
          chrono: str | None = None, seq_len: int | None = None) -> nn.Module:
    return lstm_init(ScratchLSTM(input_dim, hidden_size), forget_bias, chrono, seq_len)
