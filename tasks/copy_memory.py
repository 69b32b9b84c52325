"""copy_memory: reproduce 10 symbols after a blank stretch (Arjovsky et al. 2016; Bai et al. 2018).

Symbols 1..8 are data, 0 is blank and 9 the delimiter. The input (length ``seq_len + 20``) is
10 random data symbols, ``seq_len - 1`` blanks, the delimiter, then 10 blanks; the target is
``seq_len + 10`` blanks followed by the 10 data symbols (Bai et al.'s code repeats the
delimiter over the last 11 input steps instead of blanks; the lengths and targets are the
same). Inputs are one-hot (10 channels); the model answers at every step with 9 logits (blank
or a data symbol). ``seq_len`` is the blank stretch T, as in the papers.

Loss: cross-entropy averaged over all ``seq_len + 20`` steps, the papers' convention. A model
without memory outputs blank until the delimiter and then guesses uniformly over the 8 symbols:
loss ``10 ln 8 / (seq_len + 20)``. Metric: the error rate on the 10 copied symbols, whose
memoryless baseline is 7/8. "Solved" (<= 5 % symbol errors) is stricter than the papers, which
compare the cross-entropy with the memoryless loss: the graded outcome does that.
"""

from __future__ import annotations

import dataclasses
import math
from typing import ClassVar

import numpy as np
import torch.nn.functional as F

from tasks.base import Task, error_share
from tasks.registry import register

N_COPY = 10
N_SYMBOLS = 8
BLANK, DELIMITER = 0, 9


@register("copy_memory", label="copy memory",
          description="reproduce 10 symbols (alphabet 8) after a blank stretch of seq_len")
@dataclasses.dataclass(frozen=True)
class CopyMemory(Task):
    name: ClassVar[str] = "copy_memory"
    input_dim: ClassVar[int] = N_SYMBOLS + 2  # blank, 8 symbols, delimiter (one-hot)
    output_dim: ClassVar[int] = N_SYMBOLS + 1  # blank or a symbol
    kind: ClassVar[str] = "classification"
    metric_name: ClassVar[str] = "error_rate"
    success_rule: ClassVar[str] = "error rate on the 10 copied symbols <= 0.05 (chance 7/8)"
    # the papers plot the cross-entropy against the memoryless 10 ln 8 / (T + 20)
    graded_on: ClassVar[str] = "loss"
    metric_label: ClassVar[str] = "error rate"
    graded_baseline_formula: ClassVar[str] = "10 ln 8 / (T + 20)"
    probe_scope: ClassVar[str] = "the 10 copied symbols, not the blanks before them"

    def _generate(self, n, seq_len, rng):
        total = seq_len + 2 * N_COPY
        symbols = rng.integers(1, N_SYMBOLS + 1, size=(n, N_COPY))  # (n, 10)
        tokens = np.full((n, total), BLANK)
        tokens[:, :N_COPY] = symbols
        tokens[:, seq_len + N_COPY - 1] = DELIMITER  # after seq_len - 1 blanks
        x = np.eye(self.input_dim)[tokens]  # (n, T + 20, 10) one-hot
        y = np.full((n, total), BLANK)
        y[:, -N_COPY:] = symbols  # (n, T + 20) class labels
        return x, y

    def input_length(self, seq_len):
        return seq_len + 2 * N_COPY

    def readout_steps(self, seq_len):
        return self.input_length(seq_len)  # an answer at every step

    def loss(self, output, target):
        return F.cross_entropy(output.reshape(-1, self.output_dim), target.long().reshape(-1))

    def probe_loss(self, output, target):
        # Only the copied symbols need memory; the blanks before them would give every
        # model, a memoryless one included, a signal at every step.
        answer = output[:, -N_COPY:]
        return F.cross_entropy(answer.reshape(-1, self.output_dim),
                               target[:, -N_COPY:].long().reshape(-1))

    def metric(self, output, target):
        guess = output[:, -N_COPY:].argmax(dim=-1)  # (B, 10)
        return error_share(guess != target[:, -N_COPY:].long())

    def baseline(self, seq_len):
        return 1 - 1 / N_SYMBOLS

    def baseline_loss(self, seq_len: int) -> float:
        """Cross-entropy of the memoryless strategy, the papers' reference line."""
        return N_COPY * math.log(N_SYMBOLS) / (seq_len + 2 * N_COPY)

    def graded_baseline(self, seq_len):
        return self.baseline_loss(seq_len)

    def success_threshold(self):
        return 0.05
