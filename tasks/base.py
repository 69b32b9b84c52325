"""The task contract: a frozen dataclass that generates (x, y) batches and knows its own
loss, metric, trivial baseline and success rule, so the one training loop needs no task cases.

Subclasses set the class attributes, write ``_generate`` and ``baseline``, and declare their
parameters as dataclass fields with defaults, validated in ``check``.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from core.checks import invalid
from core.errors import UsageError
from core.rules import BEAT_MARGIN


def error_share(wrong: torch.Tensor) -> float:
    """The share of True in ``wrong``, from counts: exact wherever a count is (50 of 1000 is
    0.05, where a float32 mean gives 0.0500000007 and fails ``<= 0.05``)."""
    return int(wrong.sum()) / wrong.numel()


def mean_squared_error(output: torch.Tensor, target: torch.Tensor) -> float:
    """MSE as a test metric: differences and mean in float64, so a threshold compares the
    value and not a float32 rounding of it."""
    return float(F.mse_loss(output.double(), target.double()))


@dataclasses.dataclass(frozen=True)
class Task:
    name: ClassVar[str]
    input_dim: ClassVar[int]
    output_dim: ClassVar[int]
    kind: ClassVar[str]  # "regression" or "classification"
    metric_name: ClassVar[str]  # the column name of the test metric, e.g. "mse"
    min_seq_len: ClassVar[int] = 1
    success_rule: ClassVar[str]  # the success criterion in words, for reports
    # True for a task without a dependency gap (its answer lies in the last steps): a check
    # that training works at all, reported as a control, not as a memory horizon
    control: ClassVar[bool] = False
    # What the literature's graded outcome compares with the memoryless baseline: the test
    # "metric" (adding: MSE) or the training "loss" (copy_memory: cross-entropy)
    graded_on: ClassVar[str] = "metric"
    # How the report names and draws the task (it holds no task names of its own):
    metric_label: ClassVar[str] = ""  # the metric in words, e.g. "MSE" ("": its name)
    log_scale: ClassVar[bool] = False  # errors spread over decades: drawn on a log axis
    graded_baseline_formula: ClassVar[str] = ""  # the memoryless loss in symbols, if not flat
    probe_scope: ClassVar[str] = ""  # what the gradient probe's loss covers, if not the whole
                                     # training loss (see probe_loss)
    # The task's error read as the shortest input window whose optimal linear predictor does
    # as well (a control task's noise averaging): a method ``(metric, seq_len) -> window``
    # where the task has that reading, None where it does not.
    effective_window = None

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise UsageError for an out-of-range parameter (subclasses extend this)."""

    # --- data -----------------------------------------------------------------------------
    def generate(self, n: int, seq_len: int, rng: np.random.Generator):
        """Return ``(x, y)``: x float32 ``(n, seq_len, input_dim)``, y float32 ``(n, output_dim)``
        (a per-step task's x and y may be longer than seq_len: see its module).

        Pure and vectorised: all randomness comes from ``rng``.
        """
        if not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        self.check_seq_len(seq_len)
        if not isinstance(rng, np.random.Generator):
            raise TypeError("rng must be a numpy.random.Generator")
        x, y = self._generate(int(n), int(seq_len), rng)
        return x.astype(np.float32, copy=False), y.astype(np.float32, copy=False)

    def check_seq_len(self, seq_len: int) -> None:
        if not isinstance(seq_len, int | np.integer) or seq_len < self.min_seq_len:
            raise UsageError(
                f"{self.name}: seq_len must be an integer >= {self.min_seq_len}, got {seq_len!r}"
            )

    def _generate(self, n: int, seq_len: int, rng: np.random.Generator):
        raise NotImplementedError

    # --- scoring --------------------------------------------------------------------------
    def baseline(self, seq_len: int) -> float:
        """The metric of the best predictor that has no memory of the relevant input."""
        raise NotImplementedError

    def input_length(self, seq_len: int) -> int:
        """Number of input steps of a sample at ``seq_len`` (longer for tasks with a prompt)."""
        return seq_len

    def readout_steps(self, seq_len: int) -> int | None:
        """How many final steps the model answers at: None for one answer at the last step
        (output ``(B, output_dim)``), k for the last k steps (output ``(B, k, output_dim)``)."""
        return None

    def noise_floor(self, seq_len: int) -> float | None:
        """The metric no predictor can beat, where the task has one (None otherwise)."""
        return None

    def graded_baseline(self, seq_len: int) -> float:
        """The memoryless value of the quantity named by ``graded_on``."""
        return self.baseline(seq_len)

    def baseline_gain(self, metric: float, loss: float, seq_len: int) -> float:
        """The share of the memoryless baseline a model removes: 0 without memory, 1 perfect."""
        value = loss if self.graded_on == "loss" else metric
        return 1.0 - value / self.graded_baseline(seq_len)

    def graded_rule(self) -> str:
        """The graded outcome in words, for reports."""
        quantity = "loss" if self.graded_on == "loss" else self.metric_name
        return f"test {quantity} at least {BEAT_MARGIN:.0%} below the memoryless baseline"

    def success_threshold(self) -> float | None:
        """The metric at or below which the task counts as solved (figures draw it); None
        for a task whose rule is not a threshold (it then overrides ``solved``)."""
        return None

    def solved(self, metric: float) -> bool:
        """The task's documented success criterion on the test metric."""
        threshold = self.success_threshold()
        if threshold is None:
            raise NotImplementedError(f"{self.name}: define success_threshold or solved")
        return metric <= threshold

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def metric(self, output: torch.Tensor, target: torch.Tensor) -> float:
        raise NotImplementedError

    def probe_loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The loss whose gradient the through-time profile follows: the answer's loss. The
        training loss, unless it also scores steps that need no memory (see copy_memory)."""
        return self.loss(output, target)

    # --- parameters -----------------------------------------------------------------------
    def params(self) -> dict:
        return dataclasses.asdict(self)

    def _require(self, ok: bool, field: str, rule: str) -> None:
        if not ok:
            raise invalid(f"{self.name}: parameter {field}", getattr(self, field), rule,
                          problem="is out of range")


class RegressionTask(Task):
    """Mean-squared error as both training loss and test metric."""

    kind: ClassVar[str] = "regression"
    metric_name: ClassVar[str] = "mse"
    metric_label: ClassVar[str] = "MSE"
    log_scale: ClassVar[bool] = True

    def loss(self, output, target):
        return F.mse_loss(output, target)

    def metric(self, output, target):
        return mean_squared_error(output, target)


class BinaryClassificationTask(Task):
    """One logit per sample; binary cross-entropy to train, error rate to test. By default the
    target is a fair bit that the input, without memory, says nothing about (chance 0.5), and
    solved means at most 5 % errors."""

    kind: ClassVar[str] = "classification"
    metric_name: ClassVar[str] = "error_rate"
    metric_label: ClassVar[str] = "error rate"
    output_dim: ClassVar[int] = 1
    success_rule: ClassVar[str] = "test error rate <= 0.05 (chance is 0.5)"

    def baseline(self, seq_len):
        return 0.5

    def success_threshold(self):
        return 0.05

    def loss(self, output, target):
        return F.binary_cross_entropy_with_logits(output, target)

    def metric(self, output, target):
        return error_share((output > 0).to(target.dtype) != target)


class MulticlassTask(Task):
    """One-hot targets ``(n, n_classes)`` at the last step; cross-entropy to train, error rate
    (argmax mismatch) to test."""

    kind: ClassVar[str] = "classification"
    metric_name: ClassVar[str] = "error_rate"
    metric_label: ClassVar[str] = "error rate"

    def loss(self, output, target):
        return F.cross_entropy(output, target.argmax(dim=-1))

    def metric(self, output, target):
        return error_share(output.argmax(dim=-1) != target.argmax(dim=-1))

