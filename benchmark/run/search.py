"""The horizon search's rule: which length a (task, model) chain probes next, and which seeds.

The seed is the unit: a seed's own horizon is the longest length it solved (on validation)
with every shorter length it ran solved, and the chain's outcome at a length is the *median
seed's* (``median_outcomes``: enough seeds solved that length and every one below it,
``core.rules.median_solved``), never a count of whichever seeds solved that one length. So the
outcomes fall with length once they fall, and the first failure needs no confirmation.

Pure and deterministic: ``next_probe(outcomes, plan)`` reads the median outcomes so far and
returns the next length with the reason, or None when the chain is done:

- climb: from ``start``, multiply by ``growth`` (rounded; the last step lands on ``cap``)
  while the median seed solves. Every chain climbs the same lengths, so models stay paired;
- bisect: between the longest length solved below the first failure and that failure, at
  their geometric mean, until their ratio is at most ``resolution``: the median seed's
  bracket is then resolved. No length above the first failure is run.

At each length only the seeds still alive run (``alive``): a seed that failed a shorter length
it ran already has its whole bracket below, which no longer length can change, so leaving it
out loses nothing (benchmark/perf/search_bench.py measures the work it saves).
"""

from __future__ import annotations

import dataclasses
import math

from core.rules import median_solved

REASONS = ("climb", "bisect")


@dataclasses.dataclass(frozen=True)
class SearchPlan:
    start: int  # the first (shortest) length
    cap: int  # the longest length the search may run
    growth: float  # climb factor (the grid's --growth, declared with its default there)
    resolution: float  # stop bisecting when failed / solved <= this (the grid's --resolution)

    def __post_init__(self) -> None:
        if not (1 <= self.start <= self.cap):
            raise ValueError(f"need 1 <= start <= cap, got start={self.start}, cap={self.cap}")
        if self.growth <= 1 or self.resolution <= 1:
            raise ValueError("growth and resolution must be > 1")

    def climb_lengths(self) -> list[int]:
        """The shared climbing grid: start, start * growth, ..., cap."""
        lengths = [self.start]
        while lengths[-1] < self.cap:
            step = max(lengths[-1] + 1, round(self.start * self.growth ** len(lengths)))
            lengths.append(min(step, self.cap))
        return lengths

    def above(self, length: int) -> int | None:
        """The next climbing length above ``length`` (None at the cap)."""
        return next((n for n in self.climb_lengths() if n > length), None)


SeedRuns = dict[int, dict[int, bool]]  # seed -> {length it ran: solved on validation}


def alive(runs: dict[int, bool], length: int) -> bool:
    """Whether a seed's bracket can still reach ``length``: it failed no shorter length."""
    return all(solved for ran, solved in runs.items() if ran < length)


def solved_through(runs: dict[int, bool], length: int) -> bool:
    """Whether a seed solved ``length`` and every shorter length it ran."""
    return runs.get(length, False) and alive(runs, length)


def median_outcomes(seed_runs: SeedRuns, n_seeds: int) -> dict[int, bool]:
    """Per length run by any seed: whether the median seed solved it and every shorter one."""
    lengths = sorted({n for runs in seed_runs.values() for n in runs})
    return {n: median_solved(sum(solved_through(runs, n) for runs in seed_runs.values()),
                             n_seeds) for n in lengths}


@dataclasses.dataclass(frozen=True)
class ValidationBracket:
    """What a chain's median outcomes say: the longest length solved below the first failure
    (0: none) and that failure (None: none up to the cap)."""

    solved: int
    failed: int | None


def validation_bracket(outcomes: dict[int, bool], plan: SearchPlan | None = None
                       ) -> ValidationBracket:
    """The search's bracket of a chain from its median outcomes; the test-set horizon is
    benchmark/analysis/horizon_stats.py's."""
    failed = min((n for n, solved in outcomes.items() if not solved), default=None)
    below = [n for n, solved in outcomes.items() if solved and (failed is None or n < failed)]
    return ValidationBracket(max(below, default=0), failed)


def next_probe(outcomes: dict[int, bool], plan: SearchPlan) -> tuple[int, str] | None:
    """The next (length, reason) to probe, or None when the chain is done."""
    if not outcomes:
        return plan.start, "climb"
    found = validation_bracket(outcomes)
    if found.failed is None:  # still solving: climb (or done at the cap)
        above = plan.above(max(outcomes))
        return (above, "climb") if above is not None else None
    low, high = found.solved, found.failed
    if low == 0 or high / low <= plan.resolution:
        return None  # nothing solved below the failure, or the bracket is fine enough
    middle = round(math.sqrt(low * high))
    if middle <= low or middle >= high or middle in outcomes:
        return None  # the integers between them are exhausted
    return middle, "bisect"
