"""The one training loop: determinism, pairing, early stop, divergence."""

import dataclasses
import math

import numpy as np
import pytest
import torch
from torch import nn

from benchmark.run.config import Cell
from benchmark.run.train import train_cell

TINY = dict(seq_len=6, seed=0, hidden_size=8, batch_size=16, steps=20, eval_every=5,
            test_size=64, validation_size=64, grad_every=2, probe_size=8)


def test_same_cell_gives_the_same_numbers():
    cell = Cell(task="adding", model="gru", **TINY)
    a, b = train_cell(cell), train_cell(cell)
    assert a.summary["final_metric"] == b.summary["final_metric"]
    np.testing.assert_array_equal(a.curve["value"], b.curve["value"])
    np.testing.assert_array_equal(a.gradients["value"], b.gradients["value"])


def test_scratch_lstm_follows_nn_lstm_step_by_step():
    ref = train_cell(Cell(task="bit_memory", model="lstm", **TINY))
    scr = train_cell(Cell(task="bit_memory", model="lstm_scratch", **TINY))
    assert ref.curve["value"][0] == scr.curve["value"][0]  # identical initial weights
    np.testing.assert_allclose(scr.curve["value"], ref.curve["value"], rtol=1e-4, atol=1e-6)


def test_summary_records_what_a_cell_did():
    result = train_cell(Cell(task="noisy_sine", model="rnn", **TINY))
    s = result.summary
    assert s["status"] == "ok" and s["steps_run"] == 20 and s["metric"] == "mse"
    assert s["baseline"] == pytest.approx(2 * 0.04 + 1 - math.cos(0.01))
    assert s["noise_floor"] == pytest.approx(0.04)
    assert s["normalised_error"] == pytest.approx(s["final_metric"] / s["baseline"])
    assert s["best_validation_metric"] <= s["validation_metric"]
    from tasks import get_task

    assert s["solved_validation"] == get_task("noisy_sine").solved(s["validation_metric"])
    # the graded outcome: on an MSE task the loss is the metric, the gain is relative to the
    # baseline, and "beats" is the gain against the margin
    assert s["test_loss"] == pytest.approx(s["final_metric"])
    assert s["baseline_gain"] == pytest.approx(1 - s["final_metric"] / s["baseline"])
    assert s["beats_baseline"] == (s["baseline_gain"] >= 0.1)
    assert 0 <= s["grad_reach_fraction_end"] <= 1
    assert s["n_params"] == sum(p.numel() for p in nn.RNN(1, 8).parameters()) + 9
    kinds = set(result.gradients["kind"])
    assert {"global", "clipped", "input_weights", "recurrent_weights", "biases", "readout",
            "through_time"} <= kinds
    profile_steps = set(result.gradients["step"][result.gradients["kind"] == "through_time"])
    assert profile_steps == {0, 2, 5, 10, 20}  # init, 10 %, 25 %, 50 %, end
    assert set(result.curve["step"]) == {0, 5, 10, 15, 20}


def test_early_stop_once_solved():
    # bit_memory over 6 steps at a high learning rate is solved within a few dozen steps.
    cell = Cell(task="bit_memory", model="gru", **{**TINY, "steps": 400, "lr": 1e-2})
    s = train_cell(cell).summary
    assert s["solved_validation"] and s["steps_to_solve"] == s["steps_run"] < 200
    # "solved" is the test set's verdict on the stopped model, read once, whatever it says
    from tasks import get_task

    assert s["solved"] == get_task("bit_memory").solved(s["final_metric"])


def test_the_test_set_steers_nothing(monkeypatch):
    """Flip every label of the test set: the run must stop at the same step with the same
    curve and gradients; only the final test score may change."""
    import benchmark.run.train as train

    cell = Cell(task="bit_memory", model="gru", **{**TINY, "steps": 400, "lr": 1e-2})
    honest = train_cell(cell)
    original = train.held_out_sets

    def scrambled(task, cell):
        sets = original(task, cell)
        x, y = sets["test"]
        sets["test"] = (x, 1 - y)  # every label flipped: a test set nothing could pass
        return sets

    monkeypatch.setattr(train, "held_out_sets", scrambled)
    steered = train_cell(cell)
    for key in ("steps_run", "steps_to_solve", "validation_metric", "solved_validation"):
        assert steered.summary[key] == honest.summary[key], key
    np.testing.assert_array_equal(steered.curve["value"], honest.curve["value"])
    np.testing.assert_array_equal(steered.gradients["value"], honest.gradients["value"])
    assert not steered.summary["solved"]
    assert steered.summary["final_metric"] == pytest.approx(1 - honest.summary["final_metric"])


