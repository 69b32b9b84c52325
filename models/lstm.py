"""lstm: PyTorch's fused LSTM (nn.LSTM), the reference the scratch LSTM is tested against.

Option ``forget_bias`` (both LSTMs): the forget gate's bias starts at this value instead of
U(-1/sqrt(H), 1/sqrt(H)) (Gers et al. 2000; Jozefowicz et al. 2015 recommend 1), so the cell
starts out holding its state. Set on ``bias_ih``'s forget slice, with ``bias_hh``'s zeroed, so
the sum the gate sees is exactly the value.
"""

import math

import torch
from torch import nn

from core.errors import UsageError
from models.options import Option
from models.registry import register

LSTM_OPTIONS = (
    Option("forget_bias", float, "initial forget-gate bias", check=lambda v: abs(v) <= 100,
           rule="a number in [-100, 100]"),
    Option("chrono", str, "chrono initialisation: T_max, or auto for the cell's input length",
           check=lambda v: v == "auto" or (v.isdigit() and int(v) >= 3),
           rule="auto or an integer >= 3"),
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


def init_chrono(core: nn.Module, chrono: str | None, seq_len: int | None) -> nn.Module:
    """Chrono initialisation (Tallec & Ollivier 2018): forget-gate bias log(u), u ~ U(1,
    T_max - 1) per unit, input-gate bias its negative, so the units' characteristic forgetting
    times spread over the range of dependencies up to T_max. ``chrono="auto"`` takes T_max from
    the cell's input length. Set on ``bias_ih`` with ``bias_hh`` zeroed for both gates."""
    if chrono is None:
        return core
    t_max = (seq_len or 10) if chrono == "auto" else int(chrono)
    hidden = core.hidden_size
    with torch.no_grad():
        forget = torch.log(torch.empty(hidden).uniform_(1.0, max(t_max - 1.0, 1.0 + 1e-6)))
        core.bias_ih_l0[hidden:2 * hidden].copy_(forget)  # gate order i, f, g, o
        core.bias_ih_l0[:hidden].copy_(-forget)
        core.bias_hh_l0[:2 * hidden].zero_()
    return core


def lstm_init(core: nn.Module, forget_bias: float | None, chrono: str | None,
              seq_len: int | None) -> nn.Module:
    if forget_bias is not None and chrono is not None:
        raise UsageError("options forget_bias and chrono both set the forget bias: choose one")
    return init_chrono(init_forget_bias(core, forget_bias), chrono, seq_len)


@register("lstm", marker="s", label="nn.LSTM", family="lstm", options=LSTM_OPTIONS,
          description="long short-term memory (torch.nn.LSTM)")
def build(input_dim: int, hidden_size: int, *, forget_bias: float | None = None,
          chrono: str | None = None, seq_len: int | None = None) -> nn.Module:
    core = nn.LSTM(input_dim, hidden_size, batch_first=True)
    return lstm_init(core, forget_bias, chrono, seq_len)
