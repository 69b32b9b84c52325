"""The results folder of one run, ``results/<run>/``, and loading it into DataFrames.

    run.json              the grid, library versions, git commit, machine, start/end times
    cells/<cell-id>.npz   one finished cell (the resume unit): summary, curve, gradient records
    summary.csv           one row per cell, as measured (``load_summary`` judges it on read)
    curves.parquet        long: task, model, seq_len, seed, step, metric, value
    gradients.parquet     long: task, model, seq_len, seed, step, kind, t, value
    scale/<point>/        a budget sweep's other points: their tables, their cells in cells/

Every file is written to a temporary name and ``os.replace``d, so a killed run leaves only
whole files. Only the process that owns the folder writes to it (workers return plain data).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.run.config import Cell
from benchmark.run.folder_lock import lock_folder
from benchmark.run.integrity import check_identity, is_partial_write
from benchmark.run.judgement import judge
from benchmark.run.scale import SCALE_DIR
from benchmark.run.schema import (
    CHECKSUM,
    CURVE_COLUMNS,
    GRADIENT_COLUMNS,
    KEYS,
    CorruptCellFile,
)
from core.errors import UsageError

REPORT_STAGING = ".report.tmp"  # where a report is written before it is moved into place
REQUIRED_SUMMARY = KEYS + ["status", "model_label", "final_metric", "solved", "baseline",
                           "input_length", "wall_seconds"]


def content_checksum(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of named arrays' content: names, dtypes, shapes and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


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

    def __init__(self, root: str | os.PathLike, cells_dir: str | os.PathLike | None = None):
        self.root = Path(root)
        # a budget point's tables lie in a folder of their own, its cells in the run's
        self.cells_dir = Path(cells_dir) if cells_dir is not None else self.root / "cells"

    def lock(self):
        """Hold an exclusive lock on the folder (benchmark/run/folder_lock.py)."""
        return lock_folder(self)

    # --- run metadata ---------------------------------------------------------------------
    def read_run(self) -> dict | None:
        """The run's record, None where there is none; a damaged one is a UsageError."""
        path = self.root / "run.json"
        if not path.exists():
            return None
        try:
            record = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise UsageError(f"{path} is damaged ({type(err).__name__}); restore it or start "
                             "a new --out") from None
        if not isinstance(record, dict) or "grid" not in record:
            raise UsageError(f"{path} is not the record of a longdep run")
        return record

    def write_run(self, record: dict) -> None:
        atomic_write_text(self.root / "run.json", json.dumps(record, indent=2, sort_keys=True))

    # --- cells ----------------------------------------------------------------------------
    def cell_path(self, cell: Cell) -> Path:
        return self.cells_dir / f"{cell.id}.npz"

    def write_cell(self, result) -> None:
        self.write_record(self.cell_path(result.cell), result.summary, result.curve,
                          result.gradients)

    def write_record(self, path: Path, summary: dict, curve: dict, gradients: dict) -> None:
        """One cell file: the summary, the curve and gradient columns, and their checksum."""
        arrays = {"summary": np.array(json.dumps(summary, default=_json_default))}
        arrays.update({f"curve_{k}": v for k, v in curve.items()})
        arrays.update({f"grad_{k}": v for k, v in gradients.items()})
        self._write_arrays(path, arrays)

    @staticmethod
    def _write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
        arrays = {**arrays, CHECKSUM: np.array(content_checksum(arrays))}
        atomic_write(path, lambda handle: np.savez_compressed(handle, **arrays))

    def read_cell(self, path: Path, legacy: bool = False) -> dict:
        """The stored record of one cell: {"summary": dict, "curve": {...}, "gradients": {...}}.

        Every read verifies the SHA-256 of the content against the one stored with it, so a
        damaged file is either refused (CorruptCellFile) or provably the numbers written.
        ``legacy`` accepts a file written before checksums existed (only for the upgrade, and
        only with exactly the members such a file has)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
            stored = str(arrays.pop(CHECKSUM)) if CHECKSUM in arrays else None
            expected = {"summary"} | {f"curve_{c}" for c in CURVE_COLUMNS} | \
                {f"grad_{c}" for c in GRADIENT_COLUMNS}
            if set(arrays) != expected:  # (also a damaged member name, e.g. the checksum's)
                raise CorruptCellFile(f"{path}: unexpected members {sorted(arrays)}")
            if stored is None and not legacy:
                raise CorruptCellFile(f"{path}: no checksum")
            if stored is not None and stored != content_checksum(arrays):
                raise CorruptCellFile(f"{path}: checksum mismatch")
            record = {
                "summary": json.loads(str(arrays["summary"])),
                "curve": {k[6:]: v for k, v in arrays.items() if k.startswith("curve_")},
                "gradients": {k[5:]: v for k, v in arrays.items() if k.startswith("grad_")},
            }
        except CorruptCellFile:
            raise
        except Exception as err:  # noqa: BLE001  (zlib, zip, npy header, JSON: all mean damage)
            raise CorruptCellFile(f"{path}: {type(err).__name__}: {err}") from None
        if set(record["curve"]) != set(CURVE_COLUMNS) or \
                set(record["gradients"]) != set(GRADIENT_COLUMNS) or \
                not isinstance(record["summary"], dict):
            raise CorruptCellFile(f"{path}: missing columns")
        check_identity(path, record["summary"])
        return record

    def remove_partial_writes(self) -> int:
        """Delete what a killed writer left (call only while holding the lock): temporary files
        of ``atomic_write`` (``.<name>.<8 random>.tmp`` beside a file the suite writes) and a
        killed report's staging folder. Anything else, a user's ``.notes.tmp`` included, stays."""
        folders = [self.root, self.cells_dir, *sorted(self.root.glob(f"{SCALE_DIR}/*/"))]
        partial = [p for folder in folders if folder.is_dir()  # (scale/*: a sweep's points)
                   for p in folder.iterdir() if p.is_file() and is_partial_write(p)]
        for path in partial:
            path.unlink(missing_ok=True)
        staging = self.root / REPORT_STAGING
        if staging.is_dir():
            shutil.rmtree(staging, ignore_errors=True)
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
        summary = pd.DataFrame(summaries)  # as measured: judged on read (judgement.py)
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

    def load_summary(self, prefix: str = "", raw: bool = False, round_trip: bool = False
                     ) -> pd.DataFrame:
        """A summary table as every decision and statistic reads it (``judge``: older forms
        brought up to date, the divergence rule applied); ``raw``: as measured;
        ``round_trip``: every float exactly as written (slower; for bit-for-bit checks)."""
        summary = _read(self.root / f"{prefix}summary.csv", pd.read_csv,
                        **({"float_precision": "round_trip"} if round_trip else {}))
        return summary if raw else judge(summary)

    def load_usable_summary(self) -> pd.DataFrame:
        """The summary for analysis, checked first: a damaged table, missing columns or a run
        with no usable cell (all crashed) is one UsageError, before anything is written."""
        summary = self.load_summary()
        if "status" in summary.columns and summary["status"].eq("error").all():
            raise UsageError(f"{self.root}: none of its {len(summary)} cells is usable (all "
                             "crashed); see the message column of summary.csv")
        missing = [c for c in REQUIRED_SUMMARY if c not in summary.columns]
        if missing:
            raise UsageError(f"{self.root}/summary.csv lacks columns {missing}; rerun the same "
                             "`run` command to rebuild it")
        return summary

    def load_curves(self) -> pd.DataFrame:
        return _read(self.root / "curves.parquet", pd.read_parquet)

    def load_gradients(self, **filters) -> pd.DataFrame:
        """The gradient table, optionally filtered on equality of columns (e.g. kind="global")."""
        spec = [(k, "==", v) for k, v in filters.items()] or None
        return _read(self.root / "gradients.parquet", pd.read_parquet, filters=spec)


def _read(path: Path, reader, **kwargs) -> pd.DataFrame:
    if not path.exists():
        raise UsageError(f"{path} does not exist; is {path.parent} a finished run folder?")
    try:
        return reader(path, **kwargs)
    except Exception as err:  # noqa: BLE001  (a truncated CSV or Parquet file, a bad encoding)
        raise UsageError(f"{path} is damaged ({type(err).__name__}); rerun the same `run` "
                         "command to rebuild it") from None


def _long_frame(keys: dict, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for position, (name, value) in enumerate(keys.items()):
        frame.insert(position, name, value)
    return frame


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {value!r}")
