"""The results folder of one run, ``results/<run>/``, and loading it into DataFrames.

    run.json              the grid, library versions, git commit, machine, start/end times
    cells/<cell-id>.npz   one finished cell (the resume unit): summary, curve, gradient records
    summary.csv           one row per cell
    curves.parquet        long: task, model, seq_len, seed, step, metric, value
    gradients.parquet     long: task, model, seq_len, seed, step, kind, t, value

Every file is written to a temporary name and ``os.replace``d, so a killed run leaves only
whole files. Only the process that owns the folder writes to it (workers return plain data).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.config import Cell
from benchmark.schema import CURVE_COLUMNS, GRADIENT_COLUMNS, KEYS
from core.errors import UsageError


class CorruptCellFile(Exception):
    """A cell file that cannot be read back (truncated, not an npz, missing fields)."""


def atomic_write(path: Path, write) -> None:
    """Call ``write(file_object)`` on a temporary file beside ``path``, then rename it over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are meant to be shared and read
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda handle: handle.write(text.encode()))


class RunStore:
    """Reads and writes one run folder."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.cells_dir = self.root / "cells"

    # --- locking --------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the folder; a second writer is refused, not queued.
        The kernel drops the lock when the process dies, so a killed run never leaves it stale."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UsageError(f"{self.root} is in use by another run; wait for it to finish "
                                 "or choose another --out") from None
            yield

    # --- run metadata ---------------------------------------------------------------------
    def read_run(self) -> dict | None:
        path = self.root / "run.json"
        return json.loads(path.read_text()) if path.exists() else None

    def write_run(self, record: dict) -> None:
        atomic_write_text(self.root / "run.json", json.dumps(record, indent=2, sort_keys=True))

    # --- cells ----------------------------------------------------------------------------
    def cell_path(self, cell: Cell) -> Path:
        return self.cells_dir / f"{cell.id}.npz"

    def write_cell(self, result) -> None:
        arrays = {"summary": np.array(json.dumps(result.summary, default=_json_default))}
        arrays.update({f"curve_{k}": v for k, v in result.curve.items()})
        arrays.update({f"grad_{k}": v for k, v in result.gradients.items()})
        atomic_write(self.cell_path(result.cell), lambda handle: np.savez_compressed(handle,
                                                                                     **arrays))

    def read_cell(self, path: Path) -> dict:
        """The stored record of one cell: {"summary": dict, "curve": {...}, "gradients": {...}}."""
        try:
            with np.load(path, allow_pickle=False) as data:
                record = {
                    "summary": json.loads(str(data["summary"])),
                    "curve": {k[6:]: data[k] for k in data.files if k.startswith("curve_")},
                    "gradients": {k[5:]: data[k] for k in data.files if k.startswith("grad_")},
                }
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            raise CorruptCellFile(f"{path}: {err}") from None
        if set(record["curve"]) != set(CURVE_COLUMNS) or \
                set(record["gradients"]) != set(GRADIENT_COLUMNS):
            raise CorruptCellFile(f"{path}: missing columns")
        return record

    def remove_partial_writes(self) -> int:
        """Delete temporary files left by a killed writer (call only while holding the lock)."""
        partial = list(self.root.glob(".*.tmp")) + list(self.cells_dir.glob(".*.tmp"))
        for path in partial:
            path.unlink(missing_ok=True)
        return len(partial)

    # --- tables ---------------------------------------------------------------------------
    def write_tables(self, cells: list[Cell], prefix: str = "") -> None:
        """Build summary.csv, curves.parquet and gradients.parquet from the given cells' files
        (``prefix`` names another set, e.g. ``tuning_summary.csv`` for learning-rate tuning)."""
        summaries, curves, grads = [], [], []
        for cell in cells:
            path = self.cell_path(cell)
            if not path.exists():
                continue
            record = self.read_cell(path)
            summaries.append(record["summary"])
            keys = cell.keys()
            curves.append(_long_frame(keys, record["curve"]))
            grads.append(_long_frame(keys, record["gradients"]))
        if not summaries:
            return
        summary = pd.DataFrame(summaries)
        summary["task_params"] = summary["task_params"].map(lambda p: json.dumps(p,
                                                                                sort_keys=True))
        summary = summary.sort_values(KEYS, kind="stable").reset_index(drop=True)
        atomic_write(self.root / f"{prefix}summary.csv", lambda h: summary.to_csv(h, index=False))
        if prefix:
            return  # tuning cells: their summary is what the selection and the report need
        for name, frames in (("curves", curves), ("gradients", grads)):
            table = pd.concat(frames, ignore_index=True)
            for column in ("task", "model", "metric", "kind"):
                if column in table:
                    table[column] = table[column].astype("category")
            atomic_write(self.root / f"{name}.parquet",
                         lambda h, t=table: t.to_parquet(h, compression="zstd", index=False))

    def load_summary(self, prefix: str = "") -> pd.DataFrame:
        return _read(self.root / f"{prefix}summary.csv", pd.read_csv)

    def load_curves(self) -> pd.DataFrame:
        return _read(self.root / "curves.parquet", pd.read_parquet)

    def load_gradients(self, **filters) -> pd.DataFrame:
        """The gradient table, optionally filtered on equality of columns (e.g. kind="global")."""
        spec = [(k, "==", v) for k, v in filters.items()] or None
        return _read(self.root / "gradients.parquet", pd.read_parquet, filters=spec)


def _read(path: Path, reader, **kwargs) -> pd.DataFrame:
    if not path.exists():
        raise UsageError(f"{path} does not exist; is {path.parent} a finished run folder?")
    return reader(path, **kwargs)


def _long_frame(keys: dict, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for position, (name, value) in enumerate(keys.items()):
        frame.insert(position, name, value)
    return frame


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {value!r}")
