"""indrnn: the independently recurrent network (Li et al. 2018),

    h_t = relu(W x_t + u * h_{t-1} + b)     (u a vector: each unit recurs on itself only)

Each unit's gradient through time is a product of its own u and relu slopes, so the paper
bounds |u| to keep it from exploding or vanishing over T steps: with relu, |u| <= 2^(1/T)
lets a unit's signal grow at most by 2 over the whole sequence. The bound needs the length, so
the builder takes ``seq_len`` (the cell's input length; option ``bound_steps`` fixes it
instead, so the bound is the same at every length); u starts uniform in [0, bound) as in
the paper and is clamped to [-bound, bound] in every forward pass.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from models.options import Option
from models.registry import register


class IndRNNCore(nn.Module):
    def __init__(self, input_dim: int, hidden_size: int, seq_len: int | None = None):
        super().__init__()
        self.hidden_size = hidden_size
        self.bound = 2.0 ** (1.0 / seq_len) if seq_len else 2.0
        bound = 1 / math.sqrt(hidden_size)
        self.weight_ih_l0 = nn.Parameter(torch.empty(hidden_size, input_dim).uniform_(-bound,
                                                                                      bound))
        self.weight_hh_l0 = nn.Parameter(torch.empty(hidden_size).uniform_(0, self.bound))
        self.bias_ih_l0 = nn.Parameter(torch.zeros(hidden_size))

    def recurrent_weights(self) -> torch.Tensor:
        return self.weight_hh_l0.clamp(-self.bound, self.bound)  # (H,)

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None):
        h = x.new_zeros(x.shape[0], self.hidden_size) if state is None else state[0]
        u = self.recurrent_weights()
        outputs = []
        for projected in torch.nn.functional.linear(x, self.weight_ih_l0,
                                                    self.bias_ih_l0).unbind(1):  # (B, H)
            h = torch.relu(projected + u * h)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h.unsqueeze(0)  # (B, T, H), (1, B, H)


@register("indrnn", marker="v", label="IndRNN", family="rnn",
          description="independently recurrent ReLU network, |u| <= 2^(1/T) (Li et al. 2018)",
          options=(Option("bound_steps", str, "the T of the bound 2^(1/T): auto for the input "
                          "length, or a fixed number of steps (the same at every length)",
                          check=lambda v: v == "auto" or (v.isdigit() and int(v) >= 1),
                          rule="auto or a positive integer"),))
def build(input_dim: int, hidden_size: int, *, bound_steps: str | None = None,
          seq_len: int | None = None) -> nn.Module:
    steps = seq_len if bound_steps in (None, "auto") else int(bound_steps)
    return IndRNNCore(input_dim, hidden_size, steps)
