"""flip_flop: the flip-flop language of Liu, Ash, Goel, Krishnamurthy & Zhang (2023, "Exposing
Attention Glitches with Flip-Flop Language Modeling"), as a one-answer task whose gap grows
with its length: a stream of ``seq_len`` instructions, each write, ignore or read with a bit,
ending in a read, which must return the bit of the last write.

Every step is one-hot over the instruction (write, ignore, read: channels 0-2) plus its bit
(channel 3): a write stores its bit, an ignore carries a random bit that must not be stored,
the final read carries none. The first step is a write; each later step before the read is a
write with probability ``writes / (seq_len - 2)`` (``writes`` extra writes expected per
sequence) and an ignore otherwise. So the last write lies on average about T / (writes + 1)
steps before the read, and with probability about e^-writes it is the first step. Their
language scores every read of a stream whose instructions are drawn at fixed rates (ignore
0.8 or 0.98, the sparse variant), which keeps the gap from growing with T; here the sparse
form's single final read, and a write rate that scales with T. A model without memory sees
only the read: error rate 0.5.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from tasks.base import BinaryClassificationTask
from tasks.registry import register

WRITE, IGNORE, READ = 0, 1, 2


@register("flip_flop", label="flip-flop",
          description="return the bit of the last write in a stream of write/ignore "
                      "instructions with random bits (Liu et al. 2023)")
@dataclasses.dataclass(frozen=True)
class FlipFlop(BinaryClassificationTask):
    name: ClassVar[str] = "flip_flop"
    input_dim: ClassVar[int] = 4
    min_seq_len: ClassVar[int] = 2  # a write, then the read
    writes: float = 2.0

    def check(self):
        self._require(isinstance(self.writes, int | float) and 0 <= self.writes <= 1000,
                      "writes", "a number from 0 to 1000")

    def _generate(self, n, seq_len, rng):
        rate = min(1.0, self.writes / max(seq_len - 2, 1))
        instruction = np.where(rng.random((n, seq_len)) < rate, WRITE, IGNORE)
        instruction[:, 0], instruction[:, -1] = WRITE, READ
        bits = rng.integers(0, 2, size=(n, seq_len))
        bits[:, -1] = 0  # the read carries no bit
        x = np.concatenate([np.eye(3)[instruction], bits[..., None]], axis=-1)  # (n, T, 4)
        # the last write before the read: the largest write position
        last = np.where(instruction[:, :-1] == WRITE, np.arange(seq_len - 1), -1).max(axis=1)
        return x, bits[np.arange(n), last][:, None]
