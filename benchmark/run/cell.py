"""One experiment: ``Cell``, the ``Settings`` every cell carries (and a grid shares), and the
cell's stable id, the unit a run resumes by.

Each setting is declared once, as a ``setting`` field of ``Settings``, with its default, its
check and its help: the Grid field, the CLI flag, the preset key, the validation and the
report's grid lines all derive from it. A cell's id hashes its fields (``ID_FIELDS_V1``: a
setting added later enters the id only away from its default, so stored runs keep resuming).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import json
from typing import Any

from benchmark.run.fields import (
    is_bool,
    learning_rate,
    nonneg_float,
    nonneg_int,
    positive_float,
    positive_int,
    setting,
)

CELL_KEYS = ["task", "model", "seq_len", "seed"]  # a cell's columns in every long table


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
    lr: float = setting(1e-3, "float", learning_rate, "a positive number up to 10",
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
    extrapolate: tuple[float, ...] = setting(
        (), "floats", lambda r: positive_float(r) and 1 < r <= 64,
        "numbers above 1, at most 64",
        "after training, also score the test rule at these multiples of T on fresh data "
        "(recorded with the cell; no decision reads them)")
    lyapunov: int = setting(
        0, "int", lambda k: isinstance(k, int) and not isinstance(k, bool) and 0 <= k <= 64,
        "an integer from 0 to 64 (0: off)",
        "the top k Lyapunov exponents of the state map on probe inputs, at initialisation, "
        "midway and the end (0: off)")
    stop_margin: float = setting(
        1.0, "float", lambda v: positive_float(v) and v <= 1, "a number in (0, 1]",
        "early stop only once validation lies this share of the way from the noise floor to "
        "the success threshold (1: at the first crossing; 0.5: halfway below it)")


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
            elif kind.startswith("tuple"):  # a CSV cell holds the tuple's text, "(2.0, 4.0)"
                value = ast.literal_eval(value) if isinstance(value, str) else value
                value = tuple(float(v) for v in value) if not isinstance(value, float) else ()
            elif kind in ("int", "float", "str"):
                value = {"int": int, "float": float, "str": str}[kind](value)
            elif kind == "bool":
                value = value if isinstance(value, bool) else str(value).lower() == "true"
            record[field.name] = value
        return cls.from_dict(record)
