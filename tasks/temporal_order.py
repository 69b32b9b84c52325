"""temporal_order, temporal_order_3bit: the temporal-order problems of Hochreiter &
Schmidhuber (1997), in the form Martens & Sutskever (2011) and Pascanu et al. (2013) used
(pascanur/trainingRNNs ``tempOrder.py``, ``tempOrder3bit.py``).

Six one-hot symbols: A and B (channels 0, 1) are the relevant ones, c, d, e, f (2-5) are
distractors filling every other step. A or B appears once in each of k windows — for k = 2 at
a position in [0.1 T, 0.2 T) and one in [0.5 T, 0.6 T); for k = 3 in [0.1 T, 0.2 T),
[0.3 T, 0.4 T) and [0.6 T, 0.7 T) — and at the last step the model names the order, one of 2^k
classes (AA, AB, BA, BB; or the 8 of three). Class = v0 + 2 v1 (+ 4 v2) with v = 1 for B, as
in the reference code. Without memory of the marked steps every class is equally likely:
error rate 1 - 2^-k (0.75, 0.875).

Differences from the 1997 paper, which used fixed extra markers and lengths drawn from
[T, T + T/10]: the length is exactly T here (batches of one length), as in the 2011/2013 code.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from tasks.base import MulticlassTask
from tasks.registry import register

N_SYMBOLS = 6  # A, B, then the distractors c, d, e, f


@dataclasses.dataclass(frozen=True)
class TemporalOrder(MulticlassTask):
    """The shared generator; subclasses give the windows where A or B is shown."""

    windows: ClassVar[tuple[float, ...]]  # start of each marker window, as a share of T
    input_dim: ClassVar[int] = N_SYMBOLS
    min_seq_len: ClassVar[int] = 10  # each window must hold at least one step

    def _generate(self, n, seq_len, rng):
        width = int(seq_len * 0.1)  # each window is 0.1 T wide
        tokens = rng.integers(2, N_SYMBOLS, size=(n, seq_len))  # (n, T) distractors c-f
        rows = np.arange(n)
        label = np.zeros(n, dtype=int)
        for k, start in enumerate(self.windows):
            position = int(seq_len * start) + rng.integers(0, width, size=n)
            value = rng.integers(0, 2, size=n)  # 0: A, 1: B
            tokens[rows, position] = value
            label += value << k
        x = np.eye(N_SYMBOLS)[tokens]  # (n, T, 6) one-hot
        y = np.eye(self.output_dim)[label]  # (n, 2^k) one-hot
        return x, y

    def baseline(self, seq_len):
        return 1 - 1 / self.output_dim

    def success_threshold(self):
        return 0.05


@register("temporal_order", label="temporal order",
          description="the order of two marked symbols (A/B) among distractors, 4 classes "
                      "(Hochreiter & Schmidhuber 1997)")
@dataclasses.dataclass(frozen=True)
class TemporalOrder2(TemporalOrder):
    name: ClassVar[str] = "temporal_order"
    windows: ClassVar[tuple[float, ...]] = (0.1, 0.5)
    output_dim: ClassVar[int] = 4
    success_rule: ClassVar[str] = "test error rate <= 0.05 (chance 0.75)"


@register("temporal_order_3bit", label="3-bit temporal order",
          description="the order of three marked symbols among distractors, 8 classes")
@dataclasses.dataclass(frozen=True)
class TemporalOrder3(TemporalOrder):
    name: ClassVar[str] = "temporal_order_3bit"
    windows: ClassVar[tuple[float, ...]] = (0.1, 0.3, 0.6)
    output_dim: ClassVar[int] = 8
    success_rule: ClassVar[str] = "test error rate <= 0.05 (chance 0.875)"
