"""lru: the Linear Recurrent Unit (Orvieto, Smith, Gu, Fernando, Gulcehre, Pascanu & De 2023,
"Resurrecting Recurrent Neural Networks for Long Sequences", arXiv 2303.06349).

The recurrence is linear, complex and diagonal (§3.1-3.2), with N complex states mixed in and
out by dense B (N x H) and C (H x N):

    s_t = lambda (.) s_{t-1} + exp(gamma_log) (.) (B u_t)        (§3.4, normalisation)
    y_t = Re(C s_t) + D (.) u_t
    lambda_j = exp(-exp(nu_log_j) + i exp(theta_log_j))          (§3.3, exponential form)

Initialisation (§3.3, Lemma 3.2 and the Appendix A pseudocode): lambda uniform on the ring
r_min <= |lambda| <= r_max of the complex plane, phase uniform in [0, max_phase]:
nu_log = log(-log(U (r_max^2 - r_min^2) + r_min^2) / 2), theta_log = log(max_phase U);
gamma_log = log sqrt(1 - |lambda|^2), which keeps a white-noise input's state at unit
variance however close |lambda| is to 1; B, C complex Glorot (real and imaginary parts normal
with std 1/sqrt(2H) and 1/sqrt(N)), D standard normal. The paper's pseudocode defaults are
r_min = 0, r_max = 1, max_phase = 2 pi (kept here); its long-range tasks set r_min = 0.9,
r_max = 0.999 and a smaller phase (``lru:r_min=0.9:r_max=0.999:max_phase=0.314``).
The block around it (encoder, norm, GELU, GLU, skip) is models/diagonal_ssm.py; N (``state``)
defaults to the hidden size.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from core.checks import invalid
from models.diagonal_ssm import DiagonalSSMBlock
from models.options import Option
from models.registry import register
from models.scan import SCAN


class LRUCore(DiagonalSSMBlock):
    def __init__(self, input_dim: int, hidden_size: int, state: int | None = None,
                 r_min: float = 0.0, r_max: float = 1.0, max_phase: float = 2 * math.pi,
                 scan: str = "auto"):
        n = state or hidden_size
        super().__init__(input_dim, hidden_size, n, scan)
        u1, u2 = torch.rand(n), torch.rand(n)
        nu_log = torch.log(-0.5 * torch.log(u1 * (r_max ** 2 - r_min ** 2) + r_min ** 2))
        theta_log = torch.log(max_phase * u2)
        self.weight_hh_nu_log = nn.Parameter(nu_log)
        self.weight_hh_theta_log = nn.Parameter(theta_log)
        modulus = torch.exp(-torch.exp(nu_log))
        self.weight_ih_gamma_log = nn.Parameter(torch.log(torch.sqrt(1 - modulus ** 2)))
        glorot_in = math.sqrt(2 * hidden_size)
        self.weight_ih_b_real = nn.Parameter(torch.randn(n, hidden_size) / glorot_in)
        self.weight_ih_b_imag = nn.Parameter(torch.randn(n, hidden_size) / glorot_in)
        self.c_real = nn.Parameter(torch.randn(hidden_size, n) / math.sqrt(n))
        self.c_imag = nn.Parameter(torch.randn(hidden_size, n) / math.sqrt(n))

    def eigenvalues(self) -> torch.Tensor:
        return torch.exp(torch.complex(-torch.exp(self.weight_hh_nu_log),
                                       torch.exp(self.weight_hh_theta_log)))  # (N,)

    def drive(self, u: torch.Tensor) -> torch.Tensor:
        b = torch.complex(self.weight_ih_b_real, self.weight_ih_b_imag)
        b = b * torch.exp(self.weight_ih_gamma_log).unsqueeze(-1)  # (N, H)
        return u.to(b.dtype) @ b.T  # (B, T, N)

    def read(self, s: torch.Tensor) -> torch.Tensor:
        c = torch.complex(self.c_real, self.c_imag)  # (H, N)
        return (s @ c.T).real  # (B, T, H)


def _in_unit_interval(value: float) -> bool:
    return 0 <= value < 1


@register("lru", marker="p", label="LRU", family="ssm",
          description="linear recurrent unit: complex diagonal, ring init, gamma normalisation "
                      "(Orvieto et al. 2023)",
          options=(Option("state", int, "complex states N (default: the hidden size)",
                          check=lambda n: 1 <= n <= 4096, rule="an integer from 1 to 4096"),
                   Option("r_min", float, "smallest |lambda| at initialisation",
                          check=_in_unit_interval, rule="in [0, 1)"),
                   Option("r_max", float, "largest |lambda| at initialisation",
                          check=lambda r: 0 < r <= 1, rule="in (0, 1]"),
                   Option("max_phase", float, "largest phase of lambda at initialisation",
                          check=lambda p: 0 < p <= 2 * math.pi, rule="in (0, 2 pi]"),
                   SCAN))
def build(input_dim: int, hidden_size: int, **options) -> nn.Module:
    r_min, r_max = options.get("r_min", 0.0), options.get("r_max", 1.0)
    if r_min >= r_max:
        raise invalid("model option r_min", r_min, f"below r_max ({r_max})")
    return LRUCore(input_dim, hidden_size, **options)
