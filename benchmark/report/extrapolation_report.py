"""The report's length-extrapolation section and figure (only for a run made with
``--extrapolate``): error against the test/train length ratio per task, at each task's
reference length, and the longest ratio each model holds by the task's own success rule."""

from __future__ import annotations

import math

import pandas as pd

from benchmark.analysis.extrapolation import held_ratios
from benchmark.report.context import ReportContext
from benchmark.report.markdown import frame_table
from benchmark.report.page import SCREEN, Page
from benchmark.report.plotting import (
    legend_below,
    log_length_axis,
    model_lines,
    palette,
    panels,
    task_title,
)
from benchmark.report.tables import coverage_text


def extrapolation_figure(table: pd.DataFrame, models, labels, tasks_by_key: dict, path,
                         page: Page = SCREEN) -> None:
    """``table``: the extrapolation rows at each task's reference length (ReportContext's)."""
    lengths = table.groupby("task", sort=False)["seq_len"].first().to_dict()
    table = table.assign(normalised=table["metric"] / table["baseline"])
    tasks = list(lengths)
    fig, axes = panels(page, len(tasks), sharey=True)
    colours = palette(models)
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = table[table["task"] == task]
        model_lines(ax, rows, models, "ratio", "normalised", colours, False,
                    errorbar=("pi", 100))
        threshold = tasks_by_key[task].success_threshold()
        if threshold is not None:
            ax.axhline(threshold / rows["baseline"].iloc[0], color="0.3", ls="--", lw=0.8,
                       label="success threshold")
        ax.axhline(1.0, color="0.6", ls=":", lw=0.8)
        log_length_axis(ax, rows["ratio"])
        ax.set_xlabel("test length / training length (x)")
        ax.set_ylabel("test error / memoryless baseline")
        ax.set_title(f"{task_title(task, page)}, trained at T = {lengths[task]}")
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    legend_below(fig, {m: labels.get(m, m) for m in models})
    page.save(fig, path)


def _ratio(value: float) -> str:
    if not math.isfinite(value):
        return "∞"
    return "0" if value == 0 else f"{value:g}x"  # 0: not even the trained length


def _held(row) -> str:
    if row.n_seeds == 0:
        return "–"
    return (f"[{_ratio(row.seed_median_low)}, {_ratio(row.seed_median_high)}) in "
            f"[{_ratio(row.seed_ci_low)}, {_ratio(row.seed_ci_high)}) "
            f"({coverage_text(row.seed_ci_coverage)}, n = {row.n_seeds})")


def _holds(names: list[str], low: float, high: float) -> str:
    """``names`` and the ratio bracket their median seed holds, as a clause."""
    s = "" if len(names) > 1 else "s"  # the verbs agree with one model or several
    held = (f"hold{s} every ratio scored (to {_ratio(low)})" if not math.isfinite(high)
            else f"hold{s} {_ratio(low)} and fail{s} at {_ratio(high)}")
    return " and ".join(names) + " " + held


def _parting(held: pd.DataFrame, labels: dict) -> list[str]:
    """Per task, the models that tie at T (their median seed holds ratio 1), grouped by the
    ratio bracket their median seed holds, when the highest group's bracket lies wholly
    above the lowest one's (brackets that touch or overlap do not part)."""
    lines = []
    for task, rows in held.groupby("task", sort=False):
        tied = rows[rows["seed_median_low"] >= 1]
        groups = sorted(tied.groupby(["seed_median_low", "seed_median_high"]),
                        key=lambda item: item[0], reverse=True)  # highest bracket first
        if len(groups) < 2:
            continue
        (top_low, _), _ = groups[0]
        (_, bottom_high), _ = groups[-1]
        if top_low < bottom_high:
            continue
        parts = [_holds([labels.get(m, m) for m in group["model"]], low, high)
                 for (low, high), group in groups]
        lines.append(f"- **{task}**: of the models that solve T = "
                     f"{int(tied['seq_len'].iloc[0])}, " + "; ".join(parts)
                     + " (median seeds).")
    return lines


def extrapolation_section(ctx: ReportContext) -> list[str]:
    if ctx.extrapolation.empty:
        return []
    from benchmark.report.catalogue import figure_lines  # (the catalogue imports this module)

    held = held_ratios(ctx.extrapolation)
    shown = held.assign(model=[ctx.labels.get(m, m) for m in held["model"]],
                        held=[_held(r) for r in held.itertuples()])
    parting = _parting(held, ctx.labels)
    return ["## Length extrapolation", "",
            "Each cell, trained at T, was also scored on fresh test data at longer multiples "
            "of T (`extrapolate`), by the task's own success rule; no decision read these "
            "numbers. Per task at the longest T every model trained at, the ratio each model "
            "holds: a seed holds ratio r when it is solved at r and every smaller ratio (1: "
            "its own test); the median seed's bracket, then the order-statistic interval "
            "over the seeds with its coverage.", "",
            *figure_lines(ctx, "extrapolation"),
            frame_table(shown[["task", "seq_len", "model", "held"]].rename(
                columns={"seq_len": "trained T",
                         "held": "ratio held: median seed [in interval) (coverage, seeds)"})),
            "",
            *(["Where models that tie at T part:", "", *parting, ""] if parting else [])]
