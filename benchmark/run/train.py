"""train_cell: the one training and evaluation loop, for every task and model.

Online data (a fresh batch every step from the cell's data seed), Adam, clipping by global
norm, evaluation on a fixed validation set every ``eval_every`` steps, early stop once the
validation metric meets the task's success rule. Every decision (the stop, the best value,
and downstream the learning rate and the horizon search's next length) reads the validation
set; the test set is read once, after training, and "solved" is scored from it. A loss that
turns NaN/inf ends the cell with status ``diverged``; it is recorded, never raised. The
result is plain data (dicts and numpy arrays) so it pickles cheaply
back from a worker process.

Three stages, each a function: ``_setup`` builds what the cell trains with (``Session``),
``_train`` runs the loop into two logs (curve and gradients) and returns how it ended
(``Outcome``), ``_summary`` turns both into the cell's one summary record.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time

import numpy as np
import torch

from benchmark.run import gradients
from benchmark.run.config import Cell
from benchmark.run.data import (  # held_out_sets: a test patches it here
    data_seeds,
    held_out_sets,
    training_batches,
)
from benchmark.run.dynamics import dynamics_of
from benchmark.run.extrapolation import score_longer
from benchmark.run.schema import CURVE_COLUMNS, ColumnLog
from core.rules import PROFILE_FRACTIONS, beats_baseline
from models import build_model, model_label
from tasks import get_task

EVAL_CHUNK = 250  # test samples per forward pass: bounds memory at long lengths


@dataclasses.dataclass
class CellResult:
    cell: Cell
    summary: dict
    curve: dict[str, np.ndarray]  # CURVE_COLUMNS
    gradients: dict[str, np.ndarray]  # GRADIENT_COLUMNS


@dataclasses.dataclass
class Session:
    """What one cell trains with, built once by ``_setup``."""

    task: object
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    batches: object  # endless (x, y) numpy batches
    validation: tuple[torch.Tensor, torch.Tensor]  # every decision during training
    test: tuple[torch.Tensor, torch.Tensor]  # read once, at the end
    probe: tuple[torch.Tensor, torch.Tensor]  # the batch of the through-time profiles
    max_norm: float


@dataclasses.dataclass
class Outcome:
    """How the training loop ended."""

    status: str = "ok"
    message: str = ""
    step: int = 0
    metrics: list[float] = dataclasses.field(default_factory=list)  # validation, per eval
    validation_loss: float = math.nan  # the loss on the validation set at the last evaluation
    steps_to_solve: int | None = None  # the first evaluation that met the success rule
    margin_met: bool = False  # an evaluation met the stop rule (the rule, with the margin)
    train_seconds: float = 0.0
    clipped: int = 0
    logged: int = 0
    profiles: dict[int, dict[str, np.ndarray]] = dataclasses.field(default_factory=dict)
    spectra: dict[str, list[float]] = dataclasses.field(default_factory=dict)  # init/mid/end


def _to_tensor(array: np.ndarray, device: str) -> torch.Tensor:
    return torch.from_numpy(array).to(device)


def _evaluate(model, task, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """The task's metric and loss over a whole held-out set, in chunks."""
    model.eval()
    with torch.no_grad():
        outputs = torch.cat([model(chunk) for chunk in x.split(EVAL_CHUNK)])
        loss = float(task.loss(outputs, y))
    model.train()
    return task.metric(outputs, y), loss


def _setup(cell: Cell) -> Session:
    task = get_task(cell.task, **dict(cell.task_params))
    batches = training_batches(task, cell, np.random.default_rng(data_seeds(cell)["train"]))
    sets = {name: tuple(_to_tensor(a, cell.device) for a in arrays)
            for name, arrays in held_out_sets(task, cell).items()}
    torch.manual_seed(cell.model_seed)  # right before building: the same weights everywhere
    model = build_model(cell.model, task.input_dim, cell.hidden_size, task.output_dim,
                        task.readout_steps(cell.seq_len),
                        task.input_length(cell.seq_len)).to(cell.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cell.lr)
    x_val, y_val = sets["validation"]
    return Session(task, model, optimizer, batches, sets["validation"], sets["test"],
                   (x_val[: cell.probe_size], y_val[: cell.probe_size]),
                   cell.clip if cell.clip > 0 else math.inf)


