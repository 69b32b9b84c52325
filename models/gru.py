"""gru: the gated recurrent unit (Cho et al. 2014) via nn.GRU."""

from torch import nn

from models.registry import register


@register("gru", marker="^", label="GRU", family="gru",
          description="gated recurrent unit (torch.nn.GRU)")
def build(input_dim: int, hidden_size: int) -> nn.Module:
    return nn.GRU(input_dim, hidden_size, batch_first=True)
