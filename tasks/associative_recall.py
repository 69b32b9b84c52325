"""associative_recall: multi-query associative recall (MQAR; Arora et al. 2023, "Zoology", §3),
at a CPU-sized vocabulary: ``pairs`` key-value pairs open the stretch of ``seq_len`` steps,
blanks fill the rest, and then ``queries`` of the keys are asked, one per step; at each query
the model answers that key's value.

Tokens, one-hot over 33 channels: blank (0), 16 keys (1-16) and 16 values (17-32). Each sample
draws distinct keys and values with replacement; the queries are distinct stored keys in
random order. ``seq_len`` counts the pairs and the blanks, so the last pair lies
``seq_len - 2 pairs + 1`` steps before the first query. Zoology runs vocabularies of 8192 and
up to 64 pairs in sequences of 64-512; here 16 keys and values, 4 pairs, 4 queries by default.
A query's key says nothing about its value without the stored pair: error rate 15/16.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from tasks.recall import RecallTask
from tasks.registry import register

VOCABULARY = 16  # keys, and (separately) values
BLANK = 0


@register("associative_recall", label="associative recall",
          description="multi-query associative recall: key-value pairs, a blank stretch, then "
                      "queried keys (Arora et al. 2023)")
@dataclasses.dataclass(frozen=True)
class AssociativeRecall(RecallTask):
    name: ClassVar[str] = "associative_recall"
    input_dim: ClassVar[int] = 1 + 2 * VOCABULARY
    output_dim: ClassVar[int] = VOCABULARY
    success_rule: ClassVar[str] = "error rate on the queried values <= 0.05 (chance 15/16)"
    pairs: int = 4
    queries: int = 4

    def check(self):
        for field in ("pairs", "queries"):
            self._require(isinstance(getattr(self, field), int)
                          and 1 <= getattr(self, field) <= VOCABULARY, field,
                          f"an integer from 1 to {VOCABULARY}")
        self._require(self.queries <= self.pairs, "queries", f"at most pairs ({self.pairs})")

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "min_seq_len", 2 * self.pairs)  # the stretch holds the pairs

    def answers(self):
        return self.queries

    def _generate(self, n, seq_len, rng):
        keys = rng.random((n, VOCABULARY)).argsort(axis=1)[:, :self.pairs]  # distinct, (n, p)
        values = rng.integers(0, VOCABULARY, size=(n, self.pairs))
        asked = rng.random((n, self.pairs)).argsort(axis=1)[:, :self.queries]  # which pairs
        tokens = np.full((n, seq_len + self.queries), BLANK)
        tokens[:, 0:2 * self.pairs:2] = keys + 1
        tokens[:, 1:2 * self.pairs:2] = values + 1 + VOCABULARY
        tokens[:, seq_len:] = np.take_along_axis(keys, asked, axis=1) + 1
        return np.eye(self.input_dim)[tokens], np.take_along_axis(values, asked, axis=1)
