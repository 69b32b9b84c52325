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
- ``hs97`` (Hochreiter & Schmidhuber 1997, Experiment 4): values uniform in [-1, 1]; each
  sequence has its own length, an integer uniform in [T, T + T//10], and is left-padded with
  zero steps to T + T//10 so that all end at the output step; the first marker is on one of the
  first ten steps of the sequence, the second on one of the first T/2 - 1 steps still unmarked;
  the marker channel is -1 on the sequence's first and last step where those are unmarked (a
  marked first step keeps its marker and its value is set to zero, the paper's "rare case").
  Target 0.5 + (X1 + X2) / 4. The paper scores a sequence as correct when its absolute error is
  below 0.04, so this variant's metric is the ``miss_rate`` (share of test sequences off by
  0.04 or more); solved at most 1 % (the paper reports 0-1 misses in 2560 test sequences).
  Memoryless baseline: predicting 0.5 misses unless |X1 + X2| < 0.16, which for the sum of
  two uniforms on [-1, 1] has probability 0.16 - 0.16^2/4, and 0.16 when one value is zero.
  Its first marker lies about T steps before the output: the longest lag of the three.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from core.errors import UsageError
from tasks.base import RegressionTask, error_share
from tasks.registry import register

VARIANTS = ("halves", "anywhere", "hs97")
HS97_TOLERANCE = 0.04  # Hochreiter & Schmidhuber's per-sequence criterion
HS97_FIRST = 10  # the first marker lies on one of the first ten steps


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
    variant: str = "halves"

    @property
    def metric_name(self):
        return "miss_rate" if self.variant == "hs97" else "mse"

    @property
    def success_rule(self):
        if self.variant == "hs97":
            return (f"share of test sequences with |error| >= {HS97_TOLERANCE} at most 1 % "
                    "(Hochreiter & Schmidhuber 1997)")
        return "test MSE <= 1/60, a tenth of the 1/6 baseline"

    def check(self):
        self._require(self.variant in VARIANTS, "variant", "one of: " + ", ".join(VARIANTS))

    def check_seq_len(self, seq_len):
        super().check_seq_len(seq_len)
        if self.variant == "hs97" and seq_len < 2 * (HS97_FIRST + 1):
            raise UsageError(f"adding (variant hs97): seq_len must be an integer >= "
                             f"{2 * (HS97_FIRST + 1)} (the second marker's T/2 - 1 steps must "
                             f"hold the first ten), got {seq_len!r}")

    def input_length(self, seq_len):
        return seq_len + seq_len // 10 if self.variant == "hs97" else seq_len

    def _generate(self, n, seq_len, rng):
        if self.variant == "hs97":
            return self._generate_hs97(n, seq_len, rng)
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

    def _generate_hs97(self, n, seq_len, rng):
        total = self.input_length(seq_len)
        start = total - rng.integers(seq_len, total + 1, size=n)  # left padding of each row
        values = rng.uniform(-1.0, 1.0, size=(n, total))
        first = rng.integers(0, HS97_FIRST, size=n)  # within the sequence
        # the second: one of steps 0 .. T/2 - 1 other than the first (T/2 - 1 choices)
        second = rng.integers(0, seq_len // 2 - 1, size=n)
        second = second + (second >= first)
        rows = np.arange(n)
        first, second = start + first, start + second
        values *= np.arange(total) >= start[:, None]  # the padding steps are all zero
        x, _ = marked_values(values, first, second)
        markers = x[..., 1]
        markers[rows, start] = np.where(markers[rows, start] == 1, 1.0, -1.0)
        markers[:, -1] = -1.0  # the last step is never marked (the second lies before T/2)
        x[rows, start, 0] *= markers[rows, start] != 1  # the paper's "rare case": X = 0
        a, b = x[rows, first, 0], x[rows, second, 0]
        return x, (0.5 + (a + b) / 4)[:, None]

    def metric(self, output, target):
        if self.variant == "hs97":
            return error_share((output - target).abs() >= HS97_TOLERANCE)
        return super().metric(output, target)

    def baseline(self, seq_len):
        if self.variant != "hs97":
            return 1.0 / 6.0
        # predicting 0.5 is right when |X1 + X2| < 4 * 0.04; one value is zero when a marker
        # falls on the sequence's first step (the first w.p. 1/10, else the second w.p. 1/m)
        width = 4 * HS97_TOLERANCE
        m = seq_len // 2 - 1
        one_zero = 1 / HS97_FIRST + (1 - 1 / HS97_FIRST) / m
        right = one_zero * width + (1 - one_zero) * (width - width ** 2 / 4)
        return 1.0 - right

    def success_threshold(self):
        if self.variant == "hs97":
            return 0.01  # at most 1 % of the test sequences off by 0.04 or more
        # Solved: MSE at most a tenth of the baseline (90 % of the target variance explained).
        return 0.1 * self.baseline(0)
