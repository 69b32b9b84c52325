"""Split-half reproducibility: does each horizon hold under a disjoint set of seeds?

Two runs of one grid that differ only in their seeds (``first_seed``) each give every
(task, model) a horizon: the median seed's bracket and the order-statistic interval for the
median (benchmark/analysis/horizon_stats.py). A horizon reproduces when the two intervals
overlap; the stricter reading, that the two median seeds' brackets overlap, is reported beside
it. Brackets and intervals are half-open [low, high): [20, 40) and [40, 80) do not overlap.
"""

from __future__ import annotations

import pandas as pd

from benchmark.analysis import horizon_stats, stats
from benchmark.run.config import GRID_FIELDS
from benchmark.run.store import RunStore
from core.errors import UsageError

TARGET = 0.9  # the share of (task, model) chains whose two intervals should overlap
SEED_FIELDS = ("first_seed",)  # the settings two halves may differ in


def overlap(low_a: float, high_a: float, low_b: float, high_b: float) -> bool:
    """Whether the half-open intervals [low_a, high_a) and [low_b, high_b) share a point."""
    return max(low_a, low_b) < min(high_a, high_b)


def check_halves(run_a: dict, run_b: dict, name_a: str, name_b: str) -> None:
    """Two halves must be one grid on disjoint seeds: a UsageError naming what differs."""
    grid_a, grid_b = run_a.get("grid", {}), run_b.get("grid", {})
    differ = sorted(key for key in GRID_FIELDS if key not in SEED_FIELDS
                    and grid_a.get(key) != grid_b.get(key))
    if differ:
        raise UsageError(f"{name_a} and {name_b} are not halves of one grid: they differ in "
                         f"{', '.join(differ)} (only {', '.join(SEED_FIELDS)} may differ)")
    seeds = [set(range(g.get("first_seed", 0), g.get("first_seed", 0) + g.get("seeds", 0)))
             for g in (grid_a, grid_b)]
    if seeds[0] & seeds[1]:
        raise UsageError(f"{name_a} and {name_b} share seeds {sorted(seeds[0] & seeds[1])}; "
                         "run the second half with --first-seed past the first's seeds")


def run_horizons(root) -> pd.DataFrame:
    """A run's horizons table, from its cells' summary (tuning cells' time included)."""
    store = RunStore(root)
    summary = store.load_usable_summary()
    tuning = store.load_summary(prefix="tuning_") \
        if (store.root / "tuning_summary.csv").exists() else None
    return horizon_stats.horizons(summary, stats.aggregate(summary), tuning)


HALF_COLUMNS = ["n_seeds", "seed_median_low", "seed_median_high", "seed_ci_low",
                "seed_ci_high", "seed_ci_coverage"]


def split_half(horizons_a: pd.DataFrame, horizons_b: pd.DataFrame) -> pd.DataFrame:
    """Per (task, model) in both: each half's median bracket and interval, and whether the
    intervals (``interval_overlap``) and the median brackets (``median_overlap``) overlap."""
    keys = ["task", "model", "model_label"]
    both = horizons_a[keys + HALF_COLUMNS].merge(horizons_b[keys + HALF_COLUMNS],
                                                 on=keys, suffixes=("_a", "_b"))
    both["interval_overlap"] = [overlap(r.seed_ci_low_a, r.seed_ci_high_a, r.seed_ci_low_b,
                                        r.seed_ci_high_b) for r in both.itertuples()]
    both["median_overlap"] = [overlap(r.seed_median_low_a, r.seed_median_high_a,
                                      r.seed_median_low_b, r.seed_median_high_b)
                              for r in both.itertuples()]
    return both


def halves_of(root_a, root_b) -> pd.DataFrame:
    """``split_half`` of two run folders, after checking they are halves of one grid."""
    records = []
    for root in (root_a, root_b):
        record = RunStore(root).read_run()
        if record is None:
            raise UsageError(f"{root} holds no run.json; is it a finished run folder?")
        records.append(record)
    check_halves(*records, str(root_a), str(root_b))
    return split_half(run_horizons(root_a), run_horizons(root_b))
