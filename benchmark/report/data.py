"""The derived tables the report's figures draw: where to look (focus lengths), through-time
profiles at the report's checkpoints, and learning curves held after an early stop."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.run.schema import KEYS
from core.rules import PROFILE_FRACTIONS, SOLVED_SHARE
from tasks import get_task

# (name in the report, where): "init", "end", or a fraction of the step budget at which
# train_cell records a profile
THROUGH_TIME_CHECKPOINTS = (("initialisation", "init"),
                            (f"{PROFILE_FRACTIONS[0]:.0%} of the budget".replace("%", " %"),
                             PROFILE_FRACTIONS[0]),
                            ("end of training", "end"))


def focus_lengths(agg: pd.DataFrame) -> dict[str, int]:
    """Per task, the length where the models part ways: the shortest length at which some model
    solves (>= half the seeds) and some does not; else the shortest that nobody solves; else the
    longest. Learning curves and gradient profiles are drawn there."""
    chosen = {}
    for task, rows in agg.groupby("task", sort=False, observed=True):
        solved = rows.assign(ok=rows["success_rate"] >= SOLVED_SHARE).groupby("seq_len")["ok"]
        split = [length for length, ok in solved if ok.any() and not ok.all()]
        none = [length for length, ok in solved if not ok.any()]
        chosen[task] = int(min(split) if split else min(none) if none else rows["seq_len"].max())
    return chosen


def curve_lengths(agg: pd.DataFrame, focus: dict[str, int], most: int = 3
                  ) -> dict[str, list[int]]:
    """Per task, up to ``most`` lengths to draw learning curves at (Arjovsky et al. 2016 and
    Bai et al. 2018 show them at several T), in order of what they show: the focus length
    (where the models part ways), the longest length some model still solved (where only the
    survivors train), the run length nearest their geometric mean, then the shortest and the
    longest lengths run. Only lengths at least two models ran, so a panel compares (a
    search's bisection lengths are often one model's alone). Returned shortest first."""
    chosen = {}
    for task, rows in agg.groupby("task", sort=False, observed=True):
        runners = rows.groupby("seq_len")["model"].nunique()
        shared = sorted(int(n) for n in runners.index[runners >= min(2, runners.max())])
        solved = set(rows.loc[rows["success_rate"] >= SOLVED_SHARE, "seq_len"])
        start = focus[task]
        frontier = max((n for n in shared if n in solved), default=start)
        between = [n for n in shared if min(start, frontier) < n < max(start, frontier)]
        middle = min(between, key=lambda n: abs(np.log(n / np.sqrt(start * frontier))),
                     default=start)
        spread = min(shared, key=lambda n: abs(np.log(n / np.sqrt(shared[0] * shared[-1]))))
        candidates = [start, frontier, middle, shared[0], shared[-1], spread]
        chosen[task] = sorted(list(dict.fromkeys(candidates))[:most])
    return chosen


def run_tasks(grid: dict, keys) -> dict:
    """The run's task objects, with the run's parameters (a variant may change its rule)."""
    params = grid.get("task_params", {})
    return {key: get_task(key, **params.get(key, {})) for key in keys}


def through_time_profiles(grads: pd.DataFrame, summary: pd.DataFrame,
                          focus: dict[str, int]) -> pd.DataFrame:
    """||dL/dx_t|| relative to the profile's peak, against distance from the output, at the
    report's checkpoints."""
    frames = []
    info = summary.set_index(KEYS)[["steps", "grad_end_step"]]
    for task, length in focus.items():
        rows = grads[(grads["task"] == task) & (grads["seq_len"] == length)]
        for (model, seed), cell in rows.groupby(["model", "seed"], observed=True):
            steps, end = info.loc[(task, model, length, seed)]
            for name, where in THROUGH_TIME_CHECKPOINTS:
                step = 0 if where == "init" else end if where == "end" else round(where * steps)
                profile = cell[cell["step"] == step].sort_values("t")
                if profile.empty or (where not in ("init", "end") and step >= end):
                    continue  # an early-stopped cell has no mid-budget checkpoint
                peak = profile["value"].max()
                output_step = profile["t"].iloc[-1]  # the input may be longer than seq_len
                frames.append(pd.DataFrame({
                    "task": task, "model": model, "seed": seed, "checkpoint": name,
                    "distance": output_step - profile["t"].to_numpy(),
                    "relative": profile["value"].to_numpy() / peak if peak > 0 else np.nan}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def held_after_stop(curves: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Learning curves with every early-stopped cell held at its last value up to the step
    budget, so a median over seeds is not taken over a shrinking set of seeds."""
    budget = summary.set_index(KEYS)["steps"]
    frames = []
    for keys, cell in curves.groupby(KEYS + ["metric"],
                                     observed=True, sort=False):
        steps = budget.get(keys[:4])
        last = cell.sort_values("step").iloc[-1]
        frames.append(cell)
        if steps is not None and last["step"] < steps:
            every = int(cell["step"].diff().dropna().min()) if len(cell) > 1 else steps
            filler = np.arange(last["step"] + every, steps + 1, every)
            frames.append(pd.DataFrame({**{k: last[k] for k in cell.columns},
                                        "step": filler}))
    return pd.concat(frames, ignore_index=True)


def training_diagnostics(curves: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Per (task, model, seq_len), medians over seeds of what training did beside the score:
    the share of steps whose gradient was clipped, the training loss at the end (mean over
    the last evaluation interval) and the test metric. A training loss far under the test
    error is overfitting (a fixed training set); clipping on most steps is a model pressing
    against the clip, as a diverging one does."""
    train = curves[curves["metric"] == "train_loss"]
    last = (train.sort_values("step").groupby(KEYS, observed=True)["value"].last()
            .rename("train_loss_end").reset_index())
    cells = summary[KEYS + ["clipped_fraction", "final_metric"]].merge(last, on=KEYS,
                                                                        how="left")
    return (cells.groupby(KEYS[:3], observed=True, sort=True)
            [["clipped_fraction", "train_loss_end", "final_metric"]].median().reset_index())
