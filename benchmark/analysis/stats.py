"""Aggregation of a run's summary table: small pure functions over DataFrames.

Conventions (stated in every report):
- the error of a cell is its final test metric; a ``diverged`` cell counts as a failure with
  the task's baseline error, never as missing data; an ``error`` cell (a crash) is left out and
  counted in ``n_failed``;
- intervals are 95 %; bootstraps use a fixed seed, so the same table gives the same numbers.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
from scipy import stats

from benchmark.run.schema import GROUP, usable
from core.rules import CONFIDENCE, MIN_BOOTSTRAP_N, MIN_PAIRS_FOR_CONSISTENT, SIGNIFICANCE
from models import model_traits
from tasks import get_task

BOOTSTRAP_SEED = 20260101
BOOTSTRAP_RESAMPLES = 2000
EXACT_FLIPS = 16  # up to this many pairs the sign-flip test enumerates all 2^n assignments
MONTE_CARLO_FLIPS = 100_000
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


def mean_interval(values, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """A 95 % interval of the mean that means what it says at a few seeds: Student's t
    interval below MIN_BOOTSTRAP_N values (a percentile bootstrap over 3 values collapses to
    their range, which is no 95 % interval), the percentile bootstrap from there on; NaN for
    one value (no interval exists) and the value itself for values without spread."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 2:
        return math.nan, math.nan
    if np.ptp(values) == 0:
        return float(values[0]), float(values[0])
    if values.size >= MIN_BOOTSTRAP_N:
        return bootstrap_ci(values, confidence)
    half = stats.t.ppf(0.5 + confidence / 2, values.size - 1) * stats.sem(values)
    return float(values.mean() - half), float(values.mean() + half)


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


def sign_flip_p(diff) -> tuple[float, float]:
    """(p, smallest attainable p) of the two-sided paired sign-flip permutation test of a zero
    mean difference: under the null every difference is as likely positive as negative, so the
    p-value is the share of the 2^n sign assignments whose |mean| reaches the observed one.
    Exact for n <= EXACT_FLIPS (all assignments), else MONTE_CARLO_FLIPS random ones with a
    fixed seed. Zero differences flip to themselves, so only the k non-zero ones count towards
    the smallest attainable p, 2 / 2^k: at 3 seeds no result can go below 0.25."""
    diff = np.asarray(diff, dtype=float)
    k = int(np.count_nonzero(diff))
    if k == 0:
        return 1.0, 1.0
    observed = abs(diff.mean())
    if diff.size <= EXACT_FLIPS:
        signs = 1 - 2 * ((np.arange(2 ** diff.size)[:, None] >> np.arange(diff.size)) & 1)
    else:
        signs = np.random.default_rng(BOOTSTRAP_SEED).choice([-1, 1], (MONTE_CARLO_FLIPS,
                                                                       diff.size))
    means = np.abs((signs * diff).mean(axis=1))
    p = float(np.mean(means >= observed * (1 - 1e-12)))
    return p, min(1.0, 2.0 / 2 ** k)


def paired_test(a, b) -> dict:
    """Compare paired samples a, b (same seeds) by the exact sign-flip test (``sign_flip_p``).

    Reports the smallest p the test could give at this n (``min_p``), and how many pairs
    favour each side, so a consistent but underpowered result reads as what it is.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = a - b
    n = diff.size
    record = {"n_pairs": n, "mean_diff": float(diff.mean()) if n else math.nan,
              "n_a_better": int((diff < 0).sum()), "n_b_better": int((diff > 0).sum()),
              "differences": " ".join(f"{d:.3g}" for d in diff)}
    if n == 0:
        return {**record, "test": "none", "p_value": math.nan, "min_p": math.nan}
    p, min_p = sign_flip_p(diff)
    test = "sign-flip exact" if n <= EXACT_FLIPS else "sign-flip Monte Carlo"
    return {**record, "test": test, "p_value": p, "min_p": min_p}


def bh_qvalues(p_values) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaNs kept as NaN)."""
    p = np.asarray(p_values, dtype=float)
    q = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = stats.false_discovery_control(p[ok], method="bh")
    return q


# --- per (task, model, seq_len) -----------------------------------------------------------

def _threshold(cells: pd.DataFrame) -> float:
    """The task's success threshold for these cells (their task and parameters), NaN where
    the task's rule is not a threshold or the task is not registered here."""
    row = cells.iloc[0]
    params = row.get("task_params", "{}")
    params = json.loads(params) if isinstance(params, str) else dict(params or {})
    try:
        threshold = get_task(row["task"], **params).success_threshold()
    except Exception:  # noqa: BLE001  (a plug-in task not importable here, a bad record)
        return math.nan
    return math.nan if threshold is None else float(threshold)


