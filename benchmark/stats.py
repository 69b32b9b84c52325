"""Aggregation of a run's summary table: small pure functions over DataFrames.

Conventions (stated in every report):
- the error of a cell is its final test metric; a ``diverged`` cell counts as a failure with
  the task's baseline error, never as missing data; an ``error`` cell (a crash) is left out and
  counted in ``n_failed``;
- intervals are 95 %; bootstraps use a fixed seed, so the same table gives the same numbers.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from scipy import stats

from benchmark.schema import GROUP, usable

CONFIDENCE = 0.95
BOOTSTRAP_SEED = 20260101
BOOTSTRAP_RESAMPLES = 2000
MIN_WILCOXON_PAIRS = 6  # below this the exact signed-rank test cannot reach p < 0.05
ERROR_FLOOR = 1e-4  # normalised errors are clipped here before taking logs (0 errors happen)


# --- small building blocks ----------------------------------------------------------------

def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (NaNs for n = 0)."""
    if not (0 <= successes <= n):
        raise ValueError(f"wilson_interval needs 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return math.nan, math.nan
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap_ci(values, confidence: float = CONFIDENCE,
                 seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean (scipy), reproducible via ``seed``."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan
    if values.size == 1 or np.ptp(values) == 0:
        return float(values[0]), float(values[0])  # no spread to resample
    result = stats.bootstrap((values,), np.mean, confidence_level=confidence,
                             n_resamples=BOOTSTRAP_RESAMPLES, method="percentile",
                             rng=np.random.default_rng(seed))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def paired_test(a, b) -> dict:
    """Compare paired samples a, b (same seeds): which test, p-value, effect size d_z.

    Wilcoxon signed-rank with >= MIN_WILCOXON_PAIRS pairs; below that the exact test cannot
    reach p < 0.05, so the paired t-test is used. Constant non-zero differences (zero spread)
    fall back to the exact sign test, the only test that does not divide by that spread.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = a - b
    n = diff.size
    record = {"n_pairs": n, "mean_diff": float(diff.mean()) if n else math.nan}
    spread = float(diff.std(ddof=1)) if n > 1 else math.nan
    record["effect_size"] = (record["mean_diff"] / spread if spread > 0
                             else (0.0 if n and record["mean_diff"] == 0 else math.nan))
    if n < 2:
        return {**record, "test": "none", "p_value": math.nan}
    if np.all(diff == 0):
        return {**record, "test": "identical", "p_value": 1.0}
    if spread == 0:
        p = stats.binomtest(int((diff > 0).sum()), n, 0.5).pvalue
        return {**record, "test": "sign", "p_value": float(p)}
    if n >= MIN_WILCOXON_PAIRS:
        return {**record, "test": "wilcoxon", "p_value": float(stats.wilcoxon(a, b).pvalue)}
    return {**record, "test": "t", "p_value": float(stats.ttest_rel(a, b).pvalue)}


def bh_qvalues(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaNs kept as NaN)."""
    p = np.asarray(p_values, dtype=float)
    q = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = stats.false_discovery_control(p[ok], method="bh")
    return q


# --- per (task, model, seq_len) -----------------------------------------------------------

def aggregate(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per (task, model, seq_len): the error and success statistics over seeds."""
    rows = []
    for (task, model, seq_len), group in summary.groupby(GROUP, sort=True, observed=True):
        ok = usable(group)
        errors = ok["final_metric"].to_numpy(float)
        solved = ok["solved"].astype(bool)
        low, high = bootstrap_ci(errors)
        s_low, s_high = wilson_interval(int(solved.sum()), len(ok))
        rows.append({
            "task": task, "model": model, "seq_len": seq_len,
            "model_label": group["model_label"].dropna().iloc[0]
            if group["model_label"].notna().any() else model,
            "metric": ok["metric"].iloc[0] if len(ok) else "",
            "n": len(ok), "n_failed": int((group["status"] == "error").sum()),
            "n_diverged": int((group["status"] == "diverged").sum()),
            "mean": errors.mean() if errors.size else math.nan,
            "median": np.median(errors) if errors.size else math.nan,
            "std": errors.std(ddof=1) if errors.size > 1 else math.nan,
            "ci_low": low, "ci_high": high,
            "baseline": ok["baseline"].iloc[0] if len(ok) else math.nan,
            "input_length": ok["input_length"].iloc[0] if len(ok) else math.nan,
            "noise_floor": ok["noise_floor"].iloc[0] if len(ok) else math.nan,
            "normalised_error": ok["normalised_error"].mean() if len(ok) else math.nan,
            "success_rate": solved.mean() if len(ok) else math.nan,
            "success_low": s_low, "success_high": s_high,
            "median_steps_to_solve": ok.loc[solved, "steps_to_solve"].median()
            if solved.any() else math.nan,
            "seconds_per_step": ok["seconds_per_step"].median() if len(ok) else math.nan,
            **{col: ok[col].mean() for col in ("grad_reach_init", "grad_reach_end",
                                               "grad_reach_fraction_init",
                                               "grad_reach_fraction_end",
                                               "grad_decay_init", "grad_decay_end")
               if col in ok},
        })
    return pd.DataFrame(rows)


# --- per (task, seq_len): paired comparisons ----------------------------------------------

def compare_models(summary: pd.DataFrame) -> pd.DataFrame:
    """Every pair of models at every (task, seq_len), paired by seed, BH-corrected over all."""
    rows = []
    ok = usable(summary)
    for (task, seq_len), group in ok.groupby(["task", "seq_len"], sort=True, observed=True):
        wide = group.pivot_table(index="seed", columns="model", values="final_metric")
        for model_a, model_b in itertools.combinations(sorted(wide.columns), 2):
            pairs = wide[[model_a, model_b]].dropna()
            result = paired_test(pairs[model_a], pairs[model_b])
            rows.append({"task": task, "seq_len": seq_len, "model_a": model_a,
                         "model_b": model_b, "mean_a": pairs[model_a].mean(),
                         "mean_b": pairs[model_b].mean(), **result})
    table = pd.DataFrame(rows, columns=["task", "seq_len", "model_a", "model_b", "mean_a",
                                        "mean_b", "n_pairs", "mean_diff", "effect_size",
                                        "test", "p_value"])
    table["q_value"] = bh_qvalues(table["p_value"])
    table["better"] = np.where(table["mean_diff"] < 0, table["model_a"],
                               np.where(table["mean_diff"] > 0, table["model_b"], ""))
    return table