def _gradient_step(cell: Cell, s: Session, params: list) -> tuple[float, float]:
    """A step up to the update: a fresh batch, forward, backward, clipping; returns the loss
    and the gradient norm before clipping (the update follows only if both are finite)."""
    x, y = (_to_tensor(a, cell.device) for a in next(s.batches))
    loss = s.task.loss(s.model(x), y)
    s.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    total_norm = float(torch.nn.utils.clip_grad_norm_(params, s.max_norm))
    return loss.item(), total_norm


def _log_norms(grads: gradients.GradientLog, out: Outcome, s: Session, total: float) -> None:
    """A logged step: the global norm before clipping, whether it was clipped, per group."""
    out.logged += 1
    out.clipped += total > s.max_norm
    grads.add_norm(out.step, "global", total)
    grads.add_norm(out.step, "clipped", float(total > s.max_norm))
    for group, norm in gradients.group_norms(s.model).items():
        grads.add_norm(out.step, group, norm)


def stop_met(task, cell: Cell, metric: float) -> bool:
    """Whether a validation result lets the cell stop early: the success rule itself at
    ``stop_margin`` 1; below 1, the metric must lie that share of the way from the task's
    noise floor (0 without one) to its success threshold (0.5: halfway below it), so that the
    test result of a stopped cell is not a coin flip at the threshold."""
    threshold = task.success_threshold()
    if cell.stop_margin == 1 or threshold is None:  # (a rule that is not a threshold)
        return task.solved(metric)
    floor = task.noise_floor(cell.seq_len) or 0.0
    return metric <= floor + cell.stop_margin * (threshold - floor)


def _train(cell: Cell, s: Session, curve: ColumnLog, grads: gradients.GradientLog) -> Outcome:
    """The loop: train, log, evaluate, stop (budget, early stop, or a non-finite loss)."""
    out = Outcome()
    profile_steps = {round(f * cell.steps) for f in PROFILE_FRACTIONS} - {0, cell.steps}
    moments = {round(0.5 * cell.steps): "mid"}  # (0.5 is a profile fraction)
    params = list(s.model.parameters())

    def checkpoint(step: int, moment: str | None = None) -> None:
        _spectrum(cell, s, out, moment)
        if cell.grad_every > 0 and step not in out.profiles:
            out.profiles[step] = gradients.through_time(s.model, s.task, *s.probe)
            for kind, norms in out.profiles[step].items():
                grads.add_profile(step, kind, norms)

    def evaluate(step: int, train_losses: list[float]) -> None:
        metric, out.validation_loss = _evaluate(s.model, s.task, *s.validation)
        out.metrics.append(metric)
        curve.add(step=step, metric=validation_name(s.task), value=metric)
        if train_losses:
            curve.add(step=step, metric="train_loss", value=float(np.mean(train_losses)))
        if s.task.solved(metric) and out.steps_to_solve is None:
            out.steps_to_solve = step
        out.margin_met = out.margin_met or stop_met(s.task, cell, metric)

    evaluate(0, [])  # (a trivial task, e.g. one without noise, may be solved at step 0)
    checkpoint(0, "init")
    recent_losses: list[float] = []
    while (not out.margin_met or not cell.early_stop) and out.step < cell.steps:
        out.step += 1
        tick = time.perf_counter()
        loss_value, total_norm = _gradient_step(cell, s, params)
        if not (math.isfinite(loss_value) and math.isfinite(total_norm)):
            out.status = "diverged"
            out.message = f"non-finite loss or gradient at step {out.step}"
            break
        s.optimizer.step()
        out.train_seconds += time.perf_counter() - tick
        recent_losses.append(loss_value)
        if cell.grad_every > 0 and out.step % cell.grad_every == 0:
            _log_norms(grads, out, s, total_norm)
        if out.step in profile_steps:
            checkpoint(out.step, moments.get(out.step))
        if out.step % cell.eval_every == 0 or out.step == cell.steps:
            evaluate(out.step, recent_losses)
            recent_losses = []
    if out.status == "ok" and curve.last("step") != out.step:
        evaluate(out.step, recent_losses)
    if out.status == "ok":
        checkpoint(out.step, "end")
    return out


def _spectrum(cell: Cell, s: Session, out: Outcome, moment: str | None) -> None:
    """The dynamics at ``moment`` (init, mid, end), where the cell asks for them."""
    if cell.lyapunov and moment:
        out.spectra[moment] = dynamics_of(s.model, s.probe[0], cell.lyapunov)


def validation_name(task) -> str:
    """The curve's metric name of the validation evaluations, e.g. ``validation_mse``."""
    return f"validation_{task.metric_name}"


