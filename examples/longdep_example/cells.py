"""The minimal gated unit (MGU; Zhou et al. 2016), a one-gate relative of the GRU:

    f_t = sigmoid(W_f x_t + U_f h_{t-1} + b_f)
    n_t = tanh(W_n x_t + U_n (f_t * h_{t-1}) + b_n)
    h_t = (1 - f_t) * h_{t-1} + f_t * n_t

Written as a longdep core: built as ``MinimalGatedUnit(input_dim, hidden_size, *, forget_bias)``,
called like ``nn.LSTM(batch_first=True)``: ``(B, T, D) -> ((B, T, H), h_T)``.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class MinimalGatedUnit(nn.Module):
    label = "MGU"  # how reports name it
    description = "minimal gated unit (Zhou et al. 2016), an example plug-in"
    family = "gru"  # drawn beside the GRU

    def __init__(self, input_dim: int, hidden_size: int, *, forget_bias: float = 0.0):
        super().__init__()
        self.hidden_size = hidden_size
        self.input_proj = nn.Linear(input_dim, 2 * hidden_size)  # [f | n] from x
        self.forget_hidden = nn.Linear(hidden_size, hidden_size, bias=False)  # U_f
        self.new_hidden = nn.Linear(hidden_size, hidden_size, bias=False)  # U_n
        bound = 1 / math.sqrt(hidden_size)
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)
        with torch.no_grad():
            self.input_proj.bias[:hidden_size].fill_(forget_bias)

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None):
        h = x.new_zeros(x.shape[0], self.hidden_size) if state is None else state[0]
        outputs = []
        for projected in self.input_proj(x).unbind(1):  # (B, 2H) per step
            f_in, n_in = projected.chunk(2, dim=1)
            f = torch.sigmoid(f_in + self.forget_hidden(h))  # (B, H)
            n = torch.tanh(n_in + self.new_hidden(f * h))  # (B, H)
            h = (1 - f) * h + f * n
            outputs.append(h)
        return torch.stack(outputs, dim=1), h.unsqueeze(0)  # (B, T, H), (1, B, H)
