"""Lyapunov spectra against known answers: a linear map with a scaled orthogonal matrix has
every exponent at log(scale); a diagonal recurrence's exponents are its log |lambda|; the
spectrum does not depend on how often the directions are re-orthonormalised."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from benchmark.run.dynamics import FlatState, lyapunov_spectrum
from models import build_model


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
    assert plain.id != asked.id and "lyapunov_spectra" not in train_cell(plain).summary
    spectra = json.loads(train_cell(asked).summary["lyapunov_spectra"])
    assert set(spectra) == {"init", "mid", "end"}
    assert all(len(v) == 3 and v == sorted(v, reverse=True) for v in spectra.values())