def aggregate(summary: pd.DataFrame) -> pd.DataFrame:
    """One row per (task, model, seq_len): the error and success statistics over seeds."""
    rows = []
    for (task, model, seq_len), group in summary.groupby(GROUP, sort=True, observed=True):
        ok = usable(group)
        errors = ok["final_metric"].to_numpy(float)
        solved = ok["solved"].astype(bool)
        low, high = mean_interval(errors)
        low, high = within_range(low, high, ok["metric"].iloc[0] if len(ok) else "")
        s_low, s_high = wilson_interval(int(solved.sum()), len(ok))
        # the graded outcome, where the cells recorded it (cells from before it existed do not)
        graded = "beats_baseline" in ok and len(ok) and ok["beats_baseline"].notna().all()
        beats = ok["beats_baseline"].astype(bool) if graded else None
        b_low, b_high = wilson_interval(int(beats.sum()), len(ok)) if graded \
            else (math.nan, math.nan)
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
            "success_threshold": _threshold(group),
            "normalised_error": ok["normalised_error"].mean() if len(ok) else math.nan,
            "success_rate": solved.mean() if len(ok) else math.nan,
            "success_low": s_low, "success_high": s_high,
            "beats_rate": beats.mean() if graded else math.nan,
            "beats_low": b_low, "beats_high": b_high,
            "baseline_gain": ok["baseline_gain"].mean() if graded else math.nan,
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


# The range each test metric can take: an interval of its mean is cut to it (a t interval
# over a few error rates otherwise reaches below 0 or above 1).
METRIC_RANGES = {"error_rate": (0.0, 1.0)}


def within_range(low: float, high: float, metric: str) -> tuple[float, float]:
    """An interval of a mean cut to the metric's range (errors are never negative)."""
    bottom, top = METRIC_RANGES.get(metric, (0.0, math.inf))
    return (max(low, bottom) if math.isfinite(low) else low,
            min(high, top) if math.isfinite(high) else high)


# --- per (task, seq_len): paired comparisons ----------------------------------------------

def compare_models(summary: pd.DataFrame) -> pd.DataFrame:
    """Every pair of models at every (task, seq_len), paired by seed, BH-corrected over all.

    - Where both models solved on every paired seed, their errors sit just under the success
      threshold (early stop) and compare stopping points: the measure is ``steps_to_solve``.
      Elsewhere it is the final test error.
    - A from-scratch twin whose library model is in the run is left out: the two give the
      same numbers by construction (their parity is tested), and counting both would put
      every comparison twice into the Benjamini-Hochberg family.
    - ``verdict``: "significant" (q < 0.05), "consistent" (every pair favours the same model
      over at least MIN_PAIRS_FOR_CONSISTENT seeds, but the test cannot reach the level at
      this n, or does not),
      "mixed", or "tie".
    """
    rows = []
    ok = usable(summary)
    models = set(ok["model"])
    twins = {m for m in models if (t := _twin_of(m)) is not None and _twin_spec(m, t) in models}
    ok = ok[~ok["model"].isin(twins)]
    for (task, seq_len), group in ok.groupby(["task", "seq_len"], sort=True, observed=True):
        wide = group.pivot_table(index="seed", columns="model", values="final_metric")
        solved = group.pivot_table(index="seed", columns="model", values="solved",
                                   aggfunc="first")
        steps = group.pivot_table(index="seed", columns="model", values="steps_to_solve",
                                  dropna=False)
        for model_a, model_b in itertools.combinations(sorted(wide.columns), 2):
            pairs = wide[[model_a, model_b]].dropna()
            both = len(pairs) > 0 and bool(
                solved.loc[pairs.index, [model_a, model_b]].astype(bool).all().all())
            measure = "steps_to_solve" if both else "final_metric"
            values = steps.reindex(index=pairs.index, columns=[model_a, model_b]) if both \
                else pairs
            result = paired_test(values[model_a], values[model_b])
            rows.append({"task": task, "seq_len": seq_len, "model_a": model_a,
                         "model_b": model_b, "measure": measure,
                         "mean_a": values[model_a].mean(), "mean_b": values[model_b].mean(),
                         **result})
    columns = ["task", "seq_len", "model_a", "model_b", "measure", "mean_a", "mean_b",
               "n_pairs", "mean_diff", "n_a_better", "n_b_better", "differences", "test",
               "p_value", "min_p"]
    table = pd.DataFrame(rows, columns=columns)
    table["q_value"] = bh_qvalues(table["p_value"])
    table["better"] = np.where(table["mean_diff"] < 0, table["model_a"],
                               np.where(table["mean_diff"] > 0, table["model_b"], ""))
    one_sided = (table["n_pairs"] >= MIN_PAIRS_FOR_CONSISTENT) & (
        (table["n_a_better"] == table["n_pairs"]) | (table["n_b_better"] == table["n_pairs"]))
    table["verdict"] = np.select(
        [table["mean_diff"] == 0, table["q_value"] < SIGNIFICANCE, one_sided],
        ["tie", "significant", "consistent"], "mixed")
    return table


def _twin_of(spec: str) -> str | None:
    """The library model a registered scratch model reproduces (None otherwise)."""
    return model_traits(spec)["twin"]


def _twin_spec(spec: str, twin: str) -> str:
    """The library model a scratch spec reproduces, with the same options."""
    _, _, options = spec.partition(":")
    return twin + (":" + options if options else "")
