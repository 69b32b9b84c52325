"""gru: the gated recurrent unit (Cho et al. 2014) via nn.GRU."""

from torch import nn

from models.readout import SequenceModel
from models.registry import register


@register("gru", label="GRU", description="gated recurrent unit (torch.nn.GRU)")
def build(input_dim: int, hidden_size: int, output_dim: int) -> nn.Module:
    return SequenceModel(nn.GRU(input_dim, hidden_size, batch_first=True), hidden_size, output_dim)
