"""bit_capacity: hold ``seq_len`` bits at once, then recall them in order: how many bits a
model keeps, the capacity Collins, Sohl-Dickstein & Sussillo (2017) set at about one real
number per hidden unit for tuned recurrent networks.

``seq_len`` is the payload, k fair random bits, one per step; ``delay`` blank steps follow;
then k cue steps, at each of which the model answers the next stored bit (bit i at cue i).
The horizon search over ``seq_len`` therefore finds the largest number of bits a model holds
over a fixed delay: its capacity in bits, and with the hidden size, bits per unit. Bit i waits
k + ``delay`` steps for its cue, so capacity and distance grow together; ``delay`` keeps the
distance from vanishing at small k. Inputs are one-hot over four channels: bit 0, bit 1,
blank, cue. Nothing after step i reveals bit i: a model without memory is at chance, error
rate 0.5. Solved: at most 5 % of the recalled bits wrong (as for the other recall tasks).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from tasks.recall import RecallTask
from tasks.registry import register

BLANK, CUE = 2, 3  # channels 0 and 1 are the bit values


@register("bit_capacity", label="bit capacity",
          description="hold seq_len random bits over a delay, then recall them in order "
                      "(capacity in bits)")
@dataclasses.dataclass(frozen=True)
class BitCapacity(RecallTask):
    name: ClassVar[str] = "bit_capacity"
    input_dim: ClassVar[int] = 4
    output_dim: ClassVar[int] = 2
    success_rule: ClassVar[str] = "error rate on the recalled bits <= 0.05 (chance 0.5)"
    delay: int = 20

    def check(self):
        self._require(isinstance(self.delay, int) and 0 <= self.delay <= 10_000, "delay",
                      "an integer from 0 to 10000")

    def input_length(self, seq_len):
        return 2 * seq_len + self.delay  # the payload, the delay, one cue per stored bit

    def readout_steps(self, seq_len):
        return seq_len

    def _generate(self, n, seq_len, rng):
        bits = rng.integers(0, 2, size=(n, seq_len))
        tokens = np.full((n, self.input_length(seq_len)), BLANK)
        tokens[:, :seq_len] = bits
        tokens[:, seq_len + self.delay:] = CUE
        return np.eye(self.input_dim)[tokens], bits
