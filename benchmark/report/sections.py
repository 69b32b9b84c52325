"""The sections of report.md, one function each, all reading one ``ReportContext``.

Each section returns its lines; ``SECTIONS`` is their order. Nothing here computes a
statistic: the tables come in the context, computed once by ``write_report``.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pandas as pd

from benchmark.report.data import THROUGH_TIME_CHECKPOINTS, curve_lengths, run_tasks
from benchmark.report.markdown import fmt, percent, power_of_ten, share_words, table, times
from benchmark.report.summary import summary_lines
from benchmark.report.tables import (
    differences_in_words,
    effective_window_text,
    error_table,
    graded_cell,
    grid_lines,
    horizon_cell,
    variant_table,
    winners_table,
)
from benchmark.run.schema import usable
from core.rules import (
    CHANCE_BAND,
    CONFIDENCE,
    DIVERGENCE_FACTOR,
    MIN_BOOTSTRAP_N,
    MIN_SEEDS_FOR_BAND,
    REACH_FRACTION,
    SIGNIFICANCE,
    SOLVED_SHARE,
)


@dataclasses.dataclass
class ReportContext:
    """Everything a section may show: the run's record and its aggregated tables."""

    root: Path
    run: dict
    grid: dict
    summary: pd.DataFrame
    agg: pd.DataFrame
    comparisons: pd.DataFrame
    horizons: pd.DataFrame
    focus: dict[str, int]
    models: list[str]
    labels: dict[str, str]
    has_through: bool
    tuning: pd.DataFrame | None
    search: pd.DataFrame | None = None
    variants: pd.DataFrame | None = None
    diagnostics: pd.DataFrame | None = None
    single_length: bool = False  # one length per task: no length-sweep figures
    task_objects: dict | None = None  # the run's task objects, if the caller built them

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(self.agg["task"]))

    @functools.cached_property
    def _task_objects(self) -> dict:
        return self.task_objects if self.task_objects is not None else \
            run_tasks(self.grid, self.tasks)

    def task(self, key: str):
        """The run's task object, with the run's parameters (a variant may change its rule)."""
        return self._task_objects[key]

    @property
    def controls(self) -> list[str]:
        """The control tasks (no dependency gap) among the run's."""
        return [t for t in self.tasks if self.task(t).control]


def tuning_section(ctx: ReportContext) -> list[str]:
    if ctx.tuning is None:
        return []
    tuning, summary, models, labels = ctx.tuning, ctx.summary, ctx.models, ctx.labels
    chosen = tuning[tuning["chosen"]]
    lines = ["## Learning rate per model", "",
             "Each (task, model, length) trained every rate of the grid on its own tuning seeds "
             "and was scored on a validation set independent of the test set; the evaluation "
             "seeds then ran at the chosen rate. Ties go to the rate that solved in fewer steps. "
             "Full table: `lr_selection.csv`.", "",
             "![learning rate](figures/learning_rate.png)", "",
             "Read off: validation error against learning rate at the length where the models "
             "part ways; the chosen rate is the lowest point of each line.", ""]
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


def header_section(ctx: ReportContext) -> list[str]:
    env, summary = ctx.run.get("environment", {}), ctx.summary
    lines = [f"# longdep report: {ctx.root.name}", ""]
    lines += [f"Run started {ctx.run.get('started', '?')}, finished "
              f"{ctx.run.get('finished', '?')}; code at commit "
              f"`{env.get('git_commit', 'unknown')}`. "
              f"{len(summary)} cells ({int((summary['status'] == 'error').sum())} crashed, "
              f"{int((summary['status'] == 'diverged').sum())} diverged).", ""]
    if ctx.grid.get("description"):
        lines += [f"Preset: {ctx.grid['description']}", ""]
    lines += summary_lines(ctx.horizons, ctx.agg, ctx.tasks, ctx.controls, ctx.labels,
                           ctx.single_length)
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


