"""Horizons as a function of budget: a scaling sweep's points (benchmark/run/scale.py) read
side by side.

Per (budget point, task, model) the horizon is measured as everywhere else, with the seed as
the unit (``horizon_stats.median_horizon``). Along each scaled key three numbers say how it
moves, each honest about brackets the search left open (a seed that failed the shortest
length, or held the longest):

- the *change*: whether the order-statistic interval for the median at the largest budget lies
  wholly above (grows) or below (shrinks) the one at the smallest. Open brackets enter those
  intervals as they are, so this verdict is the one the report states;
- the Theil-Sen slope of log horizon on log budget over the seeds' closed brackets (their
  geometric middles), with its interval: open brackets are left out and counted, which biases
  the slope wherever many are open (a model that holds the longest length at the top budget
  loses exactly its best seeds there);
- the *slope range*: the smallest and largest Theil-Sen slope over every set of horizons the
  seeds' brackets allow, open ones included (a seed's horizon lies anywhere in [low, high)).
  The median is monotone, so the range is the medians of the pairwise slopes' lower and upper
  ends.

The budget of steps, batch and training set is its own value; that of width and depth is the
parameter count, which both change.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from benchmark.analysis.horizon_stats import median_horizon, seed_brackets
from benchmark.run.schema import usable
from benchmark.run.store import RunStore
from core.rules import CONFIDENCE

BUDGET_OF = {"steps": "steps", "batch_size": "batch_size", "train_size": "train_size",
             "hidden_size": "n_params", "layers": "n_params"}  # the x of each key's slope


def point_folders(root: Path) -> list[tuple[str, Path]]:
    """(label, folder) of every budget point of a run: the run itself (label ""), then each
    ``scale/<label>/`` that holds a summary."""
    from benchmark.run.scale import SCALE_DIR

    folders = [("", root)]
    scale = root / SCALE_DIR
    if scale.is_dir():
        folders += [(p.name, p) for p in sorted(scale.iterdir())
                    if (p / "summary.csv").exists()]
    return folders


def _depth(spec: str) -> int:
    from models import model_depth

    return model_depth(spec)


def scaling_table(root: Path, base_models: dict[str, str]) -> pd.DataFrame:
    """One row per (budget point, task, model): the point's settings, the model's median
    parameter count there, and the seed-as-unit horizon. ``base_models`` maps a point's
    model spec to the anchor's spec it came from (benchmark/run/scale.py's base_models)."""
    rows = []
    for label, folder in point_folders(root):
        summary = usable(RunStore(folder).load_usable_summary())
        for (task, spec), cells in summary.groupby(["task", "model"], sort=False):
            first = cells.iloc[0]
            seeds = seed_brackets(cells[["seq_len", "seed", "solved"]])
            rows.append({"point": label, "task": task, "model": base_models.get(spec, spec),
                         "spec": spec, "steps": int(first["steps"]),
                         "hidden_size": int(cells["hidden_size"].median()),
                         "layers": _depth(spec), "batch_size": int(first["batch_size"]),
                         "train_size": int(first["train_size"]),
                         "n_params": int(cells["n_params"].median()),
                         **median_horizon(seeds["seed_low"], seeds["seed_high"]),
                         "seed_lows": seeds["seed_low"].tolist(),
                         "seed_highs": seeds["seed_high"].tolist()})
    return pd.DataFrame(rows)


def changed_keys(point: str) -> set[str]:
    """The keys a point's label (benchmark/run/scale.py's point_label) changes from the
    anchor: ``steps=1000,layers=2`` -> {steps, layers}; the anchor's "" -> none."""
    return {part.split("=")[0] for part in point.split(",")} if point else set()


def points_within(table: pd.DataFrame, keys) -> pd.DataFrame:
    """The anchor and every point that changes only ``keys``."""
    return table[[changed_keys(point) <= set(keys) for point in table["point"]]]


