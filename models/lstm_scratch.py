"""ScratchLSTM: a one-layer LSTM written from the gate equations, a drop-in for nn.LSTM.

    i, f, g, o = split(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)      (PyTorch's gate order)
    c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
    h_t = sigmoid(o) * tanh(c_t)

Its weights are registered parameters under nn.LSTM's names and shapes (``weight_ih_l0`` (4H, I),
``weight_hh_l0`` (4H, H), ``bias_ih_l0``, ``bias_hh_l0`` (4H)), initialised in nn.LSTM's order
and way, so ``load_state_dict`` works both ways and the same seed gives the same weights.

Speed: the input projection of all steps is one matmul before the loop, and the loop walks
``unbind(1)`` views; indexing ``xp[:, t]`` instead would make backward O(T^2) (every slice's
gradient is a full-size zero tensor). With ``record_states = True`` the forward keeps every h_t
and c_t so the gradient tracker can ask autograd for dL/dh_t and dL/dc_t.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from models.readout import SequenceModel
from models.registry import register


class ScratchLSTM(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, batch_first: bool = True):
        super().__init__()
        self.input_size, self.hidden_size, self.batch_first = input_size, hidden_size, batch_first
        gates = 4 * hidden_size
        # Registration order matches nn.LSTM's, which its initialisation walks in.
        self.weight_ih_l0 = nn.Parameter(torch.empty(gates, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.empty(gates, hidden_size))
        self.bias_ih_l0 = nn.Parameter(torch.empty(gates))
        self.bias_hh_l0 = nn.Parameter(torch.empty(gates))
        self.record_states = False
        self.recorded_states: tuple[list[torch.Tensor], list[torch.Tensor]] | None = None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)  # nn.LSTM's U(-1/sqrt(H), 1/sqrt(H))
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def forward(self, x: torch.Tensor, state=None):
        if not self.batch_first:
            x = x.transpose(0, 1)
        batch = x.shape[0]
        if state is None:
            h = x.new_zeros(batch, self.hidden_size)
            c = x.new_zeros(batch, self.hidden_size)
        else:
            h, c = state[0][0], state[1][0]  # (1, B, H) -> (B, H)
        x_proj = F.linear(x, self.weight_ih_l0, self.bias_ih_l0 + self.bias_hh_l0)  # (B, T, 4H)
        w_hh_t = self.weight_hh_l0.t()  # (H, 4H)
        hs, cs = [], []
        for x_proj_t in x_proj.unbind(1):  # (B, 4H) per step
            gates = torch.addmm(x_proj_t, h, w_hh_t)  # (B, 4H)
            i, f, g, o = gates.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # (B, H)
            h = torch.sigmoid(o) * torch.tanh(c)  # (B, H)
            hs.append(h)
            cs.append(c)
        self.recorded_states = (hs, cs) if self.record_states else None
        output = torch.stack(hs, dim=1)  # (B, T, H)
        if not self.batch_first:
            output = output.transpose(0, 1)
        return output, (h.unsqueeze(0), c.unsqueeze(0))


@register("lstm_scratch", label="scratch LSTM",
          description="LSTM written from the gate equations (parity-tested against nn.LSTM)")
def build(input_dim: int, hidden_size: int, output_dim: int) -> nn.Module:
    return SequenceModel(ScratchLSTM(input_dim, hidden_size), hidden_size, output_dim)
