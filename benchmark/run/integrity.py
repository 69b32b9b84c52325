"""Is a file in a run folder what it claims to be? A cell file must hold the cell its name says,
and only the suite's own unfinished writes may be cleaned up (never a user's file)."""

from __future__ import annotations

import re
from pathlib import Path

from benchmark.run.config import Cell
from benchmark.run.schema import CorruptCellFile

_PARTIAL = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp$")  # mkstemp's 8 characters
SUITE_FILES = {"run.json", "summary.csv", "tuning_summary.csv", "curves.parquet",
               "gradients.parquet", "lr_selection.csv", "search.csv"}


def is_partial_write(path: Path) -> bool:
    """Whether ``path`` is an unfinished ``atomic_write`` of a file the suite writes."""
    match = _PARTIAL.match(path.name)
    if match is None:
        return False
    name = match["name"]
    return name in SUITE_FILES if path.parent.name != "cells" \
        else re.fullmatch(r"[0-9a-f]{16}\.npz", name) is not None


def check_identity(path: Path, summary: dict) -> None:
    """A cell file holds the cell its name says: its recorded id, and the id its recorded
    settings hash to, are the file's name (two files swapped by name are caught here)."""
    path = Path(path)
    try:
        rebuilt = Cell.from_row(summary).id
    except Exception as err:  # noqa: BLE001  (a summary whose settings no longer parse)
        raise CorruptCellFile(f"{path}: its settings do not make a cell ({err})") from None
    if summary.get("cell_id", path.stem) != path.stem or rebuilt != path.stem:
        raise CorruptCellFile(f"{path}: holds cell {summary.get('cell_id', rebuilt)}, not the "
                              "one its name says")
