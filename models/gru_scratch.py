"""ScratchGRU: a one-layer GRU written from the gate equations, a drop-in for nn.GRU.

    r = sigmoid(W_ir x_t + b_ir + W_hr h + b_hr)                  (PyTorch's gate order r, z, n)
    z = sigmoid(W_iz x_t + b_iz + W_hz h + b_hz)
    n = tanh(W_in x_t + b_in + r * (W_hn h + b_hn))
    h_t = (1 - z) * n + z * h = n + z * (h - n)

Unlike the LSTM, b_hn sits inside the reset gate's product, so the recurrent bias is added per
step rather than folded into the input projection.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.registry import register
from models.scratch import ScratchRecurrence


class ScratchGRU(ScratchRecurrence):
    n_gates = 3
    state_names = ("h",)

    def project(self, x):
        return F.linear(x, self.weight_ih_l0, self.bias_ih_l0)  # (B, T, 3H)

    def step(self, x_proj_t, states):
        (h,) = states
        h_proj = torch.addmm(self.bias_hh_l0, h, self.weight_hh_l0.t())  # (B, 3H)
        x_r, x_z, x_n = x_proj_t.chunk(3, dim=1)
        h_r, h_z, h_n = h_proj.chunk(3, dim=1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        return (n + z * (h - n),)


@register("gru_scratch", marker=">", label="scratch GRU", family="gru", twin="gru",
          description="GRU written from the gate equations (parity-tested against nn.GRU)")
def build(input_dim: int, hidden_size: int) -> nn.Module:
    return ScratchGRU(input_dim, hidden_size)
