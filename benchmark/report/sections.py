"""The sections of report.md, one function each, all reading one ``ReportContext``.

Each section returns its lines; ``SECTIONS`` is their order. Nothing here computes a
statistic (the tables come in the context, benchmark/report/context.py) or names a figure
file (figures and their captions are declared in benchmark/report/catalogue.py).
"""

from __future__ import annotations

import pandas as pd

from benchmark.analysis.horizon_stats import median_coverage
from benchmark.report.catalogue import figure_lines
from benchmark.report.context import ReportContext
from benchmark.report.dynamics_report import decay_over_input_lines
from benchmark.report.extrapolation_report import extrapolation_section
from benchmark.report.markdown import fmt, percent, share_words, table
from benchmark.report.mechanism_report import mechanism_section
from benchmark.report.method_sections import (
    cost_section,
    diagnostics_section,
    differences_section,
    gradient_section,
    rules_section,
    tuning_section,
    variants_section,
)
from benchmark.report.provenance import cell_commit_counts, provenance_lines
from benchmark.report.scaling_report import scaling_section
from benchmark.report.summary import summary_lines
from benchmark.report.tables import (
    effective_window_text,
    error_table,
    graded_cell,
    grid_lines,
    horizon_cell,
    winners_table,
)
from core.rules import (
    CONFIDENCE,
    SIGNIFICANCE,
    SOLVED_SHARE,
)
from models.registry import LENGTH_MARK


def header_section(ctx: ReportContext) -> list[str]:
    env, summary = ctx.run.get("environment", {}), ctx.summary
    lines = [f"# longdep report: {ctx.root.name}", ""]
    lines += [f"Run started {ctx.run.get('started', '?')}, finished "
              f"{ctx.run.get('finished', '?')}. "
              f"{len(summary)} cells ({int((summary['status'] == 'error').sum())} crashed, "
              f"{int((summary['status'] == 'diverged').sum())} diverged).", ""]
    lines += provenance_lines(cell_commit_counts(summary, ctx.tuning_summary),
                              env.get("git_commit", "unknown")) + [""]
    if ctx.grid.get("description"):
        lines += [f"Preset: {ctx.grid['description']}", ""]
    lines += summary_lines(ctx.horizons, ctx.agg, ctx.tasks, ctx.controls, ctx.labels,
                           ctx.single_length)
    lines += ["", *figure_lines(ctx, "learning_curves" if ctx.single_length
                                else "memory_horizon")]
    matched = []
    if ctx.grid.get("match_params"):  # each model's own hidden size, from its cells
        sizes = ctx.summary.groupby("model")[["hidden_size", "n_params"]].median()
        matched = [f"- hidden size per model, matched to {ctx.grid['match_params']} "
                   "parameters: " + ", ".join(
                       f"{ctx.labels[m]} {int(sizes.loc[m, 'hidden_size'])} "
                       f"({int(sizes.loc[m, 'n_params'])} parameters)"
                       for m in ctx.models if m in sizes.index)]
    return lines + ["<details><summary>Grid: the settings of this run</summary>", ""] \
        + grid_lines(ctx.grid) + matched + ["", "</details>", ""]


def _seeds_for(confidence: float) -> int:
    """The fewest seeds whose range covers the median with ``confidence``."""
    return next(n for n in range(1, 100) if median_coverage(n, 1) >= confidence)


