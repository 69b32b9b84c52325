"""The long-memory cells held to their papers' defining properties."""

import math

import pytest
import torch

from benchmark.config import Cell
from models import build_model


def test_exprnn_recurrent_matrix_stays_orthogonal_while_training():
    torch.manual_seed(0)
    model = build_model("exprnn", 2, 16, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(20):
        x, y = torch.randn(8, 12, 2), torch.randn(8, 1)
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    w = model.core.weight_hh_l0.detach()
    torch.testing.assert_close(w @ w.T, torch.eye(16), atol=1e-5, rtol=0)
    assert not torch.allclose(w, torch.eye(16), atol=1e-2)  # it did train


def test_indrnn_recurs_element_wise_within_its_bound():
    torch.manual_seed(0)
    model = build_model("indrnn", 3, 8, 1, None, 100)
    core = model.core
    bound = 2 ** (1 / 100)
    assert core.bound == bound and 0 <= core.weight_hh_l0.min() and \
        core.weight_hh_l0.max() < bound
    with torch.no_grad():
        core.weight_hh_l0[0] = 5.0  # pushed out of range: the forward pass clamps it
    assert float(core.recurrent_weights().max()) == pytest.approx(bound, rel=1e-6)
    # the Jacobian of h_t with respect to h_{t-1} is diagonal: each unit sees only itself
    h0 = torch.rand(1, 1, 8, requires_grad=True)
    out, _ = core(torch.rand(1, 1, 3), h0)
    jacobian = torch.stack([torch.autograd.grad(out[0, 0, i], h0, retain_graph=True)[0][0, 0]
                            for i in range(8)])
    assert torch.count_nonzero(jacobian - torch.diag(torch.diagonal(jacobian))) == 0
    # a unit at the bound with relu slope 1 keeps at most a factor 2 over the whole sequence
    assert math.isclose(bound ** 100, 2.0)


def test_indrnn_takes_the_length_of_its_cell():
    from benchmark.train import _setup

    session = _setup(Cell(task="copy_memory", model="indrnn", seq_len=30, seed=0,
                          hidden_size=4, test_size=8, validation_size=8))
    assert session.model.core.bound == 2 ** (1 / 50)  # copy_memory's input: T + 20
