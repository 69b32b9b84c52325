"""Model variants: parsed from specs, validated, applied the same way to both LSTMs."""

import pytest
import torch

from benchmark.errors import UsageError
from models import build_model, check_spec, model_label


def test_forget_bias_sets_the_forget_gate_only():
    for key in ("lstm", "lstm_scratch"):
        core = build_model(f"{key}:forget_bias=1.0", 2, 4, 1).core
        total = core.bias_ih_l0 + core.bias_hh_l0  # what the gates see, order i, f, g, o
        assert torch.equal(total[4:8], torch.ones(4))
        plain = build_model(key, 2, 4, 1).core
        assert not torch.equal((plain.bias_ih_l0 + plain.bias_hh_l0)[4:8], torch.ones(4))


def test_identity_init_and_relu_make_the_irnn():
    model = build_model("rnn:init=identity:nonlinearity=relu", 1, 3, 1)
    assert torch.equal(model.core.weight_hh_l0, torch.eye(3))
    assert torch.equal(model.core.bias_hh_l0, torch.zeros(3))
    assert model.core.nonlinearity == "relu"
    # with zero input the state is carried unchanged: the identity holds memory perfectly
    h0 = torch.rand(1, 2, 3)
    out, _ = model.core(torch.zeros(2, 5, 1), h0)
    torch.testing.assert_close(out[:, -1], h0[0])


def test_specs_are_canonical_and_labelled():
    assert check_spec("lstm:forget_bias=1") == "lstm:forget_bias=1.0"
    assert check_spec("rnn:nonlinearity=relu:init=identity") == \
        "rnn:init=identity:nonlinearity=relu"
    assert model_label("rnn:init=identity:nonlinearity=relu") == \
        "simple RNN (init=identity, nonlinearity=relu)"
    assert model_label("gru") == "GRU"


@pytest.mark.parametrize("spec, message", [
    ("rnn:init=orthogonal", "init='orthogonal' is invalid; known: default, identity"),
    ("gru:forget_bias=1.0", "model 'gru' has no option 'forget_bias'; known: (none)"),
    ("lstm:forget_bias=big", "forget_bias='big' must be a number"),
    ("rnn:init", "must look like name=value"),
    ("transformer", "unknown model 'transformer'"),
])
def test_bad_specs(spec, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_spec(spec)
