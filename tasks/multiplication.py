"""multiplication: the product of two marked values (Hochreiter & Schmidhuber 1997; the form of
Martens & Sutskever 2011 and Pascanu et al. 2013, pascanur/trainingRNNs ``multiplication.py``).

Two channels, as in ``adding``: values uniform in [0, 1] and a marker channel with two 1s, the
first at a position in [0, 0.1 T), the second in [0.1 T, 0.5 T): both lie at least half the
sequence before the output. The target is the product of the marked values. Predicting the
constant E[U1 U2] = 1/4 gives MSE = Var(U1 U2) = E[U1²] E[U2²] - 1/16 = 1/9 - 1/16 = 7/144.

Differences from the reference code: the length is exactly T (it drew one length in
[T, 1.1 T) per batch), and the value channel comes first, as in ``adding``.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from tasks.adding import marked_values
from tasks.base import RegressionTask
from tasks.registry import register


@register("multiplication", label="multiplication problem",
          description="multiply the two marked values of a uniform sequence (baseline MSE 7/144)")
@dataclasses.dataclass(frozen=True)
class Multiplication(RegressionTask):
    name: ClassVar[str] = "multiplication"
    input_dim: ClassVar[int] = 2
    output_dim: ClassVar[int] = 1
    min_seq_len: ClassVar[int] = 10  # the first window, [0, 0.1 T), needs a step
    success_rule: ClassVar[str] = "test MSE <= 7/1440, a tenth of the 7/144 baseline"

    def _generate(self, n, seq_len, rng):
        values = rng.random((n, seq_len))  # (n, T) in [0, 1)
        tenth = int(seq_len * 0.1)
        first = rng.integers(0, tenth, size=n)  # [0, 0.1 T)
        second = tenth + rng.integers(0, int(seq_len * 0.4), size=n)  # [0.1 T, 0.5 T)
        x, (a, b) = marked_values(values, first, second)  # x: (n, T, 2)
        return x, (a * b)[:, None]  # (n, 1)

    def baseline(self, seq_len):
        return 7 / 144

    def success_threshold(self):
        return 0.1 * self.baseline(0)
