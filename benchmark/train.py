"""train_cell: the one training and evaluation loop, for every task and model.

Online data (a fresh batch every step from the cell's data seed), a fixed held-out test set,
Adam, clipping by global norm, evaluation every ``eval_every`` steps, early stop once the task
counts as solved. A loss that turns NaN/inf ends the cell with status ``diverged``; it is
recorded, never raised. The result is plain data (dicts and numpy arrays) so it pickles cheaply
back from a worker process.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import torch

from benchmark import gradients
from benchmark.config import Cell

PROFILE_FRACTIONS = (0.1, 0.25, 0.5)  # through-time checkpoints besides initialisation and end
EVAL_CHUNK = 250  # test samples per forward pass: bounds memory at long lengths


@dataclasses.dataclass
class CellResult:
    cell: Cell
    summary: dict
    curve: dict[str, np.ndarray]  # columns step, metric, value
    gradients: dict[str, np.ndarray]  # columns step, kind, t, value


def _to_tensor(array: np.ndarray, device: str) -> torch.Tensor:
    return torch.from_numpy(array).to(device)


def _evaluate(model, task, x: torch.Tensor, y: torch.Tensor) -> float:
    """The task's test metric over the whole held-out set, in chunks."""
    model.eval()
    with torch.no_grad():
        outputs = torch.cat([model(chunk) for chunk in x.split(EVAL_CHUNK)])
    model.train()
    return task.metric(outputs, y)


def training_batches(task, cell: Cell, rng: np.random.Generator):
    """Endless (x, y) numpy batches: fresh samples every step (online, ``train_size`` 0), or
    a fixed set of ``train_size`` samples drawn once and reshuffled every epoch."""
    if cell.train_size == 0:
        while True:
            yield task.generate(cell.batch_size, cell.seq_len, rng)
    x, y = task.generate(cell.train_size, cell.seq_len, rng)
    while True:
        order = rng.permutation(cell.train_size)
        for start in range(0, cell.train_size, cell.batch_size):
            chosen = order[start:start + cell.batch_size]
            yield x[chosen], y[chosen]


