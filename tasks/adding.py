"""adding: the adding problem in its canonical form (Le et al. 2015; Arjovsky et al. 2016).

Two input channels: values uniform in [0, 1], and a marker channel that holds exactly two 1s.
The target is the sum of the two marked values. Predicting the constant 1 (the mean of the sum)
gives MSE = Var(U1 + U2) = 1/6 wherever the markers are.

Parameter ``variant`` places the markers:
- ``halves`` (default; Le et al. 2015, Arjovsky et al. 2016): one in the first half, one in the
  second half, so the first marked value lies on average 3T/4 steps before the output;
- ``anywhere`` (Bai et al. 2018, locuslab/TCN ``adding_problem/utils.py``): two distinct
  positions uniform over the whole sequence, so the earlier one lies on average 2T/3 steps
  before the output: an easier task at the same T.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from tasks.base import RegressionTask
from tasks.registry import register

VARIANTS = ("halves", "anywhere")


def marked_values(values: np.ndarray, *positions: np.ndarray):
    """The two-channel input of the marked-value tasks (adding, multiplication): the values
    ``(n, T)`` and a marker channel with a 1 at each row's given positions; also the marked
    values themselves, one array per position. Returns ``(x (n, T, 2), [marked, ...])``."""
    rows = np.arange(values.shape[0])
    markers = np.zeros_like(values)
    for position in positions:
        markers[rows, position] = 1.0
    return np.stack([values, markers], axis=-1), [values[rows, p] for p in positions]


@register("adding", label="adding problem",
          description="sum the two marked values of a uniform sequence (baseline MSE 1/6)")
@dataclasses.dataclass(frozen=True)
class Adding(RegressionTask):
    name: ClassVar[str] = "adding"
    input_dim: ClassVar[int] = 2
    output_dim: ClassVar[int] = 1
    min_seq_len: ClassVar[int] = 2  # one marker in each half needs two steps
    success_rule: ClassVar[str] = "test MSE <= 1/60, a tenth of the 1/6 baseline"
    variant: str = "halves"

    def check(self):
        self._require(self.variant in VARIANTS, "variant", "one of: " + ", ".join(VARIANTS))

    def _generate(self, n, seq_len, rng):
        values = rng.random((n, seq_len))  # (n, T) in [0, 1)
        if self.variant == "halves":
            half = seq_len // 2
            first = rng.integers(0, half, size=n)  # marker in [0, T/2)
            second = rng.integers(half, seq_len, size=n)  # marker in [T/2, T)
        else:  # two distinct positions anywhere: a random pair of a random permutation
            first, second = np.argsort(rng.random((n, seq_len)), axis=1)[:, :2].T
        x, (a, b) = marked_values(values, first, second)
        y = (a + b)[:, None]  # (n, 1)
        return x, y

    def baseline(self, seq_len):
        return 1.0 / 6.0

    def solved(self, metric):
        # Solved: MSE at most a tenth of the baseline (90 % of the target variance explained).
        return metric <= 0.1 * self.baseline(0)
