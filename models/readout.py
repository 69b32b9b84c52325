"""SequenceModel: any recurrent core with nn.LSTM's call signature plus one linear readout.

Every model in the suite is this class around a different core, so the readout, the parameter
names the gradient tracker groups by (``core.*``, ``readout.*``) and the forward pass are shared.
"""

from __future__ import annotations

import torch
from torch import nn


class SequenceModel(nn.Module):
    def __init__(self, core: nn.Module, hidden_size: int, output_dim: int,
                 readout_steps: int | None = None):
        super().__init__()
        self.core = core  # (B, T, D) -> ((B, T, H), state), batch first
        self.readout = nn.Linear(hidden_size, output_dim)
        # None: one answer at the last step; k: an answer at each of the last k steps
        self.readout_steps = readout_steps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden, _ = self.core(x)  # (B, T, H)
        if self.readout_steps is None:
            return self.readout(hidden[:, -1])  # (B, output_dim)
        return self.readout(hidden[:, -self.readout_steps:])  # (B, k, output_dim)
