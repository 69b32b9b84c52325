"""write_report: the aggregated tables, figures and report.md of one run, from stored files only.

Nothing here trains or reads the clock: the same stored results give byte-identical output.
The statistics are computed once here and handed to the figures and to the markdown sections
(benchmark/report/sections.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from benchmark.analysis import horizon_stats, stats, variants
from benchmark.report import figures, gradient_figures, plotting
from benchmark.report.data import (
    curve_lengths,
    focus_lengths,
    held_after_stop,
    run_tasks,
    through_time_profiles,
    training_diagnostics,
)
from benchmark.report.sections import ReportContext, markdown
from benchmark.run.schema import usable
from benchmark.run.store import RunStore, atomic_write, atomic_write_text


def write_report(run_dir: str | Path, formats=("png",), page_width: float | None = None
                 ) -> Path:
    """Write the report of a run: everything goes to a staging folder first and is moved into
    place only when all of it was written, so a failure leaves the previous report whole.
    ``formats``: the figures' file formats (png, svg, pdf); PNG is always written.
    ``page_width``: inches every figure must fit, with paper-sized fonts (None: screen)."""
    plotting.set_formats(formats)
    plotting.set_page_width(page_width)
    store = RunStore(run_dir)
    run = store.read_run() or {}
    summary, curves = store.load_usable_summary(), store.load_curves()
    staging = store.root / ".report.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        _write(store, run, summary, curves, staging)
        written = {path.relative_to(staging) for path in staging.rglob("*")}
        # a figure the new report did not draw (an earlier report's) would sit beside it as
        # if current: remove it
        for old in sorted((store.root / "figures").glob("*")):
            if old.is_file() and old.relative_to(store.root) not in written:
                old.unlink()
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                target = store.root / path.relative_to(staging)
                target.parent.mkdir(exist_ok=True)
                os.replace(path, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return store.root / "report.md"


def _write(store: RunStore, run: dict, summary: pd.DataFrame, curves: pd.DataFrame,
           out: Path) -> None:
    root = store.root
    grid = run.get("grid", {})
    models = [m for m in grid.get("models", []) if m in set(summary["model"])] or \
        sorted(summary["model"].unique())
    labels = dict(zip(summary["model"], summary["model_label"].fillna(summary["model"]),
                      strict=True))
    labels = {model: labels[model] for model in models} | labels  # run order: legends follow it

    agg = stats.aggregate(summary)
    agg = agg[agg["n"] > 0]  # a (task, model, length) whose every cell crashed: counted only
    comparisons = stats.compare_models(summary)
    tuning_summary = (store.load_summary(prefix="tuning_")
                      if (root / "tuning_summary.csv").exists() else None)
    horizon_table = horizon_stats.horizons(summary, agg, tuning_summary)
    ok = usable(summary)
    seeds = pd.concat([horizon_stats.seed_brackets(group).assign(task=task, model=model)
                       for (task, model), group in ok.groupby(
                           ["task", "model"], sort=True, observed=True)], ignore_index=True)
    for name, table in (("stats", agg), ("comparisons", comparisons),
                        ("horizons", horizon_table),
                        ("seed_horizons", seeds[["task", "model", "seed", "seed_low",
                                                 "seed_high"]])):
        atomic_write(out / f"{name}.csv", lambda h, t=table: t.to_csv(h, index=False))

    focus = focus_lengths(agg)
    tasks_by_key = run_tasks(grid, focus)
    single_length = bool(agg.groupby("task", observed=True)["seq_len"].nunique().max() == 1)
    fig_dir = out / "figures"
    fig_dir.mkdir(exist_ok=True)
    plotting.setup()
    search = pd.read_csv(root / "search.csv") if (root / "search.csv").exists() else None
    if single_length:  # nothing varies with length: no length-sweep figures
        figures.train_and_validation_curves(held_after_stop(curves, ok), ok, agg,
                                            tasks_by_key, grid, models, labels,
                                            fig_dir / "learning_curves.png")
    else:
        figures.error_vs_length(ok, agg, models, labels, fig_dir / "error_vs_length.png")
        figures.success_heatmap(agg, models, labels, fig_dir / "success_rate.png")
        figures.horizon_plot(horizon_table, ok, models, labels,
                             fig_dir / "memory_horizon.png")
        figures.learning_curves(held_after_stop(curves, ok), curve_lengths(agg, focus), agg,
                                tasks_by_key, models, labels, fig_dir / "learning_curves.png")
        figures.cost(ok, models, labels, fig_dir / "cost.png")
    through = through_time_profiles(store.load_gradients(kind="through_time"), ok, focus)
    if not through.empty:
        gradient_figures.gradient_through_time(through, focus, models, labels,
                                      fig_dir / "gradient_through_time.png")
    if not single_length:
        gradient_figures.reach_and_success(agg, models, labels,
                                           fig_dir / "gradient_reach.png")
    clip = float(grid.get("clip", 0) or 0)
    gradient_figures.global_norm(store.load_gradients(kind="global"), focus, clip, models, labels,
                        fig_dir / "gradient_norm.png")

    tuning = None
    if (root / "lr_selection.csv").exists():
        tuning = pd.read_csv(root / "lr_selection.csv")
        figures.lr_choice(tuning, focus, models, labels, fig_dir / "learning_rate.png")
    effects = variants.shared_rate_effects(tuning_summary, summary, models)
    if not effects.empty:
        atomic_write(out / "variants.csv", lambda h: effects.to_csv(h, index=False))
    diagnostics = training_diagnostics(curves, ok)
    context = ReportContext(root, run, grid, summary, agg, comparisons, horizon_table, focus,
                            models, labels, not through.empty, tuning, search, effects,
                            diagnostics, single_length, tasks_by_key)
    atomic_write_text(out / "report.md", markdown(context))
