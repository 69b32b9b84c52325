"""The report's markdown tables and bullet lists, each from one aggregated table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from benchmark.report.markdown import fmt, percent, table
from core.rules import CONFIDENCE, SIGNIFICANCE


def _length(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:g}"


def horizon_bracket_text(low: float, high: float) -> str:
    """``[low, high)`` with ∞ for a model that held to the longest length run."""
    return f"[{_length(low)}, {_length(high)})"


def horizon_cell(row) -> str:
    """``[low, high)``: solved (by half the seeds) up to low, failed at high; L50 with its
    interval widened to the lengths run."""
    text = horizon_bracket_text(row["horizon_low"], row["horizon_high"])
    if not row["monotone"]:
        text += f" (not monotone, solved/seeds by T: {row['success_pattern']})"
    interval = f"[{_length(row['l50_low'])}, {_length(row['l50_high'])}]"
    text += f", L50 {fmt(row['l50'])} {interval}" if np.isfinite(row["l50"]) else \
        f", L50 in {interval}"
    return f"per seed {seed_median_text(row)}; stitched {text}"


def seed_median_text(row) -> str:
    """The median seed's bracket and the order-statistic interval for it, with its coverage
    and the seed count it rests on: ``[40, 48) in [20, 80) (75 %, n = 3)``."""
    return (horizon_bracket_text(row["seed_median_low"], row["seed_median_high"]) + " in "
            + horizon_bracket_text(row["seed_ci_low"], row["seed_ci_high"])
            + f" ({coverage_text(row['seed_ci_coverage'])}, n = {int(row['n_seeds'])})")


def coverage_text(coverage: float) -> str:
    """The order-statistic interval's coverage as the report prints it: "94 %", or "no
    interval" where there are too few seeds (one) to bracket the median at all."""
    return "no interval" if coverage == 0 else f"{coverage:.0%}".replace("%", " %")


def effective_window_text(cells: pd.DataFrame, task) -> str:
    """Per length, the median effective window over seeds and its range over seeds
    (``task.effective_window``: the linear window that scores like the model)."""
    parts = []
    for length, group in cells.groupby("seq_len", sort=True):
        windows = [task.effective_window(m, int(length)) for m in group["final_metric"]]
        low, high = min(windows), max(windows)
        spread = "" if low == high else f" [{_length(low)}, {_length(high)}]"
        parts.append(f"{int(length)}: {_length(float(np.median(windows)))}{spread}")
    return ", ".join(parts)


def graded_cell(row) -> str:
    """The bracket under the graded rule and the seeds that beat the baseline per length."""
    return (f"{horizon_bracket_text(row['beats_low'], row['beats_high'])}; beaten/seeds by T: "
            f"{row['beats_pattern']}")


def differences_in_words(comparisons: pd.DataFrame, labels: dict[str, str],
                         verdict: str) -> list[str]:
    """The comparisons with this verdict ("significant" or "consistent"), one line per
    (task, better model, T, measure): one fact ("the GRU alone solves adding at T = 100")
    is one line naming every model it beats there, each with its means, evidence and per-seed
    differences (better − worse: negative is the better model's lower error or fewer steps)."""
    chosen = comparisons[comparisons["verdict"] == verdict]
    lines = []
    for (task, better, length, measure), rows in chosen.groupby(
            ["task", "better", "seq_len", "measure"], sort=True):
        what = "fewer steps to solve than" if measure == "steps_to_solve" \
            else "lower error than"
        beaten = []
        for _, row in rows.iterrows():
            flip = better != row["model_a"]  # the stored differences are model_a − model_b
            worse = row["model_a"] if flip else row["model_b"]
            mean_better, mean_worse = ((row["mean_b"], row["mean_a"]) if flip
                                       else (row["mean_a"], row["mean_b"]))
            per_seed = " ".join(fmt(-float(d) if flip else float(d))
                                for d in str(row["differences"]).split())
            evidence = (f"q = {fmt(row['q_value'], 2)}" if verdict == "significant" else
                        f"{max(row['n_a_better'], row['n_b_better'])}/{row['n_pairs']} "
                        f"seeds, smallest attainable p {fmt(row['min_p'], 2)}")
            beaten.append(f"{labels[worse]} ({fmt(mean_better)} vs {fmt(mean_worse)}; "
                          f"{evidence}; per seed {per_seed})")
        lines.append(f"- {labels[better]} on {task} at T = {length}: {what} "
                     + ", ".join(beaten))
    return lines


