"""The CUDA path: every model trains a cell on the GPU. Skipped where there is none."""

import pytest
import torch

from benchmark.run.config import Cell
from benchmark.run.train import train_cell
from models import MODELS

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@pytest.mark.parametrize("model", sorted(MODELS.keys()))
def test_every_model_trains_on_cuda(model):
    cell = Cell(task="adding", model=model, seq_len=20, seed=0, steps=20, eval_every=10,
                test_size=128, hidden_size=16, device="cuda")
    summary = train_cell(cell).summary
    assert summary["status"] == "ok" and summary["steps_run"] == 20
    assert summary["grad_reach_end"] >= 0
