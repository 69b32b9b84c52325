"""--match-params: each model's hidden size gives the parameter count closest to N."""

import pytest

from benchmark.run.config import Grid
from benchmark.run.param_match import matched_hidden, n_params
from core.errors import UsageError


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru", "lmu", "cornn", "indrnn"])
def test_matched_hidden_is_the_closest_count(model):
    target = 3000
    hidden = matched_hidden("adding", (), model, 20, target)
    gap = abs(n_params("adding", (), model, hidden, 20) - target)
    # no other hidden size comes closer (the count grows with the hidden size)
    for other in (hidden - 1, hidden + 1):
        if other >= 1:
            assert gap <= abs(n_params("adding", (), model, other, 20) - target)


def test_an_lstm_gets_fewer_units_than_a_tanh_rnn_and_cells_record_it():
    grid = Grid(tasks=("adding",), models=("rnn", "lstm"), lengths=(20,), seeds=1,
                match_params=3000)
    hidden = {cell.model: cell.hidden_size for cell in grid.cells()}
    assert hidden["lstm"] < hidden["rnn"]
    assert hidden == {m: matched_hidden("adding", (), m, 20, 3000) for m in hidden}
    plain = Grid(tasks=("adding",), models=("rnn", "lstm"), lengths=(20,), seeds=1)
    assert {cell.hidden_size for cell in plain.cells()} == {plain.hidden_size}  # off by default


def test_an_unreachable_count_is_one_line():
    with pytest.raises(UsageError, match="out of reach for rnn"):
        matched_hidden("adding", (), "rnn", 20, 10**9)


@pytest.mark.slow
def test_matched_sizes_reach_the_summary_and_the_report(tmp_path):
    from tests.conftest import run_cli

    out = tmp_path / "run"
    result = run_cli("run", "--preset", "smoke", "--tasks", "adding", "--models", "rnn,lstm",
                     "--lengths", "5", "--match-params", "1500", "--out", str(out),
                     "--n-jobs", "1", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert run_cli("report", str(out)).returncode == 0
    import pandas as pd

    summary = pd.read_csv(out / "summary.csv")
    sizes = dict(zip(summary["model"], summary["hidden_size"], strict=False))
    assert sizes == {m: matched_hidden("adding", (), m, 5, 1500) for m in ("rnn", "lstm")}
    assert "matched to 1500 parameters: simple RNN" in (out / "report.md").read_text()
