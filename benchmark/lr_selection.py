"""Learning-rate selection: per (task, model, seq_len), every rate of the grid trained on its
own tuning seeds and scored on the validation set; the chosen rate is what the evaluation cells
then run at. Part of running a grid, not of its analysis: the runner calls it between phases."""

from __future__ import annotations

import pandas as pd

from benchmark.schema import GROUP, usable


def select_lr(tuning: pd.DataFrame) -> pd.DataFrame:
    """Per (task, model, seq_len), every learning rate's validation score and the chosen one.

    The choice is the lowest mean validation metric over tuning seeds; ties (e.g. several
    rates with zero error) go to the rate that got there in fewer steps, then to the smaller
    rate. Crashed cells are left out; a diverged one counts with the baseline error.
    """
    table = (usable(tuning).groupby(GROUP + ["lr"], observed=True, sort=True)
             .agg(n=("validation_metric", "size"),
                  validation_mean=("validation_metric", "mean"),
                  validation_std=("validation_metric", "std"), steps_run=("steps_run", "mean"),
                  cpu_seconds=("wall_seconds", "sum"))
             .reset_index())
    ranked = table.sort_values(GROUP + ["validation_mean", "steps_run", "lr"])
    best = ranked.groupby(GROUP, observed=True).head(1).index
    table["chosen"] = table.index.isin(best)
    return table


def chosen_rates(selection: pd.DataFrame) -> dict[tuple[str, str, int], float]:
    """The chosen rate of every (task, model, seq_len) of a ``select_lr`` table."""
    best = selection[selection["chosen"]]
    return {(r.task, r.model, int(r.seq_len)): float(r.lr) for r in best.itertuples()}
