"""verify: a run recomputed at this commit is compared bit for bit with what it stored.

Known answers: a run made here reproduces exactly; a stored value moved by one ulp is found,
named by cell and column; the CLI says so with exit code 1."""

import numpy as np
import pandas as pd
import pytest

from benchmark import cli
from benchmark.run.config import Grid
from benchmark.run.runner import run_grid
from benchmark.run.verify import cheapest, verify_run

GRID = Grid(tasks=("adding", "bit_memory"), models=("rnn", "gru"), lengths=(4, 6), seeds=1,
            steps=20, hidden_size=8, batch_size=16, eval_every=10, test_size=100,
            validation_size=100, probe_size=8)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("verify") / "run"
    run_grid(GRID, out, n_jobs=1, progress=False)
    return out


def test_the_cheapest_cells_come_first_in_a_fixed_order(tiny_run):
    summary = pd.read_csv(tiny_run / "summary.csv")
    picked = cheapest(summary, 3)
    work = picked["input_length"] * picked["steps_run"] * picked["batch_size"] \
        * picked["hidden_size"]
    assert len(picked) == 3 and work.is_monotonic_increasing
    assert len(cheapest(summary, 0)) == len(summary)


def test_a_run_made_here_reproduces_bit_for_bit(tiny_run, capsys):
    table = verify_run(tiny_run, cells=0)
    assert table["cell_id"].nunique() == len(GRID.cells()) and table["same"].all()
    assert cli.main(["verify", str(tiny_run), "--cells", "2"]) == 0
    assert "every value identical" in capsys.readouterr().out


def test_a_stored_value_moved_by_one_ulp_is_found(tiny_run, tmp_path, capsys):
    import shutil

    moved = tmp_path / "moved"
    shutil.copytree(tiny_run, moved)
    summary = pd.read_csv(moved / "summary.csv", float_precision="round_trip")
    row = cheapest(summary, 1).index[0]
    summary.loc[row, "final_metric"] = np.nextafter(summary.loc[row, "final_metric"], 1.0)
    summary.to_csv(moved / "summary.csv", index=False)
    table = verify_run(moved, cells=1)
    wrong = table[~table["same"]]
    assert wrong["column"].tolist() == ["final_metric"]
    assert wrong["cell_id"].item() == summary.loc[row, "cell_id"]
    assert cli.main(["verify", str(moved), "--cells", "1"]) == 1
    assert "1 of 1 cells recomputed differ" in capsys.readouterr().err
    assert cli.main(["verify", str(moved), "--cells", "-1"]) == 2