def _horizon_intro(ctx: ReportContext) -> list[str]:
    if ctx.single_length:
        lines = ["## Outcome", "",
                 "One length per task, so no horizon can be bracketed: seeds solved at that "
                 "length (test set).", ""]
    else:
        lines = ["## Memory horizon", "",
                 "Per seed, the measurement: each seed's own bracket [low, high) (the longest "
                 "length it solved on the test set with every shorter length it ran solved, "
                 "and the next length it ran); the model's horizon is the median seed's "
                 "bracket, in the interval between order statistics that covers the median "
                 "with the stated probability (binomial: the range of 3 seeds covers it "
                 f"{percent(round(median_coverage(3, 1), 2))} of the time, of 5 seeds "
                 f"{percent(round(median_coverage(5, 1), 2))}; {percent(CONFIDENCE)} from "
                 f"{_seeds_for(CONFIDENCE)} seeds on). "
                 "Stitched, shown beside it: every length up to low was solved "
                 f"by at least {share_words(SOLVED_SHARE)} the seeds (test set), not necessarily "
                 f"the same seeds at each length, high is the next length run and was "
                 "not (∞: solved up to the longest length run; 0: the shortest failed). L50: "
                 f"where a logistic fit of success on log length crosses 50 %, with its "
                 f"{percent(CONFIDENCE)} "
                 "bootstrap interval over seeds widened to the lengths that were run, since the "
                 "data cannot place a crossing between two of them (under perfect separation "
                 "the interval is exactly that gap). Per-seed brackets: `seed_horizons.csv`.",
                 ""]
    if ctx.search is not None:
        climb = sorted(ctx.search.loc[ctx.search["reason"] == "climb", "seq_len"].unique())
        if "n_solved_through" in ctx.search:  # the median seed's rule
            rule = ("while the median seed solved on validation that length and every shorter "
                    "one, then bisected the median seed's bracket in log length to a ratio of "
                    f"{ctx.grid.get('resolution', '?')}; at each length only the seeds that "
                    "had failed no shorter length ran")
        else:  # a run made before the seed was the unit of the search
            rule = (f"while at least {share_words(SOLVED_SHARE)} the seeds solved that length "
                    "on validation (whichever seeds: the older, stitched rule), confirmed its "
                    "first failure one length above, then bisected in log length to a ratio "
                    f"of {ctx.grid.get('resolution', '?')}")
        lines += [f"Lengths chosen by the horizon search: each (task, model) climbed "
                  f"{', '.join(map(str, climb))} {rule}; ticks in the "
                  "figure are the lengths each model ran, the label its CPU time. Every probe "
                  "and its reason: `search.csv`.", ""]
    return lines


def _outcome_text(ctx: ReportContext, task: str, model: str, row) -> str:
    """A control task's or a one-length run's cell: what was solved, not a horizon."""
    text = f"solved/seeds by T: {row['success_pattern']}"
    if ctx.task(task).effective_window is not None:
        mine = ctx.usable[(ctx.usable["task"] == task) & (ctx.usable["model"] == model)]
        text += "; effective window by T: " + effective_window_text(mine, ctx.task(task))
    return text


def _horizon_table(ctx: ReportContext) -> str:
    controls = ctx.controls
    body = []
    for model in ctx.models:
        row = [ctx.labels[model]]
        for task in ctx.tasks:
            match = ctx.horizons[(ctx.horizons["task"] == task)
                                 & (ctx.horizons["model"] == model)]
            if match.empty:
                row.append("–")
            elif task in controls or ctx.single_length:
                row.append(_outcome_text(ctx, task, model, match.iloc[0]))
            else:
                row.append(horizon_cell(match.iloc[0]))
        body.append(row)
    header = [f"{t} (control)" if t in controls else t for t in ctx.tasks]
    return table(["model"] + header, body)


def horizon_section(ctx: ReportContext) -> list[str]:
    controls = ctx.controls
    lines = _horizon_intro(ctx) + [_horizon_table(ctx), ""]
    if controls:
        lines += [f"{', '.join(controls)}: a control task without a dependency gap (its answer "
                  "lies in the last steps), showing that training works at every length; its "
                  "lengths are window sizes, not distances to bridge. Effective window: the "
                  "shortest window whose optimal linear predictor scores like the model (median "
                  "over seeds [range]; ∞: better than any linear window it was shown); a "
                  "window that grows with T is noise averaging, not recall of a distant "
                  "input.", ""]
    rules = [f"{task}: {ctx.task(task).success_rule}" for task in ctx.tasks]
    lines += ["Success rules: " + "; ".join(rules) + ".", ""]
    if ctx.single_length:
        return lines
    return lines + graded_horizon_lines(ctx, [t for t in ctx.tasks if t not in controls])


def graded_horizon_lines(ctx: ReportContext, tasks: list[str]) -> list[str]:
    """The horizon under the literature's looser rule, beside the strict one."""
    recorded = ctx.horizons[ctx.horizons["task"].isin(tasks)
                            & (ctx.horizons.get("beats_pattern", pd.Series(dtype=str))
                               .fillna("") != "")]
    if recorded.empty:  # cells written before the graded outcome was recorded
        return []
    body = []
    for model in ctx.models:
        row = [ctx.labels[model]]
        for task in tasks:
            match = recorded[(recorded["task"] == task) & (recorded["model"] == model)]
            row.append("–" if match.empty else graded_cell(match.iloc[0]))
        body.append(row)
    rules = [f"{task}: {ctx.task(task).graded_rule()}" for task in tasks]
    return ["**Graded: beats the memoryless baseline.** The papers report a model as learning "
            "a task once it clearly beats the memoryless baseline, a looser rule than "
            "\"solved\" above; the bracket is read the same way, with this rule "
            "(" + "; ".join(rules) + "). –: not recorded (cells written before the graded "
            "outcome existed record it only where their metric determines it)."
            + (" The lengths are those the search chose by the strict rule." if ctx.search
               is not None else ""), "",
            table(["model"] + tasks, body), ""]


