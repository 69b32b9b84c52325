"""slstm: the scalar LSTM of xLSTM (Beck, Pöppel, Spanring, Auer, Prudnikova, Kopp, Klambauer,
Brandstetter & Hochreiter 2024, "xLSTM: Extended Long Short-Term Memory", arXiv 2405.04517),
§2.2: exponential input gating with a normaliser state, and a stabiliser state that keeps the
exponentials from overflowing.

    z_t = tanh(z~_t),  i_t = exp(i~_t),  f_t = sigmoid(f~_t),  o_t = sigmoid(o~_t)
    (each ~ = W x_t + R h_{t-1} + b, R block-diagonal over heads: memory mixing within a head)
    c_t = f_t c_{t-1} + i_t z_t,   n_t = f_t n_{t-1} + i_t,   h_t = o_t c_t / n_t

Stabilised (their Eqs. 15-17): m_t = max(log f_t + m_{t-1}, log i_t), and i_t, f_t replaced by
i'_t = exp(log i_t - m_t), f'_t = exp(log f_t + m_{t-1} - m_t). That scales c_t and n_t by the
same exp(-m_t), so h_t is unchanged (tested against the unstabilised form where that does not
overflow). On the first step (n = 0), m = log i, as in the authors' vanilla kernel.

Their defaults, kept: sigmoid forget gate (the exponential one is ``forget=exp``), 4 heads
(the largest divisor of the hidden size up to 4 when 4 does not divide it), recurrent R
initialised to zero, gate biases zero except the forget gate's, whose "power law" init spreads
unit j of each head from +5 down to -7: b_f = -(-5 + 12 (j / (d - 1))^0.3). Input weights W
as nn.Linear's default (their block feeds the cell through head-wise projections and a
convolution; here the cell reads the input directly, as the other cells do). State
(h, c, n, m), each (1, B, H), zero at the start.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from models.options import Option
from models.registry import register

GATES = 4  # i, f, z, o


def heads_for(hidden_size: int, wanted: int) -> int:
    """The largest divisor of the hidden size that is at most ``wanted``."""
    return max(h for h in range(1, wanted + 1) if hidden_size % h == 0)


class SLSTMCore(nn.Module):
    def __init__(self, input_dim: int, hidden_size: int, heads: int = 4, forget: str = "sigmoid",
                 stabilise: bool = True):
        super().__init__()
        self.hidden_size, self.forget, self.stabilise = hidden_size, forget, stabilise
        self.heads = heads_for(hidden_size, heads)
        head = hidden_size // self.heads
        projection = nn.Linear(input_dim, GATES * hidden_size)
        self.weight_ih_l0, self.bias_ih_l0 = projection.weight, projection.bias
        self.weight_hh_l0 = nn.Parameter(torch.zeros(self.heads, head, GATES * head))
        with torch.no_grad():
            self.bias_ih_l0.zero_()
            ramp = torch.arange(head) / max(head - 1, 1)
            forget_bias = -(-5.0 + 12.0 * ramp ** 0.3)
            self.bias_ih_l0.view(GATES, self.heads, head)[1] = forget_bias

    def _recurrent(self, h: torch.Tensor) -> torch.Tensor:
        """R h, block-diagonal over heads, laid out as the input projection: (B, 4 H)."""
        per_head = torch.einsum("bkd,kde->bke", h.unflatten(-1, (self.heads, -1)),
                                self.weight_hh_l0)  # (B, heads, 4 d)
        return per_head.unflatten(-1, (GATES, -1)).transpose(1, 2).flatten(1)

    def _log_forget(self, raw: torch.Tensor) -> torch.Tensor:
        return raw if self.forget == "exp" else F.logsigmoid(raw)

    def forward(self, x: torch.Tensor, state: tuple | None = None):
        batch = x.shape[0]
        if state is None:
            h, c, n, m = (x.new_zeros(batch, self.hidden_size) for _ in range(4))
        else:
            h, c, n, m = (component[0] for component in state)
        outputs = []
        for projected in F.linear(x, self.weight_ih_l0, self.bias_ih_l0).unbind(1):  # (B, 4H)
            i_raw, f_raw, z_raw, o_raw = (projected + self._recurrent(h)).chunk(GATES, dim=-1)
            log_f = self._log_forget(f_raw)
            if self.stabilise:
                m_new = torch.where(n == 0, i_raw, torch.maximum(log_f + m, i_raw))
                i_gate, f_gate = torch.exp(i_raw - m_new), torch.exp(log_f + m - m_new)
                m = m_new
            else:
                i_gate, f_gate = torch.exp(i_raw), torch.exp(log_f)
            c = f_gate * c + i_gate * torch.tanh(z_raw)
            n = f_gate * n + i_gate
            h = torch.sigmoid(o_raw) * c / n
            outputs.append(h)
        return torch.stack(outputs, dim=1), tuple(s.unsqueeze(0) for s in (h, c, n, m))


@register("slstm", marker="<", label="sLSTM", family="lstm",
          description="xLSTM's scalar LSTM: exponential input gate, normaliser and stabiliser "
                      "states, head-wise memory mixing (Beck et al. 2024)",
          options=(Option("heads", int, "heads of the block-diagonal recurrence (at most)",
                          check=lambda h: 1 <= h <= 64, rule="an integer from 1 to 64"),
                   Option("forget", str, "the forget gate's activation", choices=("sigmoid",
                                                                                  "exp")),
                   Option("stabilise", bool, "the stabiliser state m (false: the raw "
                                             "exponentials, which overflow on long inputs)")))
def build(input_dim: int, hidden_size: int, **options) -> nn.Module:
    return SLSTMCore(input_dim, hidden_size, **options)

