"""The sections of report.md about mechanism and method: gradients, differences between
models, training diagnostics, learning rates, variants, cost and the rules; one function each,
all reading one ``ReportContext`` (benchmark/report/sections.py puts them in order)."""

from __future__ import annotations

import pandas as pd

from benchmark.report.catalogue import figure_lines
from benchmark.report.context import ReportContext
from benchmark.report.markdown import fmt, percent, table, times
from benchmark.report.tables import (
    differences_in_words,
    variant_table,
)
from core.rules import (
    CHANCE_BAND,
    CONFIDENCE,
    DIVERGENCE_FACTOR,
    MIN_BOOTSTRAP_N,
    MIN_PAIRS_FOR_CONSISTENT,
    SIGNIFICANCE,
)


def gradient_section(ctx: ReportContext) -> list[str]:
    lines = ["## Gradients: the mechanism", "", *figure_lines(ctx, "gradient_through_time"),
             *figure_lines(ctx, "gradient_reach"), *figure_lines(ctx, "gradient_norm")]
    lengths = sorted(ctx.agg["seq_len"].unique())
    body = []
    for task in ctx.tasks:
        for model in ctx.models:
            rows = ctx.agg[(ctx.agg["task"] == task) & (ctx.agg["model"] == model)]
            if rows.empty:
                continue
            by_length = rows.set_index("seq_len")
            reach = [f"{fmt(by_length.loc[n, 'grad_reach_fraction_init'], 2)} → "
                     f"{fmt(by_length.loc[n, 'grad_reach_fraction_end'], 2)}"
                     if n in by_length.index else "–" for n in lengths]
            body.append([task, ctx.labels[model], fmt(rows["grad_decay_init"].mean()),
                         fmt(rows["grad_decay_end"].mean()), *reach])
    return lines + ["Through-time summaries, means over seeds. Decay: slope of log10 ‖∂L/∂x_t‖ "
                    "per step of distance (negative vanishes), mean over lengths. Reach: the "
                    "farthest distance still above the threshold as a fraction of the whole "
                    "input (1: the signal spans it), at initialisation → at the end, per T. The "
                    "initialisation column is what the gradient carries before anything is learnt "
                    "(how far it predicts the horizons: Mechanism against outcome, where the "
                    "run has `dynamics_init.csv`); the end of training shows what the trained "
                    "model relies on, as much a consequence of solving as a cause.", "",
                    table(["task", "model", "decay at init (log10/step)",
                           "decay at end (log10/step)", *[f"reach T = {n}" for n in lengths]],
                          body), ""]


def differences_section(ctx: ReportContext) -> list[str]:
    significant = differences_in_words(ctx.comparisons, ctx.labels, "significant")
    consistent = differences_in_words(ctx.comparisons, ctx.labels, "consistent")
    n_seeds = int(ctx.comparisons["n_pairs"].max()) if len(ctx.comparisons) else 0
    floor = 2.0 / 2 ** n_seeds if n_seeds else float("nan")
    lines = ["## Differences between models", "",
             "Paired by seed (every model sees the same data) with the exact sign-flip "
             f"permutation test, Benjamini–Hochberg over all {len(ctx.comparisons)} "
             f"comparisons, q < {SIGNIFICANCE}. Where both models solved on every seed their "
             "errors only reflect where training stopped, so steps to solve are compared "
             "instead. A from-scratch twin is left out beside its library model (same "
             f"numbers by construction). With {n_seeds} seed(s) the smallest p any test can "
             f"give is {fmt(floor, 2)}"
             + (", so nothing can be significant" if floor >= SIGNIFICANCE else "")
             + (f". A difference every seed agrees on is listed as consistent from "
                f"{MIN_PAIRS_FOR_CONSISTENT} seeds on (at fewer, agreement is too likely by "
                f"chance: {percent(2 / 2 ** max(n_seeds, 1))} at {n_seeds})"
                if n_seeds < MIN_PAIRS_FOR_CONSISTENT else
                f". A difference all {n_seeds} seeds agree on, not significant, is listed as "
                "consistent with its per-seed values")
             + ". Full table: `comparisons.csv`.", ""]
    lines += ["**Significant**", ""] + (significant or ["- none"]) + [""]
    if consistent:
        lines += ["**Consistent across all seeds, not significant at this n**", ""] \
            + consistent + [""]
    return lines


def cost_section(ctx: ReportContext) -> list[str]:
    if ctx.single_length:
        cells = ctx.usable.groupby("model", observed=True)["seconds_per_step"].median()
        return ["## Cost", "",
                "Seconds per training step (forward, backward, optimiser) on one CPU thread, "
                "median over cells: " + ", ".join(f"{ctx.labels[m]} {cells[m]:.2g} s"
                                                   for m in ctx.models if m in cells.index)
                + ".", ""]
    return ["## Cost", "", *figure_lines(ctx, "cost")]