def _summary(cell: Cell, s: Session, out: Outcome) -> dict:
    """The cell's one record: its fields, the scores, timings and gradient summaries. The
    test set is read here, once."""
    task = s.task
    baseline = task.baseline(cell.seq_len)

    def scored(metric: float) -> float:
        # a diverged model counts as knowing nothing, never as missing data
        return metric if out.status == "ok" and math.isfinite(metric) else baseline

    test_metric, test_loss = _evaluate(s.model, task, *s.test)
    final = scored(test_metric)
    usable_loss = out.status == "ok" and math.isfinite(test_loss)
    # a diverged model removes nothing from the baseline, as its error is the baseline
    gain = task.baseline_gain(final, test_loss, cell.seq_len) if usable_loss else 0.0
    validation = scored(out.metrics[-1] if out.metrics else math.nan)
    finite = [m for m in out.metrics if math.isfinite(m)]
    floor = task.noise_floor(cell.seq_len)
    return {
        "cell_id": cell.id,
        **cell.to_dict(),
        "model_label": model_label(cell.model),
        "metric": task.metric_name,
        "input_length": task.input_length(cell.seq_len),
        "final_metric": final,
        "validation_metric": validation,
        # ties between learning rates are broken on it (lr_selection.py)
        "validation_loss": out.validation_loss if out.status == "ok" else math.nan,
        "best_validation_metric": min(finite) if finite and out.status == "ok" else baseline,
        "baseline": baseline,
        "noise_floor": math.nan if floor is None else floor,
        "normalised_error": final / baseline,
        "solved": bool(out.status == "ok" and task.solved(final)),
        "solved_validation": bool(out.status == "ok" and task.solved(validation)),
        "test_loss": test_loss if usable_loss else math.nan,
        "baseline_gain": gain,
        "beats_baseline": bool(beats_baseline(out.status == "ok", gain)),
        "steps_to_solve": math.nan if out.steps_to_solve is None else out.steps_to_solve,
        "steps_run": out.step,
        "status": out.status,
        "message": out.message,
        "n_params": sum(p.numel() for p in s.model.parameters()),
        "seconds_per_step": out.train_seconds / max(out.step, 1),
        "clipped_fraction": out.clipped / out.logged if out.logged else math.nan,
        **gradients.profile_summaries(task.input_length(cell.seq_len) - 1, out.profiles,
                                     out.step),
        **_asked_records(cell, s, out),
    }


def _asked_records(cell: Cell, s: Session, out: Outcome) -> dict:
    """What a cell records only when asked, so the records of runs without it keep their
    columns: extrapolation (read after the test, never before: no decision sees it) and the
    dynamics (Lyapunov spectra, growth, time constants)."""
    records = {}
    if cell.extrapolate:
        records["extrapolation"] = score_longer(cell, s.task, s.model, _evaluate,
                                                out.status == "ok")
    if cell.lyapunov:
        records["dynamics"] = json.dumps(out.spectra)
    return records


def train_cell(cell: Cell) -> CellResult:
    """Train and evaluate one cell; deterministic for a given cell on a given device."""
    torch.set_num_threads(1)  # one thread per worker: joblib runs one cell per core
    torch.use_deterministic_algorithms(True, warn_only=True)
    wall_start = time.perf_counter()
    session = _setup(cell)
    curve, grads = ColumnLog(CURVE_COLUMNS), gradients.GradientLog()
    outcome = _train(cell, session, curve, grads)
    summary = _summary(cell, session, outcome)
    summary["wall_seconds"] = time.perf_counter() - wall_start
    return CellResult(cell, summary, curve.arrays(), grads.arrays())


def initial_dynamics(cell: Cell, k: int) -> dict:
    """The dynamics a cell's model has at initialisation (benchmark/run/dynamics.py), on its
    probe inputs: what ``--lyapunov`` records as "init", without training the cell; with the
    gradient reach at initialisation on the same probe (``grad_reach_fraction_init``, as a
    cell records it), so that every diagnostic is read at the same length."""
    session = _setup(cell)
    span = session.task.input_length(cell.seq_len) - 1
    profile = gradients.through_time(session.model, session.task, *session.probe)
    _, reach = gradients.profile_summary(profile["through_time"])
    return {**dynamics_of(session.model, session.probe[0], k),
            "grad_reach_fraction_init": reach / span if span > 0 else math.nan}
