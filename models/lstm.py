"""lstm: PyTorch's fused LSTM (nn.LSTM), the reference the scratch LSTM is tested against.

Option ``forget_bias`` (both LSTMs): the forget gate's bias starts at this value instead of
U(-1/sqrt(H), 1/sqrt(H)) (Gers et al. 2000; Jozefowicz et al. 2015 recommend 1), so the cell
starts out holding its state. Set on ``bias_ih``'s forget slice, with ``bias_hh``'s zeroed, so
the sum the gate sees is exactly the value.
"""

import math

import torch
from torch import nn

from models.options import Option
from models.registry import register

LSTM_OPTIONS = (
    Option("forget_bias", float, "initial forget-gate bias", check=lambda v: abs(v) <= 100,
           rule="a number in [-100, 100]"),
)


def init_forget_bias(core: nn.Module, forget_bias: float | None) -> nn.Module:
    """Set the forget gate's total bias of an LSTM core with nn.LSTM's parameter names."""
    if forget_bias is not None:
        if not math.isfinite(forget_bias):
            raise ValueError(f"forget_bias must be finite, got {forget_bias!r}")
        hidden = core.hidden_size
        with torch.no_grad():
            core.bias_ih_l0[hidden:2 * hidden].fill_(forget_bias)  # gate order i, f, g, o
            core.bias_hh_l0[hidden:2 * hidden].zero_()
    return core


@register("lstm", label="nn.LSTM", family="lstm", options=LSTM_OPTIONS,
          description="long short-term memory (torch.nn.LSTM); options: forget_bias")
def build(input_dim: int, hidden_size: int, *, forget_bias: float | None = None) -> nn.Module:
    return init_forget_bias(nn.LSTM(input_dim, hidden_size, batch_first=True), forget_bias)
