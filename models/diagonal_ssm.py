"""The residual block shared by the diagonal linear state-space cells (LRU, S4D): a complex
diagonal recurrence between a position-wise encoder and a nonlinear read-out, as both papers
build it (Orvieto et al. 2023, Fig. 1: Norm - Recurrence - GLU - Skip; Gu et al. 2022's S4D
layer with its GELU and GLU output):

    u_t = LayerNorm(E x_t)                        E: Linear(input, H), identity when input = H
    s_t = lambda (.) s_{t-1} + drive(u_t)         s complex, lambda inside the unit disc
    y_t = read(s_t) + D (.) u_t                   real, H channels
    out_t = E x_t + GLU(GELU(y_t))                GLU(v) = (W1 v) (.) sigmoid(W2 v)

A subclass says what lambda, drive and read are. Normalisation is pre-norm LayerNorm (per step,
so a step-by-step run gives the numbers of a whole-sequence one; batch norm would not), no
dropout (the benchmark's budgets are far below where these models overfit).

The state the core returns is s_t as one real tensor (1, B, 2 N) (real parts, then imaginary):
the gradient probe's hidden-state profile is then ||dL/ds_t|| of the recurrent state itself,
which the read-out is computed from (``readout_reads_state = False``: the readout sees y, not
s). Parameters that set the recurrence are named ``weight_hh_*`` and those that drive it
``weight_ih_*``, so they land in the gradient tracker's recurrent and input groups.
"""

from __future__ import annotations

import torch
from torch import nn

from models.scan import linear_scan


class DiagonalSSMBlock(nn.Module):
    readout_reads_state = False  # the readout reads y_t, computed from the state

    def __init__(self, input_dim: int, hidden_size: int, state_size: int, scan: str):
        super().__init__()
        self.hidden_size, self.state_size, self.scan = hidden_size, state_size, scan
        self.encoder = nn.Identity() if input_dim == hidden_size else \
            nn.Linear(input_dim, hidden_size)
        self.norm = nn.LayerNorm(hidden_size)
        self.skip_d = nn.Parameter(torch.randn(hidden_size))  # D, standard normal (both papers)
        self.glu = nn.Linear(hidden_size, 2 * hidden_size)

    # what a subclass defines ------------------------------------------------------------
    def eigenvalues(self) -> torch.Tensor:
        """lambda, complex, shaped like one step of the state (N,) or (H, n)."""
        raise NotImplementedError

    def drive(self, u: torch.Tensor) -> torch.Tensor:
        """(B, T, H) real -> (B, T, *state shape) complex: what enters the state."""
        raise NotImplementedError

    def read(self, s: torch.Tensor) -> torch.Tensor:
        """(B, T, *state shape) complex -> (B, T, H) real."""
        raise NotImplementedError

    # the shared block ---------------------------------------------------------------------
    def state_shape(self) -> torch.Size:
        return self.eigenvalues().shape

    def mix(self, u: torch.Tensor, s0: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(read(s_t) for every t (B, T, H), the last state as its real view (1, B, 2N)), by
        the scan."""
        s = linear_scan(self.eigenvalues(), self.drive(u), s0, self.scan)
        real_view, last = with_last_state(to_real(s, len(self.state_shape())))  # (B, T, 2N)
        return self.read(self.from_real(real_view)), last

    def from_real(self, real_view: torch.Tensor) -> torch.Tensor:
        """(..., 2N) real, real parts then imaginary -> (..., *state shape) complex."""
        real, imag = real_view.chunk(2, dim=-1)
        return torch.complex(real, imag).unflatten(-1, self.state_shape())

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None):
        encoded = self.encoder(x)  # (B, T, H)
        u = self.norm(encoded)
        s0 = None if state is None else self.from_real(state[0])
        read, last = self.mix(u, s0)
        y = read + self.skip_d * u
        out = encoded + nn.functional.glu(self.glu(nn.functional.gelu(y)), dim=-1)
        return out, last  # (B, T, H), (1, B, 2N)


def to_real(s: torch.Tensor, state_dims: int) -> torch.Tensor:
    """A complex state whose last ``state_dims`` dims are the state -> (..., 2N) real."""
    return torch.cat([s.real.flatten(-state_dims), s.imag.flatten(-state_dims)], dim=-1)


def with_last_state(states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(states (B, T, ...), last (1, B, ...)) where the states' last step is computed from the
    node ``last``, which the core returns as its state as it is: an output computed from the
    states then depends on that node, so the gradient at the returned state (the probe's)
    includes the path through the step's own output."""
    last = states[:, -1:].transpose(0, 1)  # (1, B, ...)
    return torch.cat([states[:, :-1], last.transpose(0, 1)], dim=1), last
