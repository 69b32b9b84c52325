"""Gradient tracking against answers known by hand."""

import numpy as np
import pytest
import torch
from torch import nn

from benchmark.run import gradients
from models import SequenceModel, build_model
from tasks import get_task


def _linear_rnn(w: float, u: float) -> SequenceModel:
    """One ReLU unit with positive weights and no biases: on positive inputs a linear RNN."""
    core = nn.RNN(1, 1, nonlinearity="relu", batch_first=True)
    model = SequenceModel(core, 1, 1)
    with torch.no_grad():
        core.weight_hh_l0.fill_(w)
        core.weight_ih_l0.fill_(u)
        core.bias_ih_l0.zero_()
        core.bias_hh_l0.zero_()
    return model


def test_linear_rnn_through_time_decays_as_w_to_the_distance():
    # One unit, ReLU on positive inputs and weights: a linear RNN, h_t = w h_{t-1} + u x_t,
    # so dL/dx_t = dL/dh_T * w**(T-1-t) * u.
    w, u, seq_len = 0.75, 0.5, 30  # exact in float32
    model = _linear_rnn(w, u)
    x = torch.rand(1, seq_len, 1) + 0.1
    y = torch.zeros(1, 1)
    profile = gradients.through_time(model, get_task("adding"), x, y)["through_time"]
    expected = w ** np.arange(seq_len - 1, -1, -1)
    np.testing.assert_allclose(profile / profile[-1], expected, rtol=1e-10)  # peak: last step
    decay, reach = gradients.profile_summary(profile)
    assert decay == pytest.approx(np.log10(w))
    assert reach == int(np.floor(np.log(1e-3) / np.log(w)))  # w**d >= 1e-3


def test_profile_summary_recovers_a_known_decay():
    distance = np.arange(100)[::-1]
    profile = 3.0 * 10.0 ** (-0.05 * distance)
    decay, reach = gradients.profile_summary(profile)
    assert decay == pytest.approx(-0.05)
    assert reach == 60  # 10**(-0.05 * 60) = 1e-3 exactly
    flat_decay, flat_reach = gradients.profile_summary(np.ones(10))
    assert flat_decay == pytest.approx(0.0) and flat_reach == 9


def test_profile_summary_with_a_vanished_signal():
    profile = np.array([0.0, 0.0, 1e-5, 1.0])  # peak at the last step
    decay, reach = gradients.profile_summary(profile)
    assert reach == 0
    assert decay == pytest.approx(-5.0)  # fitted on the two positive points only
    assert np.isnan(gradients.profile_summary(np.zeros(3))[0])


@pytest.mark.parametrize("library, scratch_key", [("lstm", "lstm_scratch"), ("gru", "gru_scratch")])
def test_every_model_reports_state_gradients_and_twins_agree(library, scratch_key):
    task = get_task("bit_memory")
    x, y = (torch.from_numpy(a) for a in task.generate(8, 15, np.random.default_rng(0)))
    torch.manual_seed(0)
    reference = build_model(library, 1, 6, 1)
    torch.manual_seed(0)
    scratch = build_model(scratch_key, 1, 6, 1)
    ref = gradients.through_time(reference, task, x, y)
    scr = gradients.through_time(scratch, task, x, y)
    kinds = {"through_time", "through_time_h"} | ({"through_time_c"} if library == "lstm"
                                                  else set())
    assert set(ref) == set(scr) == kinds
    for kind in kinds:  # the fused kernel and the scratch code give the same profiles
        np.testing.assert_allclose(scr[kind], ref[kind], rtol=1e-9)
    assert all(len(v) == 15 for v in scr.values())
    assert isinstance(reference.core, nn.LSTM | nn.GRU)  # the probe works on a copy


def test_hidden_state_gradient_is_the_total_derivative():
    # Linear RNN, one unit: h_t = w h_{t-1} + u x_t, loss = h_T-1 (readout 1, no bias), so
    # dL/dh_t = w**(T-1-t) exactly, through the readout at the last step and the recurrence
    # before it.
    w, u, seq_len = 0.5, 1.0, 12
    model = _linear_rnn(w, u)
    with torch.no_grad():
        model.readout.weight.fill_(1.0)
        model.readout.bias.zero_()

    class Identity:
        def probe_loss(self, output, target):
            return output.sum()

    profile = gradients.through_time(model, Identity(), torch.ones(1, seq_len, 1),
                                     torch.zeros(1, 1))["through_time_h"]
    np.testing.assert_allclose(profile, w ** np.arange(seq_len - 1, -1, -1), rtol=1e-12)


def test_stepped_core_gives_the_core_s_own_numbers():
    torch.manual_seed(0)
    for core in (nn.LSTM(2, 4, batch_first=True), nn.GRU(2, 4, batch_first=True)):
        x = torch.randn(3, 7, 2)
        out, _ = core(x)
        stepped, _ = gradients.SteppedCore(core)(x)
        torch.testing.assert_close(stepped, out)


def test_copy_memory_profile_follows_the_answer_only():
    task = get_task("copy_memory")
    x, y = task.generate(4, 6, np.random.default_rng(0))
    output = torch.zeros(4, 26, 9, requires_grad=True)
    task.probe_loss(output, torch.from_numpy(y)).backward()
    assert output.grad[:, :-10].abs().sum() == 0  # the blanks carry no memory signal
    assert (output.grad[:, -10:].abs().sum(dim=-1) > 0).all()


def test_reach_is_measured_from_the_peak_wherever_it_lies():
    # a model that solved bit_memory: most signal at the first step, little at the last
    profile = np.array([1.0, 1e-2, 1e-4, 1e-5])
    decay, reach = gradients.profile_summary(profile)
    assert reach == 3  # the first step is the peak itself
    assert gradients.profile_summary(np.array([1e-5, 1e-2, 1.0]))[1] == 1


def test_parameter_groups():
    model = build_model("gru", 2, 4, 1)
    groups = {gradients.parameter_group(name) for name, _ in model.named_parameters()}
    assert groups == set(gradients.GROUPS) - {"other_weights"}  # all named like nn.GRU's
    assert gradients.parameter_group("core.forget_hidden.weight") == "other_weights"
    model(torch.randn(3, 5, 2)).sum().backward()
    norms = gradients.group_norms(model)
    total = sum(p.grad.pow(2).sum() for p in model.parameters()) ** 0.5
    assert sum(v**2 for v in norms.values()) ** 0.5 == pytest.approx(float(total), rel=1e-5)


def test_long_profiles_are_thinned_but_keep_both_ends():
    positions = gradients.kept_positions(1000)
    assert len(positions) <= gradients.MAX_PROFILE_POINTS
    assert positions[0] == 0 and positions[-1] == 999
    assert np.all(np.diff(positions) > 0)
    assert list(gradients.kept_positions(10)) == list(range(10))
