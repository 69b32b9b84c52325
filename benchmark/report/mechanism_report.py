"""The report's mechanism section (only for a run with ``dynamics_init.csv``, written by
``benchmark dynamics``): each diagnostic at initialisation against the measured horizon, one
point per (task, model), and the rank correlation of each with its interval."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.analysis.mechanism import DIAGNOSTICS, correlations
from benchmark.report.markdown import frame_table
from benchmark.report.page import SCREEN, Page
from benchmark.report.plotting import drawable_span, palette, panels, plain_log
from benchmark.report.styles import styles_for

TASK_MARKERS = ("o", "s", "^", "D", "v", "P", "X")


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
                ax.plot(x, ceiling, "^", color=colour, ms=4)
        ax.set_ylim(floor * 0.8, ceiling * 1.25)
        plain_log(ax.yaxis, ax.set_yscale)
        fit = found.set_index("diagnostic").loc[column]
        interval = "" if not np.isfinite(fit["rho_low"]) else \
            f" [{fit['rho_low']:.2f}, {fit['rho_high']:.2f}]"
        ax.set_title(f"rho = {fit['rho']:.2f}{interval}, n = {int(fit['n_pairs'])}",
                     fontsize=9)
        ax.set_xlabel(DIAGNOSTICS[column])
        ax.set_ylabel("horizon T: median seed (steps, log)" if ax is axes[0][0] else "")
    looks = styles_for(list(models))
    handles = {labels.get(m, m): ax.plot([], [], "-", color=colours[m], lw=3)[0]
               for m in models if m in looks}
    for i, task in enumerate(tasks):
        handles[task] = ax.plot([], [], TASK_MARKERS[i % len(TASK_MARKERS)], color="0.3")[0]
    fig.tight_layout()
    # one legend below: colour is the model, marker the task (legend_below lists lines only)
    fig.legend(list(handles.values()), list(handles), loc="upper center", frameon=False,
               ncol=min(4, len(handles)), bbox_to_anchor=(0.5, 0.0))
    page.save(fig, path)


def mechanism_section(pairs: pd.DataFrame, labels: dict, figure_lines) -> list[str]:
    if pairs.empty:
        return []
    found = correlations(pairs)
    if found.empty:
        return []
    ordered = found.assign(strength=found["rho"].abs()).sort_values("strength",
                                                                    ascending=False)
    best = ordered.iloc[0]
    supported = ordered[ordered["excludes_zero"]]
    verdict = (f"Across these {int(best['n_pairs'])} (task, model) pairs the "
               f"{best['what']} ranks the horizons best (rho = {best['rho']:.2f}); "
               + (f"{len(supported)} of {len(found)} diagnostics have an interval that "
                  "excludes 0: " + ", ".join(supported["diagnostic"]) + "."
                  if len(supported) else
                  "no diagnostic's interval excludes 0: at this number of pairs none is "
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