def horizon_section(ctx: ReportContext) -> list[str]:
    if ctx.single_length:
        lines = ["## Outcome", "",
                 "One length per task, so no horizon can be bracketed: seeds solved at that "
                 "length (test set).", ""]
    else:
        lines = ["## Memory horizon", "",
                 "Each model's horizon bracket [low, high): every length up to low was solved "
                 f"by at least {share_words(SOLVED_SHARE)} the seeds (test set), high is the next "
                 f"length run and was "
                 "not (∞: solved up to the longest length run; 0: the shortest failed). L50: "
                 f"where a logistic fit of success on log length crosses 50 %, with its "
                 f"{percent(CONFIDENCE)} "
                 "bootstrap interval over seeds widened to the lengths that were run, since the "
                 "data cannot place a crossing between two of them (under perfect separation "
                 "the interval is exactly that gap). Per-seed brackets: `seed_horizons.csv`.",
                 ""]
    if ctx.search is not None:
        climb = sorted(ctx.search.loc[ctx.search["reason"] == "climb", "seq_len"].unique())
        lines += [f"Lengths chosen by the horizon search: each (task, model) climbed "
                  f"{', '.join(map(str, climb))} while at least {share_words(SOLVED_SHARE)} the "
                  f"seeds solved on "
                  "validation, confirmed its first failure one length above, then bisected in "
                  f"log length to a ratio of {ctx.grid.get('resolution', '?')}; ticks in the "
                  "figure are the lengths each model ran, the label its CPU time. Every probe "
                  "and its reason: `search.csv`.", ""]
    controls = ctx.controls
    cells = usable(ctx.summary)
    body = []
    for model in ctx.models:
        row = [ctx.labels[model]]
        for task in ctx.tasks:
            match = ctx.horizons[(ctx.horizons["task"] == task)
                                 & (ctx.horizons["model"] == model)]
            if match.empty:
                row.append("–")
            elif task in controls or ctx.single_length:  # what was solved, not a horizon
                text = f"solved/seeds by T: {match.iloc[0]['success_pattern']}"
                if hasattr(ctx.task(task), "effective_window"):
                    mine = cells[(cells["task"] == task) & (cells["model"] == model)]
                    text += "; effective window by T: " + effective_window_text(
                        mine, ctx.task(task))
                row.append(text)
            else:
                row.append(horizon_cell(match.iloc[0]))
        body.append(row)
    header = [f"{t} (control)" if t in controls else t for t in ctx.tasks]
    lines += [table(["model"] + header, body), ""]
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


def winners_section(ctx: ReportContext) -> list[str]:
    return ["## Which model wins", "",
            f"Per task and length, the model with the lowest mean error, its "
            f"{percent(CONFIDENCE)} interval, the "
            "runner-up, and the q-value of their paired comparison (bold: q < "
            f"{SIGNIFICANCE}). Where models solve the task, training stopped at the first "
            "evaluation under the success threshold, so their errors sit just below it and "
            "their order says little: compare success rates there.", "",
            winners_table(ctx.agg, ctx.comparisons, ctx.labels), ""]


def error_section(ctx: ReportContext) -> list[str]:
    if ctx.single_length:
        lines = ["## Error", ""]
    else:
        lines = ["## Error against length", "",
                 "![error versus length](figures/error_vs_length.png)", "",
                 "Read off: where each line leaves the floor and climbs to the dashed "
                 "memoryless baseline is where that model stops carrying the information "
                 f"across T steps (mean over seeds; dots: the seeds; band: {percent(CONFIDENCE)} "
                 f"interval of the "
                 f"mean, Student's t below {MIN_BOOTSTRAP_N} seeds, drawn from "
                 f"{MIN_SEEDS_FOR_BAND} seeds on).", ""]
    for task in ctx.tasks:
        metric = ctx.agg[ctx.agg["task"] == task]["metric"].iloc[0]
        lines += ["<details>", f"<summary><b>{task}</b> — mean {metric} "
                  f"[{percent(CONFIDENCE)} CI], seeds solved, per length</summary>", "",
                  error_table(ctx.agg, task, ctx.models, ctx.labels), "", "</details>", ""]
    return lines


