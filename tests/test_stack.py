"""Depth: ``layers=N`` stacks any core, the readout reads the top layer, gradients reach the
bottom one, and a one-layer stack is the bare model under the bare key."""

import numpy as np
import pytest
import torch
from torch import nn

from benchmark.run import gradients
from core.errors import UsageError
from models import MODELS, build_model, check_spec, model_label
from models.stack import StackedCore
from tasks import get_task

BUILT_IN = sorted(key for key in MODELS.keys() if ":" not in key)


def test_a_stack_of_two_nn_lstms_is_pytorch_s_two_layer_lstm():
    # same weights, float64: outputs and every gradient equal nn.LSTM(num_layers=2)'s
    torch.manual_seed(0)
    model = build_model("lstm:layers=2", 3, 5, 1).double()
    library = nn.LSTM(3, 5, num_layers=2, batch_first=True).double()
    with torch.no_grad():
        for depth, layer in enumerate(model.core.layers):
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(library, f"{name}_l{depth}").copy_(getattr(layer, f"{name}_l0"))
    x = torch.randn(4, 9, 3, dtype=torch.float64)
    ours, state = model.core(x)
    theirs, (h_n, c_n) = library(x)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    # the flat state lists the top layer first: (h_top, c_top, h_bottom, c_bottom)
    torch.testing.assert_close(state[0], h_n[1:])
    torch.testing.assert_close(state[3], c_n[:1])
    ours.pow(2).sum().backward()
    theirs.pow(2).sum().backward()
    for depth, layer in enumerate(model.core.layers):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            torch.testing.assert_close(getattr(layer, f"{name}_l0").grad,
                                       getattr(library, f"{name}_l{depth}").grad,
                                       rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("key", BUILT_IN)
def test_every_model_stacks_and_its_bottom_layer_learns(key):
    torch.manual_seed(0)
    model = build_model(f"{key}:layers=3", 2, 6, 4, seq_len=12)
    assert isinstance(model.core, StackedCore) and len(model.core.layers) == 3
    x = torch.randn(5, 12, 2)
    assert model(x).shape == (5, 4)
    model(x).pow(2).sum().backward()
    bottom = [p.grad for p in model.core.layers[0].parameters() if p.requires_grad]
    assert bottom and all(g is not None for g in bottom)
    assert sum(float(g.abs().sum()) for g in bottom) > 0  # the signal reaches the first layer
    # resuming from a returned state gives the same numbers as one pass
    first, state = model.core(x[:, :7])
    rest, _ = model.core(x[:, 7:], state)
    whole, _ = model.core(x)
    torch.testing.assert_close(torch.cat([first, rest], dim=1), whole, rtol=1e-5, atol=1e-6)


def test_one_layer_is_the_bare_model_under_the_bare_key():
    assert check_spec("gru:layers=1") == "gru"
    assert check_spec("lstm:forget_bias=1:layers=2") == "lstm:forget_bias=1.0:layers=2"
    assert model_label("gru:layers=2") == "GRU (layers=2)"
    torch.manual_seed(0)
    bare = build_model("gru", 1, 4, 1)
    torch.manual_seed(0)
    one = build_model("gru:layers=1", 1, 4, 1)
    assert isinstance(one.core, nn.GRU)
    for a, b in zip(bare.parameters(), one.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("value, rule", [("0", "from 1 to 16"), ("17", "from 1 to 16"),
                                         ("two", "an integer")])
def test_a_bad_depth_is_one_line(value, rule):
    with pytest.raises(UsageError, match=rf"layers.*{value}.*{rule}"):
        check_spec(f"gru:layers={value}")


@pytest.mark.parametrize("key, has_cell", [("lstm", True), ("gru", False), ("indrnn", False)])
def test_the_gradient_probe_reads_the_top_layer(key, has_cell):
    task = get_task("bit_memory")
    x, y = (torch.from_numpy(a) for a in task.generate(6, 10, np.random.default_rng(0)))
    torch.manual_seed(1)
    model = build_model(f"{key}:layers=2", 1, 5, 1, seq_len=10)
    profiles = gradients.through_time(model, task, x, y)
    assert ("through_time_c" in profiles) == has_cell
    assert all(len(v) == 10 and np.isfinite(v).all() for v in profiles.values())
    # dL/dh at the last step is the readout's weight times dL/doutput: the top layer's state
    probe = model.double()
    x64 = x.double().requires_grad_(True)
    hidden, _ = probe.core(x64)
    hidden.retain_grad()
    task.probe_loss(probe.readout(hidden[:, -1]), y.double()).backward()
    np.testing.assert_allclose(profiles["through_time_h"][-1], float(hidden.grad[:, -1].norm()),
                               rtol=1e-9)
    np.testing.assert_allclose(profiles["through_time"], x64.grad.norm(dim=(0, 2)).numpy(),
                               rtol=1e-9)
