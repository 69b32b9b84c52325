"""The shared form of the recall tasks (selective_copy, associative_recall): after the input
stretch, the model answers at each of the last ``answers`` steps with one of ``output_dim``
symbols; cross-entropy on those steps to train, their error share to test.

Every answer is a uniformly drawn symbol that the last steps' input does not reveal, so a model
without memory guesses: error rate 1 - 1/``output_dim``. Solved: at most 5 % of the answered
symbols wrong, as for copy_memory.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import torch.nn.functional as F

from tasks.base import Task, error_share

SOLVED_ERROR = 0.05


@dataclasses.dataclass(frozen=True)
class RecallTask(Task):
    kind: ClassVar[str] = "classification"
    metric_name: ClassVar[str] = "error_rate"
    metric_label: ClassVar[str] = "error rate"

    def answers(self) -> int:
        """How many final steps the model answers at."""
        raise NotImplementedError

    def input_length(self, seq_len):
        return seq_len + self.answers()  # the stretch, then one input per answer

    def readout_steps(self, seq_len):
        return self.answers()

    def loss(self, output, target):  # output (B, k, V), target (B, k) symbol indices
        return F.cross_entropy(output.reshape(-1, self.output_dim), target.long().reshape(-1))

    def metric(self, output, target):
        return error_share(output.argmax(dim=-1) != target.long())

    def baseline(self, seq_len):
        return 1 - 1 / self.output_dim

    def success_threshold(self):
        return SOLVED_ERROR
