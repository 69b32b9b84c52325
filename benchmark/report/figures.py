"""The report's outcome figures (error, success, horizon, learning curves, cost, learning
rate, bench), drawn from stored tables only. Each function takes DataFrames and a path, writes
one PNG and returns nothing; the shared look is benchmark/report/plotting.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from benchmark.report.plotting import (
    group_title,
    legend_below,
    log_length_axis,
    log_y,
    model_groups,
    model_lines,
    model_styles,
    palette,
    panels,
    plain_log,
    row_label,
    save,
    task_title,
)
from benchmark.run.schema import usable
from core.rules import DIVERGENCE_FACTOR, MIN_SEEDS_FOR_BAND
from models import MODELS

METRIC_LABELS = {"mse": "test MSE", "error_rate": "test error rate"}


def _clip_exploded(ax, errors: pd.Series, baseline: float, typical: float = 0.0) -> None:
    """Keep the axis readable when a cell's error blew up (e.g. an IRNN whose activations ran
    away): cut it at DIVERGENCE_FACTOR x the baseline, where a cell counts as diverged (or
    1.5 x ``typical``, a curve's usual starting value, where that is higher) and say so in
    the panel. Tables keep the values."""
    worst, top = errors.max(), max(DIVERGENCE_FACTOR * baseline, 1.5 * typical)
    if np.isfinite(worst) and worst > top:
        low = ax.get_ylim()[0]
        ax.set_ylim(low, top)
        ax.text(0.98, 0.97, f"off scale, up to {worst:.3g}", transform=ax.transAxes,
                ha="right", va="top", fontsize=8, color="0.25")


def error_vs_length(summary: pd.DataFrame, agg: pd.DataFrame, models, labels, path) -> None:
    """Test error against length per task; above FACET_ABOVE models, one row of panels per
    model group (benchmark/report/plotting.py: model_groups), the other models grey behind."""
    tasks = list(dict.fromkeys(summary["task"]))
    groups = model_groups(models)
    fig, axes = panels(len(tasks), rows=len(groups), sharex="col", sharey="col",
                       height=3.4 if len(groups) == 1 else 2.9)
    colours = palette(models)
    for r, (title, members) in enumerate(groups):
        for c, task in enumerate(tasks):
            ax = axes[r][c]
            everyone = usable(summary[summary["task"] == task])
            rows = agg[agg["task"] == task]
            data = model_lines(ax, everyone, members, "seq_len", "final_metric", colours,
                               len(groups) > 1, errorbar=None)
            _error_references(ax, rows, data, members, colours)
            if everyone["final_metric"].gt(0).all() and everyone["metric"].iloc[0] == "mse":
                log_y(ax)
            _clip_exploded(ax, everyone["final_metric"], rows["baseline"].iloc[0])
            log_length_axis(ax, everyone["seq_len"])
            ax.set_title(group_title(title, task_title(task)) if r == 0 or title else "")
            ax.set_xlabel("sequence length T (steps)" if r == len(groups) - 1 else "")
            metric = everyone["metric"].iloc[0]
            ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    legend_below(fig, labels)
    save(fig, path)


def _error_references(ax, rows: pd.DataFrame, data: pd.DataFrame, members, colours) -> None:
    """A panel's t-interval bands (from MIN_SEEDS_FOR_BAND seeds on: at 2 seeds a t interval
    is 12.7 standard errors wide and would cover the panel; the seed dots show them instead),
    seed dots, memoryless baseline, noise floor and success threshold."""
    mine_rows = rows[rows["model"].isin(list(members)) & (rows["n"] >= MIN_SEEDS_FOR_BAND)]
    for model, mine in mine_rows.groupby("model", observed=True):
        mine = mine.sort_values("seq_len")
        ax.fill_between(mine["seq_len"], mine["ci_low"], mine["ci_high"],
                        color=colours[model], alpha=0.12, lw=0)
    ax.scatter(data["seq_len"], data["final_metric"], s=6, color="0.35", alpha=0.5,
               zorder=3, label="one seed")
    ax.axhline(rows["baseline"].iloc[0], color="0.3", ls="--", lw=1,
               label="memoryless baseline")
    if rows["noise_floor"].notna().any():
        ax.axhline(rows["noise_floor"].iloc[0], color="0.3", ls=":", lw=1,
                   label="noise floor")
    if "success_threshold" in rows and rows["success_threshold"].notna().any():
        ax.axhline(rows["success_threshold"].iloc[0], color="tab:red", ls="-.", lw=1,
                   alpha=0.7, label="success threshold (solved at or below)")


HEATMAP_MOST_LENGTHS = 8  # more lengths than this in a task (a search): a probe map instead


def success_heatmap(agg: pd.DataFrame, models, labels, path) -> None:
    """Seeds solved per model and length: a heatmap for a grid run; for a run with more than
    HEATMAP_MOST_LENGTHS lengths in a task (a horizon search: each model probes its own
    lengths, so a table of their union is mostly empty and too wide), a probe map."""
    if agg.groupby("task", observed=True)["seq_len"].nunique().max() > HEATMAP_MOST_LENGTHS:
        _probe_map(agg, models, labels, path)
    else:
        _heatmap(agg, models, labels, path)


def _probe_map(agg: pd.DataFrame, models, labels, path) -> None:
    """One row per model and a log length axis per task: a square at each length the model
    ran, coloured by the share of its seeds that solved it, with that count (k/n) in the
    legend, so a model's climb, its first failure and the bisection read left to right."""
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(agg["task"]))
    order = [m for m in models if m in set(agg["model"])]
    fig, axes = panels(len(tasks), width=4.6, height=0.32 * len(order) + 1.2, sharey=True,
                       text_rows=True)
    cmap = plt.get_cmap("viridis")
    counts = agg.assign(k=(agg["success_rate"] * agg["n"]).round().astype(int))
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = counts[counts["task"] == task]
        for y, model in enumerate(order):
            mine = rows[rows["model"] == model].sort_values("seq_len")
            ax.plot(mine["seq_len"], [y] * len(mine), color="0.75", lw=0.8, zorder=1)
            for _, row in mine.iterrows():
                ax.scatter(row["seq_len"], y, marker="s", s=46, zorder=2,
                           color=cmap(row["k"] / row["n"]), edgecolors="0.3", linewidths=0.4,
                           label=f"{row['k']}/{row['n']}")
        log_length_axis(ax, rows["seq_len"])
        ax.set_title(task_title(task))
        ax.set_xlabel("T (steps, log scale)")
        ax.grid(axis="y", visible=False)
    axes[0][0].set_yticks(range(len(order)), [row_label(labels[m]) for m in order])
    axes[0][0].set_ylim(len(order) - 0.5, -0.5)  # first model on top
    _ordered_count_legend(fig, axes)
    save(fig, path)


