"""cornn: the coupled oscillatory RNN (Rusch & Mishra 2021).

Each hidden unit is a damped, driven oscillator: position y and velocity z, discretised as in
the authors' code (tk-rusch/coRNN):

    z_t = z_{t-1} + dt * (tanh(W y_{t-1} + W' z_{t-1} + V x_t + b) - gamma y_{t-1} - eps z_{t-1})
    y_t = y_{t-1} + dt * z_t

The forcing tanh(.) is bounded by 1, so each unit is a stable linear system driven by a bounded
input: its states stay bounded by a constant that does not grow with the length, and so do the
gradients (the paper's Propositions 3.1-3.3). That is the property the test holds it to.
Defaults are the authors' for the adding problem (dt 0.06, gamma 66, eps 15).

The state is (y, z): the readout sees y, the gradient probe reports ||dL/dz_t|| as the second
state's profile.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from models.options import Option
from models.registry import register


class CoRNNCore(nn.Module):
    def __init__(self, input_dim: int, hidden_size: int, dt: float, gamma: float,
                 epsilon: float):
        super().__init__()
        self.hidden_size, self.dt, self.gamma, self.epsilon = hidden_size, dt, gamma, epsilon
        bound = 1 / math.sqrt(input_dim + 2 * hidden_size)  # nn.Linear's, as the authors'
        def uniform(*shape: int) -> nn.Parameter:
            return nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))

        self.weight_ih = uniform(hidden_size, input_dim)  # V
        self.weight_hh_y = uniform(hidden_size, hidden_size)  # W
        self.weight_hh_z = uniform(hidden_size, hidden_size)  # W'
        self.bias = uniform(hidden_size)

    def forward(self, x: torch.Tensor, state=None):
        batch = x.shape[0]
        if state is None:
            y = z = x.new_zeros(batch, self.hidden_size)
        else:
            y, z = state[0][0], state[1][0]  # (1, B, H) -> (B, H)
        driven = nn.functional.linear(x, self.weight_ih, self.bias)  # (B, T, H), all steps
        outputs = []
        for drive_t in driven.unbind(1):
            force = torch.tanh(drive_t + y @ self.weight_hh_y.t() + z @ self.weight_hh_z.t())
            z = z + self.dt * (force - self.gamma * y - self.epsilon * z)
            y = y + self.dt * z
            outputs.append(y)
        return torch.stack(outputs, dim=1), (y.unsqueeze(0), z.unsqueeze(0))


def _positive(value: float) -> bool:
    return 0 < value <= 1000


@register("cornn", marker="X", label="coRNN", family="oscillator",
          description="coupled oscillatory RNN: damped driven oscillators, bounded states "
                      "(Rusch & Mishra 2021)",
          options=(Option("dt", float, "time step", check=lambda v: 0 < v <= 1,
                          rule="a number in (0, 1]"),
                   Option("gamma", float, "stiffness", check=_positive,
                          rule="a number in (0, 1000]"),
                   Option("epsilon", float, "damping", check=_positive,
                          rule="a number in (0, 1000]")))
def build(input_dim: int, hidden_size: int, *, dt: float = 0.06, gamma: float = 66.0,
          epsilon: float = 15.0) -> nn.Module:
    return CoRNNCore(input_dim, hidden_size, dt, gamma, epsilon)
