"""The linear-recurrence cells (LRU, S4D, minGRU, minLSTM) against their definitions: each
scan equals its loop (float64, T up to 1000, outputs and gradients), LRU's eigenvalues start on
their ring, S4D's recurrence reproduces its convolution kernel, the minimal RNNs' scan is
their paper's recurrence written out."""

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from benchmark.run import gradients
from models import build_model
from models.scan import linear_scan, log_linear_scan
from tasks import get_task

SCAN_MODELS = ("lru", "s4d:state=8", "mingru", "minlstm", "s6:state=4")


def _rand(*shape, complex_=False):
    real = torch.randn(*shape, dtype=torch.float64)
    return torch.complex(real, torch.randn(*shape, dtype=torch.float64)) if complex_ else real


@pytest.mark.parametrize("complex_", [False, True])
@pytest.mark.parametrize("steps", [1, 2, 7, 64, 1000])
def test_the_parallel_scan_is_the_loop(steps, complex_):
    torch.manual_seed(steps)
    a = 0.999 * torch.rand(3, steps, 4, dtype=torch.float64)  # |a| < 1, some near 1
    if complex_:
        a = a * torch.exp(1j * _rand(3, steps, 4))
    b, h0 = _rand(3, steps, 4, complex_=complex_), _rand(3, 4, complex_=complex_)
    for initial in (None, h0):
        loop = linear_scan(a, b, initial, scan="loop")
        torch.testing.assert_close(linear_scan(a, b, initial, scan="parallel"), loop,
                                   rtol=1e-10, atol=1e-12)
    # the first steps by hand
    torch.testing.assert_close(loop[:, 0], a[:, 0] * h0 + b[:, 0])
    if steps > 1:
        torch.testing.assert_close(loop[:, 1], a[:, 1] * (a[:, 0] * h0 + b[:, 0]) + b[:, 1])


def test_a_time_invariant_coefficient_broadcasts():
    lam = torch.tensor([0.5, -0.9], dtype=torch.float64)
    b = torch.zeros(1, 5, 2, dtype=torch.float64)
    b[:, 0] = 1.0  # an impulse: h_t = lam^t
    h = linear_scan(lam, b)
    torch.testing.assert_close(h[0], lam ** torch.arange(5, dtype=torch.float64)[:, None])


@pytest.mark.parametrize("with_h0", [False, True])
def test_the_log_space_scan_is_the_loop(with_h0):
    torch.manual_seed(0)
    log_a = -F.softplus(_rand(2, 1000, 3))
    log_b = _rand(2, 1000, 3)
    log_h0 = _rand(2, 3) if with_h0 else None
    torch.testing.assert_close(log_linear_scan(log_a, log_b, log_h0),
                               log_linear_scan(log_a, log_b, log_h0, scan="loop"),
                               rtol=1e-10, atol=1e-12)


def _pair(spec: str, steps: int, seed: int = 0):
    """The same weights in scan and loop mode, float64."""
    torch.manual_seed(seed)
    parallel = build_model(f"{spec}:scan=parallel", 2, 6, 1).double()
    torch.manual_seed(seed)
    loop = build_model(f"{spec}:scan=loop", 2, 6, 1).double()
    return parallel, loop


