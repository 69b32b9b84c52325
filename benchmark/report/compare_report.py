"""write_comparison: the comparison of two runs as a folder a reader opens: the paired table
(``comparison.csv``), a figure of where success differs (``comparison.png``) and a markdown
summary (``comparison.md``): what differs between the two runs' settings, where one solves
more seeds than the other, their horizons side by side, and the error differences that hold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmark.report.markdown import fmt, table
from benchmark.report.page import SCREEN, Page
from benchmark.report.plotting import log_length_axis, panels, task_title
from benchmark.report.tables import horizon_bracket_text
from benchmark.run.store import RunStore, atomic_write, atomic_write_text
from core.rules import MIN_PAIRS_FOR_CONSISTENT, SIGNIFICANCE
from models import marked_label, model_label


def _label(model: str) -> str:
    try:
        return marked_label(model, model_label(model))
    except Exception:  # a plug-in not importable here: its key says enough
        return model


def _setting_changes(run_a: dict, run_b: dict) -> list[str]:
    grid_a, grid_b = run_a.get("grid", {}), run_b.get("grid", {})

    def unset(value) -> bool:  # a setting an older run did not record, or left at "off"
        return value in (None, 0, False, "", [], {})

    changed = [key for key in sorted(set(grid_a) | set(grid_b))
               if key != "description" and grid_a.get(key) != grid_b.get(key)
               and not (unset(grid_a.get(key)) and unset(grid_b.get(key)))]
    return [f"- {key}: a {grid_a.get(key, '–')}, b {grid_b.get(key, '–')}" for key in changed] \
        or ["- none: the two runs share every setting (a rerun: differences are noise)"]


def _horizon_lines(root_a: Path, root_b: Path, labels: dict[str, str]) -> list[str]:
    paths = [root / "horizons.csv" for root in (root_a, root_b)]
    if not all(p.exists() for p in paths):
        return ["Horizons: run `report` on both runs first to compare them."]
    a, b = (pd.read_csv(p) for p in paths)
    both = a.merge(b, on=["task", "model"], suffixes=("_a", "_b"))
    rows = [[r.task, labels.get(r.model, _label(r.model)),
             horizon_bracket_text(r.horizon_low_a, r.horizon_high_a),
             horizon_bracket_text(r.horizon_low_b, r.horizon_high_b),
             "a" if r.horizon_low_a > r.horizon_low_b else
             "b" if r.horizon_low_b > r.horizon_low_a else ""]
            for r in both.itertuples()]
    return ["Horizon brackets [solved, failed) of each run (each over its own lengths):", "",
            table(["task", "model", "a", "b", "longer"], rows)]


def comparison_markdown(table_ab: pd.DataFrame, root_a: Path, root_b: Path, run_a: dict,
                        run_b: dict) -> str:
    """The summary; ``run_a``/``run_b``: the runs' records (run.json)."""
    labels = {m: _label(m) for m in table_ab["model"].unique()}
    n_cells = int(table_ab["n_pairs"].sum())
    lines = [f"# longdep comparison: a = {root_a.name}, b = {root_b.name}", "",
             f"- a: `{root_a}`, commit `{run_a.get('environment', {}).get('git_commit', '?')}`",
             f"- b: `{root_b}`, commit `{run_b.get('environment', {}).get('git_commit', '?')}`",
             "", f"{n_cells} cells paired by (task, model, T, seed) in {len(table_ab)} "
             "(task, model, T) groups; cells in only one run are left out.", "",
             "## What differs between the runs", ""] + _setting_changes(run_a, run_b) + [""]
    solved_a, solved_b = int(table_ab["solved_a"].sum()), int(table_ab["solved_b"].sum())
    lines += ["## Success", "",
              f"Seeds solved over the paired cells: a {solved_a}, b {solved_b} of {n_cells}. "
              "Per (task, model, T), the exact McNemar test on the seeds solved by one run "
              f"only, Benjamini-Hochberg over the table (q < {SIGNIFICANCE} in bold).", "",
              "![success differences](comparison.png)", ""]
    differs = table_ab[table_ab["solved_a"] != table_ab["solved_b"]]
    if differs.empty:
        lines += ["Both runs solve the same number of seeds in every group.", ""]
    else:
        rows = [[r.task, labels[r.model], str(r.seq_len),
                 f"{r.solved_a}/{r.n_pairs}", f"{r.solved_b}/{r.n_pairs}",
                 (f"**{fmt(r.success_q_value, 2)}**" if r.success_q_value < SIGNIFICANCE
                  else fmt(r.success_q_value, 2))]
                for r in differs.itertuples()]
        lines += [table(["task", "model", "T", "solved a", "solved b", "q"], rows), ""]
    lines += _horizon_lines(root_a, root_b, labels) + [""]
    lines += ["## Error", "",
              "Mean test error a − b per group (negative: a is better), paired sign-flip test, "
              f"Benjamini-Hochberg; smallest possible p at {int(table_ab['n_pairs'].max())} "
              f"seeds: {fmt(table_ab['min_p'].min(), 2)}"
              + (", so nothing can be significant here: where every seed agrees it is listed "
                 "as such." if table_ab["min_p"].min() >= SIGNIFICANCE else "."), ""]
    significant = table_ab[table_ab["q_value"] < SIGNIFICANCE]
    consistent = table_ab[(table_ab["q_value"] >= SIGNIFICANCE)
                          & (table_ab["n_pairs"] >= MIN_PAIRS_FOR_CONSISTENT)
                          & ((table_ab["n_a_better"] == table_ab["n_pairs"])
                             | (table_ab["n_b_better"] == table_ab["n_pairs"]))]
    for title, rows in (("Significant", significant),
                        (f"Every seed agrees (from {MIN_PAIRS_FOR_CONSISTENT} seeds on), not "
                         "significant at this n", consistent)):
        lines += [f"**{title}**", ""]
        lines += [f"- {r.task}, {labels[r.model]}, T = {r.seq_len}: {r.better} better, "
                  f"a {fmt(r.mean_a)} vs b {fmt(r.mean_b)} (q = {fmt(r.q_value, 2)})"
                  for r in rows.itertuples()] or ["- none"]
        lines += [""]
    lines += ["Full table: `comparison.csv`.", ""]
    return "\n".join(lines)


