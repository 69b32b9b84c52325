"""write_reproducibility: the split-half check as a folder a reader opens: the table per
(task, model) (``reproducibility.csv``), a figure of the two halves' horizons side by side
(``reproducibility.png``) and a summary with the share that reproduces against its target
(``reproducibility.md``). Nothing reads a clock: the same two runs give the same files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.analysis.reproducibility import TARGET
from benchmark.report.markdown import percent, table
from benchmark.report.page import SCREEN, Page
from benchmark.report.plotting import (
    drawable_span,
    legend_below,
    log_length_axis,
    panels,
    task_title,
)
from benchmark.report.tables import horizon_bracket_text
from benchmark.run.store import atomic_write, atomic_write_text

HALVES = (("a", "-", 0.0), ("b", "--", 0.32))  # suffix, interval line style, row offset


def _half_bar(ax, row, half: str, style: str, y: float, left: float, right: float) -> None:
    """One half's median bracket (thick) and interval (thin, ``style``) on row ``y``."""
    colour = "0.25" if half == "a" else "tab:blue"
    low, high = drawable_span(row[f"seed_median_low_{half}"], row[f"seed_median_high_{half}"],
                              left, right)
    ax.plot([low, high], [y, y], "-", color=colour, lw=5, alpha=0.45, solid_capstyle="butt")
    ci_low, ci_high = drawable_span(row[f"seed_ci_low_{half}"], row[f"seed_ci_high_{half}"],
                                    left, right)
    ax.plot([ci_low, ci_high], [y, y], style, color=colour, lw=1.2, marker="|", ms=7)
    if not np.isfinite(row[f"seed_ci_high_{half}"]):
        ax.plot(right, y, ">", color=colour, ms=4)


def split_half_figure(both: pd.DataFrame, path: Path, page: Page = SCREEN) -> None:
    """Per task, each model's two halves, one above the other, on a log length axis; a cross
    on the right where their intervals do not overlap."""
    tasks = list(dict.fromkeys(both["task"]))
    models = list(dict.fromkeys(both["model"]))
    fig, axes = panels(page, len(tasks), width=4.2, height=0.5 * len(models) + 1.6,
                       sharey=True, text_rows=True)
    finite = both[[c for c in both if c.startswith(("seed_ci_", "seed_median_"))
                   and "coverage" not in c]].replace([np.inf], np.nan)
    positive = finite[finite > 0].stack().dropna()
    left, right = positive.min() / 2, positive.max() * 2
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = both[both["task"] == task].set_index("model")
        order = [m for m in models if m in rows.index]
        for y, model in enumerate(order):
            row = rows.loc[model]
            for half, style, offset in HALVES:
                _half_bar(ax, row, half, style, y + offset - 0.16, left, right)
            if not row["interval_overlap"]:
                ax.text(right * 1.1, y, "✗", color="tab:red", va="center", fontsize=10)
        ax.set_xlim(left, right)
        log_length_axis(ax, positive.to_numpy())
        ax.set_yticks(range(len(order)), [page.row_label(rows.loc[m, "model_label"])
                                          for m in order])
        ax.set_ylim(len(order) - 0.4, -0.6)
        ax.set_title(task_title(task, page))
        ax.set_xlabel("T (steps, log scale)")
    handles = [axes[0][0].plot([], [], "-", color=c, lw=5, alpha=0.45)[0]
               for c in ("0.25", "tab:blue")] + \
        [axes[0][0].plot([], [], s, color=c, lw=1.2, marker="|")[0]
         for c, s in (("0.25", "-"), ("tab:blue", "--"))] + \
        [axes[0][0].plot([], [], "none")[0]]
    fig.legend(handles, ["median seed's bracket, half a", "median seed's bracket, half b",
                         "interval for the median, half a", "interval for the median, half b",
                         "✗: the intervals do not overlap"],
               loc="upper center", frameon=False, ncol=3, bbox_to_anchor=(0.5, 0.0))
    legend_below(fig, {})
    page.save(fig, path)


def reproducibility_markdown(both: pd.DataFrame, name_a: str, name_b: str) -> str:
    share = both["interval_overlap"].mean()
    medians = both["median_overlap"].mean()
    n_a, n_b = int(both["n_seeds_a"].min()), int(both["n_seeds_b"].min())
    coverage = both["seed_ci_coverage_a"].min()
    lines = ["# Split-half reproducibility", "",
             f"Half a: `{name_a}`; half b: `{name_b}`: one grid on two disjoint seed sets "
             f"({n_a} and {n_b} seeds per chain at least).", "",
             f"**{int(both['interval_overlap'].sum())} of {len(both)} (task, model) horizons "
             f"reproduce ({percent(round(share, 3))}; target {percent(TARGET)}: "
             f"{'met' if share >= TARGET else 'not met'})**: the two halves' intervals for the "
             f"median seed's horizon overlap (order statistics of the seeds' own brackets; "
             f"coverage {percent(coverage)} each at {n_a} seeds). Stricter: the two median "
             f"seeds' brackets overlap in {int(both['median_overlap'].sum())} of {len(both)} "
             f"({percent(round(medians, 3))}).", "",
             "![split-half horizons](reproducibility.png)", ""]
    rows = [[r.task, r.model_label,
             horizon_bracket_text(r.seed_median_low_a, r.seed_median_high_a),
             horizon_bracket_text(r.seed_ci_low_a, r.seed_ci_high_a),
             horizon_bracket_text(r.seed_median_low_b, r.seed_median_high_b),
             horizon_bracket_text(r.seed_ci_low_b, r.seed_ci_high_b),
             "yes" if r.interval_overlap else "**no**", "yes" if r.median_overlap else "no"]
            for r in both.itertuples()]
    lines += [table(["task", "model", "median a", "interval a", "median b", "interval b",
                     "intervals overlap", "medians overlap"], rows), "",
              "Full table: `reproducibility.csv`.", ""]
    return "\n".join(lines)


def write_reproducibility(both: pd.DataFrame, name_a: str, name_b: str, out) -> Path:
    """reproducibility.csv, .png and .md in ``out``; returns the markdown's path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "reproducibility.csv", lambda h: both.to_csv(h, index=False))
    SCREEN.setup()
    split_half_figure(both, out / "reproducibility.png")
    atomic_write_text(out / "reproducibility.md", reproducibility_markdown(both, name_a, name_b))
    return out / "reproducibility.md"
