"""Test-only plug-in cores that break the core contract in ways a one-length check misses."""

import torch
from torch import nn


class _Base(nn.Module):
    def __init__(self, input_dim: int, hidden_size: int):
        super().__init__()
        self.rnn = nn.RNN(input_dim, hidden_size, batch_first=True)

    def forward(self, x, state=None):
        return self.rnn(x, state)


class FourSteps(_Base):
    """Returns only the first 4 time steps: right at T = 4, wrong at every other length."""

    def forward(self, x, state=None):
        output, state = self.rnn(x, state)
        return output[:, :4], state


class ThreeTuple(_Base):
    def forward(self, x, state=None):
        output, state = self.rnn(x, state)
        return output, state, None


class NaNCore(_Base):
    def forward(self, x, state=None):
        output, state = self.rnn(x, state)
        return output * torch.nan, state


class NumberOptions(_Base):
    options = 5  # not a tuple of Option


class UndefinedAnnotation(_Base):
    def __init__(self, input_dim: int, hidden_size: int, *, width: "NoSuchType" = 1):  # noqa: F821
        super().__init__(input_dim, hidden_size)


class NoLabel(_Base):
    label = None


class Exits(_Base):
    """Calls sys.exit at T = 10 (a plug-in that 'gives up')."""

    def forward(self, x, state=None):
        if x.shape[1] == 10:
            import sys

            sys.exit(3)
        return self.rnn(x, state)
