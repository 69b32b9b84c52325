"""Parameter-matched comparisons: the hidden size that gives a model about N parameters.

Architectures differ in parameters per hidden unit (an LSTM has about four times a tanh
RNN's), so "hidden 32 for all" compares models of different capacity. ``--match-params N``
gives every (task, model) its own hidden size, the one whose model (core and readout, for the
task's input and output sizes) has the parameter count closest to N; each cell records its
``hidden_size`` and ``n_params``.
"""

from __future__ import annotations

import functools

from core.errors import UsageError
from models import build_model
from tasks import get_task

MAX_HIDDEN = 4096


@functools.cache
def n_params(task: str, task_params: tuple, model: str, hidden: int, seq_len: int) -> int:
    spec = get_task(task, **dict(task_params))
    built = build_model(model, spec.input_dim, hidden, spec.output_dim,
                        spec.readout_steps(seq_len), spec.input_length(seq_len))
    return sum(p.numel() for p in built.parameters())


def matched_hidden(task: str, task_params: tuple, model: str, seq_len: int, target: int) -> int:
    """The hidden size in 1..MAX_HIDDEN whose parameter count is closest to ``target`` (the
    smaller one on a tie); the count grows with the hidden size, so a bisection finds it."""
    def count(hidden: int) -> int:
        return n_params(task, task_params, model, hidden, seq_len)

    high = 1
    while count(high) < target:  # double up to the first size past the target: never builds
        if high >= MAX_HIDDEN:    # a model much larger than the one asked for
            raise UsageError(f"match_params={target} is out of reach for {model}: even "
                             f"hidden {MAX_HIDDEN} has only {count(MAX_HIDDEN)} parameters")
        high = min(2 * high, MAX_HIDDEN)
    low = max(1, high // 2)  # the first hidden size with count >= target lies in [low, high]
    while low < high:
        middle = (low + high) // 2
        if count(middle) >= target:
            high = middle
        else:
            low = middle + 1
    if low > 1 and target - count(low - 1) <= count(low) - target:
        return low - 1
    return low
