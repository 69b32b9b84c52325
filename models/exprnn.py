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

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrizations, parametrize

from models.options import Option
from models.registry import register
from models.scratch import ScratchRecurrence


class ScratchRNN(ScratchRecurrence):
    """h_t = phi(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), nn.RNN's names and shapes; phi is
    tanh, or modReLU (the authors' activation) when built with ``modrelu=True``."""

    n_gates = 1
    state_names = ("h",)

    def __init__(self, input_size: int, hidden_size: int, modrelu: bool = False):
        super().__init__(input_size, hidden_size)
        # modReLU's own bias, U(-0.01, 0.01) as in the authors' code
        self.modrelu_bias = nn.Parameter(torch.empty(hidden_size).uniform_(-0.01, 0.01)) \
            if modrelu else None

    def project(self, x):
        return F.linear(x, self.weight_ih_l0, self.bias_ih_l0 + self.bias_hh_l0)  # (B, T, H)

    def step(self, x_proj_t, states):
        (h,) = states
        z = torch.addmm(x_proj_t, h, self.weight_hh_l0.t())
        if self.modrelu_bias is None:
            return (torch.tanh(z),)
        return (modrelu(z, self.modrelu_bias),)

    def forward(self, *args, **kwargs):
        # a parametrized weight is recomputed at every access, here matrix_exp at every time
        # step; cached() computes it once per forward (the gradient flows through that once)
        with parametrize.cached():
            return super().forward(*args, **kwargs)


def modrelu(z: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """sign(z) relu(|z| + b): keeps the sign, shrinks or grows the magnitude (Arjovsky et al.
    2016 for complex states; the real form the expRNN authors use)."""
    return torch.sign(z) * F.relu(z.abs() + bias)


def henaff_skew(hidden_size: int) -> torch.Tensor:
    """Henaff et al. 2016's skew-symmetric matrix: 2 x 2 blocks [[0, s], [-s, 0]] on the
    diagonal, s ~ U(-pi, pi) (a last 1 x 1 block is 0), so exp(A) is a block rotation whose
    angles spread over the circle: the authors' initialisation of expRNN."""
    angles = (torch.rand(hidden_size // 2) * 2 - 1) * math.pi
    skew = torch.zeros(hidden_size, hidden_size)
    index = torch.arange(hidden_size // 2) * 2
    skew[index, index + 1] = angles
    skew[index + 1, index] = -angles
    return skew


OPTIONS = (Option("nonlinearity", str, "the activation", choices=("tanh", "modrelu")),
           Option("init", str, "the recurrent matrix at initialisation: PyTorch's orthogonal "
                  "default, or Henaff et al.'s block rotations", choices=("default", "henaff")))


@register("exprnn", marker="D", label="expRNN (orthogonal)", family="rnn", options=OPTIONS,
          description="tanh RNN with an orthogonal recurrent matrix W_hh = exp(A), A skew "
                      "(Lezcano-Casado & Martinez-Rubio 2019); nonlinearity=modrelu and "
                      "init=henaff give the authors' cell")
def build(input_dim: int, hidden_size: int, nonlinearity: str = "tanh",
          init: str = "default") -> nn.Module:
    core = ScratchRNN(input_dim, hidden_size, modrelu=nonlinearity == "modrelu")
    core = parametrizations.orthogonal(core, "weight_hh_l0", orthogonal_map="matrix_exp")
    if init == "henaff":
        with torch.no_grad():  # through the parametrisation's right inverse
            core.weight_hh_l0 = torch.matrix_exp(henaff_skew(hidden_size))
    return core
