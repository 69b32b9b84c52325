"""How much of each unit's memory survives one step, along a trajectory: the retention
a_t in (0, 1] of a unit whose memory decays as m_t = a_t m_{t-1} + (new input), and so its time
constant tau = -1 / ln a_t (Tallec & Ollivier 2018, for the LSTM's forget gate; Mahto et al.
2021 read its distribution in trained language models).

Defined where the architecture says what it is:

- LSTM (nn.LSTM, the scratch LSTM): the forget gate f_t of c_t = f_t c_{t-1} + i_t g_t;
- GRU (nn.GRU, the scratch GRU): the update gate z_t of h_t = (1 - z_t) n_t + z_t h_{t-1}
  (PyTorch's convention: z = 1 keeps the state);
- diagonal linear recurrences with fixed eigenvalues (LRU, S4D): |lambda|, the same at every
  step;
- a stack of such cores: each layer's units, the layer below's outputs as its input.

Other cores (the tanh RNN, coRNN, LMU, ...) have no per-unit gate of this kind: ``retention``
returns None for them, and their dynamics are read from the Lyapunov spectrum instead.
"""

from __future__ import annotations

import torch
from torch import nn

from models.diagonal_ssm import DiagonalSSMBlock
from models.gru_scratch import ScratchGRU
from models.lstm_scratch import ScratchLSTM
from models.stack import StackedCore


def _previous_h(core: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """h_{t-1} for every step t of the trajectory from the zero state: (B, T, H)."""
    h = core(x)[0]
    return torch.cat([torch.zeros_like(h[:, :1]), h[:, :-1]], dim=1)


def _gate(core: nn.Module, x: torch.Tensor, index: int) -> torch.Tensor:
    """Gate ``index`` of a core with nn.LSTM/nn.GRU's weight layout, at every step."""
    hidden = core.hidden_size
    rows = slice(index * hidden, (index + 1) * hidden)
    h_prev = _previous_h(core, x)
    pre = (x @ core.weight_ih_l0[rows].T + core.bias_ih_l0[rows]
           + h_prev @ core.weight_hh_l0[rows].T + core.bias_hh_l0[rows])
    return torch.sigmoid(pre)


def retention(core: nn.Module, x: torch.Tensor) -> tuple[str, torch.Tensor] | None:
    """(what it is, (B, T, units) retention along ``core``'s trajectory on ``x``), or None
    where the architecture defines none."""
    with torch.no_grad():
        if isinstance(core, StackedCore):
            parts, kinds = [], set()
            for layer in core.layers:
                found = retention(layer, x)
                if found is None:
                    return None
                kinds.add(found[0])
                parts.append(found[1])
                x = layer(x)[0]
            return " + ".join(sorted(kinds)), torch.cat(parts, dim=-1)
        if isinstance(core, nn.LSTM | ScratchLSTM) and getattr(core, "num_layers", 1) == 1:
            return "forget gate", _gate(core, x, 1)  # gate order i, f, g, o
        if isinstance(core, nn.GRU | ScratchGRU) and getattr(core, "num_layers", 1) == 1:
            return "update gate", _gate(core, x, 1)  # gate order r, z, n
        if isinstance(core, DiagonalSSMBlock):
            modulus = core.eigenvalues().abs().reshape(1, 1, -1)
            return "|lambda|", modulus.expand(x.shape[0], x.shape[1], -1)
    return None
