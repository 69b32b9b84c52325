"""Gradient tracking: the mechanism behind long-term-dependency failures, measured.

Two kinds of record, both in the long format ``step, kind, t, value``:
- every ``grad_every`` training steps: the global gradient norm before clipping (``global``),
  whether clipping fired (``clipped``), and the norm per parameter group (``input_weights``,
  ``recurrent_weights``, ``biases``, ``readout``);
- at checkpoints, on a fixed probe batch of validation samples: ``through_time`` =
  ||dL/dx_t|| for every step t, the learning signal that reaches an input ``seq_len - 1 - t``
  steps before the output, ``through_time_h`` = ||dL/dh_t|| (the hidden-state profile) for
  every model (for the state-space cells, whose readout reads y_t = f(s_t), the gradient of
  the recurrent state s_t), and ``through_time_c`` = ||dL/dc_t|| for the LSTMs. L is the
  task's answer loss only (copy_memory: the 10 copied symbols, not the blanks before them).

The profile is computed on a float64 copy of the model: at initialisation the signal at the
first steps of a length-100 sequence is ~1e-17 of the last step's and would underflow float32
(smallest normal 1e-38) within a few hundred steps; float64 keeps it measurable to ~1e-308.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
from torch import nn

from benchmark.run.schema import GRADIENT_COLUMNS, ColumnLog
from core.rules import REACH_FRACTION

GROUPS = ("input_weights", "recurrent_weights", "biases", "readout", "other_weights")
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
    return "other_weights"  # a plug-in's weights under names of its own


def group_norms(model: nn.Module) -> dict[str, float]:
    """The L2 norm of the current gradient of each parameter group."""
    squares = dict.fromkeys(GROUPS, 0.0)
    for name, param in model.named_parameters():
        if param.grad is not None:
            squares[parameter_group(name)] += float(param.grad.detach().pow(2).sum())
    return {group: squares[group] ** 0.5 for group in GROUPS}


class SteppedCore(nn.Module):
    """A recurrent core run one step at a time with its state passed along, so that every
    step's output and state is a node of the graph (a fused kernel keeps them inside). Works
    for any core with nn.LSTM's call signature; the numbers equal the core's own forward."""

    def __init__(self, core: nn.Module):
        super().__init__()
        self.core = core
        self.outputs: list[torch.Tensor] = []  # h_t as the readout sees it, (B, H) per step
        self.states: list[tuple[torch.Tensor, ...]] = []  # (h_t,) or (h_t, c_t), (1, B, H)

    def forward(self, x: torch.Tensor, state=None):
        for x_t in x.unbind(1):  # (B, D)
            out, state = self.core(x_t.unsqueeze(1), state)  # (B, 1, H)
            self.outputs.append(out[:, 0])
            self.states.append(state if isinstance(state, tuple) else (state,))
        return torch.stack(self.outputs, dim=1), state  # (B, T, H)


def through_time(model: nn.Module, task, x: torch.Tensor, y: torch.Tensor) -> dict[str, np.ndarray]:
    """||dL/dx_t||, ||dL/dh_t|| (and ||dL/dc_t|| for a core whose state is (h, c)) for every
    step t, L being the task's ``probe_loss`` (the answer's loss only).

    dL/dh_t is the total derivative: h_t reaches the loss through the readout (where it is an
    output) and through the next step (where it is the state); both copies' gradients add up.
    Norms are taken over the whole probe batch and all features of step t.
    """
    probe = copy.deepcopy(model).double()
    probe.core = SteppedCore(probe.core)
    x64 = x.double().requires_grad_(True)
    loss = task.probe_loss(probe(x64), y.double())
    outputs, states = probe.core.outputs, probe.core.states
    n_states = len(states[0])
    nodes = [x64, *outputs, *(s for per_step in states for s in per_step)]
    grads = [torch.zeros_like(n) if g is None else g
             for n, g in zip(nodes, torch.autograd.grad(loss, nodes, allow_unused=True),
                             strict=True)]
    steps = x.shape[1]
    output_grads = grads[1:1 + steps]
    state_grads = grads[1 + steps:]
    # h_t reaches the loss as the readout's input and as the next step's state, unless the
    # readout reads something computed from the state (the state-space cells, whose state
    # gradient already holds that path): then the profile is the state's own gradient
    reads_state = getattr(probe.core.core, "readout_reads_state", True)
    if reads_state:
        h = [output_grads[t] + state_grads[t * n_states][0] for t in range(steps)]  # (B, H)
    else:
        h = [state_grads[t * n_states][0] for t in range(steps)]  # (B, state size)
    profiles = {"through_time": grads[0].norm(dim=(0, 2)).cpu().numpy(),  # (T,)
                "through_time_h": torch.stack([g.norm() for g in h]).cpu().numpy()}
    # a stack's state is flat, its top layer first (models/stack.py): the readout's layer
    top_state_size = getattr(probe.core.core, "top_state_size", n_states)
    if top_state_size == 2 and reads_state:  # (h, c), not a state-space cell's buffers
        cell = [state_grads[t * n_states + 1][-1] for t in range(steps)]  # (B, H) each
        profiles["through_time_c"] = torch.stack([g.norm() for g in cell]).cpu().numpy()
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

    Both are read relative to the profile's peak, a quantity every task has (the last step is
    not: a model that solved bit_memory may ignore its last input).
    decay: least-squares slope of log10(norm_t / peak) against the distance from the output
    (negative: the signal shrinks by 10**decay per step of distance); NaN with < 2 usable points.
    reach: the largest distance whose norm is at least ``fraction`` of the peak.
    """
    norms = np.asarray(norms, dtype=float)
    distance = np.arange(len(norms))[::-1]  # distance of t from the output step
    finite = norms[np.isfinite(norms)]
    peak = finite.max() if finite.size else np.nan
    if not np.isfinite(peak) or peak <= 0:
        return float("nan"), float("nan")  # no signal anywhere: nothing to measure
    relative = norms / peak
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


def profile_summaries(span: int, profiles: dict[int, dict[str, np.ndarray]],
                      last_step: int) -> dict:
    """A cell's through-time profile's decay and reach at initialisation and at the end
    (``profiles`` by step; ``span``: the farthest distance a profile can reach)."""
    end = max(profiles, default=last_step)
    no_profile = np.array([np.nan])
    decay_init, reach_init = profile_summary(profiles.get(0, {}).get("through_time", no_profile))
    decay_end, reach_end = profile_summary(profiles.get(end, {}).get("through_time", no_profile))
    return {
        "grad_decay_init": decay_init,
        "grad_reach_init": reach_init,
        "grad_decay_end": decay_end,
        "grad_reach_end": reach_end,
        "grad_reach_fraction_init": reach_init / span if span > 0 else math.nan,
        "grad_reach_fraction_end": reach_end / span if span > 0 else math.nan,
        "grad_end_step": end,
    }
