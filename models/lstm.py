"""lstm: PyTorch's fused LSTM (nn.LSTM), the reference the scratch LSTM is tested against."""

from torch import nn

from models.readout import SequenceModel
from models.registry import register


@register("lstm", label="nn.LSTM", description="long short-term memory (torch.nn.LSTM)")
def build(input_dim: int, hidden_size: int, output_dim: int) -> nn.Module:
    return SequenceModel(nn.LSTM(input_dim, hidden_size, batch_first=True), hidden_size, output_dim)
