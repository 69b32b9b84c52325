"""lmu: the Legendre Memory Unit (Voelker, Kajić & Eliasmith 2019).

A linear memory m_t of ``order`` d holds a sliding window of the last ``theta`` steps of one
scalar signal u_t, projected onto the first d shifted Legendre polynomials; a tanh hidden state
reads it:

    u_t = e_x . x_t + e_h . h_{t-1} + e_m . m_{t-1}
    m_t = A_bar m_{t-1} + B_bar u_t
    h_t = tanh(W_x x_t + W_h h_{t-1} + W_m m_t + b)

with the continuous-time system A_ij = (2i + 1)/theta * (-1 if i < j else (-1)^(i-j+1)),
B_i = (2i + 1)(-1)^i / theta, discretised by zero-order hold with a step of 1
(``scipy.signal.cont2discrete``, not a hand-written matrix exponential). A_bar and B_bar are
fixed, as in the paper: the memory is not trained, only what goes in and what is read out.
The window u_{t-tau}, 0 <= tau <= theta, is decoded from m_t by the shifted Legendre polynomials
(``decoder``), which is the test of the memory. ``theta=auto`` sets the window to the cell's
input length. Initialisation follows the paper: encoders e_x, e_h LeCun-uniform and e_m zero;
kernels W_x, W_h, W_m Xavier-normal.

Parameter names put the encoders and kernels in the gradient groups (``weight_ih*`` input,
``weight_hh*`` recurrent: everything that carries h or m from one step to the next). The state
is (h, m): the gradient probe reports ||dL/dm_t|| as the second state's profile.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy.special import comb
from torch import nn

from models.options import Option
from models.registry import register


def legendre_system(order: int, theta: float) -> tuple[np.ndarray, np.ndarray]:
    """(A_bar (d, d), B_bar (d,)): the LMU's memory discretised by zero-order hold, dt = 1."""
    i, j = np.arange(order)[:, None], np.arange(order)[None, :]
    a = (2 * i + 1) / theta * np.where(i < j, -1.0, (-1.0) ** (i - j + 1))
    b = ((2 * np.arange(order) + 1) * (-1.0) ** np.arange(order) / theta)[:, None]
    # imported here: scipy.signal takes 0.8 s to import, paid by every process that
    # imports the model registry (each CLI call, each worker), and only an LMU needs it
    from scipy.signal import cont2discrete

    a_bar, b_bar, *_ = cont2discrete((a, b, np.eye(order), np.zeros((order, 1))), dt=1.0,
                                     method="zoh")
    return a_bar, b_bar[:, 0]


def decoder(order: int, delay_fraction: float) -> np.ndarray:
    """The weights that read u_{t - tau} from m_t, tau = delay_fraction * theta: the shifted
    Legendre polynomials at tau / theta, (d,)."""
    r = delay_fraction
    return np.array([(-1) ** k * sum(comb(k, n) * comb(k + n, n) * (-r) ** n
                                     for n in range(k + 1)) for k in range(order)])


class LMUCore(nn.Module):
    def __init__(self, input_dim: int, hidden_size: int, order: int, theta: float):
        super().__init__()
        self.hidden_size, self.order, self.theta = hidden_size, order, theta
        a_bar, b_bar = legendre_system(order, theta)
        self.register_buffer("a_bar", torch.tensor(a_bar, dtype=torch.float32))
        self.register_buffer("b_bar", torch.tensor(b_bar, dtype=torch.float32))
        def lecun(n_out: int, fan_in: int) -> nn.Parameter:
            return nn.Parameter(torch.empty(n_out).uniform_(-math.sqrt(3 / fan_in),
                                                            math.sqrt(3 / fan_in)))

        def xavier(rows: int, cols: int) -> nn.Parameter:
            return nn.Parameter(nn.init.xavier_normal_(torch.empty(rows, cols)))

        self.weight_ih_encoder = lecun(input_dim, input_dim)  # e_x
        self.weight_hh_encoder = lecun(hidden_size, hidden_size)  # e_h
        self.weight_hh_memory_encoder = nn.Parameter(torch.zeros(order))  # e_m
        self.weight_ih = xavier(hidden_size, input_dim)  # W_x
        self.weight_hh = xavier(hidden_size, hidden_size)  # W_h
        self.weight_hh_memory = xavier(hidden_size, order)  # W_m
        self.bias = nn.Parameter(torch.zeros(hidden_size))

    def forward(self, x: torch.Tensor, state=None):
        batch = x.shape[0]
        if state is None:
            h, m = x.new_zeros(batch, self.hidden_size), x.new_zeros(batch, self.order)
        else:
            h, m = state[0][0], state[1][0]  # (1, B, .) -> (B, .)
        # the input's share of every step at once, before the loop
        u_x = x @ self.weight_ih_encoder  # (B, T)
        h_x = nn.functional.linear(x, self.weight_ih, self.bias)  # (B, T, H)
        outputs = []
        for u_x_t, h_x_t in zip(u_x.unbind(1), h_x.unbind(1), strict=True):
            u = u_x_t + h @ self.weight_hh_encoder + m @ self.weight_hh_memory_encoder  # (B,)
            m = m @ self.a_bar.t() + u[:, None] * self.b_bar  # (B, d)
            h = torch.tanh(h_x_t + h @ self.weight_hh.t() + m @ self.weight_hh_memory.t())  # (B, H)
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h.unsqueeze(0), m.unsqueeze(0))


@register("lmu", marker="P", label="LMU", family="lmu",
          description="Legendre Memory Unit: a fixed linear memory of the last theta steps "
                      "(Voelker et al. 2019)",
          options=(Option("order", int, "memory order d (Legendre polynomials)",
                          check=lambda v: 1 <= v <= 1024, rule="an integer in [1, 1024]"),
                   Option("theta", str, "memory window in steps, or auto for the input length",
                          check=lambda v: v == "auto" or (v.isdigit() and int(v) >= 1),
                          rule="auto or a positive integer")))
def build(input_dim: int, hidden_size: int, *, order: int = 32, theta: str = "auto",
          seq_len: int | None = None) -> nn.Module:
    window = float(seq_len or 100) if theta == "auto" else float(theta)
    return LMUCore(input_dim, hidden_size, order, window)
