"""Mechanism against outcome: which property of a model at initialisation predicts how far it
learns (its horizon), across the (task, model) pairs of a run.

Each diagnostic is summarised per (task, model) as the median over its seeds (the seeds'
range kept for the figure); the horizon is the median seed's bracket (its lower end, a probed
length, ranks it: an open bracket above ranks highest, "held nothing" lowest). The rank
correlation is Spearman's rho over the pairs, with a percentile bootstrap interval over pairs;
with fewer than ``MIN_PAIRS`` pairs no interval is given.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from benchmark.analysis.stats import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from core.rules import CONFIDENCE

# diagnostic column -> what it is, in words (the report's axis labels)
DIAGNOSTICS = {
    "lyapunov_1": "largest Lyapunov exponent at init (nats/step)",
    "log10_growth": "log10 growth of the leading direction over T at init",
    "tau_q0.5": "median time constant at init (steps)",
    "tau_q0.9": "90th-percentile time constant at init (steps)",
    "grad_reach_fraction_init": "gradient reach at init (share of the input)",
}
MIN_PAIRS = 5


def per_pair(dynamics: pd.DataFrame, horizons: pd.DataFrame,
             agg: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (task, model): each diagnostic's median and range over seeds, and the
    horizon (median seed's bracket). ``agg`` (per task, model, length) adds the gradient reach
    at init at each pair's shortest length where the dynamics table (written before it
    measured the reach) lacks it: there it saturates (at T = 10 nearly every model reaches
    the whole input), so the table's own, at its reference length, is preferred."""
    columns = [c for c in DIAGNOSTICS if c in dynamics]
    grouped = dynamics.groupby(["task", "model"], sort=False)[columns]
    table = grouped.median().join(grouped.min().add_suffix("_min")).join(
        grouped.max().add_suffix("_max")).reset_index()
    if agg is not None and "grad_reach_fraction_init" in agg \
            and "grad_reach_fraction_init" not in dynamics:
        first = agg.sort_values("seq_len").groupby(["task", "model"], sort=False).first()
        table = table.merge(first[["grad_reach_fraction_init"]].reset_index(),
                            on=["task", "model"], how="left")
    keep = ["task", "model", "seed_median_low", "seed_median_high", "n_seeds"]
    return table.merge(horizons[keep], on=["task", "model"], how="inner")


def rank_correlation(x, y, confidence: float = CONFIDENCE,
                     resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> dict:
    """Spearman's rho of x and y with a percentile bootstrap interval over the pairs (NaN
    interval under MIN_PAIRS pairs; resamples where either side is constant are skipped)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = x.size
    if n < 3 or np.unique(x).size < 2 or np.unique(y).size < 2:
        return {"rho": math.nan, "rho_low": math.nan, "rho_high": math.nan, "n_pairs": n}
    rho = float(stats.spearmanr(x, y).statistic)
    if n < MIN_PAIRS:
        return {"rho": rho, "rho_low": math.nan, "rho_high": math.nan, "n_pairs": n}
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(resamples):
        pick = rng.integers(0, n, n)
        if np.unique(x[pick]).size > 1 and np.unique(y[pick]).size > 1:
            draws.append(stats.spearmanr(x[pick], y[pick]).statistic)
    tail = (1 - confidence) / 2 * 100
    return {"rho": rho, "rho_low": float(np.percentile(draws, tail)),
            "rho_high": float(np.percentile(draws, 100 - tail)), "n_pairs": n}


def correlations(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per diagnostic: rho with the horizon (the median seed's lower end) over the pairs that
    have it, its interval, and whether the interval excludes 0."""
    rows = []
    for column, words in DIAGNOSTICS.items():
        if column not in pairs or pairs[column].notna().sum() == 0:
            continue
        found = rank_correlation(pairs[column], pairs["seed_median_low"])
        rows.append({"diagnostic": column, "what": words, **found,
                     "excludes_zero": bool(found["rho_low"] > 0 or found["rho_high"] < 0)})
    return pd.DataFrame(rows)
