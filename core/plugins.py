"""Plug-ins from outside the repository: ``module.path:Attribute`` import paths (the convention
of uvicorn, Celery and setuptools entry points) and installed packages' entry points.

Only finding and importing lives here; what a plug-in must provide is checked by the registry
that takes it (models/plugins.py, tasks/plugins.py), with a one-line error naming what is
missing.
"""

from __future__ import annotations

import importlib
import sys
from importlib.metadata import entry_points
from typing import Any

from core.errors import UsageError


def is_import_path(key: str) -> bool:
    """``"mypkg.cells:MyCell"``: a module path, a colon and an attribute (registered keys
    contain neither dots nor colons)."""
    module, sep, attribute = key.partition(":")
    return bool(sep and module and attribute and "=" not in attribute
                and all(part.isidentifier() for part in module.split(".")))


def load_object(path: str, kind: str) -> Any:
    """The object an import path names, or a UsageError saying which part is missing."""
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise UsageError(f"{kind} plug-in {path!r}: cannot import {module_name!r} ({err}); "
                         "is it installed or on PYTHONPATH?") from None
    except Exception as err:  # noqa: BLE001  (a syntax error or a raise in the module itself)
        raise UsageError(f"{kind} plug-in {path!r}: importing {module_name!r} failed: "
                         f"{type(err).__name__}: {err}") from None
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise UsageError(f"{kind} plug-in {path!r}: module {module_name!r} has no "
                             f"attribute {attribute!r}")
        target = getattr(target, part)
    return target


def accept_plugins(registry, kind: str, group: str, register_plugin) -> None:
    """Let ``registry`` take plug-ins: an unknown import-path key is imported, checked and
    registered by ``register_plugin(key, obj)`` on first use (in every process that meets
    it), and the entry points installed in ``group`` are registered now under their names."""
    def resolve_missing(key: str) -> bool:
        if not is_import_path(key):
            return False
        register_plugin(key, load_object(key, kind))
        return True

    registry.resolve_missing = resolve_missing
    for point in entry_points(group=group):
        if point.name in registry.keys():
            continue
        try:  # a broken third-party package must not stop the tool: one line, then on
            register_plugin(point.name, point.load())
        except Exception as err:  # noqa: BLE001
            print(f"longdep: warning: entry point {point.name!r} of {group} ({point.value}) "
                  f"skipped: {type(err).__name__}: {err}", file=sys.stderr)


