"""A test-only plug-in core that kills its own worker process at one sequence length (as the
out-of-memory killer or a plug-in calling os._exit would): the sweep must go on."""

import os

from torch import nn

DEADLY_LENGTH = 10


class KillerCell(nn.Module):
    label = "killer"

    def __init__(self, input_dim: int, hidden_size: int):
        super().__init__()
        self.rnn = nn.RNN(input_dim, hidden_size, batch_first=True)

    def forward(self, x, state=None):
        if x.shape[1] == DEADLY_LENGTH and os.environ.get("LONGDEP_KILLER_ARMED"):
            os._exit(9)  # no exception, no cleanup: the process is simply gone
        return self.rnn(x, state)