def rules_section(ctx: ReportContext) -> list[str]:
    env = ctx.run.get("environment", {})
    return ["## Rules", "",
            "- Error: the test metric of a cell on its fixed test set, read once after "
            "training; every stop, best value and learning-rate choice was made on a separate "
            "validation set.",
            "- A cell whose loss became NaN/inf, or whose test error is non-finite or above "
            f"{times(DIVERGENCE_FACTOR)} the baseline, is `diverged`: it counts as not solved, "
            f"with the task's "
            "baseline as its error, never as missing data, and is never named best. A cell "
            "that crashed (`error`) is left out of the statistics and counted.",
            f"- Intervals are {percent(CONFIDENCE)}: of the mean error (cut to the metric's "
            "range: 0 to 1 for error rates, from 0 for MSE), Student's t "
            f"below {MIN_BOOTSTRAP_N} seeds "
            "(a bootstrap over 3 values would only give their range) and a percentile "
            "bootstrap with a "
            f"fixed seed from {MIN_BOOTSTRAP_N} on; none for one seed; Wilson for success rates; "
            f"horizons "
            "and L50 widened to the lengths run.", "",
            "<details><summary>Environment</summary>", ""] \
        + [f"- {key}: {env[key]}" for key in sorted(env)] + ["", "</details>", ""] \
        + ["Tables: `summary.csv` (one row per cell), `stats.csv`, `comparisons.csv`, "
           "`horizons.csv`; long tables `curves.parquet`, `gradients.parquet`.", ""]


def _tie_rule(tuning: pd.DataFrame) -> str:
    """How ties between rates were broken, by the rule of the code that chose them (a table
    without ``n_diverged`` was chosen by the earlier rule)."""
    if "n_diverged" not in tuning:
        return "Ties go to the rate that solved in fewer steps."
    return ("Ties go to the rate with fewer diverged seeds, then the lower validation loss, "
            "then the rate nearest the middle of the grid.")


def tuning_section(ctx: ReportContext) -> list[str]:
    if ctx.tuning is None:
        return []
    tuning, summary, models, labels = ctx.tuning, ctx.summary, ctx.models, ctx.labels
    chosen = tuning[tuning["chosen"]]
    lines = ["## Learning rate per model", "",
             "Each (task, model, length) trained every rate of the grid on its own tuning seeds "
             "and was scored on a validation set independent of the test set; the evaluation "
             f"seeds then ran at the chosen rate. {_tie_rule(tuning)} "
             "Full table: `lr_selection.csv`.", "", *figure_lines(ctx, "learning_rate")]
    lengths = sorted(chosen["seq_len"].unique())
    body = []
    for task in dict.fromkeys(chosen["task"]):
        for model in models:
            rows = chosen[(chosen["task"] == task) & (chosen["model"] == model)]
            if len(rows):
                marks = {r.seq_len: f"{r.lr:g}" + ("*" if getattr(r, "all_at_chance", False)
                                                   else "") + ("†" if getattr(r, "at_edge", False)
                                                               else "")
                         for r in rows.itertuples()}
                body.append([task, labels[model]] + [marks.get(n, "–") for n in lengths])
    lines += [table(["task", "model"] + [f"T = {n}" for n in lengths], body), "",
              f"\\* every rate's validation error was within {percent(CHANCE_BAND)} of chance: "
              f"the choice is "
              "arbitrary. † the choice is the smallest or largest rate of the grid: a better "
              "one may lie outside it.", ""]
    tune_cost, eval_cost = tuning["cpu_seconds"].sum(), summary["wall_seconds"].sum()
    lines += [f"Cost: tuning took {tune_cost / 3600:.2f} CPU-hours, evaluation "
              f"{eval_cost / 3600:.2f} ({tune_cost / max(eval_cost, 1e-9):.1f}x); every model "
              "had the same step budget per cell.", ""]
    return lines


def _diagnostic(row) -> str:
    clipped = row["clipped_fraction"]
    clip = "clip –" if pd.isna(clipped) else f"clip {clipped:.0%}"
    return f"{clip} · train {fmt(row['train_loss_end'])} · test {fmt(row['final_metric'])}"


def diagnostics_section(ctx: ReportContext) -> list[str]:
    if ctx.diagnostics is None or ctx.diagnostics.empty:
        return []
    lines = ["## Training diagnostics", "",
             "Beside each score, what training did (medians over seeds): the share of steps "
             "whose gradient norm was clipped, the training loss at the end, and the test "
             "metric. A training loss far under the test error is overfitting; clipping on "
             "most steps is a model pressing against the clip.", ""]
    for task in ctx.tasks:
        rows = ctx.diagnostics[ctx.diagnostics["task"] == task]
        lengths = sorted(rows["seq_len"].unique())
        body = []
        for model in [m for m in ctx.models if m in set(rows["model"])]:
            cells = rows[rows["model"] == model].set_index("seq_len")
            body.append([ctx.labels[model]] + [
                "–" if n not in cells.index else
                _diagnostic(cells.loc[n]) for n in lengths])
        lines += ["<details>", f"<summary><b>{task}</b></summary>", "",
                  table(["model"] + [f"T = {n}" for n in lengths], body), "", "</details>", ""]
    return lines


def variants_section(ctx: ReportContext) -> list[str]:
    if ctx.variants is None or ctx.variants.empty:
        return []
    shared = ctx.variants["lr"].ne("own").any()
    intro = ("A variant and its base model usually get different rates from the selection, "
             "which mixes the variant's effect with the rate's. ")
    intro += ("Here both at every shared rate of the grid (the tuning seeds, scored on "
              "validation) and at each one's own chosen rate (the evaluation seeds, scored on "
              "the test set; the two rates in brackets)." if shared else
              "Every cell ran at one shared rate, so the table compares like with like.")
    return ["## Variants against their base model", "", intro, "",
            *variant_table(ctx.variants, ctx.labels), "Full table: `variants.csv`.", ""]
