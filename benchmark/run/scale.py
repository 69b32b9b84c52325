"""Budget points: the grids a scaling sweep (``--scale``) runs, each an ordinary grid.

``--scale steps=1000,3000,10000 --scale hidden_size=16,32,64`` asks how each model's horizon
moves with its budget. The grid as given is the *anchor*: always run, its tables at the top
of the run folder, so every tool that reads a run reads it unchanged. Each scaled key then
varies alone through the anchor (the others held at the anchor's value); keys named in
``scale_cross`` are crossed with each other instead (a width x depth map). Every point is an
ordinary grid whose cells share the run's ``cells/`` (a cell two points both need is run
once, and a killed sweep resumes as any run does); its tables go to ``scale/<label>/``.

Depth (``layers``) is a model option, so a point at ``layers=2`` runs each model's spec with
``layers=2`` added (models/stack.py); the tables name the model it came from.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from core.checks import nonneg_int, positive_int
from core.errors import UsageError

# What a sweep may scale, and the rule of each value: the settings that size the budget.
SCALABLE: dict[str, tuple[Any, str]] = {
    "steps": (positive_int, "positive integers"),
    "hidden_size": (positive_int, "positive integers"),
    "layers": (lambda n: positive_int(n) and n <= 16, "integers from 1 to 16"),
    "batch_size": (positive_int, "positive integers"),
    "train_size": (nonneg_int, "integers >= 0"),
}
ANCHOR = ""  # the anchor's label: its tables are the run folder's own
SCALE_DIR = "scale"  # the other points' tables: <run>/scale/<label>/


def check_scale(value: Any, where: str = "") -> tuple[tuple[str, tuple[int, ...]], ...]:
    """A scale as a sorted tuple of (key, values), from a preset's table or the flags' pairs;
    a UsageError naming the bad key or value otherwise."""
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list | tuple) and all(isinstance(p, list | tuple) and len(p) == 2
                                                 for p in value):
        pairs = list(value)
    else:
        raise UsageError(f"scale={value!r}{where} is invalid; it must be a table of key = list, "
                         f"e.g. {{steps = [1000, 3000]}}")
    checked = {}
    for key, values in pairs:
        if key not in SCALABLE:
            raise UsageError(f"scale key {key!r}{where} is unknown; known: "
                             f"{', '.join(SCALABLE)}")
        check, rule = SCALABLE[key]
        if isinstance(values, str) or not isinstance(values, list | tuple) or not values or \
                not all(check(v) for v in values):
            raise UsageError(f"scale {key}={values!r}{where} is invalid; it must be a "
                             f"non-empty list of {rule}")
        if len(set(values)) != len(values):
            raise UsageError(f"scale {key}={list(values)!r}{where} has duplicates")
        if key in checked:
            raise UsageError(f"scale key {key!r}{where} is given twice")
        checked[key] = tuple(sorted(values))
    return tuple(sorted(checked.items(), key=lambda item: list(SCALABLE).index(item[0])))


def anchor_values(grid) -> dict[str, int]:
    """The anchor's value of every scalable key (layers: 1, the models as given)."""
    return {key: 1 if key == "layers" else getattr(grid, key) for key in SCALABLE}


def point_label(values: dict[str, int], anchor: dict[str, int]) -> str:
    """A point's name, its keys that differ from the anchor: ``steps=1000,layers=2``
    (the anchor's is empty)."""
    return ",".join(f"{key}={values[key]}" for key in SCALABLE if values[key] != anchor[key])


def point_values(grid) -> list[dict[str, int]]:
    """Every point of the sweep, the anchor first, each once: each key alone through the
    anchor, and the keys of ``scale_cross`` crossed with each other."""
    anchor = anchor_values(grid)
    scale = dict(grid.scale)
    points = [anchor]
    for key, values in scale.items():
        if key not in grid.scale_cross:
            points += [{**anchor, key: v} for v in values]
    crossed = [key for key in scale if key in grid.scale_cross]
    if crossed:
        for combination in itertools.product(*(scale[key] for key in crossed)):
            points.append({**anchor, **dict(zip(crossed, combination, strict=True))})
    unique = {point_label(p, anchor): p for p in reversed(points)}  # first occurrence wins
    return sorted(unique.values(), key=points.index)


def point_grid(grid, values: dict[str, int]):
    """The ordinary grid of one point: the anchor with the point's settings, each model at the
    point's depth, and no sweep of its own."""
    from models import with_layers  # (builds nothing: resolves specs)

    settings = {key: v for key, v in values.items() if key != "layers"}
    models = tuple(with_layers(spec, values["layers"]) for spec in grid.models) \
        if values["layers"] != 1 else grid.models
    return dataclasses.replace(grid, **settings, models=models, scale=(), scale_cross=())


def points(grid) -> list[tuple[str, Any]]:
    """(label, grid) of every point of ``grid``'s sweep, the anchor (label "") first; a grid
    without ``scale`` is its own single point."""
    if not grid.scale:
        return [(ANCHOR, grid)]
    anchor = anchor_values(grid)
    return [(point_label(values, anchor), point_grid(grid, values))
            for values in point_values(grid)]


def check_sweep(grid) -> None:
    """What a sweep cannot mean, as one line: a crossed key that is not scaled, a depth on a
    model that fixes its own, hidden sizes against matched parameter counts."""
    scaled = dict(grid.scale)
    for key in grid.scale_cross:
        if key not in scaled:
            raise UsageError(f"scale_cross names {key!r}, which --scale does not vary; "
                             f"scaled: {', '.join(scaled) or 'none'}")
    if len(grid.scale_cross) == 1:
        raise UsageError(f"scale_cross={list(grid.scale_cross)!r} crosses one key with "
                         "nothing; name two or more scaled keys")
    if "hidden_size" in scaled and grid.match_params:
        raise UsageError("scale hidden_size and match_params both set the hidden size; "
                         "scale one of them")
    if "layers" in scaled:
        from models import model_depth

        fixed = [spec for spec in grid.models if model_depth(spec) != 1]
        if fixed:
            raise UsageError(f"scale layers and models {fixed!r}, which set their own depth; "
                             "give the models at one layer")


def base_models(grid) -> dict[str, str]:
    """Each point's model spec -> the anchor's spec it came from (a depth added)."""
    mapping = {}
    for _, point in points(grid):
        mapping.update(zip(point.models, grid.models, strict=True))
    return mapping
