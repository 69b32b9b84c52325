"""The horizon search's rule: which length a (task, model) chain probes next, from what it saw.

Pure and deterministic: ``next_probe(outcomes, plan)`` reads the lengths probed so far and
whether each was solved (by at least half the seeds, on validation) and returns the next
length with the reason, or None when the chain is done.

- climb: from ``start``, multiply by ``growth`` (rounded; the last step lands on ``cap``)
  while the length is solved. Every chain climbs the same lengths, so models stay paired there;
- confirm: after the first failure, one more length above it, so one unlucky length does not
  end the search; if that one is solved the climb goes on from it;
- bisect: between the longest solved length below the confirmed failure and the shortest
  failed length, at their geometric mean, until their ratio is at most ``resolution``.
No length above a confirmed failure is ever run.
"""

from __future__ import annotations

import dataclasses
import math

REASONS = ("climb", "confirm", "bisect")


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


@dataclasses.dataclass(frozen=True)
class ValidationBracket:
    """What a chain's probes say: the longest length solved below the first confirmed
    failure (0: none) and that failure (None: no confirmed failure up to the cap)."""

    solved: int
    failed: int | None
    confirmed: bool


def validation_bracket(outcomes: dict[int, bool], plan: SearchPlan) -> ValidationBracket:
    """The search's bracket of a chain from its validation outcomes (length -> solved by
    enough seeds); the test-set horizon is benchmark/analysis/horizon_stats.py's."""
    probed = sorted(outcomes)
    failures = [n for n in probed if not outcomes[n]]
    confirmed_at = None
    for n in failures:
        higher = [m for m in probed if m > n]
        # confirmed: the next length above it failed too, or it sits at the cap
        if (higher and not outcomes[higher[0]]) or n == plan.cap:
            confirmed_at = n
            break
    limit = confirmed_at if confirmed_at is not None else math.inf
    solved = max((n for n in probed if outcomes[n] and n < limit), default=0)
    failed = min((n for n in failures if solved < n <= limit), default=None) \
        if confirmed_at is not None else None
    return ValidationBracket(solved, failed, confirmed_at is not None)


def next_probe(outcomes: dict[int, bool], plan: SearchPlan) -> tuple[int, str] | None:
    """The next (length, reason) to probe, or None when the chain is done."""
    if not outcomes:
        return plan.start, "climb"
    found = validation_bracket(outcomes, plan)
    if not found.confirmed:
        highest = max(outcomes)
        if outcomes[highest]:  # still solving: climb (or done at the cap)
            above = plan.above(highest)
            return (above, "climb") if above is not None else None
        above = plan.above(highest)  # an unconfirmed failure: confirm it one length above
        return (above, "confirm") if above is not None else None
    low, high = max(found.solved, 0), found.failed
    if low == 0 or high / low <= plan.resolution:
        return None  # nothing solved below the failure, or the bracket is fine enough
    middle = round(math.sqrt(low * high))
    if middle <= low or middle >= high or middle in outcomes:
        return None  # the integers between them are exhausted
    return middle, "bisect"
