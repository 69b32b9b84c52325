"""The report's figures, drawn from stored tables only (seaborn on the headless Agg backend).

Each function takes DataFrames and a path, writes one PNG and returns nothing. Colours are fixed
per model so a model looks the same in every figure; sequence lengths grow geometrically, so
length axes are logarithmic.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display on the machines that run this

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter, ScalarFormatter  # noqa: E402

from benchmark.stats import BOOTSTRAP_SEED  # noqa: E402

DPI = 200  # print resolution at the figure sizes below
METRIC_LABELS = {"mse": "test MSE", "error_rate": "test error rate"}
PNG_METADATA = {"Software": None}  # no version stamp: same tables -> byte-identical files


def setup() -> None:
    sns.set_theme(context="paper", style="whitegrid", font_scale=1.1)


def palette(models: list[str]) -> dict[str, tuple]:
    colours = sns.color_palette("colorblind", n_colors=max(len(models), 4))
    return dict(zip(models, colours, strict=False))


def _save(fig, path) -> None:
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata=PNG_METADATA)
    plt.close(fig)


def _log_length_axis(ax, lengths) -> None:
    ax.set_xscale("log")
    ax.set_xticks(sorted(set(lengths)))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())


def _panels(n: int, width: float = 4.2, height: float = 3.4, rows: int = 1, sharey=False):
    fig, axes = plt.subplots(rows, n, figsize=(width * n, height * rows), squeeze=False,
                             sharey=sharey)
    return fig, axes


def _legend_below(fig, labels: dict[str, str]) -> None:
    """One legend for the whole figure, below the panels: the union of every panel's entries
    (a reference line drawn in one panel only still gets its entry)."""
    named: dict[str, object] = {}
    for ax in fig.axes:
        handles, keys = ax.get_legend_handles_labels()
        for handle, key in zip(handles, keys, strict=True):
            named.setdefault(labels.get(key, key), handle)
        if ax.get_legend():
            ax.get_legend().remove()
    fig.tight_layout()
    # below the panels, outside the axes: savefig's tight bounding box takes it in, however
    # many rows the entries need
    fig.legend(list(named.values()), list(named), loc="upper center", ncol=min(len(named), 4),
               frameon=False, bbox_to_anchor=(0.5, 0.0))


def _is_scratch(model: str) -> bool:
    """From-scratch models are drawn dashed and last: they coincide with their library twin
    when both train identically, and must stay visible on top of it."""
    return model.split(":")[0].endswith("_scratch")


def _model_styles(models) -> dict:
    order = [m for m in models if not _is_scratch(m)] + [m for m in models if _is_scratch(m)]
    return {"hue_order": order, "style": "model", "style_order": order,
            "dashes": {m: (4, 2) if _is_scratch(m) else "" for m in models}}


def _log_y(ax) -> None:
    """Log y-axis labelled at 1, 2, 5 x powers of ten in plain numbers."""
    _plain_log(ax.yaxis, ax.set_yscale)


def _plain_log(axis, set_scale) -> None:
    set_scale("log")
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FormatStrFormatter("%g"))
    axis.set_minor_formatter(NullFormatter())


EXPLODED = 10.0  # errors above this multiple of the baseline are drawn off scale


def _clip_exploded(ax, errors: pd.Series, baseline: float) -> None:
    """Keep the axis readable when a cell's error blew up (e.g. an IRNN whose activations ran
    away): cut it at EXPLODED x the baseline and say so in the panel. Tables keep the values."""
    worst = errors.max()
    if np.isfinite(worst) and worst > EXPLODED * baseline:
        low = ax.get_ylim()[0]
        ax.set_ylim(low, EXPLODED * baseline)
        ax.text(0.02, 0.97, f"off scale: a cell at {worst:.3g}", transform=ax.transAxes,
                ha="left", va="top", fontsize=8, color="0.25")


def error_vs_length(summary: pd.DataFrame, agg: pd.DataFrame, models, labels, path) -> None:
    tasks = list(dict.fromkeys(summary["task"]))
    fig, axes = _panels(len(tasks))
    colours = palette(models)
    for ax, task in zip(axes[0], tasks, strict=True):
        data = summary[(summary["task"] == task) & (summary["status"] != "error")]
        sns.lineplot(data=data, x="seq_len", y="final_metric", hue="model",
                     palette=colours, markers=True, errorbar=("ci", 95), seed=BOOTSTRAP_SEED,
                     n_boot=1000, ax=ax, **_model_styles(models))
        rows = agg[agg["task"] == task]
        ax.axhline(rows["baseline"].iloc[0], color="0.3", ls="--", lw=1,
                   label="memoryless baseline")
        if rows["noise_floor"].notna().any():
            ax.axhline(rows["noise_floor"].iloc[0], color="0.3", ls=":", lw=1,
                       label="noise floor")
        if data["final_metric"].gt(0).all() and data["metric"].iloc[0] == "mse":
            _log_y(ax)
        _clip_exploded(ax, data["final_metric"], rows["baseline"].iloc[0])
        _log_length_axis(ax, data["seq_len"])
        ax.set_title(task)
        ax.set_xlabel("sequence length T (steps)")
        ax.set_ylabel(METRIC_LABELS.get(data["metric"].iloc[0], data["metric"].iloc[0]))
    _legend_below(fig, labels)
    _save(fig, path)


def success_heatmap(agg: pd.DataFrame, models, labels, path) -> None:
    tasks = list(dict.fromkeys(agg["task"]))
    fig, axes = _panels(len(tasks), width=4.0, height=0.55 * len(models) + 1.6)
    for i, (ax, task) in enumerate(zip(axes[0], tasks, strict=True)):
        rows = agg[agg["task"] == task]
        rate = rows.pivot(index="model", columns="seq_len", values="success_rate")
        rate = rate.reindex([m for m in models if m in rate.index])
        solved = (rows.assign(k=(rows["success_rate"] * rows["n"]).round().astype(int))
                  .pivot(index="model", columns="seq_len", values="k").reindex(rate.index))
        n = rows.pivot(index="model", columns="seq_len", values="n").reindex(rate.index)
        annot = solved.astype(int).astype(str) + "/" + n.astype(int).astype(str)
        sns.heatmap(rate, vmin=0, vmax=1, cmap="viridis", annot=annot, fmt="", ax=ax,
                    cbar=i == len(tasks) - 1, cbar_kws={"label": "success rate (seeds)"},
                    linewidths=0.5, linecolor="white")
        ax.set_yticklabels([labels[m] for m in rate.index], rotation=0)
        ax.set_title(task)
        ax.set_xlabel("sequence length T (steps)")
        ax.set_ylabel("" if i else "model")
    fig.tight_layout()
    _save(fig, path)


def horizon_plot(horizons: pd.DataFrame, lengths, models, labels, path) -> None:
    tasks = list(dict.fromkeys(horizons["task"]))
    fig, axes = _panels(len(tasks), width=3.2, height=0.5 * len(models) + 1.8, sharey=True)
    colours = palette(models)
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = horizons[horizons["task"] == task].set_index("model")
        order = [m for m in models if m in rows.index]
        for y, model in enumerate(order):
            row = rows.loc[model]
            ax.plot(max(row["horizon"], row["shortest"] / 2), y, "s", color=colours[model],
                    ms=8, mfc=colours[model] if row["horizon"] > 0 else "white",
                    label="memory horizon (hollow, left: no length solved)" if y == 0
                    else None)
            if np.isfinite(row["l50"]):
                low = row["l50_low"] if np.isfinite(row["l50_low"]) else row["l50"]
                high = row["l50_high"] if np.isfinite(row["l50_high"]) else row["l50"]
                # a percentile interval need not contain the point estimate: draw it as a
                # segment, not as error bars relative to the point
                ax.plot([low, high], [y + 0.2] * 2, "|-", color=colours[model], ms=8)
                ax.plot(row["l50"], y + 0.2, "o", color=colours[model],
                        label="logistic 50 % length, 95 % CI" if y == 0 else None)
        longest, shortest = rows["longest"].max(), rows["shortest"].min()
        ax.axvline(longest, color="0.5", ls="--", lw=1, label="longest length run")
        ax.set_xlim(shortest / 3, longest * 3)  # before the log scale: all points may share x
        _log_length_axis(ax, lengths)
        ax.set_yticks(range(len(order)), [labels[m] for m in order])
        ax.set_ylim(len(order) - 0.3, -0.6)  # first model on top (the axis is shared: no toggle)
        ax.set_title(task)
        ax.set_xlabel("sequence length T (steps)")
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.tight_layout()
    fig.legend(handles, names, loc="upper center", ncol=3, frameon=False,
               bbox_to_anchor=(0.5, 0.0))
    _save(fig, path)


def learning_curves(curves: pd.DataFrame, focus: dict[str, int], agg: pd.DataFrame, models,
                    labels, path) -> None:
    tasks = list(focus)
    fig, axes = _panels(len(tasks))
    colours = palette(models)
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = agg[agg["task"] == task]
        metric = rows["metric"].iloc[0]
        data = curves[(curves["task"] == task) & (curves["seq_len"] == focus[task])
                      & (curves["metric"] == metric)]
        sns.lineplot(data=data, x="step", y="value", hue="model",
                     palette=colours, estimator="median", errorbar=("pi", 100), ax=ax,
                     **_model_styles(models))
        ax.axhline(rows["baseline"].iloc[0], color="0.3", ls="--", lw=1,
                   label="memoryless baseline")
        if rows["noise_floor"].notna().any():
            ax.axhline(rows["noise_floor"].iloc[0], color="0.3", ls=":", lw=1,
                       label="noise floor")
        if metric == "mse":
            _log_y(ax)
        ax.set_title(f"{task}, T = {focus[task]}")
        ax.set_xlabel("training step")
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
    _legend_below(fig, labels)
    _save(fig, path)


def cost(summary: pd.DataFrame, models, labels, path) -> None:
    fig, axes = _panels(1, width=5.5, height=3.8)
    from tasks import get_task

    ax = axes[0][0]
    data = summary[summary["status"] != "error"].copy()
    # what a step costs depends on the input steps (copy_memory's input is T + 20)
    data["input_steps"] = [get_task(task).input_length(int(length))
                           for task, length in zip(data["task"], data["seq_len"], strict=True)]
    sns.lineplot(data=data, x="input_steps", y="seconds_per_step", hue="model",
                 palette=palette(models), markers=True, estimator="median",
                 errorbar=("pi", 50), ax=ax, **_model_styles(models))
    _plain_log(ax.xaxis, ax.set_xscale)
    _log_y(ax)
    ax.set_xlabel("input steps per sample (T; T + 20 for copy_memory)")
    ax.set_ylabel("seconds per training step (s)")
    ax.set_title("cost of one training step (all tasks, one CPU thread)")
    _legend_below(fig, labels)
    _save(fig, path)


# --- gradient figures ----------------------------------------------------------------------

def gradient_through_time(profiles: pd.DataFrame, focus: dict[str, int], models, labels,
                          path) -> None:
    """profiles: columns task, model, seed, checkpoint, distance, relative (norm / last)."""
    tasks = list(focus)
    checkpoints = list(dict.fromkeys(profiles["checkpoint"]))
    fig, axes = _panels(len(tasks), rows=len(checkpoints), height=3.0)
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
                     **_model_styles(models))
            ax.set_yscale("log")
            ax.axhline(1e-3, color="0.4", ls=":", lw=1, label="reach threshold (1e-3)")
            ax.set_xlabel("distance from the output, T-1-t (steps)")
            ax.set_ylabel("‖∂L/∂x_t‖ / ‖∂L/∂x_T-1‖" if c == 0 else "")
            if ax.get_legend():
                ax.get_legend().remove()
    _legend_below(fig, labels)
    _save(fig, path)


def reach_and_success(agg: pd.DataFrame, models, labels, path) -> None:
    tasks = list(dict.fromkeys(agg["task"]))
    fig, axes = _panels(len(tasks), rows=2, height=3.0)
    colours = palette(models)
    for c, task in enumerate(tasks):
        rows = agg[agg["task"] == task]
        for model in _model_styles([m for m in models if m in set(rows["model"])])["hue_order"]:
            mine = rows[rows["model"] == model].sort_values("seq_len")
            style = "o--" if _is_scratch(model) else "o-"
            axes[0][c].plot(mine["seq_len"], mine["grad_reach_end"], style,
                            color=colours[model], label=model)
            axes[1][c].plot(mine["seq_len"], mine["success_rate"], style,
                            color=colours[model], label=model)
            axes[1][c].fill_between(mine["seq_len"], mine["success_low"], mine["success_high"],
                                    color=colours[model], alpha=0.07, lw=0)
        from tasks import get_task

        lengths = sorted(rows["seq_len"].unique())
        whole = [get_task(task).input_length(int(n)) - 1 for n in lengths]
        axes[0][c].plot(lengths, whole, color="0.5", ls="--", lw=1,
                        label="whole input (farthest possible distance)")
        for ax in axes[:, c]:
            _log_length_axis(ax, lengths)
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
    _legend_below(fig, labels)
    fig.subplots_adjust(hspace=0.35, bottom=0.13)
    _save(fig, path)


def global_norm(norms: pd.DataFrame, focus: dict[str, int], clip: float, models, labels,
                path) -> None:
    tasks = list(focus)
    fig, axes = _panels(len(tasks))
    colours = palette(models)
    for ax, task in zip(axes[0], tasks, strict=True):
        data = norms[(norms["task"] == task) & (norms["seq_len"] == focus[task])]
        sns.lineplot(data=data, x="step", y="value", hue="model",
                     palette=colours, estimator="median", errorbar=("pi", 100), ax=ax,
                     **_model_styles(models))
        if clip > 0:
            ax.axhline(clip, color="0.2", ls="--", lw=1, label=f"clipping threshold ({clip:g})")
        ax.set_yscale("log")
        ax.set_title(f"{task}, T = {focus[task]}")
        ax.set_xlabel("training step")
        ax.set_ylabel("global gradient norm before clipping")
    _legend_below(fig, labels)
    _save(fig, path)


def bench_step_times(times: pd.DataFrame, path) -> None:
    devices = list(dict.fromkeys(times["device"]))
    models = list(dict.fromkeys(times["model"]))
    fig, axes = _panels(len(devices), width=5.5, height=3.8)
    for ax, device in zip(axes[0], devices, strict=True):
        data = times[times["device"] == device]
        sns.lineplot(data=data, x="seq_len", y="seconds_per_step", hue="model",
                     palette=palette(models), markers=True, ax=ax, **_model_styles(models))
        _log_length_axis(ax, data["seq_len"])
        ax.set_yscale("log")
        ax.set_xlabel("sequence length T (steps)")
        ax.set_ylabel("seconds per training step (s)")
        ax.set_title(f"{device}: batch 64, hidden 64")
    from models import MODELS

    _legend_below(fig, {entry.key: entry.label for entry in MODELS})
    _save(fig, path)


def lr_choice(tuning: pd.DataFrame, focus: dict[str, int], models, labels, path) -> None:
    tasks = [t for t in focus if t in set(tuning["task"])]
    fig, axes = _panels(len(tasks))
    for ax, task in zip(axes[0], tasks, strict=True):
        data = tuning[(tuning["task"] == task) & (tuning["seq_len"] == focus[task])]
        sns.lineplot(data=data, x="lr", y="validation_mean", hue="model", palette=palette(models),
                     markers=True, ax=ax, **_model_styles(models))
        chosen = data[data["chosen"]]
        ax.scatter(chosen["lr"], chosen["validation_mean"], s=120, facecolors="none",
                   edgecolors="0.2", label="chosen", zorder=5)
        ax.set_xscale("log")
        ax.set_title(f"{task}, T = {focus[task]}")
        ax.set_xlabel("learning rate (Adam)")
        ax.set_ylabel("validation error (mean over tuning seeds)")
    _legend_below(fig, labels)
    _save(fig, path)
