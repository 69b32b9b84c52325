"""rnn: the simple (Elman) recurrent network via nn.RNN,
h_t = phi(W_ih x_t + W_hh h_{t-1} + b), phi = tanh (default) or relu.

Options: ``nonlinearity`` (tanh, relu) and ``init`` (default; identity: recurrent weights start
at the identity and biases at zero, input weights keep the default; with relu this is the IRNN
of Le et al. 2015).
"""

import torch
from torch import nn

from models.options import Option
from models.registry import register

RNN_OPTIONS = (
    Option("nonlinearity", str, "the activation phi", choices=("tanh", "relu")),
    Option("init", str, "recurrent initialisation", choices=("default", "identity")),
)


@register("rnn", marker="o", label="simple RNN", family="rnn", options=RNN_OPTIONS,
          description="Elman RNN (torch.nn.RNN)")
def build(input_dim: int, hidden_size: int, *, nonlinearity: str = "tanh",
          init: str = "default") -> nn.Module:
    core = nn.RNN(input_dim, hidden_size, batch_first=True, nonlinearity=nonlinearity)
    if init == "identity":
        with torch.no_grad():
            core.weight_hh_l0.copy_(torch.eye(hidden_size))
            core.bias_ih_l0.zero_()
            core.bias_hh_l0.zero_()
    return core
