"""Per (task, model): how far memory reaches, with intervals the data can support.

A horizon measured at a set of lengths is interval-censored: each seed says only "solved at
L1, failed at L2", never where between. So every interval here is widened to the lengths that
were run (``widen_to_probed``): under perfect separation between two lengths the interval is
exactly that gap, never a point, and an interval that reaches past the shortest or longest
length is open on that side (0 or inf).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats
from threadpoolctl import threadpool_limits

from benchmark.analysis.stats import BOOTSTRAP_SEED, ERROR_FLOOR
from benchmark.run.schema import usable
from core.rules import CONFIDENCE, SOLVED_SHARE


def horizon(lengths, success_rates, threshold: float = SOLVED_SHARE) -> float:
    """The longest length L such that L and every shorter length were solved by at least
    ``threshold`` of the seeds (0 if the shortest was not). A success above a failure does not
    extend it: the raw pattern (``success_pattern``) shows such a case."""
    order = np.argsort(np.asarray(lengths, float))
    lengths = np.asarray(lengths, float)[order]
    rates = np.asarray(success_rates, float)[order]
    failed = np.flatnonzero(~(rates >= threshold))
    held = lengths if not failed.size else lengths[:failed[0]]
    return float(held.max()) if held.size else 0.0


def success_pattern(lengths, solved, n) -> str:
    """Seeds solved per length, shortest first: ``"10: 3/3, 30: 0/3, 100: 2/3"``."""
    rows = sorted(zip(lengths, solved, n, strict=True))
    return ", ".join(f"{int(length)}: {int(k)}/{int(m)}" for length, k, m in rows)


def _neg_log_likelihood(theta, log_length, success):
    slope, midpoint = theta
    logits = -slope * (log_length - midpoint)
    # log(1 + e^z) written stably; success 1 contributes -log p, success 0 -log(1 - p)
    return float(np.sum(np.logaddexp(0, -logits) * success
                        + np.logaddexp(0, logits) * (1 - success)))


MAX_SLOPE = 20.0  # bounds the fit under perfect separation (the MLE would run to infinity)


def logistic_midpoint(lengths, success) -> float:
    """Length at which a logistic fit of success (0/1 per seed) on log length crosses 50 %.

    The fit is P(success) = 1 / (1 + exp(slope * (log L - log L50))) with slope in
    [0, MAX_SLOPE]; NaN where the data hold no transition (all solved or none).
    """
    log_length = np.log(np.asarray(lengths, float))
    success = np.asarray(success, float)
    if success.min() == success.max() or np.unique(log_length).size < 2:
        return math.nan
    start = [1.0, float(np.median(log_length))]
    bounds = [(0.0, MAX_SLOPE), (log_length.min() - 3, log_length.max() + 3)]
    fit = optimize.minimize(_neg_log_likelihood, start, args=(log_length, success),
                            method="L-BFGS-B", bounds=bounds)
    return float(np.exp(fit.x[1]))


def logistic_midpoint_ci(frame: pd.DataFrame, confidence: float = CONFIDENCE,
                         resamples: int = 200, seed: int = BOOTSTRAP_SEED
                         ) -> tuple[float, float, float]:
    """(L50, low, high): the fit, and a bootstrap over seeds (each seed's whole row of
    lengths resampled together) refitted each time. Covariance intervals of this fit were
    measured overconfident, hence the bootstrap."""
    estimate = logistic_midpoint(frame["seq_len"], frame["solved"])
    if math.isnan(estimate):
        return math.nan, math.nan, math.nan
    seeds = frame["seed"].unique()
    by_seed = {s: frame[frame["seed"] == s] for s in seeds}
    rng = np.random.default_rng(seed)
    draws = []
    # One BLAS thread: L-BFGS-B's tiny vector operations gain nothing from threads, and a
    # second thread waiting for a busy core made these refits 3-10x slower (measured beside
    # a running benchmark). Vectors of length 2 sum in the same order either way.
    with threadpool_limits(1, user_api="blas"):
        for _ in range(resamples):
            sample = pd.concat([by_seed[s] for s in rng.choice(seeds, size=len(seeds))])
            draws.append(logistic_midpoint(sample["seq_len"], sample["solved"]))
    draws = np.asarray(draws)
    draws = draws[np.isfinite(draws)]
    if draws.size < resamples / 2:  # most resamples hold no transition: no honest interval
        return estimate, math.nan, math.nan
    tail = (1 - confidence) / 2 * 100
    return estimate, float(np.percentile(draws, tail)), float(np.percentile(draws, 100 - tail))


def error_growth(lengths, normalised_errors) -> tuple[float, float, float]:
    """Theil-Sen slope of log10 normalised error against log10 length, with its 95 % interval:
    how fast the error grows with length, robust to one odd length."""
    x = np.log10(np.asarray(lengths, float))
    y = np.log10(np.clip(np.asarray(normalised_errors, float), ERROR_FLOOR, None))
    if np.unique(x).size < 2:
        return math.nan, math.nan, math.nan
    slope, _, low, high = stats.theilslopes(y, x, alpha=CONFIDENCE)
    return float(slope), float(low), float(high)


def horizon_bracket(lengths, success_rates, threshold: float = SOLVED_SHARE
                    ) -> tuple[float, float]:
    """(low, high): ``horizon`` and the next length run above it (where it failed; inf when
    the horizon is the longest length; the shortest length when nothing held)."""
    low = horizon(lengths, success_rates, threshold)
    above = [float(n) for n in lengths if n > low]
    return low, min(above, default=math.inf)


def seed_brackets(frame: pd.DataFrame) -> pd.DataFrame:
    """Per seed of one (task, model) (columns seq_len, seed, solved): its own bracket, the
    longest length it solved with every shorter one, and the next length above."""
    rows = []
    for seed, cells in frame.groupby("seed", sort=True):
        low, high = horizon_bracket(cells["seq_len"], cells["solved"].astype(float))
        rows.append({"seed": seed, "seed_low": low, "seed_high": high})
    return pd.DataFrame(rows)


def median_coverage(n: int, k: int) -> float:
    """P(X_(k) <= median <= X_(n-k+1)) for n draws of a continuous quantity: the seeds on
    either side of the median are binomial(n, 1/2), whatever the distribution."""
    return float(1 - 2 * stats.binom.cdf(k - 1, n, 0.5))


def order_statistic_interval(n: int, confidence: float = CONFIDENCE
                             ) -> tuple[int, int, float]:
    """(k, n - k + 1, coverage): the narrowest pair of order statistics whose interval covers
    the median with at least ``confidence``; where no pair does (fewer than 6 seeds at 95 %),
    the whole range (k = 1) with the coverage it has: 3 seeds 0.75, 5 seeds 0.94, 1 seed 0."""
    k = max((k for k in range(1, n // 2 + 1) if median_coverage(n, k) >= confidence),
            default=1)
    return k, n - k + 1, median_coverage(n, k)


def median_horizon(seed_lows, seed_highs, confidence: float = CONFIDENCE) -> dict:
    """The horizon with the seed as the unit: each seed's own bracket [low, high) holds its
    horizon; the median seed's bracket is [middle low, middle high) (for an even count, from
    the lower middle low to the upper middle high: both middle seeds), and the interval for
    the median is [k-th low, (n-k+1)-th high) with its binomial coverage, which says how
    little a few seeds pin down. No seeds: NaN."""
    lows, highs = np.sort(np.asarray(seed_lows, float)), np.sort(np.asarray(seed_highs, float))
    n = lows.size
    if n == 0:
        return {"n_seeds": 0, "seed_median_low": math.nan, "seed_median_high": math.nan,
                "seed_ci_low": math.nan, "seed_ci_high": math.nan, "seed_ci_coverage": math.nan}
    k, upper, coverage = order_statistic_interval(n, confidence)
    return {"n_seeds": n, "seed_median_low": float(lows[(n - 1) // 2]),
            "seed_median_high": float(highs[n // 2]),
            "seed_ci_low": float(lows[k - 1]), "seed_ci_high": float(highs[upper - 1]),
            "seed_ci_coverage": coverage}


def widen_to_probed(low: float, high: float, lengths) -> tuple[float, float]:
    """The smallest interval with probed lengths as ends that contains [low, high]: the data
    cannot place a crossing between two lengths that were run. 0 / inf: open below the
    shortest / above the longest length."""
    probed = sorted({float(n) for n in lengths})
    below = [n for n in probed if n <= low]
    above = [n for n in probed if n >= high]
    return (below[-1] if below else 0.0), (above[0] if above else math.inf)


def l50_interval(frame: pd.DataFrame) -> tuple[float, float, float]:
    """(L50, low, high) for one (task, model): the logistic fit and its seed bootstrap, the
    interval widened to the probed lengths. Without a transition in the data (all solved, or
    none) there is no estimate, and the interval says on which side of the lengths L50 lies."""
    lengths = frame["seq_len"]
    estimate, low, high = logistic_midpoint_ci(frame)
    if math.isnan(estimate):
        if frame["solved"].all():
            return math.nan, float(lengths.max()), math.inf
        if not frame["solved"].any():
            return math.nan, 0.0, float(lengths.min())
        return math.nan, *widen_to_probed(lengths.min(), lengths.max(), lengths)
    low = estimate if math.isnan(low) else min(low, estimate)
    high = estimate if math.isnan(high) else max(high, estimate)
    return estimate, *widen_to_probed(low, high, lengths)


def with_implied_failures(frame: pd.DataFrame) -> pd.DataFrame:
    """One (task, model)'s cells (seq_len, seed, solved), with a failure added for each seed at
    each length the others ran above the first length that seed failed. The horizon search
    does not run a seed there (its bracket is already below); counting it as failed there is
    the seed-as-unit rule, and leaving it out would count only the seeds still solving."""
    lengths = np.sort(frame["seq_len"].unique())
    added = []
    for seed, cells in frame.groupby("seed", sort=True):
        failed = cells.loc[~cells["solved"].astype(bool), "seq_len"]
        if failed.empty:
            continue
        ran = set(cells["seq_len"])
        added += [{"seq_len": n, "seed": seed, "solved": False}
                  for n in lengths if n > failed.min() and n not in ran]
    if not added:
        return frame
    return pd.concat([frame, pd.DataFrame(added)], ignore_index=True)


def _stitched(group: pd.DataFrame) -> dict:
    """Per length, the share of the (task, model)'s seeds that solved it, whichever seeds
    (failures implied where a seed did not run): the older, stitched bracket, shown beside the
    median seed's and named as what it is."""
    cells = with_implied_failures(group[["seq_len", "seed", "solved"]])
    by_length = cells.groupby("seq_len")["solved"].agg(["sum", "size"]).reset_index()
    rate = by_length["sum"] / by_length["size"]
    low, high = horizon_bracket(by_length["seq_len"], rate)
    return {"horizon_low": low, "horizon_high": high,
            # False where a length above the horizon was solved again (a failure below it)
            "monotone": not bool(((by_length["seq_len"] > low) & (rate >= SOLVED_SHARE)).any()),
            "success_pattern": success_pattern(by_length["seq_len"], by_length["sum"],
                                               by_length["size"])}