def winners_table(agg: pd.DataFrame, comparisons: pd.DataFrame, labels) -> str:
    body = []
    for (task, length), rows in agg.groupby(["task", "seq_len"], sort=True, observed=True):
        # a model whose every seed diverged scores the baseline but is never "best"
        ranked = rows[rows["n_diverged"] < rows["n"]].sort_values("mean", kind="stable")
        if ranked.empty:
            body.append([task, str(length), "none (every model diverged)", "–", "–", "–"])
            continue
        best = ranked.iloc[0]
        tied = ranked[ranked["mean"] == best["mean"]]
        name = labels[best["model"]] if len(tied) == 1 else \
            "tie: " + ", ".join(labels[m] for m in tied["model"])
        cells = [task, str(length), name,
                 f"{fmt(best['mean'])} [{fmt(best['ci_low'])}, {fmt(best['ci_high'])}]"]
        if len(tied) > 1:
            cells += ["–", "–"]
        elif len(ranked) > 1:
            second = ranked.iloc[1]
            pair = comparisons[(comparisons["task"] == task) & (comparisons["seq_len"] == length)
                               & comparisons["model_a"].isin([best["model"], second["model"]])
                               & comparisons["model_b"].isin([best["model"], second["model"]])]
            q = pair["q_value"].iloc[0] if len(pair) else math.nan
            q_text = fmt(q, 2)
            cells += [f"{labels[second['model']]} {fmt(second['mean'])}",
                      f"**{q_text}**" if q < SIGNIFICANCE else q_text]
        else:
            cells += ["–", "–"]
        body.append(cells)
    return table(["task", "T", "best", f"mean [{percent(CONFIDENCE)} CI]", "runner-up (mean)",
                  "q"], body)


def grid_lines(grid: dict) -> list[str]:
    """The axes, every headline setting, and any other setting not at its default."""
    from benchmark.run.config import SETTINGS

    def show(value) -> str:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)

    keys = ["tasks", "models", "lengths", "seeds"]
    for name, field in SETTINGS.items():
        if field.metadata["spec"].headline or grid.get(name, field.default) != field.default:
            keys.append(name)
        if name == "lr" and grid.get("lr_grid"):  # the tuning grid beside the rate it replaces
            keys += ["lr_grid", "tune_seeds"]
    lines = [f"- {key}: {show(grid[key])}" if not (key == "lr" and grid.get("lr_grid")) else
             "- lr: chosen per (task, model, length) from lr_grid (see \"Learning rate per "
             "model\")" for key in keys if key in grid]
    for task, params in grid.get("task_params", {}).items():
        lines.append(f"- {task} parameters: " + ", ".join(f"{k} = {v}" for k, v in params.items()))
    return lines


def error_table(agg: pd.DataFrame, task: str, models: list[str], labels) -> str:
    rows = agg[agg["task"] == task]
    lengths = sorted(rows["seq_len"].unique())
    body = []
    for model in [m for m in models if m in set(rows["model"])]:
        cells = []
        for length in lengths:
            match = rows[(rows["model"] == model) & (rows["seq_len"] == length)]
            if match.empty:  # a length this model did not run (horizon search)
                cells.append("–")
                continue
            r = match.iloc[0]
            diverged = f" ({int(r['n_diverged'])} diverged)" if r["n_diverged"] else ""
            cells.append(f"{fmt(r['mean'])} [{fmt(r['ci_low'])}, {fmt(r['ci_high'])}] "
                         f"{int(round(r['success_rate'] * r['n']))}/{r['n']}{diverged}")
        body.append([labels[model]] + cells)
    return table(["model"] + [f"T = {length}" for length in lengths], body)


def variant_table(effects: pd.DataFrame, labels) -> list[str]:
    """Per (base, variant) pair: seeds solved by each, at every shared rate and at their own."""
    lines = []
    for (base, variant), rows in effects.groupby(["base", "variant"], sort=False):
        shared = sorted({r for r in rows["lr"] if r != "own"}, key=float)
        rates = shared + (["own"] if (rows["lr"] == "own").any() else [])
        body = []
        for (task, length), cells in rows.groupby(["task", "seq_len"], sort=True):
            by_rate = {r.lr: f"{r.base_solved}/{r.n} → {r.variant_solved}/{r.n}"
                       + (f" ({r.base_lr:g} vs {r.variant_lr:g})" if r.lr == "own" else "")
                       for r in cells.itertuples()}
            body.append([task, str(length)] + [by_rate.get(rate, "–") for rate in rates])
        header = [f"lr {rate} (validation)" for rate in shared] + \
            (["own rates (test)"] if "own" in rates else [])
        lines += [f"**{labels.get(base, base)} → {labels.get(variant, variant)}**, seeds solved "
                  "(base → variant):", "", table(["task", "T"] + header, body), ""]
    return lines