class _Exploding(nn.Module):
    """A core whose output becomes inf after a few steps of training."""

    def __init__(self, input_dim, hidden_size):
        super().__init__()
        self.inner = nn.RNN(input_dim, hidden_size, batch_first=True)

    def forward(self, x, state=None):
        out, state = self.inner(x, state)
        return out * torch.exp(self.inner.weight_hh_l0.abs().sum() * 1e4), state


def test_divergence_is_recorded_not_raised(temporary_model):
    temporary_model("test_exploding", _Exploding)
    cell = Cell(task="adding", model="test_exploding", **TINY)
    s = train_cell(cell).summary
    assert s["status"] == "diverged" and "non-finite" in s["message"]
    assert not s["solved"]
    assert s["final_metric"] == s["baseline"]  # counts as knowing nothing


def test_the_test_set_does_not_depend_on_the_model_or_the_budget():
    a = train_cell(Cell(task="adding", model="rnn", **TINY))
    b = train_cell(Cell(task="adding", model="rnn", **{**TINY, "steps": 5}))
    assert a.curve["value"][0] == b.curve["value"][0]
    c = dataclasses.replace(Cell(task="adding", model="rnn", **TINY), seed=1)
    assert train_cell(c).curve["value"][0] != a.curve["value"][0]


def test_fixed_training_set_is_reshuffled_every_epoch():
    from benchmark.run.data import training_batches
    from tasks import get_task

    cell = Cell(task="adding", model="rnn", seq_len=5, seed=0, batch_size=4, train_size=10)
    batches = training_batches(get_task("adding"), cell, np.random.default_rng(0))
    epochs = [[next(batches) for _ in range(3)] for _ in range(2)]  # ceil(10 / 4) = 3 per epoch
    seen = [np.concatenate([y for _, y in epoch]) for epoch in epochs]
    assert [len(s) for s in seen] == [10, 10]
    np.testing.assert_array_equal(np.sort(seen[0], axis=0), np.sort(seen[1], axis=0))
    assert not np.array_equal(seen[0], seen[1])  # same samples, new order


def test_without_early_stop_the_whole_budget_runs():
    cell = Cell(task="bit_memory", model="rnn", early_stop=False,
                **{**TINY, "steps": 200, "lr": 1e-2})
    s = train_cell(cell).summary
    assert s["steps_run"] == 200 and s["steps_to_solve"] < 200


def test_the_stop_margin_is_a_share_of_the_way_from_the_floor_to_the_threshold():
    from benchmark.run.train import stop_met
    from tasks import get_task

    bit_memory = get_task("bit_memory")  # threshold 0.05, no noise floor
    at = Cell(task="bit_memory", model="rnn", seq_len=5, seed=0, stop_margin=0.5)
    assert stop_met(bit_memory, at, 0.025) and not stop_met(bit_memory, at, 0.03)
    first = dataclasses.replace(at, stop_margin=1.0)  # the rule itself
    assert stop_met(bit_memory, first, 0.05) and not stop_met(bit_memory, first, 0.051)
    sine = get_task("noisy_sine")
    floor, threshold = sine.noise_floor(5), sine.success_threshold()
    halfway = floor + 0.5 * (threshold - floor)
    cell = Cell(task="noisy_sine", model="rnn", seq_len=5, seed=0, stop_margin=0.5)
    assert stop_met(sine, cell, halfway) and not stop_met(sine, cell, halfway * 1.001)


def test_a_margin_trains_on_past_the_first_crossing_and_changes_nothing_before_it():
    """Same cell, same seed: up to the first crossing the two runs are the same run; with a
    margin it stops later (or at the budget), never earlier."""
    base = Cell(task="noisy_sine", model="gru", seq_len=5, seed=0, steps=300, hidden_size=8,
                batch_size=32, eval_every=10, test_size=200, validation_size=200,
                grad_every=0)
    first = train_cell(base).summary
    margin = train_cell(dataclasses.replace(base, stop_margin=0.5)).summary
    assert first["steps_to_solve"] == margin["steps_to_solve"] == first["steps_run"]
    assert margin["steps_run"] > first["steps_run"]
    assert margin["validation_metric"] < first["validation_metric"]
