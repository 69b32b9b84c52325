"""Learning-rate selection against a constructed tuning table with a known answer."""

import pandas as pd
import pytest

from benchmark.run.lr_selection import chosen_rates, select_lr


def test_select_lr_picks_the_known_best_and_breaks_ties_by_speed():
    rows = []
    # model a: 1e-3 is clearly best; model b: 1e-3 and 1e-2 both reach 0, 1e-2 in fewer steps
    for seed in range(2):
        for lr, err, steps in ((1e-4, 0.4, 100), (1e-3, 0.05, 100), (1e-2, 0.3, 100)):
            rows.append({"task": "t", "model": "a", "seq_len": 10, "seed": seed, "lr": lr,
                         "validation_metric": err + 0.01 * seed, "solved": False,
                         "steps_run": steps, "wall_seconds": 1.0})
        for lr, err, steps in ((1e-4, 0.4, 100), (1e-3, 0.0, 80), (1e-2, 0.0, 30)):
            rows.append({"task": "t", "model": "b", "seq_len": 10, "seed": seed, "lr": lr,
                         "validation_metric": err, "solved": err == 0, "steps_run": steps,
                         "wall_seconds": 1.0})
    table = select_lr(pd.DataFrame([{**r, "status": "ok"} for r in rows]))
    chosen = table[table["chosen"]].set_index("model")["lr"]
    assert chosen["a"] == 1e-3 and chosen["b"] == 1e-2
    assert table["chosen"].sum() == 2 and (table["n"] == 2).all()
    assert table.loc[(table["model"] == "a") & (table["lr"] == 1e-3),
                     "validation_mean"].iloc[0] == pytest.approx(0.055)
    assert chosen_rates(table) == {("t", "a", 10): 1e-3, ("t", "b", 10): 1e-2}


def test_choices_among_chance_or_at_the_edge_are_flagged():
    rows = []
    for lr, err_a, err_b in ((1e-3, 0.50, 0.30), (3e-3, 0.49, 0.10), (1e-2, 0.51, 0.05)):
        for model, err in (("a", err_a), ("b", err_b)):
            rows.append({"task": "t", "model": model, "seq_len": 10, "seed": 0, "lr": lr,
                         "validation_metric": err, "baseline": 0.5, "steps_run": 100,
                         "wall_seconds": 1.0, "status": "ok"})
    table = select_lr(pd.DataFrame(rows)).set_index("model")
    assert table.loc["a", "all_at_chance"].all()  # 0.49-0.51 against chance 0.5: arbitrary
    assert not table.loc["b", "all_at_chance"].any()
    assert table.loc["b", "at_edge"].all()  # b chose 1e-2, the largest rate of the grid
    assert not table.loc["a", "at_edge"].any()  # a chose 3e-3, inside the grid
