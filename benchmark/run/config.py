"""What to run: ``Cell`` (one experiment) and ``Grid`` (the cross product of axes).

The hyperparameters a cell shares with its grid are declared once, as ``setting`` fields of
``Cell``; ``Grid`` takes them over with the same defaults, and the CLI flags, preset keys and the
report's grid lines are derived from the same declarations (``GRID_FIELDS``). Every value is
validated here, once, so bad input fails before anything runs, with a message naming the value
and what is allowed.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from typing import Any

from benchmark.run.fields import (
    Spec,
    check_value,
    is_bool,
    nonneg_float,
    nonneg_int,
    positive_float,
    positive_int,
    setting,
)
from core.errors import UsageError
from models import check_spec
from tasks import TASKS, get_task


def stable_hash(*parts: Any, length: int = 16) -> str:
    """A hash of JSON-serialisable parts that is the same in every process (unlike hash())."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]


@dataclasses.dataclass(frozen=True)
class Settings:
    """The hyperparameters every cell carries and a grid shares, each declared once: its
    default, its check and its help drive the Grid field, the CLI flag, the preset key, the
    validation and the report's grid lines."""

    steps: int = setting(1000, "int", positive_int, "a positive integer",
                         "training steps per cell", headline=True)
    hidden_size: int = setting(64, "int", positive_int, "a positive integer", "hidden units",
                               headline=True)
    batch_size: int = setting(64, "int", positive_int, "a positive integer",
                              "training batch size", headline=True)
    lr: float = setting(1e-3, "float", positive_float, "a positive number",
                        "Adam learning rate", headline=True)
    clip: float = setting(1.0, "float", nonneg_float, "a number >= 0 (0: no clipping)",
                          "max global gradient norm (0: no clipping)", headline=True)
    eval_every: int = setting(50, "int", positive_int, "a positive integer",
                              "evaluate (and check the early stop) every this many steps",
                              headline=True)
    test_size: int = setting(1000, "int", positive_int, "a positive integer",
                             "held-out test samples, scored once at the end", headline=True)
    validation_size: int = setting(1000, "int", positive_int, "a positive integer",
                                   "validation samples: every stop and choice is made on them",
                                   headline=True)
    device: str = setting("cpu", "str", lambda v: isinstance(v, str) and v in ("cpu", "cuda"),
                          "'cpu' or 'cuda'", "torch device", headline=True)
    grad_every: int = setting(10, "int", nonneg_int, "an integer >= 0 (0: no gradient tracking)",
                              "log gradient norms every this many steps (0: tracking off)")
    probe_size: int = setting(64, "int", positive_int, "a positive integer",
                              "samples in the through-time gradient probe")
    train_size: int = setting(0, "int", nonneg_int, "an integer >= 0 (0: online data)",
                              "a fixed training set of this many samples, reshuffled every "
                              "epoch (0: a fresh batch every step)")
    early_stop: bool = setting(True, "bool", is_bool, "true or false",
                               "stop a cell once it meets the task's success rule (true/false)")



@dataclasses.dataclass(frozen=True)
class _CellKeys:
    task: str
    model: str
    seq_len: int
    seed: int
    task_params: tuple[tuple[str, Any], ...] = ()


# The fields every cell id hashed when ids were introduced: hashed whatever their value, so the
# ids of every stored run (the committed references included) never change. A field declared
# after them enters the id only where it differs from its declared default, so adding a
# setting with a default leaves every existing id unchanged, and the old cells resume.
ID_FIELDS_V1 = ("task", "model", "seq_len", "seed", "task_params", "steps", "hidden_size",
                "batch_size", "lr", "clip", "eval_every", "test_size", "validation_size",
                "device", "grad_every", "probe_size", "train_size", "early_stop")


@functools.cache
def _defaults(cls: type) -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(cls)}


