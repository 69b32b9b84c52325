"""A cell's data: its independent random streams, its fixed validation and test sets, and its
endless training batches, all from the cell's data seed (which depends on the task, its
parameters, the length and the seed, never the model: every model sees the same data)."""

from __future__ import annotations

import numpy as np

from benchmark.run.cell import Cell


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


def data_seeds(cell: Cell) -> dict[str, np.random.SeedSequence]:
    """The independent random streams of a cell's data: test, train, validation (children by
    index, in a fixed order: adding a child never changes the data of the existing ones)."""
    children = np.random.SeedSequence(cell.data_seed).spawn(3)
    return dict(zip(("test", "train", "validation"), children, strict=True))


def held_out_sets(task, cell: Cell) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The cell's fixed validation and test sets (numpy)."""
    seeds = data_seeds(cell)
    return {"validation": task.generate(cell.validation_size, cell.seq_len,
                                        np.random.default_rng(seeds["validation"])),
            "test": task.generate(cell.test_size, cell.seq_len,
                                  np.random.default_rng(seeds["test"]))}


def extrapolation_set(task, cell: Cell, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Fresh test data at a longer length (``test_size`` samples), from a stream of its own
    per length: independent of the cell's test, train and validation data (spawn keys (0,),
    (1,), (2,)) and the same for every model."""
    seed = np.random.SeedSequence(cell.data_seed, spawn_key=(3, length))
    return task.generate(cell.test_size, length, np.random.default_rng(seed))
