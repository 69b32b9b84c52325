"""Length extrapolation: scored after training at multiples of T on fresh data, recorded with
the cell, never decided on; a model that holds the rule at any length is solved at every
ratio, one that guesses is not."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from benchmark.run.cell import Cell
from benchmark.run.data import extrapolation_set, held_out_sets
from benchmark.run.extrapolation import extrapolated_length, score_longer
from benchmark.run.train import _evaluate, train_cell
from tasks import get_task
from tests.conftest import run_cli


class FirstBit(nn.Module):
    """bit_memory's answer at any length: the first input bit as a confident logit."""

    readout_steps = None

    def forward(self, x):
        return (x[:, 0] - 0.5) * 20


class Guess(nn.Module):
    readout_steps = None

    def forward(self, x):
        return torch.zeros(x.shape[0], 1)


def _cell(**settings):
    return Cell(task="bit_memory", model="gru", seq_len=10, seed=0, steps=5, hidden_size=4,
                test_size=400, **settings)


def test_a_model_that_holds_the_rule_is_solved_at_every_ratio_and_a_guess_at_none():
    cell, task = _cell(extrapolate=(2.0, 4.0, 16.0)), get_task("bit_memory")
    held = json.loads(score_longer(cell, task, FirstBit(), _evaluate, usable=True))
    assert [r["seq_len"] for r in held] == [20, 40, 160]
    assert all(r["solved"] and r["metric"] == 0 for r in held)
    guessed = json.loads(score_longer(cell, task, Guess(), _evaluate, usable=True))
    assert not any(r["solved"] for r in guessed)
    assert all(abs(r["metric"] - 0.5) < 0.1 for r in guessed)  # chance, on fresh data
    # a diverged cell scores the baseline at every ratio, like its test
    dead = json.loads(score_longer(cell, task, Guess(), _evaluate, usable=False))
    assert all(r["metric"] == 0.5 and not r["solved"] and r["loss"] is None for r in dead)


def test_extrapolation_data_is_fresh_and_the_same_for_every_model():
    task, cell = get_task("adding"), _cell(extrapolate=(2.0,))
    x, _ = extrapolation_set(task, cell, 20)
    again, _ = extrapolation_set(task, Cell(**{**cell.__dict__, "model": "lstm"}), 20)
    np.testing.assert_array_equal(x, again)
    test_x, _ = held_out_sets(task, Cell(**{**cell.__dict__, "seq_len": 20}))["test"]
    assert not np.array_equal(x, test_x)  # not the test set of a cell trained at 2T
    assert extrapolated_length(cell, 1.04) == 11  # always longer than T


def test_a_per_step_task_is_read_at_every_step_of_the_longer_input():
    cell = Cell(task="copy_memory", model="gru", seq_len=5, seed=0, steps=3, hidden_size=4,
                test_size=50, extrapolate=(3.0,))
    result = train_cell(cell)
    (row,) = json.loads(result.summary["extrapolation"])
    assert row["seq_len"] == 15 and 0 <= row["metric"] <= 1


def test_extrapolation_enters_the_id_only_when_asked_and_reads_back_from_a_row():
    plain, asked = _cell(), _cell(extrapolate=(2.0, 4.0))
    assert plain.id == Cell(**{**plain.__dict__}).id and plain.id != asked.id
    row = pd.Series(asked.to_dict()).astype(str).to_dict()  # as summary.csv holds it
    row["task_params"] = "{}"
    assert Cell.from_row(row) == asked
    assert "extrapolation" not in train_cell(plain).summary  # off: the record keeps its columns


@pytest.mark.slow
def test_extrapolate_on_the_command_line_records_and_resumes(tmp_path):
    # the four modern memory tasks, trained end to end, each scored at 2T and 4T
    out = tmp_path / "run"
    args = ["run", "--tasks", "selective_copy,associative_recall,flip_flop,delayed_xor",
            "--models", "gru", "--lengths", "8", "--seeds", "1", "--steps", "20",
            "--extrapolate", "2,4", "--out", str(out), "--n-jobs", "1", "--no-progress"]
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    summary = pd.read_csv(out / "summary.csv")
    assert (summary["status"] == "ok").all()
    assert dict(zip(summary["task"], summary["baseline"], strict=True)) == {
        "selective_copy": 0.875, "associative_recall": 0.9375, "flip_flop": 0.5,
        "delayed_xor": 0.5}
    assert all([r["seq_len"] for r in json.loads(text)] == [16, 32]
               for text in summary["extrapolation"])
    again = run_cli(*args)
    assert again.returncode == 0 and "4 already done, 0 computed" in again.stdout
    bad = run_cli(*args[:args.index("--extrapolate")], "--extrapolate", "0.5", "--out",
                  str(tmp_path / "bad"))
    assert bad.returncode == 2 and "numbers above 1" in bad.stderr