def figures_section(ctx: ReportContext) -> list[str]:
    if ctx.single_length:  # the summary shows the training curves
        return []
    lengths = "; ".join(f"{t}: T = {', '.join(str(n) for n in ns)}"
                        for t, ns in curve_lengths(ctx.agg, ctx.focus).items())
    loss_tasks = [t for t in ctx.tasks if ctx.task(t).graded_on == "loss"]
    on_loss = (f" {', '.join(loss_tasks)}: the training cross-entropy against its memoryless "
               "value (dashed), as the papers plot it." if loss_tasks else "")
    return ["## Success rate", "", "![success rate](figures/success_rate.png)", "",
            "Read off: the share of seeds that met the task's success rule (test set) at each "
            "length each model ran; where a model's cells turn from light to dark is its "
            "horizon.", "",
            "## Learning curves", "", "![learning curves](figures/learning_curves.png)", "",
            "Read off: validation error during training at several lengths per task: where "
            "the models part ways, the longest length some model still solved, and between "
            f"({lengths}); median over seeds, band from the best to the worst seed; a cell "
            "that stopped early (solved) is held at its last value." + on_loss, ""]


def gradient_section(ctx: ReportContext) -> list[str]:
    (init, _), (middle, _), (end, _) = THROUGH_TIME_CHECKPOINTS
    lines = ["## Gradients: the mechanism", ""]
    if ctx.has_through:
        lines += ["![gradient through time](figures/gradient_through_time.png)", "",
                  "Read off: how much of the learning signal at the output step reaches an input "
                  "d steps earlier (‖∂L/∂x_t‖ relative to its peak over t, log scale) at "
                  f"{init}, after {middle} and at the {end}; median "
                  "over seeds, band from the smallest to the largest seed. L is the answer's loss "
                  "only (for copy_memory the 10 copied symbols, not the blanks before them); "
                  "profiles are computed on validation samples. A missing panel: every cell of "
                  "that task had stopped earlier, solved.", ""]
    if not ctx.single_length:
        lines += ["![gradient reach](figures/gradient_reach.png)", "",
                  "Read off: the gradient reach after training (the farthest distance at which "
                  f"the signal is still ≥ {power_of_ten(REACH_FRACTION)} of its peak; "
                  "dashed: the whole sequence) above the success rate, so mechanism and "
                  "outcome line up by length.", ""]
    lines += ["![gradient norm](figures/gradient_norm.png)", "",
              "Read off: the global gradient norm before clipping during training (median over "
              "seeds, band min–max); above the dashed line the update was clipped.", ""]
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
                    "initialisation column is the causal evidence; the end of training shows "
                    "what the trained model relies on, as much a consequence of solving as a "
                    "cause.", "",
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
             + (", so nothing can be significant: differences every seed agrees on are listed "
                "as consistent, with their per-seed values." if floor >= SIGNIFICANCE else ".")
             + " Full table: `comparisons.csv`.", ""]
    lines += ["**Significant**", ""] + (significant or ["- none"]) + [""]
    if consistent:
        lines += ["**Consistent across all seeds, not significant at this n**", ""] \
            + consistent + [""]
    return lines


def cost_section(ctx: ReportContext) -> list[str]:
    if ctx.single_length:
        cells = usable(ctx.summary).groupby("model", observed=True)["seconds_per_step"].median()
        return ["## Cost", "",
                "Seconds per training step (forward, backward, optimiser) on one CPU thread, "
                "median over cells: " + ", ".join(f"{ctx.labels[m]} {cells[m]:.2g} s"
                                                   for m in ctx.models if m in cells.index)
                + ".", ""]
    return ["## Cost", "", "![cost](figures/cost.png)", "",
            "Read off: seconds per training step (forward, backward, optimiser) on one CPU "
            "thread against the number of input steps; median over cells, band: middle half.",
            ""]


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
            f"- Intervals are {percent(CONFIDENCE)}: of the mean error (cut at 0), Student's t "
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


SECTIONS = (header_section, horizon_section, winners_section, error_section, figures_section,
            gradient_section, differences_section, diagnostics_section, tuning_section,
            variants_section, cost_section, rules_section)


def markdown(ctx: ReportContext) -> str:
    return "\n".join(line for section in SECTIONS for line in section(ctx))
