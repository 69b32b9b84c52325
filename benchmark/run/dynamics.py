"""The dynamics of a recurrent core along its own trajectory on task inputs: the top-k
Lyapunov exponents of the state map s_t = F(s_{t-1}, x_t), by the QR method (Benettin,
Galgani, Giorgilli & Strelcyn 1980, as Engelken, Wolf & Abbott 2023 use it for RNNs), the
growth of the leading direction over the whole trajectory (the largest singular value of the
product of state Jacobians), and the time constants of the units where the architecture
defines them (models/retention.py).

Any core with nn.LSTM's call signature is covered, plug-ins and stacks included: the state is
whatever the core returns (a tensor, or a tuple of them, flattened per sample into one vector
of n numbers), and the products J_t Q of the state Jacobian with the k tracked directions are
forward-mode Jacobian-vector products (``torch.func.jvp``), one per direction, never the n x n
Jacobian. Every ``qr_every`` steps the directions are re-orthonormalised, Q R = J Q, and
log |R_ii| accumulates; the exponents are those sums over the steps, averaged over the batch's
trajectories (each sample its own trajectory and its own Jacobians), in nats per step, largest
first. A direction the map annihilates (a ReLU unit off, a shift register's end) contributes
log of the smallest normal number instead of -inf.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import torch
from torch.func import jvp, vmap

from models.retention import retention


class FlatState:
    """A core's state (a tensor (L, B, H) or a tuple of them) as one (B, n) matrix and back."""

    def __init__(self, state) -> None:
        self.bare = not isinstance(state, tuple)
        parts = (state,) if self.bare else state
        self.shapes = [p.shape for p in parts]
        self.sizes = [int(np.prod(s)) // s[1] for s in self.shapes]  # per sample

    def flat(self, state) -> torch.Tensor:
        parts = (state,) if self.bare else state
        return torch.cat([p.transpose(0, 1).reshape(p.shape[1], -1) for p in parts], dim=1)

    def state(self, flat: torch.Tensor):
        parts, start = [], 0
        for shape, size in zip(self.shapes, self.sizes, strict=True):
            piece = flat[:, start:start + size]
            parts.append(piece.reshape(shape[1], shape[0], *shape[2:]).transpose(0, 1))
            start += size
        return parts[0] if self.bare else tuple(parts)


def lyapunov_spectrum(core: torch.nn.Module, x: torch.Tensor, k: int = 8,
                      qr_every: int = 1, warmup: int = 0) -> np.ndarray:
    """The k largest Lyapunov exponents (nats per step) of ``core`` driven by ``x`` (B, T, D),
    from its zero state; the first ``warmup`` steps only settle the directions. Float64."""
    return lyapunov_run(core, x, k, qr_every, warmup)[0]


def lyapunov_run(core: torch.nn.Module, x: torch.Tensor, k: int = 8, qr_every: int = 1,
                 warmup: int = 0) -> tuple[np.ndarray, float]:
    """(the exponents, log10 of the growth of the leading direction over the whole
    trajectory): the second is the QR method's estimate of the largest singular value of the
    product of the state Jacobians over the T steps, averaged over trajectories in log."""
    core = core.double()
    x = x.double()
    with torch.no_grad():
        _, state = core(x[:, :1])
    shape = FlatState(state)
    s = shape.flat(state)  # (B, n)
    batch, n = s.shape
    k = min(k, n)
    # random orthonormal starting directions (fixed seed): coordinate axes could all lie in
    # a subspace the map annihilates (sLSTM's h at R = 0) and never leave it
    start = torch.randn(n, k, dtype=s.dtype, generator=torch.Generator().manual_seed(0))
    q = torch.linalg.qr(start)[0].to(s.device).expand(batch, n, k).clone()
    tiny = torch.finfo(s.dtype).tiny
    sums = torch.zeros(batch, k, dtype=s.dtype, device=s.device)
    steps = since = 0  # steps counted in the exponents; map steps since the last QR
    last = x.shape[1] - 1
    for t in range(1, x.shape[1]):
        x_t = x[:, t:t + 1]

        def step(flat, x_t=x_t):
            return shape.flat(core(x_t, shape.state(flat))[1])

        def push(v, s=s, step=step):
            return jvp(step, (s,), (v,))[1]

        with torch.no_grad():
            s_next = step(s)
        with warnings.catch_warnings():
            # an op without a batching rule (the GLU of the state-space blocks) makes vmap
            # loop over the k directions instead: the same numbers, slower; torch warns on
            # every call, which would bury a run's log
            warnings.filterwarnings("ignore", message="There is a performance drop",
                                    category=UserWarning)
            q = vmap(push, in_dims=2, out_dims=2)(q).detach()  # J_t Q: (B, n, k)
        s, since = s_next.detach(), since + 1
        if t % qr_every == 0 or t == last:
            q, r = torch.linalg.qr(q)
            if t - since >= warmup:  # the whole block lies after the warm-up
                sums += torch.log(torch.diagonal(r, dim1=1, dim2=2).abs().clamp_min(tiny))
                steps += since
            since = 0
    exponents = (sums / max(steps, 1)).mean(dim=0)
    # (the leading column's sum: log |R_11| accumulated, the top direction's growth)
    growth = float(sums[:, 0].mean() / np.log(10)) if steps else 0.0
    return np.sort(exponents.detach().cpu().numpy())[::-1], growth


SPECTRUM_TRAJECTORIES = 8  # probe samples the spectrum averages over: its cost, bounded


TAU_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def time_constants(core: torch.nn.Module, x: torch.Tensor) -> dict:
    """Quantiles over units, steps and trajectories of tau = -1 / ln a, a the retention the
    architecture defines (models/retention.py; inf where a = 1); empty where it has none."""
    found = retention(core, x)
    if found is None:
        return {}
    what, kept = found
    kept = kept.double().clamp(0.0, 1.0)
    tau = torch.where(kept < 1, -1.0 / torch.log(kept.clamp_min(1e-300)),
                      torch.full_like(kept, float("inf")))
    values = np.quantile(tau.flatten().cpu().numpy(), TAU_QUANTILES)
    return {"retention": what, "tau_quantiles": {f"{q:g}": float(v)
                                                 for q, v in zip(TAU_QUANTILES, values,
                                                                 strict=True)}}


def dynamics_of(model: torch.nn.Module, x: torch.Tensor, k: int) -> dict:
    """A cell's dynamics now, on a float64 copy of its core (the cell trains on, untouched)
    along the first probe samples' trajectories: the top ``k`` Lyapunov exponents, the log10
    growth of the leading direction over the trajectory, and the time constants."""
    core = copy.deepcopy(model.core).double()
    x = x[:SPECTRUM_TRAJECTORIES].double()
    exponents, growth = lyapunov_run(core, x, k)
    return {"lyapunov": [float(v) for v in exponents], "log10_growth": growth,
            **time_constants(core, x)}
