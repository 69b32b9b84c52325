"""What a run probes: its chains, one sequence of probes each, per budget point. A horizon
search gives each (task, model) a chain that climbs and bisects; a fixed grid gives each
(task, model, length) a chain that probes that one length (benchmark/run/runner.py drives
them)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from benchmark.run.config import Grid
from benchmark.run.scale import ANCHOR, points
from benchmark.run.search import SearchPlan, SeedRuns, next_probe
from benchmark.run.workers import cost

Plan = Callable[[dict[int, bool]], "tuple[int, str] | None"]  # outcomes -> next probe


@dataclasses.dataclass
class Chain:
    """One sequence of probes: what it probed and what it waits for."""

    task: str
    model: str
    grid: Grid  # the budget point's grid (the run's own without --scale)
    plan: Plan
    point: str = ANCHOR  # the budget point's label (benchmark/run/scale.py)
    outcomes: dict[int, bool] = dataclasses.field(default_factory=dict)  # the median seed's
    seed_runs: SeedRuns = dataclasses.field(default_factory=dict)  # each seed's own outcomes
    probes: list[dict] = dataclasses.field(default_factory=list)  # rows of search.csv
    probe: tuple[int, str] | None = None  # the length being probed and why
    phase: str = ""  # "tune", "extend" (one rate beyond the grid's edge) or "evaluate"
    rates: tuple[float, ...] = ()  # the rates this tuning phase runs
    tried: tuple[float, ...] = ()  # every rate tuned at this length so far
    lr: float = float("nan")
    waiting: set[str] = dataclasses.field(default_factory=set)  # ids of submitted cells
    done: bool = False


def plan_of(grid: Grid) -> SearchPlan:
    return SearchPlan(min(grid.lengths), max(grid.lengths), grid.growth, grid.resolution)


def search_chains(grid: Grid) -> list[Chain]:
    """One chain per (budget point, task, model), climbing and bisecting by
    ``search.next_probe``."""
    plan = plan_of(grid)
    return [Chain(task, model, point, lambda outcomes: next_probe(outcomes, plan), label)
            for label, point in points(grid) for task in point.tasks for model in point.models]


def grid_chains(grid: Grid) -> list[Chain]:
    """One chain per (budget point, task, model, length), probing that length once; the
    longest cells first, so the last worker is not left alone with the biggest cell."""
    chains = [Chain(task, model, point,
                    lambda outcomes, n=length: None if outcomes else (n, "grid"), label)
              for label, point in points(grid)
              for task in point.tasks for length in point.lengths for model in point.models]
    return sorted(chains, key=lambda c: cost(c.grid.cell(c.task, c.model, c.plan({})[0], 0)),
                  reverse=True)