def _ordered_count_legend(fig, axes) -> None:
    """legend_below with the k/n entries in order of the share solved."""
    named = {}
    for ax in axes[0]:
        for handle, key in zip(*ax.get_legend_handles_labels(), strict=True):
            named.setdefault(key, handle)
    keys = sorted(named, key=lambda k: (int(k.split("/")[0]) / int(k.split("/")[1]), k))
    fig.tight_layout()
    fig.legend([named[k] for k in keys], keys, loc="upper center", frameon=False,
               ncol=min(len(keys), 8), bbox_to_anchor=(0.5, 0.0),
               title="seeds that solved the length (test set), out of the seeds run")


def _heatmap(agg: pd.DataFrame, models, labels, path) -> None:
    """Seeds solved per model and length, one panel per task: one column of model labels for
    the row, panel widths in proportion to the lengths each task ran, the colour bar beside
    the last panel, annotations sized to their cells."""
    tasks = list(dict.fromkeys(agg["task"]))
    widths = [max(agg.loc[agg["task"] == t, "seq_len"].nunique(), 2) for t in tasks]
    cell = 0.62  # inches per cell: room for "3/3"
    fig, axes = panels(len(tasks), width=(cell * sum(widths) + 2.8) / len(tasks) + 0.4,
                       height=0.42 * len(models) + 1.5, sharey=True, text_rows=True,
                       width_ratios=widths)
    order = [m for m in models if m in set(agg["model"])]
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = agg[agg["task"] == task]
        rate = rows.pivot(index="model", columns="seq_len", values="success_rate")
        rate = rate.reindex(order)
        solved = (rows.assign(k=(rows["success_rate"] * rows["n"]).round().astype(int))
                  .pivot(index="model", columns="seq_len", values="k").reindex(rate.index))
        n = rows.pivot(index="model", columns="seq_len", values="n").reindex(rate.index)
        # a search run leaves cells empty: lengths a model did not run
        annot = pd.DataFrame(np.where(n.isna(), "", solved.fillna(0).astype(int).astype(str)
                                      + "/" + n.fillna(0).astype(int).astype(str)),
                             index=rate.index, columns=rate.columns)
        sns.heatmap(rate, vmin=0, vmax=1, cmap="viridis", annot=annot, fmt="", ax=ax,
                    cbar=False, linewidths=0.5, linecolor="white",
                    annot_kws={"fontsize": 7})
        ax.set_xticklabels([str(c) for c in rate.columns], rotation=0, fontsize=8)
        ax.set_title(task_title(task))
        ax.set_xlabel("T (steps)")
        ax.set_ylabel("")
        ax.tick_params(axis="y", length=0)
    # after every panel: the axis is shared, each heatmap resets its labels to the keys
    axes[0][0].set_yticklabels([row_label(labels[m]) for m in order], rotation=0)
    fig.tight_layout(w_pad=0.8)
    mappable = axes[0][-1].collections[0]
    fig.colorbar(mappable, ax=list(axes[0]), location="right", fraction=0.025, pad=0.015,
                 label="share of seeds solved")
    save(fig, path)


