"""Learning-rate selection against a constructed tuning table with a known answer."""

import dataclasses

import pandas as pd
import pytest

from benchmark.run.config import Grid
from benchmark.run.lr_selection import chosen_rates, rate_beyond, select_lr
from benchmark.run.runner import run_grid


def test_select_lr_picks_the_known_best_and_breaks_ties_toward_the_middle():
    rows = []
    # model a: 1e-3 is clearly best; model b: 1e-3 and 1e-2 both reach 0, 1e-2 in fewer steps
    # (speed no longer breaks ties: with no loss recorded, the middle of the grid does)
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
    assert chosen["a"] == 1e-3 and chosen["b"] == 1e-3
    assert table["chosen"].sum() == 2 and (table["n"] == 2).all()
    assert table.loc[(table["model"] == "a") & (table["lr"] == 1e-3),
                     "validation_mean"].iloc[0] == pytest.approx(0.055)
    assert chosen_rates(table) == {("t", "a", 10): 1e-3, ("t", "b", 10): 1e-3}


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


def _tie(lr, err, status="ok", loss=float("nan"), steps=100):
    return {"task": "t", "model": "m", "seq_len": 10, "seed": 0, "lr": lr,
            "validation_metric": err, "validation_loss": loss, "baseline": 0.5,
            "steps_run": steps, "wall_seconds": 1.0, "status": status}


def test_a_tie_never_goes_to_a_run_that_diverged():
    """zoo_tuned's IRNN chose 1e-2 where it diverged at step 2 (fastest): a tie at chance
    between a diverged run (scored at the baseline) and a chance-level one goes to the latter,
    whatever the steps."""
    table = select_lr(pd.DataFrame([_tie(1e-3, 0.5, steps=1000), _tie(3e-3, 0.5, steps=1000),
                                    _tie(1e-2, 0.5, status="diverged", steps=2)]))
    assert chosen_rates(table) == {("t", "m", 10): 3e-3}  # not diverged, then the middle
    table = select_lr(pd.DataFrame([_tie(1e-3, 0.5, status="diverged", steps=2),
                                    _tie(1e-2, 0.5, steps=1000)]))
    assert chosen_rates(table) == {("t", "m", 10): 1e-2}


def test_a_tie_goes_to_the_lower_validation_loss_then_the_middle():
    table = select_lr(pd.DataFrame([_tie(1e-3, 0.0, loss=0.02), _tie(3e-3, 0.0, loss=0.05),
                                    _tie(1e-2, 0.0, loss=0.01)]))
    assert chosen_rates(table) == {("t", "m", 10): 1e-2}
    table = select_lr(pd.DataFrame([_tie(1e-3, 0.0, loss=0.02), _tie(3e-3, 0.0, loss=0.02),
                                    _tie(1e-2, 0.0, loss=0.02)]))
    assert chosen_rates(table) == {("t", "m", 10): 3e-3}


def test_the_rate_beyond_an_edge_is_one_grid_step_further():
    grid = (1e-3, 3e-3, 1e-2)
    assert rate_beyond(1e-2, grid) == 3e-2  # 1e-2 x (1e-2 / 3e-3), to one digit
    assert rate_beyond(1e-3, grid) == 3e-4
    assert rate_beyond(3e-3, grid) is None  # inside: accepted as it is
    assert rate_beyond(1e-3, (1e-3,)) is None  # one rate: nothing to extend


def test_a_choice_at_the_edge_tunes_one_rate_beyond_before_it_is_accepted(tmp_path):
    """With rates far too small for 30 steps, the largest wins; the engine then tunes one
    step beyond it and chooses among all three; with lr_extend off it takes the edge,
    flagged."""
    grid = Grid(tasks=("bit_memory",), models=("rnn",), lengths=(5,), seeds=1, steps=30,
                hidden_size=8, eval_every=10, lr_grid=(1e-5, 1e-4), tune_seeds=1)
    run_grid(grid, tmp_path / "extended", n_jobs=1, progress=False)
    tuning = pd.read_csv(tmp_path / "extended" / "tuning_summary.csv")
    assert sorted(tuning["lr"]) == [1e-5, 1e-4, 1e-3]
    selection = pd.read_csv(tmp_path / "extended" / "lr_selection.csv")
    chosen = selection.loc[selection["chosen"], "lr"].item()
    assert chosen in (1e-4, 1e-3)
    summary = pd.read_csv(tmp_path / "extended" / "summary.csv")
    assert summary["lr"].tolist() == [chosen]
    run_grid(dataclasses.replace(grid, lr_extend=False), tmp_path / "flagged", n_jobs=1,
             progress=False)
    selection = pd.read_csv(tmp_path / "flagged" / "lr_selection.csv")
    assert sorted(selection["lr"]) == [1e-5, 1e-4]
    assert selection.loc[selection["chosen"], "lr"].item() == 1e-4
    assert selection["at_edge"].all()