@pytest.mark.parametrize("spec", SCAN_MODELS)
@pytest.mark.parametrize("steps", [3, 1000])
def test_every_cell_s_scan_is_its_loop_outputs_and_gradients(spec, steps):
    parallel, loop = _pair(spec, steps)
    x = torch.randn(2, steps, 2, dtype=torch.float64)
    out_p, state_p = parallel.core(x)
    out_l, state_l = loop.core(x)
    torch.testing.assert_close(out_p, out_l, rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(state_p, state_l, rtol=1e-9, atol=1e-10)
    parallel(x).sum().backward()
    loop(x).sum().backward()
    for (name, p), q in zip(parallel.named_parameters(), loop.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-7, atol=1e-10, msg=name)


@pytest.mark.parametrize("spec", SCAN_MODELS)
def test_every_cell_resumes_from_its_state_and_steps_as_one_pass(spec):
    parallel, _ = _pair(spec, 12)
    x = torch.randn(3, 12, 2, dtype=torch.float64)
    whole, _ = parallel.core(x)
    first, state = parallel.core(x[:, :5])
    rest, _ = parallel.core(x[:, 5:], state)
    torch.testing.assert_close(torch.cat([first, rest], dim=1), whole, rtol=1e-10, atol=1e-12)
    stepped, _ = gradients.SteppedCore(parallel.core)(x)
    torch.testing.assert_close(stepped, whole, rtol=1e-10, atol=1e-12)


def test_lru_eigenvalues_start_on_their_ring():
    torch.manual_seed(0)
    core = build_model("lru:r_min=0.9:r_max=0.999:max_phase=0.314:state=2000", 1, 4, 1).core
    lam = core.eigenvalues().detach()
    assert lam.shape == (2000,)
    assert float(lam.abs().min()) >= 0.9 and float(lam.abs().max()) <= 0.999
    assert float(lam.angle().min()) >= 0 and float(lam.angle().max()) <= 0.314 + 1e-6
    # uniform on the ring's area: |lambda|^2 uniform in [r_min^2, r_max^2]
    squared = lam.abs().pow(2).numpy()
    assert abs(np.median(squared) - (0.81 + 0.998) / 2) < 0.02
    # gamma normalises the state of a white-noise input to the input's variance
    gain = torch.exp(core.weight_ih_gamma_log.detach())
    torch.testing.assert_close(gain ** 2, 1 - lam.abs() ** 2)


def test_lru_options_are_checked():
    from core.errors import UsageError
    with pytest.raises(UsageError, match=r"r_min=0.9.*below r_max \(0.5\)"):
        build_model("lru:r_min=0.9:r_max=0.5", 1, 4, 1)
    with pytest.raises(UsageError, match="scan.*known: auto, loop, parallel"):
        build_model("lru:scan=fft", 1, 4, 1)


def test_s4d_recurrence_reproduces_its_convolution_kernel():
    torch.manual_seed(0)
    core = build_model("s4d:state=8:scan=loop", 3, 3, 1).core.double()
    impulse = torch.zeros(1, 40, 3, dtype=torch.float64)
    impulse[:, 0] = 1.0  # u = delta on every channel
    s = linear_scan(core.eigenvalues(), core.drive(impulse), scan="loop")
    torch.testing.assert_close(core.read(s)[0].T, core.kernel(40), rtol=1e-10, atol=1e-12)
    # S4D-Lin: A_n = -1/2 + i pi n, Delta in [0.001, 0.1]
    a = core._a().detach()
    torch.testing.assert_close(a.real, torch.full_like(a.real, -0.5))
    torch.testing.assert_close(a.imag[0], math.pi * torch.arange(4, dtype=torch.float64))
    dt = torch.exp(core.weight_hh_log_dt.detach())
    assert float(dt.min()) >= 0.001 and float(dt.max()) <= 0.1


@pytest.mark.parametrize("key", ["mingru", "minlstm"])
def test_the_minimal_rnns_are_their_paper_s_recurrence(key):
    torch.manual_seed(0)
    core = build_model(key, 2, 5, 1).core.double()
    x = torch.randn(3, 30, 2, dtype=torch.float64)
    projected = F.linear(x, core.weight_ih_l0, core.bias_ih_l0)
    candidate = projected[..., :5]
    g = torch.where(candidate >= 0, candidate + 0.5, torch.sigmoid(candidate))
    if key == "mingru":
        z = torch.sigmoid(projected[..., 5:])
        keep, write = 1 - z, z
    else:
        f, i = torch.sigmoid(projected[..., 5:10]), torch.sigmoid(projected[..., 10:])
        keep, write = f / (f + i), i / (f + i)
    h, expected = torch.zeros(3, 5, dtype=torch.float64), []
    for t in range(30):
        h = keep[:, t] * h + write[:, t] * g[:, t]
        expected.append(h)
    torch.testing.assert_close(core(x)[0], torch.stack(expected, dim=1), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", SCAN_MODELS)
def test_the_gradient_probe_covers_the_new_cells(spec):
    task = get_task("adding")
    x, y = (torch.from_numpy(a) for a in task.generate(4, 12, np.random.default_rng(0)))
    torch.manual_seed(0)
    model = build_model(spec, task.input_dim, 6, task.output_dim)
    profiles = gradients.through_time(model, task, x, y)
    assert set(profiles) == {"through_time", "through_time_h"}
    assert all(len(v) == 12 and np.isfinite(v).all() and (v > 0).any() for v in profiles.values())
    # the last state reaches the loss only through the last output: the profile there is the
    # total derivative, which would be 0 if the probe missed the path through the output
    assert profiles["through_time_h"][-1] > 0


def test_the_selective_scan_with_constant_delta_b_c_is_a_time_invariant_ssm():
    # Delta, B and C fixed over time: the recurrence is an LTI SSM, whose output is the causal
    # convolution of v with K_l = sum_n C_n exp(Delta A_n l) Delta B_n, channel by channel
    torch.manual_seed(0)
    core = build_model("s6:state=4", 2, 3, 1).core.double()
    steps, inner = 30, core.inner
    v = torch.randn(2, steps, inner, dtype=torch.float64)
    delta = torch.rand(inner, dtype=torch.float64).expand(2, steps, inner) * 0.5 + 0.01
    b, c = (torch.randn(4, dtype=torch.float64).expand(2, steps, 4) for _ in range(2))
    y, _ = core.selective_scan(v, delta, b, c)
    a = -torch.exp(core.weight_hh_a_log.detach())  # (D, N)
    lags = torch.arange(steps, dtype=torch.float64)
    kernel = torch.einsum("n,dnl->dl", c[0, 0] * b[0, 0],
                          torch.exp(delta[0, 0][:, None, None] * a[..., None] * lags))
    kernel = kernel * delta[0, 0][:, None]  # (D, L)
    expected = torch.stack([(v[:, :t + 1].flip(1) * kernel[:, :t + 1].T).sum(1)
                            for t in range(steps)], dim=1)
    torch.testing.assert_close(y, expected, rtol=1e-10, atol=1e-12)


def test_s6_starts_as_its_authors_do():
    torch.manual_seed(0)
    core = build_model("s6", 1, 32, 1).core
    a = -torch.exp(core.weight_hh_a_log.detach())
    torch.testing.assert_close(a[5], -torch.arange(1, 17).float())  # S4D-Real, N = 16
    dt = F.softplus(core.weight_hh_dt_bias.detach())  # the bias is softplus^-1 of Delta
    assert core.inner == 64 and float(dt.min()) >= 0.001 and float(dt.max()) <= 0.1


@pytest.mark.parametrize("forget", ["sigmoid", "exp"])
def test_slstm_stabiliser_leaves_the_outputs_unchanged(forget):
    torch.manual_seed(0)
    stable = build_model(f"slstm:forget={forget}:heads=2", 3, 6, 1).core.double()
    raw = build_model(f"slstm:forget={forget}:heads=2:stabilise=false", 3, 6, 1).core.double()
    raw.load_state_dict(stable.state_dict())
    with torch.no_grad():  # memory mixing on, so the test covers R too
        stable.weight_hh_l0.normal_(0, 0.3)
        raw.weight_hh_l0.copy_(stable.weight_hh_l0)
    x = torch.randn(4, 40, 3, dtype=torch.float64)
    out_stable, (h, c, n, m) = stable(x)
    out_raw, (_, c_raw, n_raw, _) = raw(x)
    torch.testing.assert_close(out_stable, out_raw, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(c * torch.exp(m), c_raw)  # the same state, scaled by exp(-m)
    torch.testing.assert_close(n * torch.exp(m), n_raw)


def test_slstm_stabiliser_keeps_a_large_input_gate_finite():
    torch.manual_seed(0)
    stable = build_model("slstm:forget=exp", 1, 4, 1).core
    raw = build_model("slstm:forget=exp:stabilise=false", 1, 4, 1).core
    raw.load_state_dict(stable.state_dict())
    x = torch.full((1, 200, 1), 1.0)
    with torch.no_grad():
        for core in (stable, raw):
            core.bias_ih_l0.view(4, 4)[:2] = 1.0  # i and f both grow as e^t: e^200 overflows
    assert torch.isfinite(stable(x)[0]).all()
    assert not torch.isfinite(raw(x)[0]).all()


def test_slstm_heads_and_forget_bias_follow_the_paper():
    from models.slstm import heads_for

    assert (heads_for(32, 4), heads_for(30, 4), heads_for(7, 4)) == (4, 3, 1)
    core = build_model("slstm", 1, 8, 1).core
    forget = core.bias_ih_l0.detach().view(4, 4, 2)[1]  # gate f, 4 heads of 2 units
    torch.testing.assert_close(forget[:, 0], torch.full((4,), 5.0))
    torch.testing.assert_close(forget[:, 1], torch.full((4,), -7.0))
    assert torch.count_nonzero(core.weight_hh_l0) == 0