def train_cell(cell: Cell) -> CellResult:
    """Train and evaluate one cell; deterministic for a given cell on a given device."""
    from models import build_model, model_label
    from tasks import get_task

    torch.set_num_threads(1)  # one thread per worker: joblib runs one cell per core
    torch.use_deterministic_algorithms(True, warn_only=True)
    wall_start = time.perf_counter()
    task = get_task(cell.task, **dict(cell.task_params))
    # Children by index: test, train, validation. Adding the third left the first two as
    # they were, so every test set and training stream stayed the same.
    test_seq, train_seq, validation_seq = np.random.SeedSequence(cell.data_seed).spawn(3)
    batches = training_batches(task, cell, np.random.default_rng(train_seq))
    held_out = validation_seq if cell.evaluate_on == "validation" else test_seq
    x_test, y_test = (_to_tensor(a, cell.device) for a in
                      task.generate(cell.test_size, cell.seq_len, np.random.default_rng(held_out)))
    probe = (x_test[: cell.probe_size], y_test[: cell.probe_size])

    torch.manual_seed(cell.model_seed)
    model = build_model(cell.model, task.input_dim, cell.hidden_size, task.output_dim,
                        task.readout_steps(cell.seq_len))
    model = model.to(cell.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cell.lr)
    params = list(model.parameters())
    max_norm = cell.clip if cell.clip > 0 else math.inf

    curve: dict[str, list] = {"step": [], "metric": [], "value": []}
    grad_log = gradients.GradientLog()
    profile_steps = {round(f * cell.steps) for f in PROFILE_FRACTIONS} - {0, cell.steps}
    profiles: dict[int, dict[str, np.ndarray]] = {}

    tracking = cell.grad_every > 0

    def checkpoint(step: int) -> None:
        if not tracking:
            return
        profiles[step] = gradients.through_time(model, task, *probe)
        for kind, norms in profiles[step].items():
            grad_log.add_profile(step, kind, norms)

    def evaluate(step: int, train_losses: list[float]) -> float:
        metric = _evaluate(model, task, x_test, y_test)
        curve["step"].append(step)
        curve["metric"].append(task.metric_name)
        curve["value"].append(metric)
        if train_losses:
            curve["step"].append(step)
            curve["metric"].append("train_loss")
            curve["value"].append(float(np.mean(train_losses)))
        return metric

    status, message = "ok", ""
    metrics = [evaluate(0, [])]
    checkpoint(0)
    steps_to_solve = 0 if task.solved(metrics[0]) else None  # (a trivial task, e.g. no noise)
    train_seconds, clipped, logged, step = 0.0, 0, 0, 0
    recent_losses: list[float] = []
    while (steps_to_solve is None or not cell.early_stop) and step < cell.steps:
        step += 1
        tick = time.perf_counter()
        x, y = (_to_tensor(a, cell.device) for a in next(batches))
        loss = task.loss(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        total_norm = float(torch.nn.utils.clip_grad_norm_(params, max_norm))
        loss_value = loss.item()
        if not (math.isfinite(loss_value) and math.isfinite(total_norm)):
            status, message = "diverged", f"non-finite loss or gradient at step {step}"
            break
        optimizer.step()
        train_seconds += time.perf_counter() - tick
        recent_losses.append(loss_value)
        if tracking and step % cell.grad_every == 0:
            logged += 1
            clipped += total_norm > max_norm
            grad_log.add(step, "global", total_norm)
            grad_log.add(step, "clipped", float(total_norm > max_norm))
            for group, norm in gradients.group_norms(model).items():
                grad_log.add(step, group, norm)
        if step in profile_steps:
            checkpoint(step)
        if step % cell.eval_every == 0 or step == cell.steps:
            metrics.append(evaluate(step, recent_losses))
            recent_losses = []
            if task.solved(metrics[-1]) and steps_to_solve is None:
                steps_to_solve = step
    if status == "ok" and curve["step"][-1] != step:
        metrics.append(evaluate(step, recent_losses))
    if status == "ok" and step not in profiles:
        checkpoint(step)

    baseline = task.baseline(cell.seq_len)
    final = metrics[-1] if status == "ok" else _evaluate(model, task, x_test, y_test)
    if not math.isfinite(final):
        final = baseline  # a diverged model counts as knowing nothing, never as missing data
    finite = [m for m in metrics if math.isfinite(m)]
    end = max(profiles, default=step)
    no_profile = np.array([np.nan])
    decay_init, reach_init = gradients.profile_summary(
        profiles.get(0, {}).get("through_time", no_profile))
    decay_end, reach_end = gradients.profile_summary(
        profiles.get(end, {}).get("through_time", no_profile))
    floor = task.noise_floor(cell.seq_len)
    summary = {
        "cell_id": cell.id,
        **cell.to_dict(),
        "model_label": model_label(cell.model),
        "metric": task.metric_name,
        "final_metric": final,
        "best_metric": min(finite) if finite else baseline,
        "baseline": baseline,
        "noise_floor": math.nan if floor is None else floor,
        "normalised_error": final / baseline,
        "solved": bool(status == "ok" and task.solved(final)),
        "steps_to_solve": math.nan if steps_to_solve is None else steps_to_solve,
        "steps_run": step,
        "status": status,
        "message": message,
        "n_params": sum(p.numel() for p in params),
        "wall_seconds": time.perf_counter() - wall_start,
        "seconds_per_step": train_seconds / max(step, 1),
        "clipped_fraction": clipped / logged if logged else math.nan,
        "grad_decay_init": decay_init,
        "grad_reach_init": reach_init,
        "grad_decay_end": decay_end,
        "grad_reach_end": reach_end,
        "grad_end_step": end,
    }
    curve_arrays = {"step": np.asarray(curve["step"], dtype=np.int32),
                    "metric": np.asarray(curve["metric"], dtype=str),
                    "value": np.asarray(curve["value"], dtype=np.float64)}
    return CellResult(cell, summary, curve_arrays, grad_log.arrays())
