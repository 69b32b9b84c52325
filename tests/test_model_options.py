"""Model variants: parsed from specs, validated, applied the same way to both LSTMs."""

import math

import pytest
import torch

from core.errors import UsageError
from models import Option, build_model, check_spec, model_label, model_traits


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
    ("gru:forget_bias=1.0", "model 'gru' has no option 'forget_bias'; known: layers"),
    ("lstm:forget_bias=big", "forget_bias='big' is invalid; it must be a number"),
    ("lstm:forget_bias=nan", "forget_bias='nan' is invalid; it must be a finite number"),
    ("lstm:forget_bias=inf", "forget_bias='inf' is invalid; it must be a finite number"),
    ("lstm:forget_bias=1e9", "forget_bias='1e9' is invalid; it must be a number in"),
    ("rnn:init", "must look like name=value"),
    ("transformer", "unknown model 'transformer'"),
])
def test_bad_specs(spec, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_spec(spec)


def test_options_arrive_in_their_declared_types(temporary_model):
    seen = {}

    def build(input_dim, hidden_size, *, order: int = 1, gated: bool = True):
        seen.update(order=order, gated=gated)
        return torch.nn.RNN(input_dim, hidden_size, batch_first=True)

    temporary_model("typed", build, options=(
        Option("order", int, "an integer", check=lambda v: v >= 1, rule="an integer >= 1"),
        Option("gated", bool, "a switch")))
    assert check_spec("typed:order=4:gated=False") == "typed:gated=false:order=4"
    assert seen == {"order": 4, "gated": False}  # an int, and "False" is false
    for spec, message in (("typed:order=2.5", "must be an integer"),
                          ("typed:order=0", "an integer >= 1"),
                          ("typed:gated=maybe", "must be true or false")):
        with pytest.raises(UsageError, match=message):
            check_spec(spec)


def test_traits_are_registry_metadata():
    assert model_traits("lstm_scratch:forget_bias=1.0") == {
        "family": "lstm", "twin": "lstm", "marker": "d", "colour": 1}
    assert model_traits("gru_scratch") == {"family": "gru", "twin": "gru", "marker": ">",
                                           "colour": 2}
    assert model_traits("rnn:init=identity:nonlinearity=relu") == {
        "family": "rnn", "twin": None, "marker": "o", "colour": 0}
    # a key nobody registered: its own family, no look of its own (styles hashes one)
    assert model_traits("mypkg.cells:Cell") == {"family": "mypkg.cells:Cell", "twin": None,
                                                "marker": None, "colour": None}


def test_chrono_spreads_forget_times_up_to_t_max():
    """Tallec & Ollivier 2018: b_f = log(u), u ~ U(1, T_max - 1); b_i = -b_f."""
    for key in ("lstm", "lstm_scratch"):
        torch.manual_seed(0)
        core = build_model(f"{key}:chrono=auto", 1, 256, 1, None, 200).core
        total = (core.bias_ih_l0 + core.bias_hh_l0).detach()
        forget, inputs = total[256:512], total[:256]
        assert forget.min() >= 0 and forget.max() <= math.log(199)
        assert forget.max() > math.log(150)  # spread over the range, not a constant
        torch.testing.assert_close(inputs, -forget)
        # 1 / (1 - sigmoid(b_f)) ~ u: the characteristic forgetting times, uniform in [1, 199]
        times = 1 + torch.exp(forget)
        assert 80 < float(times.mean()) < 120
        fixed = build_model(f"{key}:chrono=20", 1, 64, 1, None, 200).core
        assert float((fixed.bias_ih_l0 + fixed.bias_hh_l0)[64:128].max()) <= math.log(19)
    torch.manual_seed(1)
    a = build_model("lstm:chrono=auto", 1, 8, 1, None, 50).core
    torch.manual_seed(1)
    b = build_model("lstm_scratch:chrono=auto", 1, 8, 1, None, 50).core
    assert torch.equal(a.bias_ih_l0, b.bias_ih_l0)  # the twins stay twins
    with pytest.raises(UsageError, match="chrono='2' is invalid"):
        check_spec("lstm:chrono=2")
    with pytest.raises(UsageError, match="both set the forget bias"):
        check_spec("lstm:chrono=auto:forget_bias=1")
