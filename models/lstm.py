"""lstm: PyTorch's fused LSTM (nn.LSTM), the reference the scratch LSTM is tested against.
Option: ``forget_bias`` (see models/options.py), applied exactly as for lstm_scratch."""

from torch import nn

from models.options import lstm_options
from models.readout import SequenceModel
from models.registry import register


@register("lstm", label="nn.LSTM",
          description="long short-term memory (torch.nn.LSTM); options: forget_bias")
def build(input_dim: int, hidden_size: int, output_dim: int, *,
          forget_bias: float | None = None) -> nn.Module:
    core = lstm_options(nn.LSTM(input_dim, hidden_size, batch_first=True), forget_bias)
    return SequenceModel(core, hidden_size, output_dim)
