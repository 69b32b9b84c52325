"""Learning-rate selection: per (task, model, seq_len), every rate of the grid trained on its
own tuning seeds and scored on the validation set; the chosen rate is what the evaluation cells
then run at. Part of running a grid, not of its analysis: the runner calls it between phases."""

from __future__ import annotations

import pandas as pd

from benchmark.run.schema import GROUP, usable
from core.rules import CHANCE_BAND


def select_lr(tuning: pd.DataFrame) -> pd.DataFrame:
    """Per (task, model, seq_len), every learning rate's validation score and the chosen one.

    The choice is the lowest mean validation metric over tuning seeds; ties (e.g. several
    rates with zero error) go to the rate that got there in fewer steps, then to the smaller
    rate. Crashed cells are left out; a diverged one counts with the baseline error.

    Two flags per (task, model, seq_len), on every row of it: ``all_at_chance`` when every
    rate's mean validation error is within CHANCE_BAND of the memoryless baseline (the choice
    among them is then arbitrary), and ``at_edge`` when the chosen rate is the smallest or the
    largest of the grid (a better one may lie outside it).
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
    if "baseline" in tuning:
        baseline = usable(tuning).groupby(GROUP + ["lr"], observed=True)["baseline"].first()
        near = (table["validation_mean"].to_numpy()
                >= (1 - CHANCE_BAND) * baseline.reindex(
                    pd.MultiIndex.from_frame(table[GROUP + ["lr"]])).to_numpy())
        table["all_at_chance"] = pd.Series(near, index=table.index).groupby(
            [table[c] for c in GROUP], observed=True).transform("all")
    edges = {table["lr"].min(), table["lr"].max()} if len(table) else set()
    chosen_lr = table[table["chosen"]].set_index(GROUP)["lr"]
    table["at_edge"] = [chosen_lr.get(tuple(key)) in edges and table["lr"].nunique() > 1
                        for key in table[GROUP].itertuples(index=False)]
    return table


def chosen_rates(selection: pd.DataFrame) -> dict[tuple[str, str, int], float]:
    """The chosen rate of every (task, model, seq_len) of a ``select_lr`` table."""
    best = selection[selection["chosen"]]
    return {(r.task, r.model, int(r.seq_len)): float(r.lr) for r in best.itertuples()}
