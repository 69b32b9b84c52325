"""mingru, minlstm: the minimal GRU and LSTM of Feng, Tung, Ahmed, Bengio & Hajimirsadeghi 2024
("Were RNNs All We Needed?", arXiv 2410.01201). Their gates read the input only, never the
previous state, so the recurrence is linear in the state and runs as a parallel scan.

    minGRU (§3.1):  z_t = sigmoid(W_z x_t),  h~_t = g(W_h x_t)
                    h_t = (1 - z_t) h_{t-1} + z_t h~_t
    minLSTM (§3.2): f_t = sigmoid(W_f x_t),  i_t = sigmoid(W_i x_t),  h~_t = g(W_h x_t)
                    f'_t = f_t / (f_t + i_t),  i'_t = i_t / (f_t + i_t)
                    h_t = f'_t h_{t-1} + i'_t h~_t

g(v) = v + 1/2 for v >= 0 and sigmoid(v) below (their Appendix B, the log-space version that
they train): it keeps h~ and so h positive, which lets the scan run in log space
(models/scan.py, ``log_linear_scan``); the loop computes the same recurrence with the same g,
so the two modes are the same model. Their minLSTM drops the output gate and the cell/hidden
distinction, so both keep one state h (the readout reads it). Weights as nn.Linear's default,
with biases; h_0 = 0. Their experiments stack such layers with residual connections and MLPs;
``layers=N`` stacks the bare cells (models/stack.py).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from models.registry import register
from models.scan import SCAN, log_linear_scan


def log_g(v: torch.Tensor) -> torch.Tensor:
    """log g(v): log(v + 1/2) for v >= 0, log sigmoid(v) = -softplus(-v) below."""
    return torch.where(v >= 0, torch.log(F.relu(v) + 0.5), -F.softplus(-v))


class MinimalRNN(nn.Module):
    """The shared body: input-only gates give log a_t and log b_t of h_t = a_t h_{t-1} + b_t."""

    gates = 1  # gate projections besides the candidate's

    def __init__(self, input_dim: int, hidden_size: int, scan: str = "auto"):
        super().__init__()
        self.hidden_size, self.scan = hidden_size, scan
        # one projection for the candidate and the gates, split in forward (nn.Linear's init)
        projection = nn.Linear(input_dim, (1 + self.gates) * hidden_size)
        self.weight_ih_l0, self.bias_ih_l0 = projection.weight, projection.bias

    def log_coefficients(self, gates: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(log a_t, log of the gate on the candidate), each (B, T, H)."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor, state: torch.Tensor | None = None):
        candidate, gates = F.linear(x, self.weight_ih_l0, self.bias_ih_l0).split(
            [self.hidden_size, self.gates * self.hidden_size], dim=-1)
        log_a, log_gate = self.log_coefficients(gates)
        log_h0 = None if state is None else torch.log(state[0])
        h = log_linear_scan(log_a, log_gate + log_g(candidate), log_h0, self.scan)
        return h, h[:, -1].unsqueeze(0)  # (B, T, H), (1, B, H)


class MinGRU(MinimalRNN):
    gates = 1

    def log_coefficients(self, gates):
        return -F.softplus(gates), -F.softplus(-gates)  # log(1 - z), log z


class MinLSTM(MinimalRNN):
    gates = 2

    def log_coefficients(self, gates):
        forget, inputs = gates.chunk(2, dim=-1)
        # log(i / f) = log sigmoid(k_i) - log sigmoid(k_f); f' = 1 / (1 + i/f)
        log_ratio = F.softplus(-forget) - F.softplus(-inputs)
        return -F.softplus(log_ratio), -F.softplus(-log_ratio)  # log f', log i'


@register("mingru", marker="*", label="minGRU", family="minimal",
          description="minimal GRU: gates from the input only, log-space scan (Feng et al. 2024)",
          options=(SCAN,))
def build_mingru(input_dim: int, hidden_size: int, **options) -> nn.Module:
    return MinGRU(input_dim, hidden_size, **options)


@register("minlstm", marker="8", label="minLSTM", family="minimal",
          description="minimal LSTM: normalised input-only gates, log-space scan "
                      "(Feng et al. 2024)", options=(SCAN,))
def build_minlstm(input_dim: int, hidden_size: int, **options) -> nn.Module:
    return MinLSTM(input_dim, hidden_size, **options)
