"""selective_copy: the selective copying task of Gu & Dao (2023, "Mamba", §4.1.1, Fig. 2):
``tokens`` data symbols sit at random positions of a stretch of ``seq_len`` noise tokens; after
the stretch the model reproduces them, in order, one per step.

Unlike copy_memory, the symbols' positions vary from sample to sample, so a model cannot
count steps: it must select what to keep by content. Inputs are one-hot over 10 channels:
noise (0), the 8 data symbols (1-8) and the "go" token (9) given at each of the ``tokens``
answer steps; the answers are symbol indices 0-7. ``seq_len`` is the stretch (the first data
symbol lies on average T / (tokens + 1) steps in, the last answer T + tokens steps later).
Their setting is a 16-symbol vocabulary, 16 tokens and length 4096; here 8 symbols and 4
tokens by default, a CPU size. A memoryless model guesses: error rate 7/8.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from tasks.recall import RecallTask
from tasks.registry import register

N_SYMBOLS = 8
NOISE, GO = 0, N_SYMBOLS + 1


@register("selective_copy", label="selective copy",
          description="reproduce, in order, the data symbols scattered among noise in a stretch "
                      "of seq_len (Gu & Dao 2023)")
@dataclasses.dataclass(frozen=True)
class SelectiveCopy(RecallTask):
    name: ClassVar[str] = "selective_copy"
    input_dim: ClassVar[int] = N_SYMBOLS + 2
    output_dim: ClassVar[int] = N_SYMBOLS
    success_rule: ClassVar[str] = "error rate on the copied symbols <= 0.05 (chance 7/8)"
    tokens: int = 4

    def check(self):
        self._require(isinstance(self.tokens, int) and 1 <= self.tokens <= 64, "tokens",
                      "an integer from 1 to 64")

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "min_seq_len", self.tokens)  # a position per data symbol

    def answers(self):
        return self.tokens

    def _generate(self, n, seq_len, rng):
        symbols = rng.integers(0, N_SYMBOLS, size=(n, self.tokens))  # answers, (n, k)
        # k distinct positions per sample, in increasing order: the order to copy them in
        positions = np.sort(rng.random((n, seq_len)).argsort(axis=1)[:, :self.tokens], axis=1)
        tokens = np.full((n, seq_len + self.tokens), NOISE)
        np.put_along_axis(tokens, positions, symbols + 1, axis=1)
        tokens[:, seq_len:] = GO
        return np.eye(self.input_dim)[tokens], symbols
