"""What to run: ``Cell`` (one experiment), ``Grid`` (the cross product of axes) and presets.

A preset is a TOML file (shipped ones live in ``benchmark/presets/``) whose keys are exactly the
Grid fields below; the CLI overrides any of them. Every value is validated here, once, so bad
input fails before anything runs, with a message naming the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import tomllib
from pathlib import Path
from typing import Any

from benchmark.errors import UsageError

PRESET_DIR = Path(__file__).parent / "presets"


def stable_hash(*parts: Any, length: int = 16) -> str:
    """A hash of JSON-serialisable parts that is the same in every process (unlike hash())."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]


@dataclasses.dataclass(frozen=True)
class Cell:
    """One experiment: one model trained on one task at one length with one seed."""

    task: str
    model: str
    seq_len: int
    seed: int
    task_params: tuple[tuple[str, Any], ...] = ()
    hidden_size: int = 64
    batch_size: int = 64
    steps: int = 1000
    lr: float = 1e-3
    clip: float = 1.0  # max global gradient norm; 0 disables clipping
    eval_every: int = 50  # test-set evaluation (and early-stop check) cadence, in steps
    test_size: int = 1000
    grad_every: int = 10  # cadence of the per-step gradient-norm log; 0 turns tracking off
    probe_size: int = 64  # batch used for the through-time gradient profile
    device: str = "cpu"
    # "test": the held-out test set; "validation": a third, independent set, used to choose a
    # learning rate without touching the test set
    evaluate_on: str = "test"
    train_size: int = 0  # 0: online data (a fresh batch every step); n: a fixed set of n samples
    early_stop: bool = True  # stop at the first evaluation that meets the success rule

    @property
    def id(self) -> str:
        return stable_hash(dataclasses.asdict(self))

    @property
    def data_seed(self) -> int:
        # Not the model: every model of a (task, length, seed) sees the same batches and test set.
        return int(stable_hash("data", self.task, self.task_params, self.seq_len, self.seed), 16)

    @property
    def model_seed(self) -> int:
        # Not the model either: nn.LSTM and the scratch LSTM start from identical weights.
        return int(stable_hash("model", self.task, self.seq_len, self.seed), 16) % 2**63

    def keys(self) -> dict[str, Any]:
        """The columns that identify a cell in every long table."""
        return {"task": self.task, "model": self.model, "seq_len": self.seq_len,
                "seed": self.seed}

    def to_dict(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        record["task_params"] = dict(self.task_params)
        return record

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Cell:
        record = dict(record)
        record["task_params"] = tuple(sorted(record.get("task_params", {}).items()))
        return cls(**record)


# --- grid fields: one table drives preset validation, CLI flags and help texts -------------

def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _positive_float(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0)


def _bool(value: Any) -> bool:
    return isinstance(value, bool)


def _nonneg_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _nonneg_float(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


@dataclasses.dataclass(frozen=True)
class Field:
    kind: str  # "names", "ints", "int", "float", "str"
    check: Any
    rule: str
    help: str


GRID_FIELDS: dict[str, Field] = {
    "tasks": Field("names", None, "registered task keys", "tasks to run, comma-separated"),
    "models": Field("names", None, "registered model keys",
                    "models to run, comma-separated; variants as key:option=value"),
    "lengths": Field("ints", _positive_int, "positive integers",
                     "sequence lengths, comma-separated"),
    "seeds": Field("int", _positive_int, "a positive integer", "number of seeds (0..n-1)"),
    "steps": Field("int", _positive_int, "a positive integer", "training steps per cell"),
    "hidden_size": Field("int", _positive_int, "a positive integer", "hidden units"),
    "batch_size": Field("int", _positive_int, "a positive integer", "training batch size"),
    "lr": Field("float", _positive_float, "a positive number", "Adam learning rate"),
    "clip": Field("float", _nonneg_float, "a number >= 0 (0: no clipping)",
                  "gradient-norm clipping threshold"),
    "eval_every": Field("int", _positive_int, "a positive integer",
                        "evaluate on the test set every this many steps"),
    "test_size": Field("int", _positive_int, "a positive integer", "held-out test samples"),
    "grad_every": Field("int", _nonneg_int, "an integer >= 0 (0: no gradient tracking)",
                        "log gradient norms every this many steps (0: tracking off)"),
    "probe_size": Field("int", _positive_int, "a positive integer",
                        "samples in the through-time gradient probe"),
    "device": Field("str", lambda v: isinstance(v, str) and v in ("cpu", "cuda"),
                    "'cpu' or 'cuda'", "torch device"),
    "train_size": Field("int", _nonneg_int, "an integer >= 0 (0: online data)",
                        "a fixed training set of this many samples, reshuffled every epoch "
                        "(0: a fresh batch every step)"),
    "early_stop": Field("bool", _bool, "true or false",
                        "stop a cell once it meets the task's success rule (true/false)"),
    "lr_grid": Field("floats", _positive_float, "positive numbers",
                     "learning rates to choose from per (task, model, length) on a validation "
                     "set, comma-separated (empty: use --lr)"),
    "tune_seeds": Field("int", _positive_int, "a positive integer",
                        "seeds per learning rate when choosing it (with --lr-grid)"),
}
TUNE_SEED_OFFSET = 1000  # tuning seeds are 1000, 1001, ...: their data never equals an
                         # evaluation seed's


@dataclasses.dataclass(frozen=True)
class Grid:
    """The axes of a sweep; ``cells()`` is their cross product, in a fixed order."""

    tasks: tuple[str, ...]
    models: tuple[str, ...]
    lengths: tuple[int, ...]
    seeds: int = 3
    steps: int = 1000
    hidden_size: int = 64
    batch_size: int = 64
    lr: float = 1e-3
    clip: float = 1.0
    eval_every: int = 50
    test_size: int = 1000
    grad_every: int = 10
    probe_size: int = 64
    device: str = "cpu"
    lr_grid: tuple[float, ...] = ()
    tune_seeds: int = 2
    train_size: int = 0
    early_stop: bool = True
    task_params: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        from models import check_spec
        from tasks import TASKS, get_task

        for name, spec in GRID_FIELDS.items():
            _check_value(name, getattr(self, name), spec, "")
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

    def _shared(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in
                ("hidden_size", "batch_size", "steps", "clip", "eval_every", "test_size",
                 "grad_every", "probe_size", "device", "train_size", "early_stop")}

    def cells(self, chosen_lr: dict[tuple[str, str, int], float] | None = None) -> list[Cell]:
        """The evaluation cells; with ``chosen_lr`` each (task, model, seq_len) at its own
        learning rate (the outcome of ``tuning_cells``), else all at ``lr``."""
        return [
            Cell(task=task, model=model, seq_len=length, seed=seed,
                 task_params=tuple(sorted(self.params_of(task).items())),
                 lr=chosen_lr[(task, model, length)] if chosen_lr else self.lr, **self._shared())
            for task in self.tasks for length in self.lengths
            for seed in range(self.seeds) for model in self.models
        ]

    def tuning_cells(self) -> list[Cell]:
        """Every learning rate of ``lr_grid`` on its own tuning seeds, scored on validation."""
        return [
            Cell(task=task, model=model, seq_len=length, seed=TUNE_SEED_OFFSET + seed,
                 task_params=tuple(sorted(self.params_of(task).items())), lr=lr,
                 evaluate_on="validation", **self._shared())
            for task in self.tasks for length in self.lengths for lr in self.lr_grid
            for seed in range(self.tune_seeds) for model in self.models
        ]

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
                values[name] = _check_value(name, value, GRID_FIELDS[name], where)
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


def _check_value(name: str, value: Any, spec: Field, where: str) -> Any:
    def bad() -> UsageError:
        return UsageError(f"{name}={value!r}{where} is invalid; it must be {spec.rule}")

    if spec.kind == "floats":
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise UsageError(f"{name}={value!r}{where} is invalid; it must be a list of "
                             f"{spec.rule}")
        value = [float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                 for v in value]
        if not all(spec.check(v) for v in value) or len(set(value)) != len(value):
            raise UsageError(f"{name}={list(value)!r}{where} is invalid; it must be distinct "
                             f"{spec.rule}")
        return tuple(value)
    if spec.kind in ("names", "ints"):
        if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
            raise UsageError(f"{name}={value!r}{where} is invalid; it must be a non-empty list "
                             f"of {spec.rule}")
        if spec.kind == "names" and not all(isinstance(v, str) for v in value):
            raise bad()
        if spec.kind == "ints" and not all(spec.check(v) for v in value):
            raise bad()
        if len(set(value)) != len(value):
            raise UsageError(f"{name}={list(value)!r}{where} has duplicates")
        return tuple(value)
    if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not spec.check(value):
        raise bad()
    return value


# --- presets ---------------------------------------------------------------------------------

def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def preset_path(name_or_path: str) -> Path:
    """A shipped preset's name, or the path of a user's TOML file of the same form."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise UsageError(f"preset file {name_or_path!r} does not exist")
        return path
    if name_or_path not in preset_names():
        raise UsageError(f"unknown preset {name_or_path!r}; known: {', '.join(preset_names())} "
                         "(or the path of a .toml file)")
    return PRESET_DIR / f"{name_or_path}.toml"


def load_preset(name_or_path: str) -> dict[str, Any]:
    path = preset_path(name_or_path)
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"preset file {path} is not valid TOML: {err}") from None


def load_grid(name_or_path: str, overrides: dict[str, Any] | None = None) -> Grid:
    record = load_preset(name_or_path)
    record.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return Grid.from_dict(record, source=str(preset_path(name_or_path)))
