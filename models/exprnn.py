"""exprnn: a tanh RNN whose recurrent matrix stays orthogonal (Lezcano-Casado &
Martínez-Rubio 2019): W_hh = exp(A) with A skew-symmetric, through PyTorch's
``parametrizations.orthogonal(..., orthogonal_map="matrix_exp")``. An orthogonal W_hh keeps
the norm of the linear part of the backward pass at every step, the property that lets it
carry gradient over long gaps; the tanh still contracts.

The core is a from-scratch tanh RNN on the shared skeleton (models/scratch.py): nn.RNN keeps
flattened copies of its weights, which a parametrization turns into non-leaf tensors that
cannot be deep-copied for the float64 gradient probe.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrizations, parametrize

from models.registry import register
from models.scratch import ScratchRecurrence


class ScratchRNN(ScratchRecurrence):
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), nn.RNN's names and shapes."""

    n_gates = 1
    state_names = ("h",)

    def project(self, x):
        return F.linear(x, self.weight_ih_l0, self.bias_ih_l0 + self.bias_hh_l0)  # (B, T, H)

    def step(self, x_proj_t, states):
        (h,) = states
        return (torch.tanh(torch.addmm(x_proj_t, h, self.weight_hh_l0.t())),)

    def forward(self, *args, **kwargs):
        # a parametrized weight is recomputed at every access, here matrix_exp at every time
        # step; cached() computes it once per forward (the gradient flows through that once)
        with parametrize.cached():
            return super().forward(*args, **kwargs)


@register("exprnn", label="expRNN (orthogonal)", family="rnn",
          description="tanh RNN with an orthogonal recurrent matrix W_hh = exp(A), A skew "
                      "(Lezcano-Casado & Martinez-Rubio 2019)")
def build(input_dim: int, hidden_size: int) -> nn.Module:
    core = ScratchRNN(input_dim, hidden_size)
    return parametrizations.orthogonal(core, "weight_hh_l0", orthogonal_map="matrix_exp")
