"""The report's figures of training: learning curves (at several lengths, or against epochs
for a one-length run), the learning-rate choice and the cost of a step. Each function takes
stored tables, a path and the page, writes one figure and returns nothing."""

from __future__ import annotations

import pandas as pd
import seaborn as sns

from benchmark.report.page import SCREEN, Page
from benchmark.report.plotting import (
    clip_exploded,
    group_title,
    input_steps_note,
    legend_below,
    log_length_axis,
    log_y,
    metric_label,
    model_groups,
    model_lines,
    model_styles,
    palette,
    panels,
    plain_log,
    task_title,
)
from benchmark.run.schema import usable
from models import model_label


def learning_curves(curves: pd.DataFrame, lengths: dict[str, list[int]], agg: pd.DataFrame,
                    tasks_by_key: dict, models, labels, path, page: Page = SCREEN) -> None:
    """Validation error during training at several lengths per task (a row per task, and per
    model group above FACET_ABOVE models; the lengths from the left). A task graded on its loss
    (copy_memory) shows the training cross-entropy against its memoryless value, as Arjovsky
    et al. 2016 and Bai et al. 2018 plot it. Panels without data are left out."""
    groups = model_groups(models)
    rows_spec = [(task, title, members) for task in lengths for title, members in groups]
    columns = max(len(v) for v in lengths.values())
    fig, axes = panels(page, columns, rows=len(rows_spec), width=4.0,
                       height=3.0 if len(groups) == 1 else 2.7)
    colours = palette(models)
    for r, (task, title, members) in enumerate(rows_spec):
        task_obj, stats_rows = tasks_by_key[task], agg[agg["task"] == task]
        on_loss = task_obj.graded_on == "loss"
        formula = task_obj.graded_baseline_formula
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
                       label=(f"memoryless loss ({task}: {formula})" if formula else
                              "memoryless loss") if on_loss else "memoryless baseline")
            if stats_rows["noise_floor"].notna().any() and not on_loss:
                ax.axhline(stats_rows["noise_floor"].iloc[0], color="0.3", ls=":", lw=1,
                           label="noise floor")
            if on_loss or task_obj.log_scale:
                log_y(ax)
            # an early spike (an IRNN's first steps) would flatten the rest of the curve
            first = everyone["step"] == everyone.groupby("model", observed=True)["step"] \
                .transform("min")
            starts = everyone[first].groupby("model", observed=True)["value"].median()
            clip_exploded(ax, everyone["value"], memoryless, float(starts.median()))
            ax.set_title(group_title(title, f"{task_title(task, page)}, T = {length}"))
            ax.set_xlabel("training step")
            ax.set_ylabel(_curve_label(on_loss, task_obj) if c == 0 else "")
    legend_below(fig, labels)
    page.save(fig, path)


def train_and_validation_curves(curves: pd.DataFrame, summary: pd.DataFrame,
                                agg: pd.DataFrame, tasks_by_key: dict, grid: dict, models,
                                labels, path, page: Page = SCREEN) -> None:
    """For a run with one length per task (a tutorial-style run): per task, the training loss
    and the validation error against epochs (against steps when every batch is fresh data),
    the test error of each seed, read once at the end, beside the last epoch. A regression
    task's two panels share the y axis (both MSE), so a training loss under the noise floor
    and the validation error above it show the overfitting of a fixed training set."""
    tasks = list(dict.fromkeys(agg["task"]))
    train_size, batch = grid.get("train_size"), int(grid.get("batch_size", 1))
    per_epoch = train_size / batch if train_size else None
    fig, axes = panels(page, 2 * len(tasks), width=4.0, height=3.2)
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
                                 _curve_label(True, task_obj)),
                                (valid_ax, f"validation_{metric}",
                                 _curve_label(False, task_obj))):
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
            if task_obj.log_scale:
                log_y(ax)
            ax.set_xlabel("epoch (passes over the training set)" if per_epoch
                          else "training step")
            ax.set_ylabel(label)
            ax.set_title(f"{task_title(task, page)}, T = {length}: "
                         + ("training" if ax is train_ax else "validation"))
        _test_stars(valid_ax, usable(summary[summary["task"] == task]), per_epoch, colours)
    legend_below(fig, labels)
    page.save(fig, path)


def _test_stars(ax, final: pd.DataFrame, per_epoch: float | None, colours) -> None:
    """Each seed's test error (read once), as a star where its training stopped."""
    end = final["steps_run"] if "steps_run" in final else final["steps"]
    ax.scatter(end / per_epoch if per_epoch else end, final["final_metric"], marker="*", s=40,
               color=[colours[m] for m in final["model"]], edgecolors="0.2", linewidths=0.4,
               zorder=5)
    ax.scatter([], [], marker="*", s=40, color="0.6", edgecolors="0.2", linewidths=0.4,
               label="test error of a seed (read once, where it stopped)")


