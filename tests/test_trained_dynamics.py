"""The trained-dynamics separation on constructed cells with known answers."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from benchmark.analysis.trained_dynamics import decay_over_input, separation, separation_table


def test_separation_is_one_for_perfect_order_half_for_ties_and_nan_for_an_empty_group():
    assert separation([1, 2], [3, 4]) == 1.0
    assert separation([3, 4], [1, 2]) == 0.0
    assert separation([2, 2], [2, 2]) == 0.5
    assert separation([1, 3], [2]) == 0.5  # one pair each way
    assert math.isnan(separation([], [1.0]))


def _cell(task, seq_len, solved, init, end, input_length=None):
    dynamics = {"init": {"lyapunov": [init, init - 1]}, "end": {"lyapunov": [end, end - 1]}}
    return {"task": task, "model": "m", "seq_len": seq_len, "seed": 0, "solved": solved,
            "input_length": input_length or seq_len, "dynamics": json.dumps(dynamics)}


def test_decay_over_input_is_the_leading_exponent_times_the_input_length():
    summary = pd.DataFrame([_cell("copy", 10, True, -0.5, -0.01, input_length=30),
                            {**_cell("copy", 10, False, 0, 0), "dynamics": float("nan")}])
    cells = decay_over_input(summary)
    assert len(cells) == 1  # a cell without dynamics is left out
    assert cells.loc[0, "decay_init"] == pytest.approx(15.0)  # 0.5 per step x 30 inputs
    assert cells.loc[0, "decay_end"] == pytest.approx(0.3)


def test_the_table_counts_groups_and_reads_the_quantiles():
    summary = pd.DataFrame([_cell("t", 100, True, -0.5, -0.01), _cell("t", 100, True, -0.5, -0.02),
                            _cell("t", 100, False, -0.5, -0.2), _cell("u", 10, False, -1, -1)])
    found = separation_table(decay_over_input(summary)).set_index("task")
    assert (found.loc["t", "n_solved"], found.loc["t", "n_failed"]) == (2, 1)
    assert found.loc["t", "solved_end_q0.5"] == pytest.approx(1.5)
    assert found.loc["t", "failed_end_q0.5"] == pytest.approx(20.0)
    assert found.loc["t", "separation_end"] == 1.0
    assert found.loc["t", "separation_init"] == 0.5  # identical at initialisation: no signal
    assert math.isnan(found.loc["u", "separation_end"])  # nothing solved
