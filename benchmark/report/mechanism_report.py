"""The report's mechanism section (only for a run with ``dynamics_init.csv``, written by
``benchmark dynamics``): each diagnostic at initialisation against the measured horizon, one
point per (task, model), and the rank correlation of each with its interval."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.analysis.mechanism import DIAGNOSTICS
from benchmark.report.markdown import frame_table
from benchmark.report.page import SCREEN, Page
from benchmark.report.plotting import drawable_span, palette, panels, plain_log
from benchmark.report.styles import styles_for

# "^" is kept for a horizon beyond the longest length run, so no task gets it
TASK_MARKERS = ("o", "s", "D", "v", "P", "X", "*")
OPEN_MARKER = "^"


def mechanism_figure(pairs: pd.DataFrame, found: pd.DataFrame, models, labels, path,
                     page: Page = SCREEN) -> None:
    """A panel per diagnostic: x its median over seeds (bar: the seeds' range), y the horizon
    (bar: the median seed's bracket; a triangle where it held the longest length run), colour
    per model, marker per task; the panel's title gives rho with its interval."""
    shown = [d for d in DIAGNOSTICS if d in set(found["diagnostic"])]
    fig, axes = panels(page, len(shown), width=3.6, height=3.4, sharey=True)
    colours = palette(models)
    tasks = list(dict.fromkeys(pairs["task"]))
    ends = pd.concat([pairs["seed_median_low"], pairs["seed_median_high"]])
    ends = ends[(ends > 0) & np.isfinite(ends)]
    floor, ceiling = (ends.min() / 2, ends.max() * 2) if len(ends) else (1.0, 4.0)
    for ax, column in zip(axes[0], shown, strict=True):
        for row in pairs.itertuples():
            x = pairs.loc[row.Index, column]
            if not np.isfinite(x):
                continue
            colour = colours.get(row.model, "0.4")
            marker = TASK_MARKERS[tasks.index(row.task) % len(TASK_MARKERS)]
            low, high = drawable_span(row.seed_median_low, row.seed_median_high, floor, ceiling)
            ax.plot([x, x], [low, high], "-", color=colour, lw=3, alpha=0.35)
            if f"{column}_min" in pairs:
                ax.plot([pairs.loc[row.Index, f"{column}_min"],
                         pairs.loc[row.Index, f"{column}_max"]], [low, low], "-",
                        color=colour, lw=0.8)
            ax.plot(x, low, marker, color=colour, ms=5, mec="white", mew=0.5,
                    label=f"{row.model}|{row.task}")
            if not np.isfinite(row.seed_median_high):
                ax.plot(x, ceiling, OPEN_MARKER, color=colour, ms=4)
        ax.set_ylim(floor * 0.8, ceiling * 1.25)
        plain_log(ax.yaxis, ax.set_yscale)
        _x_range(ax, pairs[column], column)
        fit = found.set_index("diagnostic").loc[column]
        interval = "" if not np.isfinite(fit["rho_low"]) else \
            f" [{fit['rho_low']:.2f}, {fit['rho_high']:.2f}]"
        ax.set_title(f"rho = {fit['rho']:.2f}{interval}, n = {int(fit['n_pairs'])}",
                     fontsize=9)
        ax.set_xlabel(DIAGNOSTICS[column])
        ax.set_ylabel("horizon T: median seed (steps, log)" if ax is axes[0][0] else "")
    _legend(fig, ax, pairs, tasks, models, labels, colours)
    page.save(fig, path)


def _legend(fig, ax, pairs, tasks, models, labels, colours) -> None:
    """One legend below the panels: colour is the model, marker the task, and the marker of
    a horizon beyond the longest length run (legend_below lists lines only)."""
    looks = styles_for(list(models))
    handles = {labels.get(m, m): ax.plot([], [], "-", color=colours[m], lw=3)[0]
               for m in models if m in looks}
    for i, task in enumerate(tasks):
        handles[task] = ax.plot([], [], TASK_MARKERS[i % len(TASK_MARKERS)], color="0.3")[0]
    if not np.isfinite(pairs["seed_median_high"]).all():
        handles["held the longest length run"] = ax.plot([], [], OPEN_MARKER, color="0.3",
                                                         ms=4)[0]
    fig.tight_layout()
    fig.legend(list(handles.values()), list(handles), loc="upper center", frameon=False,
               ncol=min(4, len(handles)), bbox_to_anchor=(0.5, 0.0))


# a diagonal whose seeds reach far below the rest (a ReLU network with every unit off at
# some step annihilates the direction: its growth is ~ -700 per such step) gets a symmetric
# log axis, linear within this threshold, so near-zero values stay apart
SYMLOG = {"lyapunov_1": 0.1, "log10_growth": 1.0}


def _x_range(ax, medians: pd.Series, column: str) -> None:
    """The panel spans the medians (a seed's range beyond them is cut at the edge); time
    constants grow geometrically and get a log axis, the exponent and the growth a
    symmetric log axis where their medians span more than two decades of it."""
    values = medians[np.isfinite(medians)]
    if values.empty:
        return
    low, high = values.min(), values.max()
    if column.startswith("tau_") and low > 0:
        ax.set_xlim(low / 1.5, high * 1.5)
        plain_log(ax.xaxis, ax.set_xscale)
        return
    threshold = SYMLOG.get(column)
    if threshold is not None and max(abs(low), abs(high)) > 100 * threshold:
        ax.set_xscale("symlog", linthresh=threshold)
        ax.set_xlim(low * 1.5 if low < 0 else low - threshold, high + threshold)
        return
    pad = 0.08 * (high - low) if high > low else max(abs(high) * 0.1, 0.05)
    ax.set_xlim(low - pad, high + pad)


def mechanism_section(found: pd.DataFrame, labels: dict, figure_lines) -> list[str]:
    """``found``: the rank correlations (ReportContext's ``mechanism_fit``, computed once)."""
    if found.empty:
        return []
    ordered = found.assign(strength=found["rho"].abs()).sort_values("strength",
                                                                    ascending=False)
    best = ordered.iloc[0]
    supported = ordered[ordered["excludes_zero"]]
    verdict = (f"The strongest rank correlation is the {best['what']}'s (rho = "
               f"{best['rho']:.2f} over {int(best['n_pairs'])} pairs). "
               + (f"{len(supported)} of {len(found)} diagnostics have an interval that "
                  "excludes 0: " + ", ".join(supported["diagnostic"]) + "; the others are "
                  "not shown to predict the horizon at this number of pairs."
                  if len(supported) else
                  "No diagnostic's interval excludes 0: at this number of pairs none is "
                  "shown to predict the horizon."))
    shown = found.assign(rho=[f"{r.rho:.2f}" + ("" if not np.isfinite(r.rho_low) else
                                               f" [{r.rho_low:.2f}, {r.rho_high:.2f}]")
                              for r in found.itertuples()])
    return ["## Mechanism against outcome", "",
            "Each (task, model) at initialisation, on its task's inputs at one reference "
            "length (`dynamics_init.csv`, `benchmark dynamics`; no training), set against "
            "its measured horizon. Spearman's rho over the pairs, 95 % bootstrap interval "
            "over pairs. " + verdict, "",
            *figure_lines("mechanism"),
            frame_table(shown[["diagnostic", "what", "rho", "n_pairs"]].rename(
                columns={"rho": "rho [interval]", "n_pairs": "pairs"})), ""]
