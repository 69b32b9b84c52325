"""s6: a selective state-space block in the style of Mamba (Gu & Dao 2023, "Mamba: Linear-Time
Sequence Modeling with Selective State Spaces", arXiv 2312.00752), computed by its sequential
reference recurrence or a log-space parallel scan, not the fused GPU kernel.

The selection mechanism (§3.2, Algorithm 2): Delta, B and C are functions of the input, so
the recurrence is linear in the state but time-varying:

    Delta_t = softplus(W_Delta (W_r v_t) + b_Delta)   (D channels; W_r of rank ceil(H/16))
    B_t = W_B v_t,  C_t = W_C v_t                      (N each, shared over channels)
    s_t = exp(Delta_t A) (.) s_{t-1} + Delta_t B_t v_t     (per channel d and state n)
    y_t = C_t . s_t + D (.) v_t

with the discretisation of the authors' code (zero-order hold for A, Euler for B, §3.5 and
their ``selective_scan_ref``). The Mamba block around it (§3.4, Fig. 3): v and a gate z from
one input projection to D = 2H channels, v through a causal depthwise convolution of width 4
and SiLU, out = W_out (y (.) SiLU(z)), with an RMSNorm before and a skip around it (their
residual block). Initialisation as theirs: A = -(1, 2, ..., N) per channel (S4D-Real), D = 1,
Delta's bias the inverse softplus of a log-uniform value in [0.001, 0.1], N = 16, expansion 2.

The state is (s_t flattened (1, B, D N), the convolution's last 3 inputs (1, B, 3 D)): what a
step needs to continue. The readout reads the block's output, computed from s_t.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from models.diagonal_ssm import with_last_state
from models.options import Option
from models.registry import register
from models.scan import SCAN, signed_log_scan

DT_MIN, DT_MAX = 0.001, 0.1
CONV_WIDTH = 4


class SelectiveSSMCore(nn.Module):
    readout_reads_state = False  # the readout reads W_out(y ...), computed from the state

    def __init__(self, input_dim: int, hidden_size: int, state: int = 16, expand: int = 2,
                 scan: str = "auto"):
        super().__init__()
        inner, self.n, self.scan = expand * hidden_size, state, scan
        self.inner, rank = inner, math.ceil(hidden_size / 16)
        self.encoder = nn.Identity() if input_dim == hidden_size else \
            nn.Linear(input_dim, hidden_size)
        self.norm = nn.RMSNorm(hidden_size)
        self.in_proj = nn.Linear(hidden_size, 2 * inner, bias=False)
        self.conv = nn.Conv1d(inner, inner, CONV_WIDTH, groups=inner)  # causal: padded by hand
        self.weight_ih_x_proj = nn.Parameter(nn.Linear(inner, rank + 2 * state, bias=False).weight)
        dt_proj = nn.Linear(rank, inner)
        nn.init.uniform_(dt_proj.weight, -rank ** -0.5, rank ** -0.5)
        dt = torch.exp(torch.rand(inner) * (math.log(DT_MAX) - math.log(DT_MIN)) + math.log(DT_MIN))
        self.weight_hh_dt = nn.Parameter(dt_proj.weight.detach())
        self.weight_hh_dt_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))  # softplus^-1
        self.weight_hh_a_log = nn.Parameter(torch.log(torch.arange(1, state + 1).float()).repeat(
            inner, 1))  # (D, N)
        self.skip_d = nn.Parameter(torch.ones(inner))
        self.out_proj = nn.Linear(inner, hidden_size, bias=False)

    def _convolve(self, v: torch.Tensor, history: torch.Tensor | None) -> tuple[torch.Tensor, ...]:
        """Causal depthwise convolution of v (B, T, D), the previous 3 inputs prepended."""
        if history is None:
            history = v.new_zeros(v.shape[0], CONV_WIDTH - 1, self.inner)
        padded = torch.cat([history, v], dim=1)  # (B, 3 + T, D)
        return self.conv(padded.transpose(1, 2)).transpose(1, 2), padded[:, -(CONV_WIDTH - 1):]

    def selective_scan(self, v: torch.Tensor, delta: torch.Tensor, b: torch.Tensor,
                       c: torch.Tensor, s0: torch.Tensor | None = None
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """y_t = C_t . s_t for s_t = exp(Delta_t A) s_{t-1} + Delta_t B_t v_t: (y (B, T, D),
        the last state (1, B, D N)). v, delta (B, T, D); b, c (B, T, N); s0 (B, D, N)."""
        log_a = delta.unsqueeze(-1) * -torch.exp(self.weight_hh_a_log)  # (B, T, D, N)
        drive = (delta * v).unsqueeze(-1) * b.unsqueeze(2)  # (B, T, D, N)
        s, last = with_last_state(signed_log_scan(log_a, drive, s0, self.scan).flatten(2))
        return (s.unflatten(-1, (self.inner, self.n)) * c.unsqueeze(2)).sum(-1), last

    def forward(self, x: torch.Tensor, state: tuple | None = None):
        encoded = self.encoder(x)  # (B, T, H)
        v, z = self.in_proj(self.norm(encoded)).chunk(2, dim=-1)  # (B, T, D) each
        s0, history = (None, None) if state is None else \
            (state[0][0].unflatten(-1, (self.inner, self.n)),
             state[1][0].unflatten(-1, (CONV_WIDTH - 1, self.inner)))
        v, history = self._convolve(v, history)
        v = F.silu(v)
        low_rank, b, c = F.linear(v, self.weight_ih_x_proj).split(
            [self.weight_hh_dt.shape[1], self.n, self.n], dim=-1)
        delta = F.softplus(F.linear(low_rank, self.weight_hh_dt, self.weight_hh_dt_bias))
        y, last = self.selective_scan(v, delta, b, c, s0)
        out = encoded + self.out_proj((y + self.skip_d * v) * F.silu(z))
        return out, (last, history.flatten(1).unsqueeze(0))  # (1, B, D N), (1, B, 3 D)


@register("s6", marker="H", label="selective SSM", family="ssm",
          description="selective state space in a Mamba block: input-dependent Delta, B, C "
                      "(Gu & Dao 2023)",
          options=(Option("state", int, "state size N per channel",
                          check=lambda n: 1 <= n <= 256, rule="an integer from 1 to 256"),
                   Option("expand", int, "inner channels per hidden unit",
                          check=lambda e: 1 <= e <= 8, rule="an integer from 1 to 8"),
                   SCAN))
def build(input_dim: int, hidden_size: int, **options) -> nn.Module:
    return SelectiveSSMCore(input_dim, hidden_size, **options)