@dataclasses.dataclass(frozen=True)
class Cell(Settings, _CellKeys):
    """One experiment: one model trained on one task at one length with one seed (its keys
    first, then every setting)."""

    @property
    def id(self) -> str:
        """A stable hash of the fields (see ID_FIELDS_V1 for which enter it)."""
        defaults = _defaults(type(self))
        return stable_hash({name: value for name, value in dataclasses.asdict(self).items()
                            if name in ID_FIELDS_V1 or value != defaults[name]})

    @property
    def data_seed(self) -> int:
        # Not the model: every model of a (task, length, seed) sees the same batches and test set.
        return int(stable_hash("data", self.task, self.task_params, self.seq_len, self.seed), 16)

    @property
    def model_seed(self) -> int:
        # Not the model either: nn.LSTM and the scratch LSTM start from identical weights.
        return int(stable_hash("model", self.task, self.seq_len, self.seed), 16) % 2**63

    def keys(self) -> dict[str, Any]:
        """The columns that identify a cell in every long table (``CELL_KEYS``)."""
        return {name: getattr(self, name) for name in CELL_KEYS}

    def to_dict(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        record["task_params"] = dict(self.task_params)
        return record

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Cell:
        record = dict(record)
        record["task_params"] = tuple(sorted(record.get("task_params", {}).items()))
        return cls(**record)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Cell:
        """The cell of a summary.csv row (other columns ignored, types restored; a setting
        the row lacks takes its default)."""
        record = {}
        for field in dataclasses.fields(cls):
            if field.name not in row:
                continue
            value = row[field.name]
            kind = str(field.type)
            if field.name == "task_params":
                value = json.loads(value) if isinstance(value, str) else dict(value)
            elif kind in ("int", "float", "str"):
                value = {"int": int, "float": float, "str": str}[kind](value)
            elif kind == "bool":
                value = value if isinstance(value, bool) else str(value).lower() == "true"
            record[field.name] = value
        return cls.from_dict(record)


CELL_KEYS = ["task", "model", "seq_len", "seed"]
SEARCHES = ("grid", "horizon")
# The settings every cell of a grid shares, in declaration order.
SETTINGS: dict[str, dataclasses.Field] = {f.name: f for f in dataclasses.fields(Settings)}
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
                         "number of seeds (0..n-1)")
    lr_grid: tuple[float, ...] = setting(
        (), "floats", positive_float, "positive numbers",
        "learning rates to choose from per (task, model, length) on a validation set, "
        "comma-separated (empty: use --lr)")
    tune_seeds: int = setting(2, "int", positive_int, "a positive integer",
                              "seeds per learning rate when choosing it (with --lr-grid)")
    search: str = setting("grid", "str", lambda v: v in SEARCHES,
                          "one of: " + ", ".join(SEARCHES),
                          "grid: every length of --lengths; horizon: per (task, model), climb "
                          "from the shortest length to the longest, confirm the first failure, "
                          "bisect")
    growth: float = setting(2.0, "float", _greater_than_one, "a number > 1",
                            "horizon search: the climb's factor between lengths")
    resolution: float = setting(1.25, "float", _greater_than_one, "a number > 1",
                                "horizon search: bisect until failed / solved length <= this")
    match_params: int = setting(0, "int", nonneg_int, "a non-negative integer",
                                "give every (task, model) the hidden size whose model has "
                                "about this many parameters (0: --hidden-size for all)")


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
            for seed in range(self.seeds) for model in self.models
        ]

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
        for name in ("tasks", "models", "lengths", "lr_grid"):
            record[name] = list(record[name])
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


def same_grid(stored: dict, grid: Grid) -> bool:
    """Whether a run folder's recorded grid is ``grid``: a setting the record lacks (declared
    after the run was made) counts as at its default, so adding a setting never strands a run."""
    current = grid.to_dict()
    defaults = {f.name: f.default for f in dataclasses.fields(Grid)}
    if not set(stored) <= set(current):
        return False
    return all(stored[k] == current[k] if k in stored else current[k] == defaults[k]
               for k in current)
