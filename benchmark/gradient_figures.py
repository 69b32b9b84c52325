"""The report's gradient figures: the through-time profile (how much learning signal reaches
an input d steps before the output), the reach beside the success rate, and the global norm."""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.ticker import FormatStrFormatter

from benchmark.gradients import REACH_FRACTION
from benchmark.markdown import power_of_ten
from benchmark.plotting import (
    is_scratch,
    legend_below,
    log_length_axis,
    model_styles,
    palette,
    panels,
    save,
)


def gradient_through_time(profiles: pd.DataFrame, focus: dict[str, int], models, labels,
                          path) -> None:
    """profiles: columns task, model, seed, checkpoint, distance, relative (norm / peak)."""
    tasks = list(focus)
    checkpoints = list(dict.fromkeys(profiles["checkpoint"]))
    fig, axes = panels(len(tasks), rows=len(checkpoints), height=3.0)
    colours = palette(models)
    for r, checkpoint in enumerate(checkpoints):
        for c, task in enumerate(tasks):
            ax = axes[r][c]
            data = profiles[(profiles["task"] == task) & (profiles["checkpoint"] == checkpoint)]
            ax.set_title(f"{task}, T = {focus[task]} — {checkpoint}")
            if data.empty:
                ax.text(0.5, 0.5, "no cell reached this checkpoint\n(all stopped earlier, solved)",
                        ha="center", va="center", transform=ax.transAxes, color="0.3")
                ax.set_xticks([])
                ax.set_yticks([])
                continue
            sns.lineplot(data=data, x="distance", y="relative", hue="model",
                         palette=colours, estimator="median", errorbar=("pi", 100), ax=ax,
                     **model_styles(models))
            ax.set_yscale("log")
            ax.axhline(REACH_FRACTION, color="0.4", ls=":", lw=1,
                       label=f"reach threshold ({power_of_ten(REACH_FRACTION)})")
            ax.set_xlabel("distance from the output, T-1-t (steps)")
            ax.set_ylabel("‖∂L/∂x_t‖ / max over t" if c == 0 else "")
            if ax.get_legend():
                ax.get_legend().remove()
    legend_below(fig, labels)
    save(fig, path)


def reach_and_success(agg: pd.DataFrame, models, labels, path) -> None:
    tasks = list(dict.fromkeys(agg["task"]))
    fig, axes = panels(len(tasks), rows=2, height=3.0)
    colours = palette(models)
    for c, task in enumerate(tasks):
        rows = agg[agg["task"] == task]
        for model in model_styles([m for m in models if m in set(rows["model"])])["hue_order"]:
            mine = rows[rows["model"] == model].sort_values("seq_len")
            style = "o--" if is_scratch(model) else "o-"
            axes[0][c].plot(mine["seq_len"], mine["grad_reach_end"], style,
                            color=colours[model], label=model)
            axes[1][c].plot(mine["seq_len"], mine["success_rate"], style,
                            color=colours[model], label=model)
            axes[1][c].fill_between(mine["seq_len"], mine["success_low"], mine["success_high"],
                                    color=colours[model], alpha=0.07, lw=0)
        whole = rows.groupby("seq_len")["input_length"].first() - 1
        lengths = list(whole.index)
        axes[0][c].plot(lengths, whole.to_numpy(), color="0.5", ls="--", lw=1,
                        label="whole input (farthest possible distance)")
        for ax in axes[:, c]:
            log_length_axis(ax, lengths)
            ax.set_xlabel("sequence length T (steps)")
        axes[0][c].set_yscale("symlog", linthresh=1)  # reach can be 0: log-like, 0 kept
        top = max(lengths)
        axes[0][c].set_yticks([0] + [v for v in (1, 10, 100, 1000, 10000) if v <= top * 2])
        axes[0][c].yaxis.set_major_formatter(FormatStrFormatter("%g"))
        axes[0][c].set_ylim(0, top * 1.5)
        axes[0][c].set_title(task)
        axes[1][c].set_ylim(-0.05, 1.05)
        axes[0][c].set_ylabel("gradient reach after training (steps)" if c == 0 else "")
        axes[1][c].set_ylabel("success rate (95 % Wilson)" if c == 0 else "")
    legend_below(fig, labels)
    fig.subplots_adjust(hspace=0.35, bottom=0.13)
    save(fig, path)


def global_norm(norms: pd.DataFrame, focus: dict[str, int], clip: float, models, labels,
                path) -> None:
    tasks = list(focus)
    fig, axes = panels(len(tasks))
    colours = palette(models)
    for ax, task in zip(axes[0], tasks, strict=True):
        data = norms[(norms["task"] == task) & (norms["seq_len"] == focus[task])]
        sns.lineplot(data=data, x="step", y="value", hue="model",
                     palette=colours, estimator="median", errorbar=("pi", 100), ax=ax,
                     **model_styles(models))
        if clip > 0:
            ax.axhline(clip, color="0.2", ls="--", lw=1, label=f"clipping threshold ({clip:g})")
        ax.set_yscale("log")
        ax.set_title(f"{task}, T = {focus[task]}")
        ax.set_xlabel("training step")
        ax.set_ylabel("global gradient norm before clipping")
    legend_below(fig, labels)
    save(fig, path)


