"""rnn: the simple (Elman) recurrent network via nn.RNN,
h_t = phi(W_ih x_t + W_hh h_{t-1} + b), phi = tanh (default) or relu.
Options: ``nonlinearity`` (tanh, relu), ``init`` (default, identity: the IRNN of Le et al. 2015).
"""

import torch
from torch import nn

from models.options import choose
from models.readout import SequenceModel
from models.registry import register


@register("rnn", label="simple RNN",
          description="Elman RNN (torch.nn.RNN); options: nonlinearity=tanh|relu, "
                      "init=default|identity")
def build(input_dim: int, hidden_size: int, output_dim: int, *, nonlinearity: str = "tanh",
          init: str = "default") -> nn.Module:
    core = nn.RNN(input_dim, hidden_size, batch_first=True,
                  nonlinearity=choose("nonlinearity", nonlinearity, ("tanh", "relu")))
    if choose("init", init, ("default", "identity")) == "identity":
        with torch.no_grad():
            core.weight_hh_l0.copy_(torch.eye(hidden_size))
            core.bias_ih_l0.zero_()
            core.bias_hh_l0.zero_()
    return SequenceModel(core, hidden_size, output_dim)
