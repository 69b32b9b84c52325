"""write_report: the aggregated tables, figures and report.md of one run, from stored files only.

Nothing here trains or reads the clock: the same stored results give byte-identical output.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from benchmark import figures, stats
from benchmark.store import RunStore, atomic_write, atomic_write_text

SIGNIFICANCE = 0.05
THROUGH_TIME_CHECKPOINTS = (("initialisation", "init"), ("10 % of the budget", 0.1),
                            ("end of training", "end"))


def focus_lengths(agg: pd.DataFrame) -> dict[str, int]:
    """Per task, the length where the models part ways: the shortest length at which some model
    solves (>= half the seeds) and some does not; else the shortest that nobody solves; else the
    longest. Learning curves and gradient profiles are drawn there."""
    chosen = {}
    for task, rows in agg.groupby("task", sort=False, observed=True):
        solved = rows.assign(ok=rows["success_rate"] >= 0.5).groupby("seq_len")["ok"]
        split = [length for length, ok in solved if ok.any() and not ok.all()]
        none = [length for length, ok in solved if not ok.any()]
        chosen[task] = int(min(split) if split else min(none) if none else rows["seq_len"].max())
    return chosen


def through_time_profiles(grads: pd.DataFrame, summary: pd.DataFrame,
                          focus: dict[str, int]) -> pd.DataFrame:
    """Relative ||dL/dx_t|| against distance from the output at the report's checkpoints."""
    frames = []
    info = summary.set_index(["task", "model", "seq_len", "seed"])[["steps", "grad_end_step"]]
    for task, length in focus.items():
        rows = grads[(grads["task"] == task) & (grads["seq_len"] == length)]
        for (model, seed), cell in rows.groupby(["model", "seed"], observed=True):
            steps, end = info.loc[(task, model, length, seed)]
            for name, where in THROUGH_TIME_CHECKPOINTS:
                step = 0 if where == "init" else end if where == "end" else round(where * steps)
                profile = cell[cell["step"] == step].sort_values("t")
                if profile.empty or (where not in ("init", "end") and step >= end):
                    continue  # an early-stopped cell has no mid-budget checkpoint
                last = profile["value"].iloc[-1]
                output_step = profile["t"].iloc[-1]  # the input may be longer than seq_len
                frames.append(pd.DataFrame({
                    "task": task, "model": model, "seed": seed, "checkpoint": name,
                    "distance": output_step - profile["t"].to_numpy(),
                    "relative": profile["value"].to_numpy() / last if last > 0 else np.nan}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def held_after_stop(curves: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Learning curves with every early-stopped cell held at its last value up to the step
    budget, so a median over seeds is not taken over a shrinking set of seeds."""
    budget = summary.set_index(["task", "model", "seq_len", "seed"])["steps"]
    frames = []
    for keys, cell in curves.groupby(["task", "model", "seq_len", "seed", "metric"],
                                     observed=True, sort=False):
        steps = budget.get(keys[:4])
        last = cell.sort_values("step").iloc[-1]
        frames.append(cell)
        if steps is not None and last["step"] < steps:
            every = int(cell["step"].diff().dropna().min()) if len(cell) > 1 else steps
            filler = np.arange(last["step"] + every, steps + 1, every)
            frames.append(pd.DataFrame({**{k: last[k] for k in cell.columns},
                                        "step": filler}))
    return pd.concat(frames, ignore_index=True)


# --- markdown -------------------------------------------------------------------------------

def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _fmt(value: float, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}g}"


def _horizon_cell(row) -> str:
    text = "none" if row["horizon"] == 0 else (
        f"≥ {row['horizon']:g}" if row["horizon"] >= row["longest"] else f"{row['horizon']:g}")
    if np.isfinite(row["l50"]):
        interval = (f" [{_fmt(row['l50_low'])}, {_fmt(row['l50_high'])}]"
                    if np.isfinite(row["l50_low"]) else "")
        text += f" (L50 {_fmt(row['l50'])}{interval})"
    return text


def _differences_in_words(comparisons: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    significant = comparisons[comparisons["q_value"] < SIGNIFICANCE]
    lines = []
    for (task, better), rows in significant.groupby(["task", "better"], sort=True):
        for _, row in rows.iterrows():
            worse = row["model_b"] if better == row["model_a"] else row["model_a"]
            mean_better = row["mean_a"] if better == row["model_a"] else row["mean_b"]
            mean_worse = row["mean_b"] if better == row["model_a"] else row["mean_a"]
            lines.append(f"- {labels[better]} < {labels[worse]} on {task} at T = "
                         f"{row['seq_len']}: {_fmt(mean_better)} vs {_fmt(mean_worse)} "
                         f"(q = {_fmt(row['q_value'], 2)}, {row['test']} test, "
                         f"n = {row['n_pairs']})")
    return lines


def winners_table(agg: pd.DataFrame, comparisons: pd.DataFrame, labels) -> str:
    body = []
    for (task, length), rows in agg.groupby(["task", "seq_len"], sort=True, observed=True):
        ranked = rows.sort_values("mean", kind="stable")
        best = ranked.iloc[0]
        tied = ranked[ranked["mean"] == best["mean"]]
        name = labels[best["model"]] if len(tied) == 1 else \
            "tie: " + ", ".join(labels[m] for m in tied["model"])
        cells = [task, str(length), name,
                 f"{_fmt(best['mean'])} [{_fmt(best['ci_low'])}, {_fmt(best['ci_high'])}]"]
        if len(tied) > 1:
            cells += ["–", "–"]
        elif len(ranked) > 1:
            second = ranked.iloc[1]
            pair = comparisons[(comparisons["task"] == task) & (comparisons["seq_len"] == length)
                               & comparisons["model_a"].isin([best["model"], second["model"]])
                               & comparisons["model_b"].isin([best["model"], second["model"]])]
            q = pair["q_value"].iloc[0] if len(pair) else math.nan
            q_text = _fmt(q, 2)
            cells += [f"{labels[second['model']]} {_fmt(second['mean'])}",
                      f"**{q_text}**" if q < SIGNIFICANCE else q_text]
        else:
            cells += ["–", "–"]
        body.append(cells)
    return _table(["task", "T", "best", "mean [95 % CI]", "runner-up (mean)", "q"], body)


def _tuning_section(tuning: pd.DataFrame, summary: pd.DataFrame, models, labels) -> str:
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
                by_length = dict(zip(rows["seq_len"], rows["lr"], strict=True))
                body.append([task, labels[model]] + [f"{by_length.get(n, math.nan):g}"
                                                     for n in lengths])
    lines += [_table(["task", "model"] + [f"T = {n}" for n in lengths], body), ""]
    tune_cost, eval_cost = tuning["cpu_seconds"].sum(), summary["wall_seconds"].sum()
    lines += [f"Cost: tuning took {tune_cost / 3600:.2f} CPU-hours, evaluation "
              f"{eval_cost / 3600:.2f} ({tune_cost / max(eval_cost, 1e-9):.1f}x); every model "
              "had the same step budget per cell.", ""]
    return "\n".join(lines)


def _grid_lines(grid: dict) -> list[str]:
    keys = ["tasks", "models", "lengths", "seeds", "steps", "hidden_size", "batch_size", "lr",
            "lr_grid", "tune_seeds", "clip", "eval_every", "test_size", "device"]
    def show(value) -> str:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)

    if not grid.get("lr_grid"):  # one shared learning rate: no tuning keys to show
        keys = [k for k in keys if k not in ("lr_grid", "tune_seeds")]
    lines = [f"- {key}: {show(grid[key])}" for key in keys if key in grid]
    for task, params in grid.get("task_params", {}).items():
        lines.append(f"- {task} parameters: " + ", ".join(f"{k} = {v}" for k, v in params.items()))
    return lines


def _error_table(agg: pd.DataFrame, task: str, models: list[str], labels) -> str:
    rows = agg[agg["task"] == task]
    lengths = sorted(rows["seq_len"].unique())
    body = []
    for model in [m for m in models if m in set(rows["model"])]:
        cells = []
        for length in lengths:
            r = rows[(rows["model"] == model) & (rows["seq_len"] == length)].iloc[0]
            cells.append(f"{_fmt(r['mean'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}] "
                         f"{int(round(r['success_rate'] * r['n']))}/{r['n']}")
        body.append([labels[model]] + cells)
    return _table(["model"] + [f"T = {length}" for length in lengths], body)


def write_report(run_dir: str | Path) -> Path:
    store = RunStore(run_dir)
    root = store.root
    run = store.read_run() or {}
    summary = store.load_summary()
    curves = store.load_curves()
    grid = run.get("grid", {})
    models = [m for m in grid.get("models", []) if m in set(summary["model"])] or \
        sorted(summary["model"].unique())
    labels = dict(zip(summary["model"], summary["model_label"].fillna(summary["model"]),
                      strict=True))

    agg = stats.aggregate(summary)
    comparisons = stats.compare_models(summary)
    horizon_table = stats.horizons(summary)
    for name, table in (("stats", agg), ("comparisons", comparisons),
                        ("horizons", horizon_table)):
        atomic_write(root / f"{name}.csv", lambda h, t=table: t.to_csv(h, index=False))

    focus = focus_lengths(agg)
    fig_dir = root / "figures"
    fig_dir.mkdir(exist_ok=True)
    figures.setup()
    ok = summary[summary["status"] != "error"]
    figures.error_vs_length(ok, agg, models, labels, fig_dir / "error_vs_length.png")
    figures.success_heatmap(agg, models, labels, fig_dir / "success_rate.png")
    figures.horizon_plot(horizon_table, sorted(agg["seq_len"].unique()), models, labels,
                         fig_dir / "memory_horizon.png")
    figures.learning_curves(held_after_stop(curves, ok), focus, agg, models, labels,
                            fig_dir / "learning_curves.png")
    figures.cost(ok, models, labels, fig_dir / "cost.png")
    through = through_time_profiles(store.load_gradients(kind="through_time"), ok, focus)
    if not through.empty:
        figures.gradient_through_time(through, focus, models, labels,
                                      fig_dir / "gradient_through_time.png")
    figures.reach_and_success(agg, models, labels, fig_dir / "gradient_reach.png")
    clip = float(grid.get("clip", 0) or 0)
    figures.global_norm(store.load_gradients(kind="global"), focus, clip, models, labels,
                        fig_dir / "gradient_norm.png")

    tuning = None
    if (root / "lr_selection.csv").exists():
        tuning = pd.read_csv(root / "lr_selection.csv")
        figures.lr_choice(tuning, focus, models, labels, fig_dir / "learning_rate.png")
    text = _markdown(root, run, grid, summary, agg, comparisons, horizon_table, focus, models,
                     labels, has_through=not through.empty)
    if tuning is not None:  # before the cost section: it is part of what the run measured
        head, tail = text.split("## Cost", 1)
        text = head + _tuning_section(tuning, summary, models, labels) + "\n## Cost" + tail
    atomic_write_text(root / "report.md", text)
    return root / "report.md"


def _markdown(root, run, grid, summary, agg, comparisons, horizon_table, focus, models, labels,
              has_through: bool) -> str:
    tasks = list(dict.fromkeys(agg["task"]))
    env = run.get("environment", {})
    lines = [f"# longdep report: {root.name}", ""]
    lines += [f"Run started {run.get('started', '?')}, finished {run.get('finished', '?')}; "
              f"code at commit `{env.get('git_commit', 'unknown')}`. "
              f"{len(summary)} cells ({int((summary['status'] == 'error').sum())} crashed, "
              f"{int((summary['status'] == 'diverged').sum())} diverged).", ""]
    if grid.get("description"):
        lines += [f"Preset: {grid['description']}", ""]
    lines += ["## Grid", ""] + _grid_lines(grid) + [""]

    lines += ["## Memory horizon", "",
              "The longest length solved by at least half the seeds (\"≥\" where that is the "
              "longest length run, so the true horizon may lie beyond), and, where a transition "
              "was observed, the length at which a logistic fit of success on log length "
              "crosses 50 % with its 95 % bootstrap interval over seeds.", ""]
    body = []
    for model in models:
        row = [labels[model]]
        for task in tasks:
            match = horizon_table[(horizon_table["task"] == task)
                                  & (horizon_table["model"] == model)]
            row.append(_horizon_cell(match.iloc[0]) if len(match) else "–")
        body.append(row)
    lines += [_table(["model"] + tasks, body), ""]
    lines += ["Success rules: " + "; ".join(_success_rules(tasks)) + ".", ""]

    lines += ["## Which model wins", "",
              "Per task and length, the model with the lowest mean error, its 95 % interval, the "
              "runner-up, and the q-value of their paired comparison (bold: q < "
              f"{SIGNIFICANCE}). Where models solve the task, training stopped at the first "
              "evaluation under the success threshold, so their errors sit just below it and "
              "their order says little: compare success rates there.", "",
              winners_table(agg, comparisons, labels), ""]
    lines += ["## Error against length", "",
              "![error versus length](figures/error_vs_length.png)", "",
              "Read off: where each line leaves the floor and climbs to the dashed memoryless "
              "baseline is where that model stops carrying the information across T steps "
              "(mean over seeds, 95 % bootstrap band).", ""]
    for task in tasks:
        metric = agg[agg["task"] == task]["metric"].iloc[0]
        lines += [f"**{task}** — mean {metric} [95 % CI], seeds solved:", "",
                  _error_table(agg, task, models, labels), ""]

    lines += ["## Success rate", "", "![success rate](figures/success_rate.png)", "",
              "Read off: the share of seeds that met the task's success rule at each length; "
              "the boundary between light and dark cells is each model's horizon.", ""]
    lines += ["## Memory horizon per model", "", "![memory horizon](figures/memory_horizon.png)",
              "", "Read off: squares are the longest solved length (hollow: none solved); dots "
              "with bars are the logistic 50 % length and its 95 % interval.", ""]
    lines += ["## Learning curves", "", "![learning curves](figures/learning_curves.png)", "",
              "Read off: test error during training at the length where the models part ways "
              f"({', '.join(f'{t}: T = {n}' for t, n in focus.items())}); median over seeds, "
              "band from the best to the worst seed; a cell that stopped early (solved) is held "
              "at its last value.", ""]

    lines += ["## Gradients: the mechanism", ""]
    if has_through:
        lines += ["![gradient through time](figures/gradient_through_time.png)", "",
                  "Read off: how much of the learning signal at the output step reaches an input "
                  "d steps earlier (‖∂L/∂x_t‖ relative to the last step, log scale) at "
                  "initialisation, after 10 % of the budget and at the end of training; median "
                  "over seeds, band from the smallest to the largest seed. For copy_memory the "
                  "loss has a term at every output step, so the profile is relative to the last "
                  "step's total gradient, not the gradient of one answer.", ""]
    lines += ["![gradient reach](figures/gradient_reach.png)", "",
              "Read off: the gradient reach after training (the farthest distance at which the "
              "signal is still ≥ 1e-3 of its value at the last step; dashed: the whole "
              "sequence) above the success rate, so mechanism and outcome line up by length.",
              "", "![gradient norm](figures/gradient_norm.png)", "",
              "Read off: the global gradient norm before clipping during training (median over "
              "seeds, band min–max); above the dashed line the update was clipped.", ""]
    reach = agg.groupby(["task", "model"], observed=True)["grad_reach_end"].mean()
    decay = agg.groupby(["task", "model"], observed=True)[["grad_decay_init", "grad_decay_end"]
                                                        ].mean()
    body = [[task, labels[model], _fmt(decay.loc[(task, model), "grad_decay_init"]),
             _fmt(decay.loc[(task, model), "grad_decay_end"]), _fmt(reach.loc[(task, model)])]
            for task in tasks for model in models if (task, model) in reach.index]
    lines += ["Mean over lengths and seeds of the through-time summaries (decay: slope of "
              "log10 ‖∂L/∂x_t‖ per step of distance; negative vanishes):", "",
              _table(["task", "model", "decay at init (log10/step)",
                      "decay at end (log10/step)", "reach at end (steps)"], body), ""]

    lines += ["## Significant differences", "",
              f"Paired by seed (every model sees the same data), Benjamini–Hochberg over all "
              f"{len(comparisons)} comparisons, q < {SIGNIFICANCE}. Wilcoxon signed-rank with "
              f"≥ {stats.MIN_WILCOXON_PAIRS} seeds; with fewer the exact Wilcoxon test cannot "
              "reach p < 0.05, so a paired t-test is used (indicative only at 3 seeds); "
              "constant differences use the sign test. Full table: `comparisons.csv`.", ""]
    words = _differences_in_words(comparisons, labels)
    lines += (words or ["- none at this number of seeds"]) + [""]

    lines += ["## Cost", "", "![cost](figures/cost.png)", "",
              "Read off: seconds per training step (forward, backward, optimiser) on one CPU "
              "thread against the number of input steps; median over cells, band: middle half.",
              ""]
    lines += ["## Rules", "",
              "- Error: the final test metric of a cell on its fixed held-out set.",
              "- A cell whose loss became NaN/inf is `diverged`: it counts as not solved, with "
              "the task's baseline as its error, never as missing data. A cell that crashed "
              "(`error`) is left out of the statistics and counted.",
              "- Intervals are 95 %: bootstrap of the mean for errors (fixed seed), Wilson for "
              "success rates.", ""]
    lines += ["## Environment", ""]
    lines += [f"- {key}: {env[key]}" for key in sorted(env)] + [""]
    lines += ["Tables: `summary.csv` (one row per cell), `stats.csv`, `comparisons.csv`, "
              "`horizons.csv`; long tables `curves.parquet`, `gradients.parquet`.", ""]
    return "\n".join(lines)


def _success_rules(tasks: list[str]) -> list[str]:
    from tasks import TASKS

    return [f"{task}: {TASKS.get(task).success_rule}" for task in tasks]
