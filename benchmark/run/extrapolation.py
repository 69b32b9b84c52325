"""Length extrapolation, evaluation only: a cell trained at T is scored at multiples of T
(``extrapolate``), on fresh data drawn at each longer length, by the task's own metric and
success rule. The numbers go into the cell's record as one JSON column, ``extrapolation``;
no stop, choice or search step reads them.

The model is the one trained at T, as it is: its initialisation-time settings that depend on
the length (IndRNN's bound, chrono's T_max, the LMU's window) stay those of T. A task that
answers at every step (copy_memory) is read at every step of the longer input.
"""

from __future__ import annotations

import json
import math

import torch

from benchmark.run.cell import Cell
from benchmark.run.data import extrapolation_set


def extrapolated_length(cell: Cell, ratio: float) -> int:
    return max(int(round(ratio * cell.seq_len)), cell.seq_len + 1)


def score_longer(cell: Cell, task, model, evaluate, usable: bool) -> str:
    """The cell's ``extrapolation`` record: a JSON list of {ratio, seq_len, metric, loss,
    solved} per ratio (``evaluate(model, task, x, y) -> (metric, loss)``, the loop's own);
    a diverged or crashed cell (``usable`` false) scores its baseline, like its test."""
    rows = []
    trained_readout = getattr(model, "readout_steps", None)
    for ratio in cell.extrapolate:
        length = extrapolated_length(cell, ratio)
        metric, loss = math.nan, math.nan
        if usable:
            x, y = (torch.from_numpy(a).to(cell.device)
                    for a in extrapolation_set(task, cell, length))
            if trained_readout is not None:
                model.readout_steps = task.readout_steps(length)
            metric, loss = evaluate(model, task, x, y)
            model.readout_steps = trained_readout
        finite = math.isfinite(metric)
        rows.append({"ratio": ratio, "seq_len": length,
                     "metric": metric if finite else task.baseline(length),
                     "loss": loss if math.isfinite(loss) else None,
                     "solved": bool(finite and task.solved(metric))})
    return json.dumps(rows)