def along(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """The rows of the sweep of one key: the anchor and every point that changes that key
    alone."""
    return points_within(table, (key,)).sort_values(key)


def seed_middles(lows, highs) -> tuple[np.ndarray, int]:
    """Each closed bracket's geometric middle, and how many brackets were open (left out)."""
    lows, highs = np.asarray(lows, float), np.asarray(highs, float)
    closed = (lows > 0) & np.isfinite(highs)
    return np.sqrt(lows[closed] * highs[closed]), int((~closed).sum())


def slope(rows: pd.DataFrame, budget: str) -> dict:
    """Theil-Sen slope of log horizon on log budget over the seeds' closed brackets, with its
    interval; NaN where fewer than two budgets hold a closed bracket."""
    xs, ys, open_ = [], [], 0
    for row in rows.itertuples():
        middles, n_open = seed_middles(row.seed_lows, row.seed_highs)
        xs += [float(getattr(row, budget))] * len(middles)
        ys += middles.tolist()
        open_ += n_open
    x, y = np.log10(np.asarray(xs, float)), np.log10(np.asarray(ys, float))
    if np.unique(x).size < 2:
        return {"slope": math.nan, "slope_low": math.nan, "slope_high": math.nan,
                "n_seed_points": len(xs), "n_open": open_}
    with np.errstate(invalid="ignore"):  # heavy ties: scipy's interval is undefined (NaN)
        fit, _, low, high = stats.theilslopes(y, x, alpha=CONFIDENCE)
    return {"slope": float(fit), "slope_low": float(low), "slope_high": float(high),
            "n_seed_points": len(xs), "n_open": open_}


def slope_range(rows: pd.DataFrame, budget: str) -> tuple[float, float]:
    """The smallest and largest Theil-Sen slope of log10 horizon on log10 budget over every
    horizon each seed's bracket allows, open brackets included (an open low end counts as
    length 1, an open high end as infinite); NaN where fewer than two budgets."""
    xs, lows, highs = [], [], []
    for row in rows.itertuples():
        xs += [math.log10(float(getattr(row, budget)))] * len(row.seed_lows)
        lows += [math.log10(max(float(v), 1.0)) for v in row.seed_lows]
        highs += [math.log10(float(v)) if np.isfinite(v) else math.inf for v in row.seed_highs]
    x, low, high = np.asarray(xs), np.asarray(lows), np.asarray(highs)
    first, second = np.triu_indices(x.size, k=1)
    apart = x[first] != x[second]
    if not apart.any():
        return math.nan, math.nan
    i, j = first[apart], second[apart]
    i, j = np.where(x[i] < x[j], i, j), np.where(x[i] < x[j], j, i)  # i: the smaller budget
    run = x[j] - x[i]
    with np.errstate(invalid="ignore"):  # inf - inf cannot arise: lows are finite
        return (float(np.median((low[j] - high[i]) / run)),
                float(np.median((high[j] - low[i]) / run)))


def change(rows: pd.DataFrame) -> str:
    """'grows' / 'shrinks' where the order-statistic interval for the median at the largest
    budget lies wholly above / below the one at the smallest, else 'not shown'."""
    if len(rows) < 2:
        return "not shown"
    bottom, top = rows.iloc[0], rows.iloc[-1]
    if top["seed_ci_low"] >= bottom["seed_ci_high"] > 0:
        return "grows"
    if bottom["seed_ci_low"] >= top["seed_ci_high"] > 0:
        return "shrinks"
    return "not shown"


def stops_growing(rows: pd.DataFrame) -> bool:
    """Whether the median seed's horizon grew up to the budget below the largest and then no
    further (a plateau): read on the brackets' lower ends, which are probed lengths."""
    if len(rows) < 3:
        return False
    top, below, bottom = rows.iloc[-1], rows.iloc[-2], rows.iloc[0]
    return bool(below["seed_median_low"] > bottom["seed_median_low"]
                and np.isfinite(top["seed_median_high"])
                and top["seed_median_low"] <= below["seed_median_low"])


def _ends(rows: pd.DataFrame) -> dict:
    """The median seed's bracket at the smallest and at the largest budget."""
    return {"first_low": rows.iloc[0]["seed_median_low"],
            "first_high": rows.iloc[0]["seed_median_high"],
            "last_low": rows.iloc[-1]["seed_median_low"],
            "last_high": rows.iloc[-1]["seed_median_high"]}


def slopes(table: pd.DataFrame, scaled: list[str]) -> pd.DataFrame:
    """Per (task, model, scaled key): the change from the smallest to the largest budget, the
    slope of log horizon on log budget with its interval, its range over the open brackets,
    and whether the horizon stopped growing at the top of the sweep."""
    rows = []
    for key in scaled:
        sweep = along(table, key)
        for (task, model), mine in sweep.groupby(["task", "model"], sort=False):
            mine = mine.sort_values(BUDGET_OF[key])
            least, most = slope_range(mine, BUDGET_OF[key])
            rows.append({"task": task, "model": model, "key": key, "budget": BUDGET_OF[key],
                         "n_points": len(mine), "lowest": mine[BUDGET_OF[key]].min(),
                         "highest": mine[BUDGET_OF[key]].max(),
                         **slope(mine, BUDGET_OF[key]),
                         "range_low": least, "range_high": most, "change": change(mine),
                         **_ends(mine),
                         "never_held": bool((mine["seed_median_low"] == 0).all()),
                         "stops_growing": stops_growing(mine)})
    return pd.DataFrame(rows)


def orderings(table: pd.DataFrame) -> pd.DataFrame:
    """Per task and pair of models: at how many budget points the first's median-seed
    bracket lies wholly above the second's, wholly below, or overlaps; an ordering that
    holds at every point is ``always``, one that reverses somewhere ``flips``."""
    rows = []
    for task, mine in table.groupby("task", sort=False):
        models = list(dict.fromkeys(mine["model"]))
        at = {(r.point, r.model): r for r in mine.itertuples()}
        labels = list(dict.fromkeys(mine["point"]))
        for i, a in enumerate(models):
            for b in models[i + 1:]:
                above = below = tied = 0
                for point in labels:
                    if (point, a) not in at or (point, b) not in at:
                        continue
                    ra, rb = at[(point, a)], at[(point, b)]
                    if ra.seed_median_low >= rb.seed_median_high:
                        above += 1
                    elif rb.seed_median_low >= ra.seed_median_high:
                        below += 1
                    else:
                        tied += 1
                n = above + below + tied
                verdict = ("flips" if above and below else
                           "always above" if above == n else "always below" if below == n
                           else "overlaps somewhere")
                rows.append({"task": task, "a": a, "b": b, "n_points": n, "a_above": above,
                             "a_below": below, "overlap": tied, "verdict": verdict})
    # a sweep of one model has no pairs: an empty table that still has its columns
    return pd.DataFrame(rows, columns=["task", "a", "b", "n_points", "a_above", "a_below",
                                       "overlap", "verdict"])


# tasks whose searched length is a number of items held at once (tasks/bit_capacity.py): the
# horizon there is a capacity, and over the hidden size it gives items per unit
CAPACITY_TASKS = ("bit_capacity",)


def capacity_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per (model, budget point) of a capacity task: the bits the median seed held (its
    bracket's lower end) and that per hidden unit of the whole stack (hidden size x layers),
    with the order-statistic interval for the median divided the same way (an upper end of
    inf: held the longest payload run; 0: not even the shortest)."""
    rows = table[table["task"].isin(CAPACITY_TASKS)]
    if rows.empty:
        return pd.DataFrame()
    units = rows["hidden_size"] * rows["layers"]
    return rows.assign(units=units,
                       bits_per_unit=rows["seed_median_low"] / units,
                       bits_per_unit_low=rows["seed_ci_low"] / units,
                       bits_per_unit_high=rows["seed_ci_high"] / units)[
        ["task", "model", "point", "steps", "hidden_size", "layers", "units", "n_params",
         "seed_median_low", "seed_median_high", "bits_per_unit", "bits_per_unit_low",
         "bits_per_unit_high", "n_seeds"]].reset_index(drop=True)