def _stop_caveat(stop_margin: float) -> str:
    """Why the winners' errors say little where models solve: training stopped them there."""
    where = ("at the first evaluation under the success threshold, so their errors sit just "
             "below it" if stop_margin == 1 else
             f"at the first validation result at or under the point {fmt(stop_margin)} of the "
             "way from the noise floor to the success threshold, so their errors sit near "
             "that stop")
    return (f"Where models solve the task, training stopped {where} and their order says "
            "little: compare success rates there.")


def winners_section(ctx: ReportContext) -> list[str]:
    return ["## Which model wins", "",
            f"Per task and length, the model with the lowest mean error, its "
            f"{percent(CONFIDENCE)} interval, the "
            "runner-up, and the q-value of their paired comparison (bold: q < "
            f"{SIGNIFICANCE}). " + _stop_caveat(ctx.grid.get("stop_margin", 1.0)), "",
            winners_table(ctx.agg, ctx.comparisons, ctx.labels), ""]


def error_section(ctx: ReportContext) -> list[str]:
    if ctx.single_length:
        lines = ["## Error", ""]
    else:
        lines = ["## Error against length", "", *figure_lines(ctx, "error_vs_length")]
    for task in ctx.tasks:
        metric = ctx.agg[ctx.agg["task"] == task]["metric"].iloc[0]
        lines += ["<details>", f"<summary><b>{task}</b> — mean {metric} "
                  f"[{percent(CONFIDENCE)} CI], seeds solved, per length</summary>", "",
                  error_table(ctx.agg, task, ctx.models, ctx.labels), "", "</details>", ""]
    return lines


def figures_section(ctx: ReportContext) -> list[str]:
    if ctx.single_length:  # the summary shows the training curves
        return []
    return ["## Success rate", "", *figure_lines(ctx, "success_rate"),
            "## Learning curves", "", *figure_lines(ctx, "learning_curves")]


def dynamics_section(ctx: ReportContext) -> list[str]:
    """The recorded dynamics (``--lyapunov``), at initialisation and after training."""
    if ctx.spectra.empty:
        return []
    return ["## Dynamics during training", "",
            "Each cell recorded its dynamics at initialisation, midway and at the end "
            "(`dynamics`, docs/METHODS.md): the Lyapunov spectrum of its state map, the growth "
            "of the leading direction over the input and, where the architecture defines a "
            "per-unit retention, its units' time constants.", "",
            *figure_lines(ctx, "lyapunov_spectrum"), *figure_lines(ctx, "time_constants"),
            *decay_over_input_lines(ctx.usable)]


def mechanism_lines(ctx: ReportContext) -> list[str]:
    return mechanism_section(ctx.mechanism_fit, ctx.labels,
                             lambda name: figure_lines(ctx, name))


def told_length_note(ctx: ReportContext) -> list[str]:
    """What the length mark means, where a model of the run carries it."""
    told = [ctx.labels[m] for m in ctx.models if ctx.labels.get(m, "").endswith(LENGTH_MARK)]
    if not told:
        return []
    return [f"{LENGTH_MARK.strip()}: {', '.join(told)} "
            f"{'is' if len(told) == 1 else 'are'} told the sequence length: the "
            "initialisation reads it (the chrono LSTM's T_max = T, the LMU's theta = T, "
            "IndRNN's bound 2^(1/T)), so each length gets a model set up for it, which no "
            "other model is. Compare such a horizon with the same model at a fixed setting "
            "(`chrono=100`, `theta=100`, `bound_steps=100`; preset `zoo_fixed`) before "
            "crediting the architecture.", ""]


def budget_section(ctx: ReportContext) -> list[str]:
    return scaling_section(ctx.scaling, ctx.grid, ctx.labels,
                           lambda name: figure_lines(ctx, name))


SECTIONS = (header_section, horizon_section, told_length_note, winners_section, error_section,
            figures_section, budget_section, extrapolation_section, gradient_section,
            dynamics_section, mechanism_lines,
            differences_section, diagnostics_section, tuning_section, variants_section,
            cost_section, rules_section)


def markdown(ctx: ReportContext) -> str:
    return "\n".join(line for section in SECTIONS for line in section(ctx))
