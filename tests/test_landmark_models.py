"""The long-memory cells held to their papers' defining properties."""

import math

import pytest
import torch

from benchmark.run.config import Cell
from models import build_model


@pytest.mark.parametrize("spec", ["exprnn", "exprnn:nonlinearity=modrelu:init=henaff"])
def test_exprnn_recurrent_matrix_stays_orthogonal_while_training(spec):
    torch.manual_seed(0)
    model = build_model(spec, 2, 16, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(20):
        x, y = torch.randn(8, 12, 2), torch.randn(8, 1)
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    w = model.core.weight_hh_l0.detach()
    torch.testing.assert_close(w @ w.T, torch.eye(16), atol=1e-5, rtol=0)
    assert not torch.allclose(w, torch.eye(16), atol=1e-2)  # it did train


def test_exprnn_henaff_init_is_block_rotations_with_angles_over_the_circle():
    torch.manual_seed(0)
    w = build_model("exprnn:init=henaff", 2, 65, 1).core.weight_hh_l0.detach().double()
    angles = []
    for i in range(0, 64, 2):
        block = w[i:i + 2, i:i + 2]
        cos, sin = block[0, 0], block[0, 1]
        torch.testing.assert_close(block, torch.stack([torch.stack([cos, sin]),
                                                       torch.stack([-sin, cos])]),
                                   atol=1e-5, rtol=0)  # a rotation
        angles.append(float(torch.atan2(sin, cos)))
    outside = w.clone()
    for i in range(0, 64, 2):
        outside[i:i + 2, i:i + 2] = 0
    assert float(outside[:64, :64].abs().max()) < 1e-5  # nothing between the blocks
    assert float(w[64, 64]) == pytest.approx(1.0, abs=1e-5)  # odd size: exp(0) = 1
    # 32 draws of U(-pi, pi): both signs, and the largest magnitude well past pi / 2
    assert min(angles) < 0 < max(angles) and max(map(abs, angles)) > 2.5


def test_modrelu_keeps_the_sign_and_shifts_the_magnitude():
    from models.exprnn import modrelu

    z = torch.tensor([-2.0, -0.05, 0.0, 0.05, 3.0])
    bias = torch.tensor([0.5, -0.1, 0.3, -0.1, -1.0])
    torch.testing.assert_close(modrelu(z, bias), torch.tensor([-2.5, 0.0, 0.0, 0.0, 2.0]))


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
    from benchmark.run.train import _setup

    session = _setup(Cell(task="copy_memory", model="indrnn", seq_len=30, seed=0,
                          hidden_size=4, test_size=8, validation_size=8))
    assert session.model.core.bound == 2 ** (1 / 50)  # copy_memory's input: T + 20


def test_lmu_memory_reconstructs_a_delayed_input():
    # Feed a smooth signal straight into the memory (u_t = x_t) and decode u_{t - tau} from
    # m_t with the shifted Legendre polynomials, for delays across the whole window.
    import numpy as np

    from models import lmu

    order, theta, steps = 12, 50, 400
    core = build_model(f"lmu:order={order}:theta={theta}", 1, 4, 1).core.double()
    with torch.no_grad():
        core.weight_ih_encoder.fill_(1.0)
        core.weight_hh_encoder.zero_()
        core.weight_hh_memory_encoder.zero_()
    t = torch.arange(steps, dtype=torch.float64)
    signal = torch.sin(2 * math.pi * t / 60) + 0.5 * torch.sin(2 * math.pi * t / 37 + 1)
    memory, state = [], None
    for x_t in signal.view(1, steps, 1).unbind(1):
        _, state = core(x_t.unsqueeze(1), state)
        memory.append(state[1][0, 0])
    memory = torch.stack(memory).detach().numpy()  # (T, d)
    u = signal.numpy()
    for tau in (0, 10, 25, 40, 50):
        decoded = memory[100:] @ lmu.decoder(order, tau / theta)
        delayed = u[100 - tau:steps - tau]
        assert np.sqrt(np.mean((decoded - delayed) ** 2)) < 0.1 * delayed.std(), tau
    # the memory is fixed: A_bar, B_bar are buffers, not parameters
    assert {"a_bar", "b_bar"} <= {name for name, _ in core.named_buffers()}
    assert not any("bar" in name for name, _ in core.named_parameters())


def test_lmu_window_defaults_to_the_input_length():
    assert build_model("lmu", 2, 4, 1, None, 70).core.theta == 70


def test_cornn_states_stay_within_a_length_independent_bound():
    # Each unit is a stable linear system x_n = M x_{n-1} + dt (1, dt) f_n driven by a forcing
    # |f_n| <= 1 (the tanh): |x_n| <= sum_k ||M^k|| * dt * |(1, dt)|, whatever the length.
    dt, gamma, eps = 0.06, 66.0, 15.0
    m = torch.tensor([[1 - dt * eps, -dt * gamma], [dt * (1 - dt * eps), 1 - dt * dt * gamma]],
                     dtype=torch.float64)  # acting on (z, y)
    drive = dt * math.hypot(1, dt)
    bound, power = 0.0, torch.eye(2, dtype=torch.float64)
    for _ in range(2000):
        bound += float(torch.linalg.matrix_norm(power, ord=2)) * drive
        power = power @ m
    torch.manual_seed(0)
    core = build_model("cornn", 3, 16, 1).core.double()
    with torch.no_grad():  # large weights and inputs: the tanh saturates, the bound must hold
        for p in core.parameters():
            p.mul_(50)
    x = 10 * torch.randn(4, 3000, 3, dtype=torch.float64)
    with torch.no_grad():
        y, (_, z) = core(x)
    assert float(y.abs().max()) <= bound and float(z.abs().max()) <= bound
    early, late = y[:, :300].abs().max(), y[:, -300:].abs().max()
    assert float(late) <= 1.5 * float(early)  # no growth with the length
    # and the gradient that reaches the first input neither explodes nor is lost to NaN
    x = torch.randn(2, 500, 3, dtype=torch.float64, requires_grad=True)
    core(x)[0][:, -1].sum().backward()
    assert torch.isfinite(x.grad).all() and float(x.grad[:, 0].norm()) < 1e3
