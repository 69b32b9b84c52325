"""What a grid cannot finish on this machine, refused before anything is written.

A cell keeps every time step's activations for the backward pass, so its memory grows as
batch x input length x hidden size; its weights (and Adam's two moments and the gradient) as
hidden size squared. The estimate below is deliberately generous to the model (an LSTM's four
gates, kept for backward, in float32), so a merely large grid still runs and only one that
cannot fit in this machine's memory at all is refused, naming the value and the limit.
"""

from __future__ import annotations

import os

from core.errors import UsageError
from models import model_depth
from tasks import get_task

BYTES = 4  # float32
ACTIVATION_COPIES = 8  # an LSTM step keeps four gates, the cell and hidden state (and grads)
WEIGHT_COPIES = 4 * 4  # four gates' H x H weights; weight, gradient and Adam's two moments


def machine_memory() -> int | None:
    """Physical memory of this machine in bytes (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def cell_bytes(batch_size: int, input_length: int, hidden_size: int, layers: int = 1) -> int:
    """A generous estimate of one training step's memory (each stacked layer keeps its own)."""
    return layers * BYTES * (ACTIVATION_COPIES * batch_size * input_length * hidden_size
                             + WEIGHT_COPIES * hidden_size * hidden_size)


def check_fits(grid, memory: int | None = None) -> None:
    """A UsageError where a grid's largest cell cannot fit in ``memory`` (this machine's)."""
    memory = memory if memory is not None else machine_memory()
    if memory is None:
        return
    longest = max(grid.lengths)
    layers = max(model_depth(model) for model in grid.models)
    for task in grid.tasks:
        steps = get_task(task, **grid.params_of(task)).input_length(longest)
        need = cell_bytes(grid.batch_size, steps, grid.hidden_size, layers)
        if need > memory:
            deepest = f" and {layers} layers" if layers > 1 else ""
            raise UsageError(
                f"a cell of {task} at T = {longest} with batch {grid.batch_size} and hidden "
                f"{grid.hidden_size}{deepest} needs about {need / 2 ** 30:.3g} GiB, more than "
                f"this machine's {memory / 2 ** 30:.3g} GiB; lower --batch-size, --hidden-size, "
                "the layers or the longest length")
