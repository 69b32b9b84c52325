"""bit_memory: remember the first bit of a random 0/1 sequence across ``seq_len - 1`` distractors.

The input at every step is a fair random bit; the target is the bit at step 0. Nothing after
step 0 carries information about the target, so a model without memory is at chance.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from tasks.base import BinaryClassificationTask
from tasks.registry import register


@register("bit_memory", label="bit memory",
          description="recall the first bit of a 0/1 sequence after seq_len-1 distractor bits")
@dataclasses.dataclass(frozen=True)
class BitMemory(BinaryClassificationTask):
    name: ClassVar[str] = "bit_memory"
    input_dim: ClassVar[int] = 1

    def _generate(self, n, seq_len, rng):
        bits = rng.integers(0, 2, size=(n, seq_len, 1))  # (n, T, 1)
        return bits, bits[:, 0, :]  # target: the first bit, (n, 1)
