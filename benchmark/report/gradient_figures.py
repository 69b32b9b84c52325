"""The report's gradient figures: the through-time profile (how much learning signal reaches
an input d steps before the output), the reach beside the success rate, and the global norm."""

from __future__ import annotations

import pandas as pd

from benchmark.report.markdown import percent, power_of_ten
from benchmark.report.page import SCREEN, Page
from benchmark.report.plotting import (
    group_title,
    legend_below,
    log_length_axis,
    model_groups,
    model_lines,
    model_styles,
    palette,
    panels,
    task_title,
)
from benchmark.report.styles import styles_for
from core.rules import CONFIDENCE, REACH_FRACTION


def gradient_through_time(profiles: pd.DataFrame, focus: dict[str, int], models, labels,
                          path, page: Page = SCREEN) -> None:
    """profiles: columns task, model, seed, checkpoint, distance, relative (norm / peak). A
    row per checkpoint; above FACET_ABOVE models, a row per (checkpoint, model group) at
    initialisation and the end of training only, the other models grey behind."""
    tasks = list(focus)
    groups = model_groups(models)
    checkpoints = list(dict.fromkeys(profiles["checkpoint"]))
    if len(groups) > 1:  # the middle checkpoint would make the figure twice as tall again
        checkpoints = [checkpoints[0], checkpoints[-1]]
    rows_spec = [(checkpoint, title, members) for checkpoint in checkpoints
                 for title, members in groups]
    fig, axes = panels(page, len(tasks), rows=len(rows_spec),
                       height=3.0 if len(groups) == 1 else 2.7)
    colours = palette(models)
    for r, (checkpoint, title, members) in enumerate(rows_spec):
        for c, task in enumerate(tasks):
            ax = axes[r][c]
            everyone = profiles[(profiles["task"] == task)
                                & (profiles["checkpoint"] == checkpoint)]
            data = everyone[everyone["model"].isin(members)]
            ax.set_title(group_title(title, f"{task_title(task, page)}, T = {focus[task]} — "
                                            f"{checkpoint}"))
            if data.empty:  # every cell stopped earlier, solved: no panel (the report says)
                fig.delaxes(ax)
                continue
            model_lines(ax, everyone, members, "distance", "relative", colours,
                        len(groups) > 1, dense=True, estimator="median",
                        errorbar=("pi", 100))
            ax.set_yscale("log")
            ax.axhline(REACH_FRACTION, color="0.4", ls=":", lw=1,
                       label=f"reach threshold ({power_of_ten(REACH_FRACTION)})")
            ax.set_xlabel("distance from the output, T-1-t (steps)")
            ax.set_ylabel("‖∂L/∂x_t‖ / max over t" if c == 0 else "")
            if ax.get_legend():
                ax.get_legend().remove()
    legend_below(fig, labels)
    page.save(fig, path)


DODGE = 0.012  # log10 units between neighbouring models' error bars at one length


def reach_and_success(agg: pd.DataFrame, models, labels, path, page: Page = SCREEN) -> None:
    """Top: how far back the gradient reaches after training, as a share of the input (so
    lengths compare: a reach in steps is capped by T). Bottom: the success rate with its Wilson
    interval as error bars, each model nudged sideways so overlapping intervals stay readable.
    Above FACET_ABOVE models, this pair of rows repeats per model group."""
    tasks = list(dict.fromkeys(agg["task"]))
    groups = model_groups(models)
    fig, axes = panels(page, len(tasks), rows=2 * len(groups), height=3.0)
    looks = styles_for(list(models))
    for g, (title, members) in enumerate(groups):
        reach_axes, success_axes = axes[2 * g], axes[2 * g + 1]
        for c, task in enumerate(tasks):
            rows = agg[agg["task"] == task]
            present = model_styles([m for m in members
                                    if m in set(rows["model"])])["hue_order"]
            for i, model in enumerate(present):
                mine = rows[rows["model"] == model].sort_values("seq_len")
                look = looks[model]
                line = {"color": look.colour, "marker": look.marker, "label": model, "ms": 5,
                        **({"dashes": look.dash} if look.dash else {})}
                reach = mine["grad_reach_fraction_end"] if "grad_reach_fraction_end" in mine \
                    else mine["grad_reach_end"] / (mine["input_length"] - 1)
                reach_axes[c].plot(mine["seq_len"], reach, **line)
                shift = 10 ** (DODGE * (i - (len(present) - 1) / 2))
                x = mine["seq_len"].to_numpy(float) * shift
                rate = mine["success_rate"].to_numpy(float)
                success_axes[c].errorbar(
                    x, rate, yerr=[rate - mine["success_low"].to_numpy(float),
                                   mine["success_high"].to_numpy(float) - rate],
                    capsize=2, elinewidth=0.8, **line)
            lengths = sorted(rows["seq_len"].unique())
            reach_axes[c].axhline(1.0, color="0.5", ls="--", lw=1,
                                  label="whole input (farthest possible distance)")
            for ax in (reach_axes[c], success_axes[c]):
                log_length_axis(ax, lengths)
                ax.set_xlabel("sequence length T (steps)")
                ax.set_ylim(-0.05, 1.08)
            reach_axes[c].set_title(group_title(title, task_title(task, page)))
            reach_axes[c].set_ylabel("gradient reach after training\n(share of the input)"
                                     if c == 0 else "")
            success_axes[c].set_ylabel(f"success rate\n({percent(CONFIDENCE)} Wilson "
                                       "interval)" if c == 0 else "")
    legend_below(fig, labels)
    fig.subplots_adjust(hspace=0.35 if len(groups) == 1 else 0.55,
                        bottom=0.13 if len(groups) == 1 else 0.05)
    page.save(fig, path)


def global_norm(norms: pd.DataFrame, focus: dict[str, int], clip: float, models, labels,
                path, page: Page = SCREEN) -> None:
    """The global gradient norm during training at each task's focus length; a row per model
    group above FACET_ABOVE models."""
    tasks = list(focus)
    groups = model_groups(models)
    fig, axes = panels(page, len(tasks), rows=len(groups), sharey="col",
                       height=3.4 if len(groups) == 1 else 2.7)
    colours = palette(models)
    for r, (title, members) in enumerate(groups):
        for c, task in enumerate(tasks):
            ax = axes[r][c]
            everyone = norms[(norms["task"] == task) & (norms["seq_len"] == focus[task])]
            if everyone[everyone["model"].isin(members)].empty:  # none of this group ran it
                fig.delaxes(ax)
                continue
            model_lines(ax, everyone, members, "step", "value", colours, len(groups) > 1,
                        dense=True, estimator="median", errorbar=("pi", 100))
            if clip > 0:
                ax.axhline(clip, color="0.2", ls="--", lw=1,
                           label=f"clipping threshold ({clip:g})")
            ax.set_yscale("log")
            ax.set_title(group_title(title, f"{task_title(task, page)}, T = {focus[task]}"))
            ax.set_xlabel("training step")
            ax.set_ylabel("global gradient norm\nbefore clipping" if c == 0 else "")
    legend_below(fig, labels)
    page.save(fig, path)