def horizon_plot(horizons: pd.DataFrame, summary: pd.DataFrame, models, labels, path) -> None:
    """The headline: per task, each model's horizon bracket on a log length axis (bar from the
    longest solved length to the first failed one; an arrow where it is open), L50 with its
    widened interval, the lengths the model ran as ticks, and its CPU time."""
    tasks = list(dict.fromkeys(horizons["task"]))
    fig, axes = panels(len(tasks), width=4.0, height=0.55 * len(models) + 1.8, sharey=True,
                       text_rows=True)
    colours = palette(models)
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = horizons[horizons["task"] == task].set_index("model")
        order = [m for m in models if m in rows.index]
        shortest, longest = rows["shortest"].min(), rows["longest"].max()
        left, right = shortest / 2, longest * 2  # where an open bracket's arrow ends
        for y, model in enumerate(order):
            row, colour = rows.loc[model], colours[model]
            low = row["horizon_low"] if row["horizon_low"] > 0 else left
            high = row["horizon_high"] if np.isfinite(row["horizon_high"]) else right
            ax.plot([low, high], [y, y], "-", color=colour, lw=6, alpha=0.45,
                    solid_capstyle="butt", label="horizon bracket" if y == 0 else None)
            if not np.isfinite(row["horizon_high"]):
                ax.annotate("", xy=(right, y), xytext=(low, y),
                            arrowprops={"arrowstyle": "->", "color": colour})
            ran = sorted(summary.loc[(summary["task"] == task) & (summary["model"] == model),
                                     "seq_len"].unique())
            ax.plot(ran, [y + 0.28] * len(ran), "|", color="0.35", ms=6,
                    label="lengths run" if y == 0 else None)
            l50_low = row["l50_low"] if row["l50_low"] > 0 else left
            l50_high = row["l50_high"] if np.isfinite(row["l50_high"]) else right
            ax.plot([l50_low, l50_high], [y - 0.22] * 2, "|-", color=colour, ms=6, lw=1)
            if np.isfinite(row["l50"]):
                ax.plot(row["l50"], y - 0.22, "o", color=colour, ms=5,
                        label="L50 and its interval" if y == 0 else None)
            ax.text(right * 1.15, y, _cpu_time(row["cpu_seconds"]), va="center", fontsize=7,
                    color="0.3")
        ax.set_xlim(left, right)  # before the log scale: all points may share x
        log_length_axis(ax, summary.loc[summary["task"] == task, "seq_len"])
        ax.set_yticks(range(len(order)), [row_label(labels[m]) for m in order])
        ax.set_ylim(len(order) - 0.4, -0.6)  # first model on top (the axis is shared)
        ax.set_title(task_title(task))
        ax.set_xlabel("T (steps, log scale)")
    legend_below(fig, {})
    save(fig, path)


def _cpu_time(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} CPU-s"
    return f"{seconds / 60:.0f} CPU-min" if seconds < 7200 else f"{seconds / 3600:.1f} CPU-h"


