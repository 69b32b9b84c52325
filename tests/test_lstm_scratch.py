"""The scratch LSTM against nn.LSTM: same weights, float64, outputs, states and all gradients."""

import pytest
import torch
from torch import nn

from models import ScratchLSTM, build_model


def _pair(input_size=3, hidden_size=5, seed=0):
    torch.manual_seed(seed)
    reference = nn.LSTM(input_size, hidden_size, batch_first=True).double()
    scratch = ScratchLSTM(input_size, hidden_size).double()
    scratch.load_state_dict(reference.state_dict())
    return reference, scratch


def test_parameters_have_nn_lstm_names_and_shapes():
    reference, scratch = _pair()
    assert {k: v.shape for k, v in scratch.state_dict().items()} == \
        {k: v.shape for k, v in reference.state_dict().items()}
    assert all(p.requires_grad for p in scratch.parameters())
    assert len(list(scratch.parameters())) == 4


def test_load_state_dict_works_both_ways():
    reference, scratch = _pair()
    with torch.no_grad():
        for p in scratch.parameters():
            p.add_(0.1)
    reference.load_state_dict(scratch.state_dict())
    for a, b in zip(reference.parameters(), scratch.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("seq_len", [1, 7, 40])
def test_outputs_states_and_gradients_match(seq_len):
    reference, scratch = _pair()
    x = torch.randn(4, seq_len, 3, dtype=torch.float64)
    x_ref, x_scr = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    out_ref, (h_ref, c_ref) = reference(x_ref)
    out_scr, (h_scr, c_scr) = scratch(x_scr)
    torch.testing.assert_close(out_scr, out_ref)
    torch.testing.assert_close(h_scr, h_ref)
    torch.testing.assert_close(c_scr, c_ref)
    weights = torch.randn_like(out_ref)  # a loss that touches every output and both states
    loss_ref = (out_ref * weights).sum() + h_ref.pow(2).sum() + c_ref.sin().sum()
    loss_scr = (out_scr * weights).sum() + h_scr.pow(2).sum() + c_scr.sin().sum()
    loss_ref.backward()
    loss_scr.backward()
    torch.testing.assert_close(x_scr.grad, x_ref.grad)
    for (name, p_ref), p_scr in zip(reference.named_parameters(), scratch.parameters(),
                                    strict=True):
        torch.testing.assert_close(p_scr.grad, p_ref.grad, msg=name)


def test_initial_state_and_time_major_layout():
    torch.manual_seed(1)
    reference = nn.LSTM(2, 4).double()  # time major
    scratch = ScratchLSTM(2, 4, batch_first=False).double()
    scratch.load_state_dict(reference.state_dict())
    x = torch.randn(6, 3, 2, dtype=torch.float64)  # (T, B, D)
    state = (torch.randn(1, 3, 4, dtype=torch.float64), torch.randn(1, 3, 4, dtype=torch.float64))
    out_ref, (h_ref, c_ref) = reference(x, state)
    out_scr, (h_scr, c_scr) = scratch(x, state)
    torch.testing.assert_close(out_scr, out_ref)
    torch.testing.assert_close((h_scr, c_scr), (h_ref, c_ref))


def test_same_seed_builds_identical_models():
    torch.manual_seed(7)
    reference = build_model("lstm", 2, 8, 1)
    torch.manual_seed(7)
    scratch = build_model("lstm_scratch", 2, 8, 1)
    for (name, a), b in zip(reference.state_dict().items(), scratch.state_dict().values(),
                            strict=True):
        assert torch.equal(a, b), name
    x = torch.randn(5, 9, 2)
    torch.testing.assert_close(scratch(x), reference(x))


def test_recorded_states_are_the_outputs():
    _, scratch = _pair()
    scratch.record_states = True
    out, (h, c) = scratch(torch.randn(2, 5, 3, dtype=torch.float64))
    hs, cs = scratch.recorded_states
    assert len(hs) == len(cs) == 5
    torch.testing.assert_close(torch.stack(hs, 1), out)
    torch.testing.assert_close(cs[-1], c[0])