def _graded(agg: pd.DataFrame) -> dict:
    """The horizon under the graded rule (beats the memoryless baseline), where recorded."""
    if "beats_rate" not in agg or agg["beats_rate"].isna().any():
        return {"beats_low": math.nan, "beats_high": math.nan, "beats_pattern": ""}
    low, high = horizon_bracket(agg["seq_len"], agg["beats_rate"])
    return {"beats_low": low, "beats_high": high,
            "beats_pattern": success_pattern(agg["seq_len"],
                                             (agg["beats_rate"] * agg["n"]).round(), agg["n"])}


def _seed_median(group: pd.DataFrame) -> dict:
    seeds = seed_brackets(group)
    return median_horizon(seeds["seed_low"], seeds["seed_high"])


def horizons(summary: pd.DataFrame, per_length: pd.DataFrame,
             tuning: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (task, model): the horizon bracket, L50 with its interval, error growth, the
    lengths probed and the CPU-seconds spent (tuning cells included when given).
    ``per_length`` is ``aggregate(summary)`` (computed once by the caller: it bootstraps)."""
    ok = usable(summary)
    rows = []
    for (task, model), group in ok.groupby(["task", "model"], sort=True, observed=True):
        agg = per_length[(per_length["task"] == task) & (per_length["model"] == model)]
        l50, l50_low, l50_high = l50_interval(with_implied_failures(
            group[["seq_len", "seed", "solved"]]))
        slope, s_low, s_high = error_growth(group["seq_len"], group["normalised_error"])
        cpu = summary.loc[(summary["task"] == task) & (summary["model"] == model),
                          "wall_seconds"].sum()
        if tuning is not None and len(tuning):
            cpu += tuning.loc[(tuning["task"] == task) & (tuning["model"] == model),
                              "wall_seconds"].sum()
        rows.append({
            "task": task, "model": model, "model_label": agg["model_label"].iloc[0],
            "n_probed": int(agg["seq_len"].nunique()),
            "shortest": int(agg["seq_len"].min()), "longest": int(agg["seq_len"].max()),
            **_stitched(group),
            "l50": l50, "l50_low": l50_low, "l50_high": l50_high,
            "growth_slope": slope, "growth_low": s_low, "growth_high": s_high,
            "cpu_seconds": cpu,
            **_seed_median(group),
            **_graded(agg),
        })
    return pd.DataFrame(rows)
