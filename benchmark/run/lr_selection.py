"""Learning-rate selection: per (task, model, seq_len), every rate of the grid trained on its
own tuning seeds and scored on the validation set; the chosen rate is what the evaluation cells
then run at. Part of running a grid, not of its analysis: the runner calls it between phases."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmark.run.schema import GROUP, usable
from core.rules import CHANCE_BAND


def _per_rate(tuning: pd.DataFrame) -> pd.DataFrame:
    """Per (task, model, seq_len, lr): the tuning seeds' validation scores."""
    cells = usable(tuning).assign(
        diverged=lambda f: f["status"] == "diverged",
        validation_loss=lambda f: f["validation_loss"] if "validation_loss" in f else np.nan)
    return (cells.groupby(GROUP + ["lr"], observed=True, sort=True)
            .agg(n=("validation_metric", "size"),
                 validation_mean=("validation_metric", "mean"),
                 validation_std=("validation_metric", "std"),
                 validation_loss_mean=("validation_loss", "mean"),
                 n_diverged=("diverged", "sum"), steps_run=("steps_run", "mean"),
                 cpu_seconds=("wall_seconds", "sum"))
            .reset_index())


def select_lr(tuning: pd.DataFrame) -> pd.DataFrame:
    """Per (task, model, seq_len), every learning rate's validation score and the chosen one.

    The choice is the lowest mean validation metric over tuning seeds. Ties (several rates
    at zero error, or several at chance) go, in turn, to the rate with fewer diverged seeds
    (a diverged run never wins a tie: it stopped early and scores the baseline), the lower
    mean validation loss (the more confident solution), the rate nearest the middle of the
    grid in log scale, and the smaller rate. Crashed cells are left out; a diverged one
    counts with the baseline error.

    Two flags per (task, model, seq_len), on every row of it: ``all_at_chance`` when every
    rate's mean validation error is within CHANCE_BAND of the memoryless baseline (the choice
    among them is then arbitrary), and ``at_edge`` when the chosen rate is the smallest or the
    largest of the grid (a better one may lie outside it).
    """
    table = _per_rate(tuning)
    log_rates = np.log(table["lr"].unique()) if len(table) else np.zeros(0)
    middle = (log_rates.min() + log_rates.max()) / 2 if len(log_rates) else 0.0
    ranked = table.assign(off_middle=(np.log(table["lr"]) - middle).abs().round(12),
                          loss_key=table["validation_loss_mean"].fillna(np.inf)).sort_values(
        GROUP + ["validation_mean", "n_diverged", "loss_key", "off_middle", "lr"])
    best = ranked.groupby(GROUP, observed=True).head(1).index
    table["chosen"] = table.index.isin(best)
    if "baseline" in tuning:
        baseline = usable(tuning).groupby(GROUP + ["lr"], observed=True)["baseline"].first()
        near = (table["validation_mean"].to_numpy()
                >= (1 - CHANCE_BAND) * baseline.reindex(
                    pd.MultiIndex.from_frame(table[GROUP + ["lr"]])).to_numpy())
        table["all_at_chance"] = pd.Series(near, index=table.index).groupby(
            [table[c] for c in GROUP], observed=True).transform("all")
    # the edges of each (task, model, length)'s own rates: an extension beyond the grid moves
    # them for that group alone
    rates = table.groupby(GROUP, observed=True)["lr"]
    low, high, count = rates.transform("min"), rates.transform("max"), rates.transform("nunique")
    chosen_lr = table[table["chosen"]].set_index(GROUP)["lr"]
    chosen = pd.Series([chosen_lr.get(tuple(key)) for key in
                        table[GROUP].itertuples(index=False)], index=table.index)
    table["at_edge"] = ((chosen == low) | (chosen == high)) & (count > 1)
    return table


def rate_beyond(chosen: float, rates) -> float | None:
    """The rate one step beyond the edge of ``rates`` where ``chosen`` sits on it (the grid's
    own step there, rounded to one significant digit: 1e-2 after 3e-3 gives 3e-2), None where
    the choice is inside or the grid has one rate."""
    rates = sorted(rates)
    if len(rates) < 2 or rates[0] < chosen < rates[-1]:
        return None
    beyond = chosen / (rates[1] / rates[0]) if chosen == rates[0] else \
        chosen * (rates[-1] / rates[-2])
    beyond = float(f"{beyond:.1g}")
    return None if beyond in rates else beyond


def chosen_rates(selection: pd.DataFrame) -> dict[tuple[str, str, int], float]:
    """The chosen rate of every (task, model, seq_len) of a ``select_lr`` table."""
    best = selection[selection["chosen"]]
    return {(r.task, r.model, int(r.seq_len)): float(r.lr) for r in best.itertuples()}
