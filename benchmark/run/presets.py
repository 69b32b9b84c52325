"""Presets: TOML files whose keys are exactly the Grid fields (shipped ones live in
``benchmark/presets/``; a user's own file of the same form works the same way)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from benchmark.run.config import GRID_FIELDS, Grid
from benchmark.run.fields import check_value
from core.errors import UsageError

PRESET_DIR = Path(__file__).parent.parent / "presets"  # benchmark/presets/*.toml


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def preset_path(name_or_path: str) -> Path:
    """A shipped preset's name, or the path of a user's TOML file of the same form."""
    path = Path(name_or_path)
    if path.is_dir():
        raise UsageError(f"preset {name_or_path!r} is a folder; give a .toml file or one of: "
                         f"{', '.join(preset_names())}")
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
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"preset file {path} is not UTF-8 text") from None
    except OSError as err:
        raise UsageError(f"preset file {path} cannot be read ({err.strerror})") from None
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"preset file {path} is not valid TOML: {err}") from None


def load_grid(name_or_path: str, overrides: dict[str, Any] | None = None) -> Grid:
    """The preset's grid with ``overrides`` (from flags) on top; a bad flag value is named as
    the flag, a bad preset value with its file."""
    record = load_preset(name_or_path)
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    for name, value in overrides.items():
        if name in GRID_FIELDS:
            check_value(name, value, GRID_FIELDS[name], f" (--{name.replace('_', '-')})")
    record.update(overrides)
    return Grid.from_dict(record, source=str(preset_path(name_or_path)))