def learning_curves(curves: pd.DataFrame, lengths: dict[str, list[int]], agg: pd.DataFrame,
                    tasks_by_key: dict, models, labels, path) -> None:
    """Validation error during training at several lengths per task (a row per task, and per
    model group above FACET_ABOVE models; the lengths from the left). A task graded on its loss
    (copy_memory) shows the training cross-entropy against its memoryless value, as Arjovsky
    et al. 2016 and Bai et al. 2018 plot it. Panels without data are left out."""
    groups = model_groups(models)
    rows_spec = [(task, title, members) for task in lengths for title, members in groups]
    columns = max(len(v) for v in lengths.values())
    fig, axes = panels(columns, rows=len(rows_spec), width=4.0,
                       height=3.0 if len(groups) == 1 else 2.7)
    colours = palette(models)
    for r, (task, title, members) in enumerate(rows_spec):
        task_obj, stats_rows = tasks_by_key[task], agg[agg["task"] == task]
        on_loss = task_obj.graded_on == "loss"
        metric = "train_loss" if on_loss else f"validation_{stats_rows['metric'].iloc[0]}"
        mine = curves[(curves["task"] == task) & (curves["metric"] == metric)]
        # the lengths this row's models ran, filled from the left (titles name each T)
        drawn = [n for n in lengths[task]
                 if mine.loc[mine["seq_len"] == n, "model"].isin(members).any()]
        for c in range(columns):
            ax = axes[r][c]
            if c >= len(drawn):
                fig.delaxes(ax)
                continue
            length = drawn[c]
            everyone = mine[mine["seq_len"] == length]
            model_lines(ax, everyone, members, "step", "value", colours, len(groups) > 1,
                        dense=True, estimator="median", errorbar=("pi", 100))
            memoryless = task_obj.graded_baseline(length) if on_loss \
                else stats_rows["baseline"].iloc[0]
            ax.axhline(memoryless, color="0.3", ls="--", lw=1,
                       label="memoryless loss (copy_memory: 10 ln 8 / (T + 20))" if on_loss
                       else "memoryless baseline")
            if stats_rows["noise_floor"].notna().any() and not on_loss:
                ax.axhline(stats_rows["noise_floor"].iloc[0], color="0.3", ls=":", lw=1,
                           label="noise floor")
            if on_loss or stats_rows["metric"].iloc[0] == "mse":
                log_y(ax)
            # an early spike (an IRNN's first steps) would flatten the rest of the curve
            first = everyone["step"] == everyone.groupby("model", observed=True)["step"] \
                .transform("min")
            starts = everyone[first].groupby("model", observed=True)["value"].median()
            _clip_exploded(ax, everyone["value"], memoryless, float(starts.median()))
            ax.set_title(group_title(title, f"{task_title(task)}, T = {length}"))
            ax.set_xlabel("training step")
            ax.set_ylabel(_curve_label(on_loss, stats_rows["metric"].iloc[0]) if c == 0 else "")
    legend_below(fig, labels)
    save(fig, path)


def train_and_validation_curves(curves: pd.DataFrame, summary: pd.DataFrame,
                                agg: pd.DataFrame, tasks_by_key: dict, grid: dict, models,
                                labels, path) -> None:
    """For a run with one length per task (a tutorial-style run): per task, the training loss
    and the validation error against epochs (against steps when every batch is fresh data),
    the test error of each seed, read once at the end, beside the last epoch. A regression
    task's two panels share the y axis (both MSE), so a training loss under the noise floor
    and the validation error above it show the overfitting of a fixed training set."""
    tasks = list(dict.fromkeys(agg["task"]))
    train_size, batch = grid.get("train_size"), int(grid.get("batch_size", 1))
    per_epoch = train_size / batch if train_size else None
    fig, axes = panels(2 * len(tasks), width=4.0, height=3.2)
    colours = palette(models)
    for t, task in enumerate(tasks):
        rows, task_obj = agg[agg["task"] == task], tasks_by_key[task]
        metric = rows["metric"].iloc[0]
        length = int(rows["seq_len"].iloc[0])
        train_ax, valid_ax = axes[0][2 * t], axes[0][2 * t + 1]
        if task_obj.kind == "regression":
            valid_ax.sharey(train_ax)
        for ax, name, label in ((train_ax, "train_loss", "training loss (mean over the "
                                 "interval)" if task_obj.kind == "regression" else
                                 _curve_label(True, metric)),
                                (valid_ax, f"validation_{metric}",
                                 _curve_label(False, metric))):
            data = curves[(curves["task"] == task) & (curves["seq_len"] == length)
                          & (curves["metric"] == name)].copy()
            data["x"] = data["step"] / per_epoch if per_epoch else data["step"]
            model_lines(ax, data, models, "x", "value", colours, False, dense=True,
                        estimator="median", errorbar=("pi", 100))
            if task_obj.kind == "regression" or ax is valid_ax:
                ax.axhline(rows["baseline"].iloc[0], color="0.3", ls="--", lw=1,
                           label="memoryless baseline")
                if rows["noise_floor"].notna().any():
                    ax.axhline(rows["noise_floor"].iloc[0], color="0.3", ls=":", lw=1,
                               label="noise floor")
            if task_obj.kind == "regression":
                log_y(ax)
            ax.set_xlabel("epoch (passes over the training set)" if per_epoch
                          else "training step")
            ax.set_ylabel(label)
            ax.set_title(f"{task_title(task)}, T = {length}: "
                         + ("training" if ax is train_ax else "validation"))
        final = usable(summary[summary["task"] == task])
        end = final["steps_run"] if "steps_run" in final else final["steps"]
        valid_ax.scatter(end / per_epoch if per_epoch else end, final["final_metric"],
                         marker="*", s=40, color=[colours[m] for m in final["model"]],
                         edgecolors="0.2", linewidths=0.4, zorder=5)
        valid_ax.scatter([], [], marker="*", s=40, color="0.6", edgecolors="0.2",
                         linewidths=0.4, label="test error of a seed (read once, where it "
                         "stopped)")
    legend_below(fig, labels)
    save(fig, path)


