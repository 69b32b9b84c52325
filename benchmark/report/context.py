"""ReportContext: everything a report shows, computed once from a run's stored tables.

``build_context`` reads the run folder (never trains, never reads the clock) and derives every
table the figures and the sections draw from; the figures (benchmark/report/catalogue.py) and
the sections (benchmark/report/sections.py) only read it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from benchmark.analysis import (
    extrapolation,
    horizon_stats,
    mechanism,
    scaling,
    stats,
    variants,
)
from benchmark.report.data import (
    focus_lengths,
    run_tasks,
    through_time_profiles,
    training_diagnostics,
)
from benchmark.report.dynamics_report import dynamics_rows
from benchmark.report.page import SCREEN, Page
from benchmark.run.schema import usable
from benchmark.run.store import RunStore
from models import marked_label


@dataclasses.dataclass(frozen=True)
class ReportContext:
    """A run's record and its tables, as the report reads them (built by keyword)."""

    root: Path
    run: dict
    grid: dict
    summary: pd.DataFrame  # every cell, judged
    usable: pd.DataFrame  # the cells that count (no crashes)
    curves: pd.DataFrame
    agg: pd.DataFrame  # per (task, model, length)
    comparisons: pd.DataFrame
    horizons: pd.DataFrame
    seed_horizons: pd.DataFrame
    focus: dict[str, int]  # per task, the length where the models part ways
    models: list[str]  # run order
    labels: dict[str, str]
    task_objects: dict  # the run's task objects, with the run's parameters
    through: pd.DataFrame  # through-time profiles at the focus lengths
    norms: pd.DataFrame  # global gradient norms during training
    tuning: pd.DataFrame | None  # lr_selection.csv
    tuning_summary: pd.DataFrame | None
    search: pd.DataFrame | None  # search.csv
    variants: pd.DataFrame
    diagnostics: pd.DataFrame
    extrapolation: pd.DataFrame  # per cell and ratio, at each task's reference length
    scaling: pd.DataFrame  # per (budget point, task, model) of a --scale sweep (else empty)
    mechanism: pd.DataFrame  # per (task, model): diagnostics at init and the horizon (or empty)
    mechanism_fit: pd.DataFrame  # per diagnostic: its rank correlation with the horizon
    spectra: pd.DataFrame  # recorded dynamics at the focus lengths: exponents (or empty)
    time_constants: pd.DataFrame  # and the time constants' quantiles (or empty)
    single_length: bool  # one length per task: no length-sweep figures
    page: Page = SCREEN

    @property
    def tasks(self) -> list[str]:
        return list(dict.fromkeys(self.agg["task"]))

    def task(self, key: str):
        """The run's task object, with the run's parameters (a variant may change its rule)."""
        return self.task_objects[key]

    @property
    def controls(self) -> list[str]:
        """The control tasks (no dependency gap) among the run's."""
        return [t for t in self.tasks if self.task(t).control]

    @property
    def has_through(self) -> bool:
        return not self.through.empty


def _models_and_labels(grid: dict, summary: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    models = [m for m in grid.get("models", []) if m in set(summary["model"])] or \
        sorted(summary["model"].unique())
    labels = {model: marked_label(model, label) for model, label in  # [told T] marked
              zip(summary["model"], summary["model_label"].fillna(summary["model"]),
                  strict=True)}
    return models, {model: labels[model] for model in models} | labels  # legends: run order


def _seed_horizons(ok: pd.DataFrame) -> pd.DataFrame:
    seeds = pd.concat([horizon_stats.seed_brackets(group).assign(task=task, model=model)
                       for (task, model), group in ok.groupby(
                           ["task", "model"], sort=True, observed=True)], ignore_index=True)
    return seeds[["task", "model", "seed", "seed_low", "seed_high"]]


def _optional(path: Path, read=pd.read_csv) -> pd.DataFrame | None:
    return read(path) if path.exists() else None


def _scaling(root: Path, grid: dict) -> pd.DataFrame:
    """The sweep's horizons per budget point; empty for a run without ``--scale``."""
    if not grid.get("scale"):
        return pd.DataFrame()
    from benchmark.run.config import Grid
    from benchmark.run.scale import base_models

    record = {k: v for k, v in grid.items() if k != "task_params" or v}
    return scaling.scaling_table(root, base_models(Grid.from_dict(record)))


def _mechanism(root: Path, horizons: pd.DataFrame, agg: pd.DataFrame,
               tasks: dict) -> pd.DataFrame:
    """Diagnostics at init against the horizon, where ``benchmark dynamics`` wrote them; the
    control tasks (no dependency gap, so no horizon to explain) left out."""
    table = _optional(root / "dynamics_init.csv")
    if table is None:
        return pd.DataFrame()
    gapped = horizons[[not tasks[t].control for t in horizons["task"]]]
    return mechanism.per_pair(table, gapped, agg)


def build_context(store: RunStore, page: Page = SCREEN) -> ReportContext:
    """Read a run folder and compute every table of its report."""
    run = store.read_run() or {}
    grid = run.get("grid", {})
    summary, curves = store.load_usable_summary(), store.load_curves()
    models, labels = _models_and_labels(grid, summary)
    agg = stats.aggregate(summary)
    agg = agg[agg["n"] > 0]  # a (task, model, length) whose every cell crashed: counted only
    root = store.root
    tuning_summary = (store.load_summary(prefix="tuning_")
                      if (root / "tuning_summary.csv").exists() else None)
    ok = usable(summary)
    focus = focus_lengths(agg)
    horizons = horizon_stats.horizons(summary, agg, tuning_summary)
    task_objects = run_tasks(grid, list(dict.fromkeys(agg["task"])))
    spectra, time_constants = dynamics_rows(ok, focus)
    pairs = _mechanism(root, horizons, agg, task_objects)
    return ReportContext(
        root=root, run=run, grid=grid, summary=summary, usable=ok, curves=curves, agg=agg,
        comparisons=stats.compare_models(summary),
        horizons=horizons,
        seed_horizons=_seed_horizons(ok), focus=focus, models=models, labels=labels,
        task_objects=task_objects,
        through=through_time_profiles(store.load_gradients(kind="through_time"), ok, focus),
        norms=store.load_gradients(kind="global"),
        tuning=_optional(root / "lr_selection.csv"), tuning_summary=tuning_summary,
        search=_optional(root / "search.csv"),
        variants=variants.shared_rate_effects(tuning_summary, summary, models),
        diagnostics=training_diagnostics(curves, ok),
        extrapolation=extrapolation.at_reference_lengths(summary),
        scaling=_scaling(root, grid),
        mechanism=pairs, mechanism_fit=mechanism.correlations(pairs) if len(pairs) else pairs,
        spectra=spectra, time_constants=time_constants,
        single_length=bool(agg.groupby("task", observed=True)["seq_len"].nunique().max() == 1),
        page=page)