def _table(outcomes: dict[int, list[bool]], ratios=(1.0, 2.0, 4.0, 8.0)) -> pd.DataFrame:
    """An extrapolation table for one (task, model, T): per seed, solved at each ratio."""
    return pd.DataFrame([{"task": "bit_memory", "model": "gru", "seq_len": 10, "seed": seed,
                          "ratio": r, "test_length": int(10 * r), "metric": 0.0 if ok else 0.5,
                          "baseline": 0.5, "solved": ok}
                         for seed, solved in outcomes.items()
                         for r, ok in zip(ratios, solved, strict=True)])


def test_held_ratio_known_answers():
    from benchmark.analysis.extrapolation import held_ratios

    # every seed holds every ratio: open above the longest ratio scored (the grid's edge)
    (row,) = held_ratios(_table({0: [True] * 4, 1: [True] * 4, 2: [True] * 4})).itertuples()
    assert (row.seed_median_low, row.seed_median_high) == (8.0, math.inf)
    # perfect separation at 2x: every seed solved T and failed 2x
    (row,) = held_ratios(_table({s: [True, False, False, False] for s in range(5)})
                         ).itertuples()
    assert (row.seed_median_low, row.seed_median_high, row.seed_ci_low, row.seed_ci_high) \
        == (1.0, 2.0, 1.0, 2.0)
    assert abs(row.seed_ci_coverage - 0.9375) < 1e-12  # 5 seeds: the range covers 94 %
    # a seed that fails at 2x and recovers at 4x holds 1x only (every smaller ratio)
    (row,) = held_ratios(_table({0: [True, False, True, True]})).itertuples()
    assert (row.seed_median_low, row.seed_median_high) == (1.0, 2.0)
    assert row.seed_ci_coverage == 0  # one seed: no interval for the median
    # not even solved at T
    (row,) = held_ratios(_table({0: [False] * 4, 1: [False] * 4, 2: [True] * 4})).itertuples()
    assert (row.seed_median_low, row.seed_median_high) == (0.0, 1.0)


def test_the_report_has_the_section_only_for_a_run_with_extrapolation(tmp_path):
    from benchmark.analysis.extrapolation import at_reference_lengths
    from benchmark.report.extrapolation_report import extrapolation_section

    class Context:
        labels = {"gru": "GRU"}

    no_scores = pd.DataFrame({"task": ["bit_memory"], "extrapolation": [float("nan")]})
    Context.extrapolation = at_reference_lengths(no_scores)
    assert extrapolation_section(Context) == []


def test_models_that_tie_at_t_are_said_to_part_only_when_their_brackets_do():
    from benchmark.analysis.extrapolation import held_ratios
    from benchmark.report.extrapolation_report import _held, _parting

    def model(name, outcomes):
        return _table(outcomes).assign(model=name)

    five = range(5)
    table = pd.concat([model("gru", {s: [True] * 4 for s in five}),
                       model("lstm", {s: [True] * 4 for s in five}),
                       model("rnn", {s: [True, False, False, False] for s in five}),
                       model("irnn", {s: [False] * 4 for s in five})])  # no tie at T
    held = held_ratios(table)
    labels = {"gru": "GRU", "lstm": "LSTM", "rnn": "RNN"}
    (line,) = _parting(held, labels)
    assert line == ("- **bit_memory**: of the models that solve T = 10, GRU and LSTM hold "
                    "every ratio scored (to 8x); RNN holds 1x and fails at 2x (median seeds).")
    # the same median bracket reached by different seeds' outcomes: a tie, no parting
    same = pd.concat([model("gru", {s: [True, True, False, False] for s in five}),
                      model("rnn", {0: [True, False, False, False],
                                    1: [True, True, True, False],
                                    2: [True, True, False, False],
                                    3: [True, False, False, False],
                                    4: [True, True, True, False]})])
    assert _parting(held_ratios(same), labels) == []
    # one seed: no interval for the median, said in words
    (row,) = held_ratios(_table({0: [True, False, True, True]})).itertuples()
    assert _held(row) == "[1x, 2x) in [1x, 2x) (no interval, n = 1)"
