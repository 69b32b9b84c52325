"""The report's trained-dynamics figures (only for a run made with ``--lyapunov k``): each
model's Lyapunov spectrum at initialisation and at the end of training, and its time
constants, per task at the length where the models part ways (ReportContext's focus)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from benchmark.analysis.trained_dynamics import QUANTILES, decay_over_input, separation_table
from benchmark.report.markdown import fmt, table
from benchmark.report.page import SCREEN, Page
from benchmark.report.plotting import legend_below, palette, panels, plain_log, task_title

MOMENTS = ("init", "end")
DASHES = {"init": (2, 2), "end": ()}  # dashed before training, solid after


def dynamics_rows(summary: pd.DataFrame, focus: dict[str, int]) -> tuple[pd.DataFrame,
                                                                          pd.DataFrame]:
    """(spectra, time constants) of the cells at each task's focus length that recorded
    their dynamics: spectra one row per (cell, moment, exponent index), time constants one
    row per (cell, moment) with the quantiles as columns."""
    spectra, taus = [], []
    if "dynamics" not in summary:
        return pd.DataFrame(), pd.DataFrame()
    for row in summary.itertuples():
        if focus.get(row.task) != row.seq_len or not isinstance(row.dynamics, str):
            continue
        for moment, found in json.loads(row.dynamics).items():
            keys = {"task": row.task, "model": row.model, "seed": row.seed, "moment": moment}
            spectra += [{**keys, "index": i + 1, "exponent": v}
                        for i, v in enumerate(found["lyapunov"])]
            if found.get("tau_quantiles"):
                taus.append({**keys, **{f"q{q}": v for q, v in found["tau_quantiles"].items()}})
    return pd.DataFrame(spectra), pd.DataFrame(taus)


def spectrum_figure(spectra: pd.DataFrame, focus: dict, models, labels, path,
                    page: Page = SCREEN) -> None:
    """A panel per task: exponent index against value, a line per model (median over seeds,
    band: the seeds' range), dashed at initialisation and solid at the end."""
    tasks = list(dict.fromkeys(spectra["task"]))
    fig, axes = panels(page, len(tasks), sharey=False)
    colours = palette(models)
    for ax, task in zip(axes[0], tasks, strict=True):
        mine = spectra[spectra["task"] == task]
        for model in models:
            for moment in MOMENTS:
                rows = mine[(mine["model"] == model) & (mine["moment"] == moment)]
                if rows.empty:
                    continue
                by = rows.groupby("index")["exponent"]
                line = by.median()
                ax.plot(line.index, line.to_numpy(), color=colours[model], lw=1.4,
                        dashes=DASHES[moment], marker="o", ms=3,
                        label=model if moment == "end" else None)
                ax.fill_between(line.index, by.min().to_numpy(), by.max().to_numpy(),
                                color=colours[model], alpha=0.12, lw=0)
        ax.axhline(0, color="0.4", lw=0.8, ls=":")
        ax.set_xticks(sorted(mine["index"].unique()))  # exponents are counted, not measured
        ax.set_xlabel("exponent index (largest first)")
        ax.set_ylabel("Lyapunov exponent (nats per step)" if ax is axes[0][0] else "")
        ax.set_title(f"{task_title(task, page)}, T = {focus[task]}")
    ax = axes[0][0]  # the line styles' entries, beside the models' (legend_below joins them)
    ax.plot([], [], color="0.3", dashes=DASHES["init"], label="at initialisation")
    ax.plot([], [], color="0.3", label="after training")
    legend_below(fig, {m: labels.get(m, m) for m in models})
    page.save(fig, path)


def time_constant_figure(taus: pd.DataFrame, focus: dict, models, labels, path,
                         page: Page = SCREEN) -> None:
    """A panel per task, a row per model that defines time constants: the 10-90 % range of
    its units' tau (median over seeds of each quantile) as a bar, the median as a dot; the
    upper bar at initialisation, the lower at the end. Log scale: time constants spread over
    decades (the chrono LSTM's by construction)."""
    tasks = list(dict.fromkeys(taus["task"]))
    shown = [m for m in models if m in set(taus["model"])]
    fig, axes = panels(page, len(tasks), height=0.5 * len(shown) + 1.6, sharey=True)
    colours = palette(models)
    for ax, task in zip(axes[0], tasks, strict=True):
        mine = taus[taus["task"] == task]
        for y, model in enumerate(shown):
            for offset, moment in ((-0.15, "init"), (0.15, "end")):
                rows = mine[(mine["model"] == model) & (mine["moment"] == moment)]
                if rows.empty:
                    continue
                low, mid, high = (rows[f"q{q}"].median() for q in ("0.1", "0.5", "0.9"))
                high = high if np.isfinite(high) else low * 1e3
                ax.plot([low, high], [y + offset] * 2, color=colours[model], lw=4,
                        alpha=0.35 if moment == "init" else 0.8, solid_capstyle="butt")
                ax.plot(mid, y + offset, "o", color=colours[model], ms=4,
                        mfc="white" if moment == "init" else colours[model])
        plain_log(ax.xaxis, ax.set_xscale)
        ax.set_yticks(range(len(shown)), [page.row_label(labels.get(m, m)) for m in shown])
        ax.set_ylim(len(shown) - 0.5, -0.5)
        ax.set_xlabel("time constant tau = -1/ln a (steps, log scale)")
        ax.set_title(f"{task_title(task, page)}, T = {focus[task]}")
    ax = axes[0][0]
    ax.plot([], [], color="0.5", lw=4, alpha=0.35, label="at initialisation (upper bar)")
    ax.plot([], [], color="0.5", lw=4, alpha=0.8, label="after training (lower bar)")
    legend_below(fig, {})
    page.save(fig, path)


def decay_over_input_lines(summary: pd.DataFrame) -> list[str]:
    """Per task, |lambda_1| * T of the cells that solved against those that failed, at the
    end of training, and how well it separates them at initialisation and at the end."""
    cells = decay_over_input(summary)
    if cells.empty:
        return []
    found = separation_table(cells)
    body = [[row["task"], f"{row['n_solved']} / {row['n_failed']}",
             *[" / ".join(fmt(row[f"{group}_end_q{q}"], 2) for q in QUANTILES)
               for group in ("solved", "failed")],
             fmt(row["separation_init"], 2), fmt(row["separation_end"], 2)]
            for row in found.to_dict("records")]
    return ["Every cell, every length: |lambda_1| * T, how many nats the slowest direction of "
            "the state loses over the whole input (e^-(|lambda_1| T) is the share of itself it "
            "keeps), for the cells that solved and those that failed; separation: the share "
            "of (solved, failed) pairs in which the solved cell has the smaller value (ties "
            "half; 1: every solved cell below every failed one, 0.5: no separation), from the "
            "same quantity at initialisation and at the end. After training it describes what "
            "a model that solved looks like, as much a consequence of solving as a cause "
            "(from each cell's recorded `dynamics`).", "",
            table(["task", "cells solved / failed",
                   f"solved: median / q{QUANTILES[1]:g} at end",
                   f"failed: median / q{QUANTILES[1]:g} at end",
                   "separation at init", "separation at end"], body), ""]
