"""s4d: the diagonal state-space layer S4D (Gu, Gupta, Goel & Ré 2022, "On the Parameterization
and Initialization of Diagonal State Space Models", arXiv 2206.11893), in recurrent form.

Each of the H channels is its own single-input single-output SSM with n = N/2 complex modes
(the other N/2 are their conjugates, which the factor 2 Re(.) accounts for), discretised by
zero-order hold with a learnt step Delta_h (§2-3):

    s_t = exp(Delta A) (.) s_{t-1} + (exp(Delta A) - 1) / A (.) B u_t
    y_t = 2 Re(sum_n C_n s_{t,n}) + D u_t

so its convolution kernel is K_l = 2 Re(sum_n C_n (exp(Delta A_n) - 1) / A_n B_n exp(Delta A_n l))
(the Vandermonde form of §3; ``kernel``), which the recurrence reproduces (tested on an impulse).
Initialisation S4D-Lin (§4): A_n = -1/2 + i pi n, B = 1 (folded into C, as in the authors'
minimal s4d.py), C complex standard normal, log Delta uniform in [log 0.001, log 0.1], D
standard normal; per-channel state N = 64 (their default ``d_state``). The authors train A and
Delta at a lower rate (0.001) than the rest; here every parameter shares the cell's rate, so a
difference from their numbers may lie there. The GELU + GLU output and skip are the shared
block of models/diagonal_ssm.py; the paper's convolution (FFT) mode is replaced by the parallel
scan, which also gives the state that the gradient probe and resumption need.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from models.diagonal_ssm import DiagonalSSMBlock, to_real
from models.options import Option
from models.registry import register
from models.scan import SCAN

DT_MIN, DT_MAX = 0.001, 0.1


class S4DCore(DiagonalSSMBlock):
    def __init__(self, input_dim: int, hidden_size: int, state: int = 64,
                 scan: str = "auto"):
        modes = state // 2
        super().__init__(input_dim, hidden_size, hidden_size * modes, scan)
        self.weight_hh_log_dt = nn.Parameter(
            torch.rand(hidden_size) * (math.log(DT_MAX) - math.log(DT_MIN)) + math.log(DT_MIN))
        self.weight_hh_log_a_real = nn.Parameter(torch.log(0.5 * torch.ones(hidden_size, modes)))
        self.weight_hh_a_imag = nn.Parameter(math.pi * torch.arange(modes).float().repeat(
            hidden_size, 1))
        c = torch.randn(hidden_size, modes, dtype=torch.cfloat)
        self.c_real, self.c_imag = nn.Parameter(c.real.clone()), nn.Parameter(c.imag.clone())

    def _a(self) -> torch.Tensor:
        return torch.complex(-torch.exp(self.weight_hh_log_a_real), self.weight_hh_a_imag)

    def _dt_a(self) -> torch.Tensor:
        return self._a() * torch.exp(self.weight_hh_log_dt).unsqueeze(-1)  # (H, n)

    def eigenvalues(self) -> torch.Tensor:
        return torch.exp(self._dt_a())  # (H, n)

    def drive(self, u: torch.Tensor) -> torch.Tensor:
        b_bar = self.drive_gain()
        return u.unsqueeze(-1).to(b_bar.dtype) * b_bar  # (B, T, H, n)

    def read(self, s: torch.Tensor) -> torch.Tensor:
        c = torch.complex(self.c_real, self.c_imag)
        return 2 * (s * c).sum(-1).real  # (B, T, H)

    def mix(self, u: torch.Tensor, s0: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """In parallel or auto mode, over more than one step, the paper's convolution (by FFT)
        instead of the scan: the scan would hold B x T x H x n complex states for the backward
        pass (half a GB at batch 64, T = 1000, H = 32, n = 32, times the scan's log2 T
        rounds), the convolution only B x T x H, and it measured 8-12x faster than the loop on
        a CPU. The last state, which a resumed run needs, is one sum over time. A step at a
        time (the gradient probe) takes the recurrence, as in loop mode."""
        steps = u.shape[1]
        if self.scan == "loop" or steps == 1:  # auto: the convolution, faster on a CPU too
            return super().mix(u, s0)
        k = self.kernel(steps)  # (H, T)
        size = 2 * steps  # zero-padded: a linear, not circular, convolution
        spectrum = torch.fft.rfft(u.transpose(1, 2), n=size) * torch.fft.rfft(k, n=size)
        read = torch.fft.irfft(spectrum, n=size)[..., :steps].transpose(1, 2)  # (B, T, H)
        lam = self.eigenvalues()  # (H, n)
        decay = torch.exp(self._dt_a().unsqueeze(-1)
                          * torch.arange(steps - 1, -1, -1, dtype=u.dtype))  # lam^(T-1-k)
        last = torch.einsum("bkh,hnk->bhn", u.to(lam.dtype), decay) * self.drive_gain()
        if s0 is not None:  # the initial state decays on its own: lam^(t+1) s0
            powers = lam.unsqueeze(-1) ** torch.arange(1, steps + 1, dtype=u.dtype)  # (H, n, T)
            carried = torch.einsum("bhn,hnt->bthn", s0, powers)
            read = read + self.read(carried)
            last = last + carried[:, -1]
        return read, to_real(last, 2).unsqueeze(0)

    def drive_gain(self) -> torch.Tensor:
        """B_bar = (exp(Delta A) - 1) / A B, B = 1: zero-order hold (H, n)."""
        return (torch.exp(self._dt_a()) - 1) / self._a()

    def kernel(self, length: int) -> torch.Tensor:
        """The convolution kernel K (H, length) of the SSM (without D), in closed form."""
        dt_a = self._dt_a()
        c_bar = torch.complex(self.c_real, self.c_imag) * self.drive_gain()
        powers = torch.exp(dt_a.unsqueeze(-1) * torch.arange(length, dtype=dt_a.real.dtype))
        return 2 * torch.einsum("hn,hnl->hl", c_bar, powers).real


@register("s4d", marker="h", label="S4D", family="ssm",
          description="diagonal state-space layer, S4D-Lin init, ZOH (Gu et al. 2022)",
          options=(Option("state", int, "state size N per channel (N/2 complex modes)",
                          check=lambda n: 2 <= n <= 1024 and n % 2 == 0,
                          rule="an even integer from 2 to 1024"),
                   SCAN))
def build(input_dim: int, hidden_size: int, **options) -> nn.Module:
    return S4DCore(input_dim, hidden_size, **options)
