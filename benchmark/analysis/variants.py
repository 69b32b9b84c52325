"""A model variant against its base model, at each shared learning rate and at each one's own.

A variant (``lstm:forget_bias=1.0``, ``rnn:init=identity:nonlinearity=relu``) usually gets a
different rate from the lr selection than its base model (``lstm``, ``rnn``), so "the variant
solves longer" mixes the variant's effect with the rate's. The tuning cells ran every rate of
the grid for both models on the same tuning seeds, so they hold the effect at a shared rate:
this module pairs them up. The shared-rate outcome is ``solved_validation`` of the tuning
cells (validation data: no test set is read for it); the own-rate outcome is the evaluation
cells' ``solved`` (the one test read), as in the rest of the report.
"""

from __future__ import annotations

import pandas as pd

from benchmark.run.schema import usable
from models import MODELS
from models.options import parse_spec

COLUMNS = ["task", "seq_len", "base", "variant", "lr", "data", "base_lr", "variant_lr", "n",
           "base_solved",
           "variant_solved", "base_error", "variant_error"]


def variant_pairs(models: list[str]) -> list[tuple[str, str]]:
    """(base, variant) for every model with options whose bare key also ran."""
    pairs = []
    for spec in models:
        key, options = parse_spec(spec, MODELS.keys())
        if options and key in models:
            pairs.append((key, spec))
    return pairs


def _outcome(cells: pd.DataFrame, solved: str, error: str) -> tuple[int, int, float]:
    return len(cells), int(cells[solved].astype(bool).sum()), float(cells[error].mean())


def shared_rate_effects(tuning: pd.DataFrame | None, summary: pd.DataFrame,
                        models: list[str]) -> pd.DataFrame:
    """One row per (task, length, pair, rate): seeds solved by base and variant on the same
    seeds, at every shared rate of the tuning grid (``data`` = "validation, tuning seeds") and
    at each model's own chosen rate (``data`` = "test, evaluation seeds"; ``lr`` = "own", the
    two rates in ``base_lr`` and ``variant_lr``)."""
    rows = []
    for base, variant in variant_pairs(models):
        sources = [("test, evaluation seeds", summary, "solved", "final_metric", False)]
        if tuning is not None:
            sources.insert(0, ("validation, tuning seeds", tuning, "solved_validation",
                               "validation_metric", True))
        for data, cells, solved, error, by_rate in sources:
            cells = usable(cells)
            keys = ["task", "seq_len"] + (["lr"] if by_rate else [])
            for group_keys, group in cells.groupby(keys, sort=True):
                mine, theirs = (group[group["model"] == m] for m in (base, variant))
                seeds = sorted(set(mine["seed"]) & set(theirs["seed"]))  # paired seeds only
                if not seeds:
                    continue
                n, base_k, base_err = _outcome(mine[mine["seed"].isin(seeds)], solved, error)
                _, var_k, var_err = _outcome(theirs[theirs["seed"].isin(seeds)], solved, error)
                rows.append({"task": group_keys[0], "seq_len": int(group_keys[1]),
                             "base": base, "variant": variant,
                             "lr": f"{group_keys[2]:g}" if by_rate else "own", "data": data,
                             "base_lr": float(mine["lr"].iloc[0]),
                             "variant_lr": float(theirs["lr"].iloc[0]),
                             "n": n, "base_solved": base_k, "variant_solved": var_k,
                             "base_error": base_err, "variant_error": var_err})
    return pd.DataFrame(rows, columns=COLUMNS)