def success_difference_figure(table_ab: pd.DataFrame, path, order=(), page: Page = SCREEN
                              ) -> None:
    """Per task, each model's paired lengths as squares coloured by the share of seeds solved
    by a minus by b (diverging: blue a solves more, red b), outlined where the error
    difference is significant."""
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(table_ab["task"]))
    present = set(table_ab["model"])  # run a's model order, then any others
    models = [m for m in order if m in present] + sorted(present - set(order))
    fig, axes = panels(page, len(tasks), width=4.4, height=0.34 * len(models) + 1.4, sharey=True,
                       text_rows=True)
    cmap = plt.get_cmap("RdBu")
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = table_ab[table_ab["task"] == task]
        for y, model in enumerate(models):
            mine = rows[rows["model"] == model]
            ax.plot(mine["seq_len"], [y] * len(mine), color="0.8", lw=0.8, zorder=1)
            strong = (mine["q_value"] < SIGNIFICANCE).to_numpy()
            ax.scatter(mine["seq_len"], [y] * len(mine), marker="s", s=52, zorder=2,
                       c=(mine["success_diff"].to_numpy() + 1) / 2, cmap=cmap, vmin=0, vmax=1,
                       edgecolors=np.where(strong, "black", "0.6"),
                       linewidths=np.where(strong, 1.6, 0.4))
        log_length_axis(ax, rows["seq_len"])
        ax.set_title(task_title(task, page))
        ax.set_xlabel("T (steps, log scale)")
        ax.grid(axis="y", visible=False)
    axes[0][0].set_yticks(range(len(models)), [page.row_label(_label(m)) for m in models])
    axes[0][0].set_ylim(len(models) - 0.5, -0.5)
    fig.tight_layout()
    mappable = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(-1, 1))
    fig.colorbar(mappable, ax=list(axes[0]), location="right", fraction=0.025, pad=0.015,
                 label="share of seeds solved, a − b (blue: a solves more)")
    outlined = axes[0][0].scatter([], [], marker="s", s=52, color="white", edgecolors="black",
                                  linewidths=1.6)
    fig.legend([outlined], [f"test error differs (paired, q < {SIGNIFICANCE})"],
               loc="upper center", frameon=False, bbox_to_anchor=(0.5, 0.0))
    page.save(fig, path)


def write_comparison(table_ab: pd.DataFrame, run_a, run_b, out) -> Path:
    """comparison.csv, comparison.png and comparison.md in ``out``; returns the markdown's
    path. Nothing reads a clock: the same two runs give byte-identical files."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "comparison.csv", lambda h: table_ab.to_csv(h, index=False))
    record_a, record_b = (RunStore(run).read_run() or {} for run in (run_a, run_b))
    SCREEN.setup()
    success_difference_figure(table_ab, out / "comparison.png",
                              record_a.get("grid", {}).get("models", []))
    atomic_write_text(out / "comparison.md", comparison_markdown(
        table_ab, Path(run_a), Path(run_b), record_a, record_b))
    return out / "comparison.md"