def _curve_label(on_loss: bool, task) -> str:
    if on_loss:
        return "training loss (cross-entropy)"
    return metric_label(task, "validation")


def cost(summary: pd.DataFrame, models, labels, path, page: Page = SCREEN) -> None:
    """Seconds per training step against input steps; a panel per model group above
    FACET_ABOVE models, on shared axes."""
    groups = model_groups(models)
    fig, axes = panels(page, len(groups), width=5.5 if len(groups) == 1 else 4.2, height=3.8,
                       sharex=True, sharey=True)
    cells = usable(summary)
    for ax, (title, members) in zip(axes[0], groups, strict=True):
        # what a step costs depends on the input steps (copy_memory's input is T + 20)
        model_lines(ax, cells, members, "input_length", "seconds_per_step", palette(models),
                    len(groups) > 1, estimator="median", errorbar=("pi", 50))
        plain_log(ax.xaxis, ax.set_xscale)
        log_y(ax)
        ax.set_xlabel("input steps per sample "
                      f"({input_steps_note(sorted(set(cells['task'])))})")
        ax.set_ylabel("seconds per training step (s)" if ax is axes[0][0] else "")
        ax.set_title(group_title(title, "cost of one training step (one CPU thread)"))
    legend_below(fig, labels)
    page.save(fig, path)


def bench_step_times(times: pd.DataFrame, path, page: Page = SCREEN,
                     scan: pd.DataFrame | None = None) -> None:
    """Seconds per training step against T, a panel per device, and where ``scan`` (the
    bench's scan-against-loop table) is given, a panel of the loop's time over the scan's."""
    devices = list(dict.fromkeys(times["device"]))
    models = list(dict.fromkeys(times["model"]))
    with_scan = scan is not None and not scan.empty
    fig, axes = panels(page, len(devices) + with_scan, width=5.5, height=3.8)
    for ax, device in zip(axes[0], devices, strict=False):
        data = times[times["device"] == device]
        sns.lineplot(data=data, x="seq_len", y="seconds_per_step", hue="model",
                     palette=palette(models), ax=ax, **model_styles(models))
        log_length_axis(ax, data["seq_len"])
        ax.set_yscale("log")
        ax.set_xlabel("sequence length T (steps)")
        ax.set_ylabel("seconds per training step (s)")
        ax.set_title(f"{device}: batch {data['batch_size'].iloc[0]}, "
                     f"hidden {data['hidden_size'].iloc[0]}")
    if with_scan:
        ax = axes[0][-1]
        data = scan[scan["device"] == "cpu"]
        scanned = list(dict.fromkeys(data["model"]))
        sns.lineplot(data=data, x="seq_len", y="scan_speedup", hue="model",
                     palette=palette(scanned), ax=ax, **model_styles(scanned))
        ax.axhline(1.0, color="0.4", linewidth=0.8, linestyle=":")
        for model, rows in data.groupby("model", sort=False):  # one family colour: name them
            last = rows.sort_values("seq_len").iloc[-1]
            ax.annotate(model_label(model), (last["seq_len"], last["scan_speedup"]),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
        log_length_axis(ax, data["seq_len"])
        ax.set_yscale("log")
        ax.set_xlabel("sequence length T (steps)")
        ax.set_ylabel("loop time / scan time (x)")
        ax.set_title("cpu: the parallel scan's speed-up")
        if ax.get_legend() is not None:  # one legend for the figure, below it
            ax.get_legend().remove()
    legend_below(fig, {model: model_label(model) for model in models})
    page.save(fig, path)


def lr_choice(tuning: pd.DataFrame, focus: dict[str, int], models, labels, path,
              page: Page = SCREEN) -> None:
    """Validation error against the learning rate at each task's focus length, the chosen
    rate circled; a row per model group above FACET_ABOVE models."""
    tasks = [t for t in focus if t in set(tuning["task"])]
    groups = model_groups(models)
    fig, axes = panels(page, len(tasks), rows=len(groups), sharex="col", sharey="col",
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
            ax.set_title(group_title(title, f"{task_title(task, page)}, T = {focus[task]}"))
            ax.set_xlabel("learning rate (Adam)")
            ax.set_ylabel("validation error\n(mean over tuning seeds)" if c == 0 else "")
    legend_below(fig, labels)
    page.save(fig, path)
