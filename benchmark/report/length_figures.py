"""The report's figures of outcome against length: error, seeds solved (heatmap or probe map)
and the horizon brackets. Each function takes stored tables, a path and the page, writes one
figure and returns nothing; the shared look is benchmark/report/plotting.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from benchmark.report.page import SCREEN, Page
from benchmark.report.plotting import (
    clip_exploded,
    drawable_span,
    group_title,
    legend_below,
    length_label,
    log_length_axis,
    log_y,
    metric_label,
    model_groups,
    model_lines,
    palette,
    panels,
    task_title,
)
from benchmark.run.schema import usable
from core.rules import MIN_SEEDS_FOR_BAND


def error_vs_length(summary: pd.DataFrame, agg: pd.DataFrame, tasks_by_key: dict, models,
                    labels, path, page: Page = SCREEN) -> None:
    """Test error against length per task; above FACET_ABOVE models, one row of panels per
    model group (benchmark/report/plotting.py: model_groups), the other models grey behind."""
    tasks = list(dict.fromkeys(summary["task"]))
    groups = model_groups(models)
    fig, axes = panels(page, len(tasks), rows=len(groups), sharex="col", sharey="col",
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
            if everyone["final_metric"].gt(0).all() and tasks_by_key[task].log_scale:
                log_y(ax)
            clip_exploded(ax, everyone["final_metric"], rows["baseline"].iloc[0])
            log_length_axis(ax, everyone["seq_len"])
            ax.set_title(group_title(title, task_title(task, page)) if r == 0 or title else "")
            ax.set_xlabel("sequence length T (steps)" if r == len(groups) - 1 else "")
            ax.set_ylabel(metric_label(tasks_by_key[task], "test"))
    legend_below(fig, labels)
    page.save(fig, path)


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


def success_heatmap(agg: pd.DataFrame, models, labels, path, page: Page = SCREEN) -> None:
    """Seeds solved per model and length: a heatmap for a grid run; for a run with more than
    HEATMAP_MOST_LENGTHS lengths in a task (a horizon search: each model probes its own
    lengths, so a table of their union is mostly empty and too wide), a probe map."""
    if agg.groupby("task", observed=True)["seq_len"].nunique().max() > HEATMAP_MOST_LENGTHS:
        _probe_map(agg, models, labels, path, page)
    else:
        _heatmap(agg, models, labels, path, page)


def _probe_map(agg: pd.DataFrame, models, labels, path, page: Page = SCREEN) -> None:
    """One row per model and a log length axis per task: a square at each length the model
    ran, coloured by the share of its seeds that solved it, with that count (k/n) in the
    legend, so a model's climb, its first failure and the bisection read left to right."""
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(agg["task"]))
    order = [m for m in models if m in set(agg["model"])]
    fig, axes = panels(page, len(tasks), width=4.6, height=0.32 * len(order) + 1.2, sharey=True,
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
        ax.set_title(task_title(task, page))
        ax.set_xlabel(length_label(task))
        ax.grid(axis="y", visible=False)
    axes[0][0].set_yticks(range(len(order)), [page.row_label(labels[m]) for m in order])
    axes[0][0].set_ylim(len(order) - 0.5, -0.5)  # first model on top
    _ordered_count_legend(fig, axes)
    page.save(fig, path)


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


def _heatmap(agg: pd.DataFrame, models, labels, path, page: Page = SCREEN) -> None:
    """Seeds solved per model and length, one panel per task: one column of model labels for
    the row, panel widths in proportion to the lengths each task ran, the colour bar beside
    the last panel, annotations sized to their cells."""
    tasks = list(dict.fromkeys(agg["task"]))
    widths = [max(agg.loc[agg["task"] == t, "seq_len"].nunique(), 2) for t in tasks]
    cell = 0.62  # inches per cell: room for "3/3"
    fig, axes = panels(page, len(tasks), width=(cell * sum(widths) + 2.8) / len(tasks) + 0.4,
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
        ax.set_title(task_title(task, page))
        ax.set_xlabel("T (steps)")
        ax.set_ylabel("")
        ax.tick_params(axis="y", length=0)
    # after every panel: the axis is shared, each heatmap resets its labels to the keys
    axes[0][0].set_yticklabels([page.row_label(labels[m]) for m in order], rotation=0)
    fig.tight_layout(w_pad=0.8)
    mappable = axes[0][-1].collections[0]
    fig.colorbar(mappable, ax=list(axes[0]), location="right", fraction=0.025, pad=0.015,
                 label="share of seeds solved")
    page.save(fig, path)


def horizon_plot(horizons: pd.DataFrame, summary: pd.DataFrame, models, labels, path,
                 page: Page = SCREEN) -> None:
    """The headline: per task, each model's horizon with the seed as the unit, on a log length
    axis: the median seed's bracket (thick bar, from the longest length it held to the first
    it failed; an arrow where it is open), the order-statistic interval for the median (thin
    line, labelled with its seed count and coverage), the lengths the model ran (ticks) and
    its CPU time."""
    tasks = list(dict.fromkeys(horizons["task"]))
    fig, axes = panels(page, len(tasks), width=4.0, height=0.6 * len(models) + 1.8, sharey=True,
                       text_rows=True)
    colours = palette(models)
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = horizons[horizons["task"] == task].set_index("model")
        order = [m for m in models if m in rows.index]
        shortest, longest = rows["shortest"].min(), rows["longest"].max()
        left, right = shortest / 2, longest * 2  # where an open bracket's arrow ends

        for y, model in enumerate(order):
            row, colour = rows.loc[model], colours[model]
            low, high = drawable_span(row["seed_median_low"], row["seed_median_high"], left,
                                      right)
            ax.plot([low, high], [y, y], "-", color=colour, lw=7, alpha=0.5,
                    solid_capstyle="butt", label="median seed's bracket" if y == 0 else None)
            if not np.isfinite(row["seed_median_high"]):
                ax.annotate("", xy=(right, y), xytext=(low, y),
                            arrowprops={"arrowstyle": "->", "color": colour})
            ci_low, ci_high = drawable_span(row["seed_ci_low"], row["seed_ci_high"], left,
                                            right)
            ax.plot([ci_low, ci_high], [y - 0.27] * 2, "|-", color=colour, ms=6, lw=1.2,
                    label="interval for the median" if y == 0 else None)
            if not np.isfinite(row["seed_ci_high"]):  # open above: the longest length held
                ax.plot(right, y - 0.27, ">", color=colour, ms=4)
            ax.text(ci_low, y - 0.33, f"n={int(row['n_seeds'])}, "
                    f"{row['seed_ci_coverage']:.0%}", fontsize=6, color="0.3", ha="left",
                    va="bottom")
            ran = sorted(summary.loc[(summary["task"] == task) & (summary["model"] == model),
                                     "seq_len"].unique())
            ax.plot(ran, [y + 0.3] * len(ran), "|", color="0.35", ms=6,
                    label="lengths run" if y == 0 else None)
            ax.text(right * 1.15, y, _cpu_time(row["cpu_seconds"]), va="center", fontsize=7,
                    color="0.3")
        ax.set_xlim(left, right)  # before the log scale: all points may share x
        log_length_axis(ax, summary.loc[summary["task"] == task, "seq_len"])
        ax.set_yticks(range(len(order)), [page.row_label(labels[m]) for m in order])
        ax.set_ylim(len(order) - 0.4, -0.75)  # first model on top (the axis is shared)
        ax.set_title(task_title(task, page))
        ax.set_xlabel(length_label(task))
    legend_below(fig, {})
    page.save(fig, path)


def _cpu_time(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} CPU-s"
    return f"{seconds / 60:.0f} CPU-min" if seconds < 7200 else f"{seconds / 3600:.1f} CPU-h"


