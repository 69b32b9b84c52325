"""Gradient tracking: the mechanism behind long-term-dependency failures, measured.

Two kinds of record, both in the long format ``step, kind, t, value``:
- every ``grad_every`` training steps: the global gradient norm before clipping (``global``),
  whether clipping fired (``clipped``), and the norm per parameter group (``input_weights``,
  ``recurrent_weights``, ``biases``, ``readout``);
- at checkpoints, on a fixed probe batch: ``through_time`` = ||dL/dx_t|| for every step t, the
  learning signal that reaches an input ``seq_len - 1 - t`` steps before the output. The
  scratch models add ``through_time_h`` = ||dL/dh_t|| (and the LSTM ``through_time_c`` =
  ||dL/dc_t||).

The profile is computed on a float64 copy of the model: at initialisation the signal at the
first steps of a length-100 sequence is ~1e-17 of the last step's and would underflow float32
(smallest normal 1e-38) within a few hundred steps; float64 keeps it measurable to ~1e-308.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from benchmark.schema import GRADIENT_COLUMNS, ColumnLog

GROUPS = ("input_weights", "recurrent_weights", "biases", "readout")
REACH_FRACTION = 1e-3  # the reach is the farthest distance still above this share of the last step
MAX_PROFILE_POINTS = 256  # long profiles keep this many distances, log-spaced (storage bound)


def parameter_group(name: str) -> str:
    """Map a parameter name of a SequenceModel to its group."""
    if name.startswith("readout."):
        return "readout"
    if "weight_ih" in name:
        return "input_weights"
    if "weight_hh" in name:
        return "recurrent_weights"
    if "bias" in name:
        return "biases"
    raise ValueError(f"parameter {name!r} belongs to no gradient group")


def group_norms(model: nn.Module) -> dict[str, float]:
    """The L2 norm of the current gradient of each parameter group."""
    squares = dict.fromkeys(GROUPS, 0.0)
    for name, param in model.named_parameters():
        if param.grad is not None:
            squares[parameter_group(name)] += float(param.grad.detach().pow(2).sum())
    return {group: squares[group] ** 0.5 for group in GROUPS}


def through_time(model: nn.Module, task, x: torch.Tensor, y: torch.Tensor) -> dict[str, np.ndarray]:
    """||dL/dx_t|| (and dL/dh_t, dL/dc_t where the core records its states) for t = 0..T-1.

    The norm is taken over the whole probe batch and all features of step t.
    """
    probe = copy.deepcopy(model).double()
    x64 = x.double().requires_grad_(True)
    records_states = hasattr(probe.core, "record_states")
    if records_states:
        probe.core.record_states = True
    loss = task.loss(probe(x64), y.double())
    states = probe.core.recorded_states if records_states else {}
    inputs = [x64] + [s for per_step in states.values() for s in per_step]
    grads = torch.autograd.grad(loss, inputs)
    profiles = {"through_time": grads[0].norm(dim=(0, 2)).cpu().numpy()}  # (T,)
    steps = x.shape[1]
    for k, name in enumerate(states):
        per_step = grads[1 + k * steps: 1 + (k + 1) * steps]
        profiles[f"through_time_{name}"] = torch.stack([g.norm() for g in per_step]).cpu().numpy()
    return profiles


def kept_positions(seq_len: int, max_points: int = MAX_PROFILE_POINTS) -> np.ndarray:
    """Time steps stored for a profile: all of them for short sequences, else log-spaced in
    distance from the output (dense near the output, where the signal changes fastest)."""
    if seq_len <= max_points:
        return np.arange(seq_len)
    distances = np.unique(np.round(np.geomspace(1, seq_len, max_points)).astype(int) - 1)
    return np.sort(seq_len - 1 - distances)


def profile_summary(norms: np.ndarray, fraction: float = REACH_FRACTION) -> tuple[float, float]:
    """(decay per step, reach) of a through-time profile ordered by time step t.

    decay: least-squares slope of log10(norm_t / norm_last) against the distance from the
    output (negative: the signal shrinks by 10**decay per step); NaN with < 2 usable points.
    reach: the largest distance whose norm is at least ``fraction`` of the last step's.
    """
    norms = np.asarray(norms, dtype=float)
    last = norms[-1]
    distance = np.arange(len(norms))[::-1]  # distance of t from the output step
    if not np.isfinite(last) or last <= 0:
        return float("nan"), float("nan")  # no signal at the output: nothing to measure
    relative = norms / last
    above = np.flatnonzero(relative >= fraction)
    reach = int(distance[above].max()) if above.size else 0
    usable = np.isfinite(relative) & (relative > 0)
    if usable.sum() < 2:
        return float("nan"), reach
    slope = np.polyfit(distance[usable], np.log10(relative[usable]), 1)[0]
    return float(slope), reach


class GradientLog(ColumnLog):
    """Collects gradient records of one cell as columns of the long table."""

    def __init__(self) -> None:
        super().__init__(GRADIENT_COLUMNS)

    def add_norm(self, step: int, kind: str, value: float) -> None:
        self.add(step=step, kind=kind, t=-1, value=value)

    def add_profile(self, step: int, kind: str, norms: np.ndarray) -> None:
        positions = kept_positions(len(norms))
        self.extend(step=step, kind=kind, t=positions.tolist(), value=norms[positions].tolist())