def _curve_label(on_loss: bool, metric: str) -> str:
    if on_loss:
        return "training loss (cross-entropy)"
    return METRIC_LABELS.get(metric, metric).replace("test", "validation")


def cost(summary: pd.DataFrame, models, labels, path) -> None:
    """Seconds per training step against input steps; a panel per model group above
    FACET_ABOVE models, on shared axes."""
    groups = model_groups(models)
    fig, axes = panels(len(groups), width=5.5 if len(groups) == 1 else 4.2, height=3.8,
                       sharex=True, sharey=True)
    cells = usable(summary)
    for ax, (title, members) in zip(axes[0], groups, strict=True):
        # what a step costs depends on the input steps (copy_memory's input is T + 20)
        model_lines(ax, cells, members, "input_length", "seconds_per_step", palette(models),
                    len(groups) > 1, estimator="median", errorbar=("pi", 50))
        plain_log(ax.xaxis, ax.set_xscale)
        log_y(ax)
        ax.set_xlabel("input steps per sample (T; T + 20 for copy_memory)")
        ax.set_ylabel("seconds per training step (s)" if ax is axes[0][0] else "")
        ax.set_title(group_title(title, "cost of one training step (one CPU thread)"))
    legend_below(fig, labels)
    save(fig, path)


def bench_step_times(times: pd.DataFrame, path) -> None:
    devices = list(dict.fromkeys(times["device"]))
    models = list(dict.fromkeys(times["model"]))
    fig, axes = panels(len(devices), width=5.5, height=3.8)
    for ax, device in zip(axes[0], devices, strict=True):
        data = times[times["device"] == device]
        sns.lineplot(data=data, x="seq_len", y="seconds_per_step", hue="model",
                     palette=palette(models), ax=ax, **model_styles(models))
        log_length_axis(ax, data["seq_len"])
        ax.set_yscale("log")
        ax.set_xlabel("sequence length T (steps)")
        ax.set_ylabel("seconds per training step (s)")
        ax.set_title(f"{device}: batch {data['batch_size'].iloc[0]}, "
                     f"hidden {data['hidden_size'].iloc[0]}")
    legend_below(fig, {entry.key: entry.label for entry in MODELS})
    save(fig, path)


def lr_choice(tuning: pd.DataFrame, focus: dict[str, int], models, labels, path) -> None:
    """Validation error against the learning rate at each task's focus length, the chosen
    rate circled; a row per model group above FACET_ABOVE models."""
    tasks = [t for t in focus if t in set(tuning["task"])]
    groups = model_groups(models)
    fig, axes = panels(len(tasks), rows=len(groups), sharex="col", sharey="col",
                       height=3.4 if len(groups) == 1 else 2.7)
    for r, (title, members) in enumerate(groups):
        for c, task in enumerate(tasks):
            ax = axes[r][c]
            everyone = tuning[(tuning["task"] == task) & (tuning["seq_len"] == focus[task])]
            data = everyone[everyone["model"].isin(members)]
            if data.empty:  # none of this group ran the length (a search): no panel
                fig.delaxes(ax)
                continue
            model_lines(ax, everyone, members, "lr", "validation_mean", palette(models),
                        len(groups) > 1)
            chosen = data[data["chosen"]]
            ax.scatter(chosen["lr"], chosen["validation_mean"], s=120, facecolors="none",
                       edgecolors="0.2", label="chosen", zorder=5)
            ax.set_xscale("log")
            ax.set_title(group_title(title, f"{task_title(task)}, T = {focus[task]}"))
            ax.set_xlabel("learning rate (Adam)")
            ax.set_ylabel("validation error\n(mean over tuning seeds)" if c == 0 else "")
    legend_below(fig, labels)
    save(fig, path)
