"""Cell ids are the resume unit: they must not move when the code grows a setting.

Known answers: the ids stored in every committed reference's summary, and the 315 cell files of
``results/reference/long``, which a resume must find again without recomputing one."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from benchmark.run import runner
from benchmark.run.config import Cell, Grid, same_grid
from benchmark.run.fields import positive_float, setting

REFERENCE = Path(__file__).resolve().parent.parent / "results" / "reference"
RUNS = sorted(p.name for p in REFERENCE.iterdir() if (p / "summary.csv").exists())

# A setting as the next one will be added: a field with a declared default.
Extended = dataclasses.make_dataclass(
    "Extended", [("future_knob", float, setting(1.0, "float", positive_float,
                                                "a positive number", "a new setting"))],
    bases=(Cell,), frozen=True)


def stored_rows(run: str) -> list[dict]:
    return pd.read_csv(REFERENCE / run / "summary.csv").to_dict("records")


@pytest.mark.parametrize("run", RUNS)
def test_every_stored_id_is_recomputed_from_its_fields(run):
    rows = stored_rows(run)
    assert rows
    assert [Cell.from_row(r).id for r in rows] == [r["cell_id"] for r in rows]


@pytest.mark.parametrize("run", RUNS)
def test_adding_a_setting_with_a_default_leaves_every_id_unchanged(run):
    for row in stored_rows(run):
        fields = dataclasses.asdict(Cell.from_row(row))
        assert Extended(**fields).id == row["cell_id"]
        assert Extended(**fields, future_knob=0.5).id != row["cell_id"]


def test_a_setting_away_from_its_default_enters_the_id():
    cell = Cell(task="adding", model="rnn", seq_len=10, seed=0)
    assert Extended(**dataclasses.asdict(cell)).id == cell.id
    ids = {Extended(**dataclasses.asdict(cell), future_knob=m).id for m in (0.5, 0.25, 2.0)}
    assert len(ids) == 3 and cell.id not in ids


def test_a_record_without_a_later_setting_is_the_same_grid():
    grid = Grid(tasks=("adding",), models=("rnn",), lengths=(5,))
    record = grid.to_dict()
    assert same_grid(record, grid)
    older = {k: v for k, v in record.items() if k != "early_stop"}  # made before it existed
    assert same_grid(older, grid)
    assert not same_grid(older, dataclasses.replace(grid, early_stop=False))
    assert not same_grid({**record, "retired_setting": 1}, grid)
    assert not same_grid({**record, "steps": 7}, grid)


@pytest.mark.slow
def test_a_committed_reference_resumes_without_recomputing_a_cell(tmp_path, monkeypatch):
    """``long`` (a horizon search, 315 committed cells) with a run record that lacks a
    setting, as a record written before that setting was added: the search replays from the
    stored cells and computes nothing (a cell it asked for would fail the test at once)."""
    out = tmp_path / "long"
    shutil.copytree(REFERENCE / "long", out, ignore=shutil.ignore_patterns("figures"))
    record = json.loads((out / "run.json").read_text())
    del record["grid"]["early_stop"]
    (out / "run.json").write_text(json.dumps(record))

    def no_training(cell, parent=None):
        raise AssertionError(f"recomputed {cell.id}")

    monkeypatch.setattr(runner, "run_cell", no_training)
    grid = Grid.from_dict({k: v for k, v in record["grid"].items()})
    outcome = runner.run_search(grid, out, n_jobs=1, progress=False)
    # the run was made under the search's present rule, so it replays every one of its 315
    # cells from the store
    assert outcome.computed == 0 and outcome.skipped == 315
