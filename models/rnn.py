"""rnn: the simple (Elman) recurrent network via nn.RNN,
h_t = tanh(W_ih x_t + W_hh h_{t-1} + b)."""

from torch import nn

from models.readout import SequenceModel
from models.registry import register


@register("rnn", label="simple RNN", description="Elman RNN with tanh (torch.nn.RNN)")
def build(input_dim: int, hidden_size: int, output_dim: int) -> nn.Module:
    core = nn.RNN(input_dim, hidden_size, nonlinearity="tanh", batch_first=True)
    return SequenceModel(core, hidden_size, output_dim)
