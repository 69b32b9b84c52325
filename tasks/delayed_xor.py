"""delayed_xor: the exclusive or of two bits given ``seq_len - 1`` steps apart, among random
distractor bits (the XOR form of the two-bit memory problems; cf. Hochreiter & Schmidhuber
1997's XOR-like temporal order and the "delayed XOR" of the parity literature).

Two channels: a random bit at every step, and a marker that is 1 at the first and the last
step only. The target is the XOR of the two marked bits. Unlike bit_memory, remembering the
first bit is not enough to be scored right: the model must combine it with the last one, a
product no linear read-out of a linear memory can form. The last bit alone says nothing about
the XOR: error rate 0.5 without memory.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from tasks.base import BinaryClassificationTask
from tasks.registry import register


@register("delayed_xor", label="delayed XOR",
          description="the XOR of the first and last of seq_len random bits, both marked")
@dataclasses.dataclass(frozen=True)
class DelayedXor(BinaryClassificationTask):
    name: ClassVar[str] = "delayed_xor"
    input_dim: ClassVar[int] = 2
    min_seq_len: ClassVar[int] = 2

    def _generate(self, n, seq_len, rng):
        bits = rng.integers(0, 2, size=(n, seq_len))
        marker = np.zeros((n, seq_len))
        marker[:, [0, -1]] = 1
        x = np.stack([bits, marker], axis=-1)  # (n, T, 2)
        return x, (bits[:, :1] ^ bits[:, -1:])  # (n, 1)
