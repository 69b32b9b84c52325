"""The CUDA rule, checked on the CPU: a tensor may reach numpy only through ``.cpu()``.

On a GPU ``tensor.numpy()`` raises unless the tensor was moved to the host first; on the CPU it
silently works, so a missing ``.cpu()`` passes every CPU test and crashes every GPU cell. Here
``.numpy()`` is made to refuse any tensor that did not come out of ``.cpu()``, and every
model trains a cell (through the probe, the evaluation and the summary) under that rule.
"""

import pytest
import torch

from benchmark.run.config import Cell
from benchmark.run.train import train_cell
from models import MODELS


@pytest.fixture
def numpy_only_after_cpu(monkeypatch):
    to_cpu, to_numpy = torch.Tensor.cpu, torch.Tensor.numpy

    def cpu(self, *args, **kwargs):
        moved = to_cpu(self, *args, **kwargs)
        moved._on_host = True
        return moved

    def numpy(self, *args, **kwargs):
        if not getattr(self, "_on_host", False):
            raise TypeError("can't convert a device tensor to numpy: use .cpu() first")
        return to_numpy(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "cpu", cpu)
    monkeypatch.setattr(torch.Tensor, "numpy", numpy)


def test_the_rule_catches_a_missing_cpu(numpy_only_after_cpu):
    with pytest.raises(TypeError, match="use .cpu"):
        torch.ones(2).numpy()
    assert torch.ones(2).cpu().numpy().sum() == 2


@pytest.mark.parametrize("model", sorted(MODELS.keys()))
@pytest.mark.parametrize("task", ["adding", "copy_memory"])
def test_every_model_reaches_numpy_through_cpu(numpy_only_after_cpu, model, task):
    cell = Cell(task=task, model=model, seq_len=6, seed=0, steps=20, eval_every=10,
                test_size=32, hidden_size=8, grad_every=5, probe_size=8)
    summary = train_cell(cell).summary
    assert summary["status"] == "ok" and summary["steps_run"] == 20
