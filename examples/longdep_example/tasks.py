"""first_sign: say whether the first value of a Gaussian noise sequence was positive.

Inputs are standard normal values; only step 0 carries the answer, the remaining
``seq_len - 1`` steps are distractors of the same kind. Without memory of step 0 the best
guess is a coin flip: error rate 0.5. A longdep task: a frozen dataclass subclassing
``tasks.Task`` (here its binary-classification base), parameters as fields with defaults.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from tasks.base import BinaryClassificationTask


@dataclasses.dataclass(frozen=True)
class FirstSign(BinaryClassificationTask):
    name: ClassVar[str] = "first_sign"
    input_dim: ClassVar[int] = 1
    success_rule: ClassVar[str] = "test error rate <= 0.05 (chance is 0.5)"
    label: ClassVar[str] = "first sign"
    description: ClassVar[str] = "was the first of seq_len Gaussian values positive? (example)"
    scale: float = 1.0  # the distractors' standard deviation relative to the first value

    def check(self):
        self._require(self.scale > 0, "scale", "a positive number")

    def _generate(self, n, seq_len, rng):
        x = rng.standard_normal((n, seq_len, 1)) * self.scale  # (n, T, 1)
        x[:, 0] /= self.scale
        return x, (x[:, 0] > 0).astype(float)  # (n, 1)

    def baseline(self, seq_len):
        return 0.5

    def solved(self, metric):
        return metric <= 0.05
