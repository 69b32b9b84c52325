"""The modern memory tasks (selective_copy, associative_recall, flip_flop, delayed_xor) and
bit_capacity against what their definitions imply: labels recomputed from the inputs and
chance baselines measured on samples (tests/test_extrapolation.py trains on each end to end)."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from core.errors import UsageError
from tasks import get_task

N = 4000


def _tokens(x):
    return x.argmax(axis=-1)


def test_selective_copy_answers_are_the_data_symbols_in_order():
    task = get_task("selective_copy", tokens=3)
    x, y = task.generate(N, 20, np.random.default_rng(0))
    tokens = _tokens(x)  # (n, 23)
    assert (tokens[:, 20:] == 9).all() and not (tokens[:, :20] == 9).any()  # go at the end
    data = tokens[:, :20] > 0
    assert (data.sum(axis=1) == 3).all()
    expected = np.stack([row[row > 0] - 1 for row in tokens[:, :20]])  # in order of position
    np.testing.assert_array_equal(y, expected)
    # positions vary: a model must select by content, not count steps
    assert len({tuple(np.flatnonzero(row)) for row in data[:50]}) > 40
    # a memoryless guess (the commonest symbol) is wrong 7/8 of the time
    commonest = np.bincount(y.astype(int).ravel()).argmax()
    assert abs(np.mean(y != commonest) - task.baseline(20)) < 0.02
    with pytest.raises(UsageError, match="seq_len"):
        task.generate(2, 2, np.random.default_rng(0))  # 3 symbols need 3 positions


def test_associative_recall_answers_each_queried_key_s_value():
    task = get_task("associative_recall", pairs=3, queries=2)
    x, y = task.generate(N, 10, np.random.default_rng(1))
    tokens = _tokens(x)  # (n, 12)
    keys, values = tokens[:, 0:6:2] - 1, tokens[:, 1:6:2] - 17
    assert ((keys >= 0) & (keys < 16)).all() and ((values >= 0) & (values < 16)).all()
    assert all(len(set(row)) == 3 for row in keys)  # distinct keys
    assert (tokens[:, 6:10] == 0).all()  # blanks between the pairs and the queries
    queried = tokens[:, 10:] - 1
    for row in range(200):
        stored = dict(zip(keys[row], values[row], strict=True))
        assert [stored[k] for k in queried[row]] == list(y[row].astype(int))
    assert all(len(set(row)) == 2 for row in queried)  # distinct queries
    # the value is independent of its key: guessing from the key is chance, 15/16 wrong
    by_key = pd.DataFrame({"key": queried.ravel(), "value": y.ravel()})
    best = by_key.groupby("key")["value"].agg(lambda v: v.value_counts().iloc[0] / len(v))
    assert abs((1 - best.mean()) - task.baseline(10)) < 0.03
    with pytest.raises(UsageError, match="queries"):
        get_task("associative_recall", pairs=2, queries=3)


def test_flip_flop_returns_the_last_written_bit():
    task = get_task("flip_flop", writes=2.0)
    x, y = task.generate(N, 50, np.random.default_rng(2))
    instruction, bits = x[..., :3].argmax(axis=-1), x[..., 3]
    assert (instruction[:, 0] == 0).all() and (instruction[:, -1] == 2).all()
    assert not (instruction[:, 1:-1] == 2).any()  # one read, at the end
    for row in range(300):
        last_write = max(t for t in range(49) if instruction[row, t] == 0)
        assert y[row, 0] == bits[row, last_write]
    extra_writes = (instruction[:, 1:-1] == 0).sum(axis=1)
    assert abs(extra_writes.mean() - 2.0) < 0.1  # writes = expected writes after the first
    only_first = np.mean(extra_writes == 0)
    assert abs(only_first - (1 - 2 / 48) ** 48) < 0.02  # ~e^-2: the gap is the whole stretch
    assert abs(y.mean() - 0.5) < 0.03 and task.baseline(50) == 0.5


def test_delayed_xor_is_the_xor_of_the_marked_bits_and_the_last_bit_alone_says_nothing():
    task = get_task("delayed_xor")
    x, y = task.generate(N, 30, np.random.default_rng(3))
    marker = x[..., 1]
    assert (marker[:, [0, -1]] == 1).all() and (marker[:, 1:-1] == 0).all()
    np.testing.assert_array_equal(y[:, 0], np.logical_xor(x[:, 0, 0], x[:, -1, 0]))
    last = x[:, -1, 0] == 1
    assert abs(y[last].mean() - 0.5) < 0.04 and abs(y[~last].mean() - 0.5) < 0.04


def test_bit_capacity_recalls_the_payload_in_order_after_the_delay():
    task = get_task("bit_capacity", delay=7)
    x, y = task.generate(N, 6, np.random.default_rng(0))
    tokens = _tokens(x)
    assert x.shape == (N, 6 + 7 + 6, 4) and y.shape == (N, 6)
    np.testing.assert_array_equal(tokens[:, :6], y)  # the payload is the answer, in order
    assert (tokens[:, 6:13] == 2).all() and (tokens[:, 13:] == 3).all()  # blanks, then cues
    assert task.readout_steps(6) == 6 and task.input_length(6) == 19
    # fair bits: a memoryless guess is wrong half of the time, at every position
    assert np.allclose(y.mean(axis=0), 0.5, atol=0.03) and task.baseline(6) == 0.5
    # the bits are independent: the earlier ones say nothing about a later one
    assert abs(np.mean(y[:, 5] == y[:, 4]) - 0.5) < 0.03
    # one stored bit after a delay is bit memory with a cue: the same rule and chance
    assert task.success_threshold() == 0.05
    with pytest.raises(UsageError, match="delay"):
        get_task("bit_capacity", delay=-1)


@pytest.mark.parametrize("key", ["selective_copy", "associative_recall", "bit_capacity"])
def test_recall_scoring_counts_answered_symbols(key):
    task = get_task(key)
    _, y = task.generate(8, 12, np.random.default_rng(0))
    target = torch.from_numpy(y)
    perfect = torch.nn.functional.one_hot(target.long(), task.output_dim).float() * 10
    assert task.metric(perfect, target) == 0 and task.solved(0.0)
    wrong = perfect.roll(1, dims=-1)
    assert task.metric(wrong, target) == 1
    uniform = torch.zeros_like(perfect)
    assert math.isclose(float(task.loss(uniform, target)), math.log(task.output_dim),
                        rel_tol=1e-6)


def test_mnist1d_is_the_package_s_digits_with_its_labels_and_leaves_numpy_s_generator_alone():
    from tasks.mnist1d import digits

    task = get_task("mnist1d")
    state = np.random.get_state()[1].copy()
    rng = np.random.default_rng(3)
    x, y = task.generate(200, 40, rng)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # the global generator
    assert x.shape == (200, 40, 1) and y.shape == (200, 10) and (y.sum(axis=1) == 1).all()
    # the same draws replayed: labels first, then the package's transform from that seed
    replay = np.random.default_rng(3)
    labels = replay.integers(0, 10, size=200)
    np.testing.assert_array_equal(y.argmax(axis=1), labels)
    np.testing.assert_allclose(x[..., 0], digits(labels, 40, int(replay.integers(0, 2**32 - 1))),
                               rtol=1e-6)
    # permuted: the same signals, the steps in one fixed order
    permuted = get_task("mnist1d", permuted=True)
    xp, yp = permuted.generate(200, 40, np.random.default_rng(3))
    order = permuted.order(40)
    assert sorted(order) == list(range(40)) and not (order == np.arange(40)).all()
    np.testing.assert_array_equal(xp[..., 0], x[:, order, 0])
    np.testing.assert_array_equal(yp, y)


def test_mnist1d_s_memoryless_baseline_is_near_chance_and_its_rule_below_it():
    task = get_task("mnist1d")
    assert abs(task.baseline(40) - 0.9) < 0.02  # the last step is padding noise
    assert task.success_threshold() == 0.2 < get_task("mnist1d", permuted=True).baseline(40)
    with pytest.raises(UsageError, match="seq_len"):
        task.generate(2, 8, np.random.default_rng(0))  # shorter than a template
