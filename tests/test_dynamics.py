"""Lyapunov spectra against known answers: a linear map with a scaled orthogonal matrix has
every exponent at log(scale); a diagonal recurrence's exponents are its log |lambda|; the
spectrum does not depend on how often the directions are re-orthonormalised."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from benchmark.run.dynamics import FlatState, lyapunov_run, lyapunov_spectrum, time_constants
from models import build_model
from models.retention import retention


class LinearCore(nn.Module):
    """h_t = W h_{t-1} + x_t (sum of inputs broadcast): a map with a known Jacobian, W."""

    def __init__(self, weight: torch.Tensor):
        super().__init__()
        self.weight = nn.Parameter(weight)

    def forward(self, x, state=None):
        h = x.new_zeros(x.shape[0], self.weight.shape[0]) if state is None else state[0]
        outputs = []
        for x_t in x.unbind(1):
            h = h @ self.weight.T + x_t.sum(-1, keepdim=True)
            outputs.append(h)
        return torch.stack(outputs, 1), h.unsqueeze(0)


def test_a_scaled_orthogonal_map_has_every_exponent_at_the_log_of_its_scale():
    torch.manual_seed(0)
    orthogonal, _ = torch.linalg.qr(torch.randn(6, 6, dtype=torch.float64))
    core = LinearCore(0.8 * orthogonal)
    exponents = lyapunov_spectrum(core, torch.randn(3, 60, 2), k=6)
    np.testing.assert_allclose(exponents, math.log(0.8), atol=1e-10)


def test_a_diagonal_recurrence_has_its_log_moduli_as_exponents():
    lam = torch.tensor([0.99, 0.9, -0.5, 0.2], dtype=torch.float64)
    core = LinearCore(torch.diag(lam))
    # the directions start at random and align with the eigenvectors at the rate of the
    # eigenvalue ratios (0.9 / 0.99 per step): a warm-up of 200 steps leaves ~1e-8
    exponents = lyapunov_spectrum(core, torch.randn(1, 260, 1), k=4, warmup=200)
    np.testing.assert_allclose(exponents, np.sort(np.log(np.abs(lam.numpy())))[::-1],
                               atol=1e-6)


def test_the_lru_at_zero_input_has_its_eigenvalue_moduli_twice():
    # its state is complex, seen as real and imaginary parts: each lambda gives a pair
    torch.manual_seed(1)
    core = build_model("lru:state=3", 1, 4, 1).core.double()
    moduli = core.eigenvalues().detach().abs().numpy()
    exponents = lyapunov_spectrum(core, torch.zeros(1, 260, 1), k=6, warmup=200)
    np.testing.assert_allclose(exponents, np.sort(np.repeat(np.log(moduli), 2))[::-1],
                               atol=1e-6)


@pytest.mark.parametrize("key", ["gru", "lstm", "rnn"])
def test_the_spectrum_does_not_depend_on_the_qr_interval(key):
    torch.manual_seed(2)
    core = build_model(key, 2, 5, 1).core
    x = torch.randn(2, 60, 2)
    every = lyapunov_spectrum(core, x, k=4, qr_every=1)
    sparse = lyapunov_spectrum(core, x, k=4, qr_every=5)
    np.testing.assert_allclose(every, sparse, atol=1e-8)
    assert every[0] < 0.1 and np.all(np.diff(every) <= 0)  # contracting at init, ordered


def test_a_tuple_state_flattens_and_rebuilds_per_sample():
    h, c = torch.randn(2, 3, 4), torch.randn(1, 3, 5)  # (layers, batch, units)
    shape = FlatState((h, c))
    flat = shape.flat((h, c))
    assert flat.shape == (3, 13)
    torch.testing.assert_close(flat[1, :8], h[:, 1].reshape(-1))
    back = shape.state(flat)
    torch.testing.assert_close(back[0], h)
    torch.testing.assert_close(back[1], c)


def test_a_cell_that_asks_records_its_spectrum_at_init_midway_and_the_end():
    import json

    from benchmark.run.cell import Cell
    from benchmark.run.train import train_cell

    plain = Cell(task="adding", model="gru", seq_len=8, seed=0, steps=10, hidden_size=4,
                 early_stop=False, test_size=50, validation_size=50)
    asked = Cell(**{**plain.__dict__, "lyapunov": 3})
    assert plain.id != asked.id and "dynamics" not in train_cell(plain).summary
    dynamics = json.loads(train_cell(asked).summary["dynamics"])
    assert set(dynamics) == {"init", "mid", "end"}
    for moment in dynamics.values():
        spectrum = moment["lyapunov"]
        assert len(spectrum) == 3 and spectrum == sorted(spectrum, reverse=True)
        assert moment["retention"] == "update gate" and math.isfinite(moment["log10_growth"])
        quantiles = list(moment["tau_quantiles"].values())
        assert len(quantiles) == 5 and quantiles == sorted(quantiles) and quantiles[0] > 0


def test_the_growth_of_a_scaled_orthogonal_map_is_its_scale_to_the_power_of_the_steps():
    torch.manual_seed(3)
    orthogonal, _ = torch.linalg.qr(torch.randn(5, 5, dtype=torch.float64))
    core = LinearCore(0.9 * orthogonal)
    # T = 40 inputs: 39 steps of the map (the first input sets the state from zero)
    _, growth = lyapunov_run(core, torch.randn(2, 40, 1), k=2)
    assert growth == pytest.approx(39 * math.log10(0.9), abs=1e-10)


def _by_hand(core, x, rows):
    """A gate of a one-layer nn.LSTM / nn.GRU stepped by hand, from h = 0."""
    h = torch.zeros(x.shape[0], core.hidden_size, dtype=x.dtype)
    state, gates = None, []
    for t in range(x.shape[1]):
        pre = (x[:, t] @ core.weight_ih_l0[rows].T + core.bias_ih_l0[rows]
               + h @ core.weight_hh_l0[rows].T + core.bias_hh_l0[rows])
        gates.append(torch.sigmoid(pre))
        out, state = core(x[:, t:t + 1], state)
        h = out[:, -1]
    return torch.stack(gates, 1)


@pytest.mark.parametrize("key, name", [("lstm", "forget gate"), ("lstm_scratch", "forget gate"),
                                       ("gru", "update gate"), ("gru_scratch", "update gate")])
def test_retention_is_the_gate_that_keeps_the_state(key, name):
    torch.manual_seed(4)
    core = build_model(key, 2, 5, 1).core.double()
    x = torch.randn(3, 9, 2, dtype=torch.float64)
    what, kept = retention(core, x)
    assert what == name and kept.shape == (3, 9, 5)
    torch.testing.assert_close(kept, _by_hand(core, x, slice(5, 10)))  # gate 1 of i,f,g,o / r,z,n


def test_time_constants_of_a_constant_gate_and_of_a_diagonal_recurrence():
    core = build_model("gru", 1, 3, 1).core.double()
    with torch.no_grad():
        for weight in (core.weight_ih_l0, core.weight_hh_l0, core.bias_hh_l0):
            weight[3:6].zero_()
        core.bias_ih_l0[3:6].fill_(math.log(0.9 / 0.1))  # z = 0.9 at every step
    found = time_constants(core, torch.randn(2, 6, 1, dtype=torch.float64))
    assert found["retention"] == "update gate"
    for tau in found["tau_quantiles"].values():
        assert tau == pytest.approx(-1 / math.log(0.9))
    lru = build_model("lru:state=4", 1, 4, 1).core.double()
    moduli = lru.eigenvalues().detach().abs().numpy()
    found = time_constants(lru, torch.randn(1, 5, 1, dtype=torch.float64))
    assert found["retention"] == "|lambda|"
    assert found["tau_quantiles"]["0.5"] == pytest.approx(np.median(-1 / np.log(moduli)))
    assert retention(build_model("rnn", 1, 3, 1).core, torch.randn(1, 4, 1)) is None
    stacked = build_model("gru:layers=2", 1, 3, 1).core.double()
    what, kept = retention(stacked, torch.randn(2, 5, 1, dtype=torch.float64))
    assert what == "update gate" and kept.shape == (2, 5, 6)
