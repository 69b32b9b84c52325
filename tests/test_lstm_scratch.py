"""The scratch LSTM and GRU against nn.LSTM and nn.GRU: same weights, float64, outputs, final
states and all parameter and input gradients."""

import pytest
import torch
from torch import nn

from models import ScratchGRU, ScratchLSTM, build_model

PAIRS = [(nn.LSTM, ScratchLSTM), (nn.GRU, ScratchGRU)]
IDS = ["lstm", "gru"]


def _pair(library, scratch_cls, input_size=3, hidden_size=5, seed=0, batch_first=True):
    torch.manual_seed(seed)
    reference = library(input_size, hidden_size, batch_first=batch_first).double()
    scratch = scratch_cls(input_size, hidden_size, batch_first=batch_first).double()
    scratch.load_state_dict(reference.state_dict())
    return reference, scratch


def _states(state):
    return state if isinstance(state, tuple) else (state,)


@pytest.mark.parametrize("library, scratch_cls", PAIRS, ids=IDS)
def test_parameters_have_the_library_names_and_shapes(library, scratch_cls):
    reference, scratch = _pair(library, scratch_cls)
    assert {k: v.shape for k, v in scratch.state_dict().items()} == \
        {k: v.shape for k, v in reference.state_dict().items()}
    assert all(p.requires_grad for p in scratch.parameters())
    assert len(list(scratch.parameters())) == 4


@pytest.mark.parametrize("library, scratch_cls", PAIRS, ids=IDS)
def test_load_state_dict_works_both_ways(library, scratch_cls):
    reference, scratch = _pair(library, scratch_cls)
    with torch.no_grad():
        for p in scratch.parameters():
            p.add_(0.1)
    reference.load_state_dict(scratch.state_dict())
    for a, b in zip(reference.parameters(), scratch.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("library, scratch_cls", PAIRS, ids=IDS)
@pytest.mark.parametrize("seq_len", [1, 7, 40])
def test_outputs_states_and_gradients_match(library, scratch_cls, seq_len):
    reference, scratch = _pair(library, scratch_cls)
    x = torch.randn(4, seq_len, 3, dtype=torch.float64)
    x_ref, x_scr = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    out_ref, state_ref = reference(x_ref)
    out_scr, state_scr = scratch(x_scr)
    torch.testing.assert_close(out_scr, out_ref)
    torch.testing.assert_close(_states(state_scr), _states(state_ref))
    weights = torch.randn_like(out_ref)  # a loss that touches every output and every state

    def loss(out, state):
        return (out * weights).sum() + sum(s.sin().sum() for s in _states(state))

    loss(out_ref, state_ref).backward()
    loss(out_scr, state_scr).backward()
    torch.testing.assert_close(x_scr.grad, x_ref.grad)
    for (name, p_ref), p_scr in zip(reference.named_parameters(), scratch.parameters(),
                                    strict=True):
        torch.testing.assert_close(p_scr.grad, p_ref.grad, msg=name)


@pytest.mark.parametrize("library, scratch_cls", PAIRS, ids=IDS)
def test_initial_state_and_time_major_layout(library, scratch_cls):
    reference, scratch = _pair(library, scratch_cls, 2, 4, seed=1, batch_first=False)
    x = torch.randn(6, 3, 2, dtype=torch.float64)  # (T, B, D)
    state = tuple(torch.randn(1, 3, 4, dtype=torch.float64)
                  for _ in range(2 if library is nn.LSTM else 1))
    state = state if len(state) > 1 else state[0]
    out_ref, final_ref = reference(x, state)
    out_scr, final_scr = scratch(x, state)
    torch.testing.assert_close(out_scr, out_ref)
    torch.testing.assert_close(_states(final_scr), _states(final_ref))


@pytest.mark.parametrize("library_key, scratch_key", [("lstm", "lstm_scratch"),
                                                      ("gru", "gru_scratch"),
                                                      ("lstm:forget_bias=1.0",
                                                       "lstm_scratch:forget_bias=1.0")])
def test_same_seed_builds_identical_models(library_key, scratch_key):
    torch.manual_seed(7)
    reference = build_model(library_key, 2, 8, 1)
    torch.manual_seed(7)
    scratch = build_model(scratch_key, 2, 8, 1)
    for (name, a), b in zip(reference.state_dict().items(), scratch.state_dict().values(),
                            strict=True):
        assert torch.equal(a, b), name
    x = torch.randn(5, 9, 2)
    torch.testing.assert_close(scratch(x), reference(x))
