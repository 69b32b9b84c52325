"""What to run: ``Grid``, the cross product of axes, whose cells are ``Cell``s (defined in
benchmark/run/cell.py and importable from here too).

A grid takes over every setting of ``Settings`` with the same default beside its own axes,
declared the same way; the CLI flags, preset keys and the report's grid lines derive from
these declarations (``GRID_FIELDS``). Every value is validated here, once, so bad input fails
before anything runs, with a message naming the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from benchmark.run.cell import CELL_KEYS, ID_FIELDS_V1, Cell, Settings, stable_hash
from benchmark.run.fields import (
    Spec,
    check_value,
    is_bool,
    learning_rate,
    nonneg_int,
    positive_float,
    positive_int,
    setting,
)
from benchmark.run.limits import check_fits
from benchmark.run.scale import check_sweep, points
from core.errors import UsageError
from models import check_spec
from tasks import TASKS, get_task

__all__ = ["CELL_KEYS", "ID_FIELDS_V1", "Cell", "Grid", "Settings", "same_grid", "stable_hash"]
SEARCHES = ("grid", "horizon")
# The settings every cell of a grid shares, in declaration order.
SETTINGS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(Settings)}
MAX_CLIMB = 1000  # lengths a horizon search may climb: beyond, --growth is a typo, not a plan
TUNE_SEED_OFFSET = 1000  # tuning seeds are 1000, 1001, ...: their data never equals an
                         # evaluation seed's


def _greater_than_one(value: Any) -> bool:
    return positive_float(value) and value > 1


@dataclasses.dataclass(frozen=True)
class _Axes:
    """The axes of a sweep (not cell fields, or not shared by every cell), declared like the
    settings."""

    tasks: tuple[str, ...] = setting(dataclasses.MISSING, "names", None, "registered task keys",
                                     "tasks to run, comma-separated")
    models: tuple[str, ...] = setting(
        dataclasses.MISSING, "names", None, "registered model keys",
        "models to run, comma-separated; variants as key:option=value")
    lengths: tuple[int, ...] = setting(dataclasses.MISSING, "ints", positive_int,
                                       "positive integers", "sequence lengths, comma-separated")
    seeds: int = setting(3, "int", positive_int, "a positive integer",
                         "number of evaluation seeds (first_seed .. first_seed + n - 1)")
    first_seed: int = setting(0, "int", nonneg_int, "a non-negative integer",
                              "the first evaluation seed: a replication on a disjoint seed "
                              "set starts where the other ends")
    lr_grid: tuple[float, ...] = setting(
        (), "floats", learning_rate, "positive numbers up to 10",
        "learning rates to choose from per (task, model, length) on a validation set, "
        "comma-separated (empty: use --lr)")
    tune_seeds: int = setting(2, "int", positive_int, "a positive integer",
                              "seeds per learning rate when choosing it (with --lr-grid)")
    search: str = setting("grid", "str", lambda v: v in SEARCHES,
                          "one of: " + ", ".join(SEARCHES),
                          "grid: every length of --lengths; horizon: per (task, model), climb "
                          "from the shortest length to the longest while the median seed "
                          "solves, then bisect its bracket")
    growth: float = setting(2.0, "float", _greater_than_one, "a number > 1",
                            "horizon search: the climb's factor between lengths")
    resolution: float = setting(1.25, "float", _greater_than_one, "a number > 1",
                                "horizon search: bisect until failed / solved length <= this")
    lr_extend: bool = setting(True, "bool", is_bool, "true or false",
                              "when the rate chosen on validation is the smallest or largest "
                              "of --lr-grid, tune one more rate beyond it (the grid's own step) "
                              "before accepting it (false: accept it, flagged)")
    match_params: int = setting(0, "int", nonneg_int, "a non-negative integer",
                                "give every (task, model) the hidden size whose model has "
                                "about this many parameters (0: --hidden-size for all)")
    scale: tuple[tuple[str, tuple[int, ...]], ...] = setting(
        (), "scale", None, "a table of key = list of integers",
        "a budget sweep, repeatable: KEY=V1,V2,... for steps, hidden_size, layers, batch_size "
        "or train_size; each key varies alone through the grid as given (which always runs), "
        "every point an ordinary set of cells in this run folder")
    scale_cross: tuple[str, ...] = setting(
        (), "keys", None, "scaled keys",
        "scaled keys to cross with each other instead of varying alone, comma-separated "
        "(e.g. hidden_size,layers: a width x depth map)")


@dataclasses.dataclass(frozen=True)
class Grid(Settings, _Axes):
    """A sweep: its axes, every setting its cells share, task parameters and a description;
    ``cells()`` is the cross product of the axes, in a fixed order. Every value is checked on
    construction (a one-line UsageError naming it)."""

    task_params: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        for name, spec in GRID_FIELDS.items():
            check_value(name, getattr(self, name), spec)
        if self.first_seed + self.seeds > TUNE_SEED_OFFSET:
            raise UsageError(f"first_seed + seeds = {self.first_seed + self.seeds} reaches the "
                             f"tuning seeds ({TUNE_SEED_OFFSET} on); evaluation seeds must stay "
                             f"below {TUNE_SEED_OFFSET}")
        if self.search == "horizon" and len(self.lengths) > 1:
            low, high = min(self.lengths), max(self.lengths)
            climb = math.ceil(math.log(high / low) / math.log(self.growth)) if high > low else 0
            if climb > MAX_CLIMB:
                raise UsageError(f"growth={self.growth!r} would climb {climb} lengths from {low} "
                                 f"to {high}; at most {MAX_CLIMB} (choose a larger growth)")
        for key in self.tasks:
            TASKS.entry(key)
        canonical = tuple(check_spec(spec) for spec in self.models)
        if len(set(canonical)) != len(canonical):
            raise UsageError(f"models={list(self.models)!r} names a variant twice")
        object.__setattr__(self, "models", canonical)  # one spelling per variant
        for key, params in self.task_params:
            if key not in TASKS:
                raise UsageError(f"task_params names unknown task {key!r}; "
                                 f"known: {', '.join(sorted(TASKS.keys()))}")
            get_task(key, **dict(params))  # validates the parameter values
        for key in self.tasks:
            for length in self.lengths:
                get_task(key, **self.params_of(key)).check_seq_len(length)
        check_sweep(self)
        for _, point in points(self)[1:]:  # (the anchor is this grid, checked above)
            check_fits(point)
        check_fits(self)

    def params_of(self, task: str) -> dict[str, Any]:
        return dict(dict(self.task_params).get(task, ()))

    def settings(self) -> dict[str, Any]:
        """The values every cell of this grid shares."""
        return {name: getattr(self, name) for name in SETTINGS}

    def cell(self, task: str, model: str, length: int, seed: int, **changes: Any) -> Cell:
        """One cell of this grid (``changes``: e.g. its own lr, or validation scoring); with
        ``match_params`` its hidden size is the one that matches the parameter count."""
        params = tuple(sorted(self.params_of(task).items()))
        if self.match_params:
            from benchmark.run.param_match import matched_hidden  # builds models: only when asked

            changes = {"hidden_size": matched_hidden(task, params, model, length,
                                                     self.match_params), **changes}
        return Cell(task=task, model=model, seq_len=length, seed=seed, task_params=params,
                    **{**self.settings(), **changes})

    def cells(self, chosen_lr: dict[tuple[str, str, int], float] | None = None) -> list[Cell]:
        """The evaluation cells; with ``chosen_lr`` each (task, model, seq_len) at its own
        learning rate (the outcome of ``tuning_cells``), else all at ``lr``."""
        return [
            self.cell(task, model, length, seed,
                      lr=chosen_lr[(task, model, length)] if chosen_lr else self.lr)
            for task in self.tasks for length in self.lengths
            for seed in self.seed_numbers() for model in self.models
        ]

    def seed_numbers(self) -> range:
        """The evaluation seeds."""
        return range(self.first_seed, self.first_seed + self.seeds)

    def tuning_cells(self) -> list[Cell]:
        """Every learning rate of ``lr_grid`` on its own tuning seeds (chosen on validation)."""
        return [
            self.cell(task, model, length, TUNE_SEED_OFFSET + seed, lr=lr)
            for task in self.tasks for length in self.lengths for lr in self.lr_grid
            for seed in range(self.tune_seeds) for model in self.models
        ]

    def n_cells(self) -> tuple[int, int]:
        """(evaluation cells, tuning cells), counted without building them."""
        per_length = len(self.tasks) * len(self.models) * len(self.lengths)
        return per_length * self.seeds, per_length * len(self.lr_grid) * self.tune_seeds

    def to_dict(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        record["task_params"] = {k: dict(v) for k, v in self.task_params}
        for name, spec in GRID_FIELDS.items():  # every list setting, as JSON holds it
            record[name] = recorded(spec, record[name])
        return record

    @classmethod
    def from_dict(cls, record: dict[str, Any], source: str = "") -> Grid:
        """Build a grid from a preset-shaped dict, validating every key and type."""
        where = f" in {source}" if source else ""
        known = set(GRID_FIELDS) | {"task_params", "description"}
        for key in record:
            if key not in known:
                raise UsageError(f"unknown key {key!r}{where}; known: {', '.join(sorted(known))}")
        values: dict[str, Any] = {}
        for name, value in record.items():
            if name in GRID_FIELDS:
                values[name] = check_value(name, value, GRID_FIELDS[name], where)
        for name in ("tasks", "models", "lengths"):
            if name not in record:
                raise UsageError(f"missing key {name!r}{where}")
        params = record.get("task_params", {})
        if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
            raise UsageError(f"task_params{where} must be a table of tables, "
                             "e.g. [task_params.noisy_sine]")
        values["task_params"] = tuple(sorted((k, tuple(sorted(v.items())))
                                             for k, v in params.items()))
        description = record.get("description", "")
        if not isinstance(description, str):
            raise UsageError(f"description{where} must be a string")
        return cls(description=description, **values)


# Every field a grid is configured by (axes, then settings): flags, preset keys, checks.
GRID_FIELDS: dict[str, Spec] = {f.name: f.metadata["spec"] for f in dataclasses.fields(Grid)
                                if "spec" in f.metadata}
AXES = {name: spec for name, spec in GRID_FIELDS.items() if name not in SETTINGS}
LIST_KINDS = ("names", "keys", "ints", "floats")  # settings held as tuples, recorded as lists


def recorded(spec: Spec, value: Any) -> Any:
    """A grid value as run.json and a preset hold it: lists for tuples, a table for a scale."""
    if spec.kind == "scale":
        return {key: list(values) for key, values in value}
    return list(value) if spec.kind in LIST_KINDS else value


def same_grid(stored: dict, grid: Grid) -> bool:
    """Whether a run folder's recorded grid is ``grid``: a setting the record lacks (declared
    after the run was made) counts as at its default, so adding a setting never strands a run."""
    current = grid.to_dict()
    defaults = {f.name: recorded(GRID_FIELDS[f.name], f.default)
                if f.name in GRID_FIELDS and f.default is not dataclasses.MISSING
                else f.default for f in dataclasses.fields(Grid)}  # (as to_dict records them)
    if not set(stored) <= set(current):
        return False
    return all(stored[k] == current[k] if k in stored else current[k] == defaults[k]
               for k in current)
