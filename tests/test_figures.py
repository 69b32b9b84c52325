"""The figures' layout decisions, on known inputs: which models share a panel, which lengths
the learning curves show, when a probe map replaces the heatmap, what a one-length run draws,
and the legend's order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from benchmark.report import length_figures, plotting
from benchmark.report.data import curve_lengths
from benchmark.report.page import SCREEN, Page
from benchmark.report.report import write_report

ZOO = ["rnn", "rnn:init=identity:nonlinearity=relu", "exprnn", "indrnn", "lstm",
       "lstm:forget_bias=1.0", "lstm:chrono=auto", "gru", "lmu", "cornn"]


def test_up_to_eight_models_share_one_panel():
    assert plotting.model_groups(ZOO[:8]) == [("", ZOO[:8])]


def test_more_models_are_faceted_by_family_without_splitting_one():
    groups = plotting.model_groups(ZOO)
    assert [members for _, members in groups] == [
        ZOO[:4], ["lstm", "lstm:forget_bias=1.0", "lstm:chrono=auto", "gru"], ["lmu", "cornn"]]
    assert [title for title, _ in groups] == ["rnn family", "lstm and gru families",
                                              "lmu and oscillator families"]
    # a family larger than a panel is split, in order, and every model is drawn exactly once
    many = [f"lstm:forget_bias={b}" for b in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)] + ZOO[:4]
    split = [m for _, members in plotting.model_groups(many) for m in members]
    assert split == many
    assert all(len(members) <= plotting.GROUP_SIZE for _, members in plotting.model_groups(many))


def _agg(rows):
    return pd.DataFrame(rows, columns=["task", "model", "seq_len", "success_rate"])


def test_curve_lengths_focus_frontier_and_between():
    # a search: both models climb 10..640, only "a" solves past 20, "a" bisects alone at 450
    rows = []
    for n in (10, 20, 40, 80, 160, 320, 640):
        rows += [("t", "a", n, 1.0 if n <= 320 else 0.0), ("t", "b", n, 1.0 if n <= 10 else 0)]
    rows.append(("t", "a", 450, 0.0))
    chosen = curve_lengths(_agg(rows), {"t": 20})
    # focus 20 (where they part), frontier 320 (longest solved, shared), 80 nearest sqrt(20*320)
    assert chosen == {"t": [20, 80, 320]}
    assert curve_lengths(_agg(rows), {"t": 20}, most=2) == {"t": [20, 320]}


def test_curve_lengths_of_one_length_and_of_nothing_solved():
    one = _agg([("t", "a", 7, 0.0), ("t", "b", 7, 1.0)])
    assert curve_lengths(one, {"t": 7}) == {"t": [7]}
    none = _agg([("t", m, n, 0.0) for m in "ab" for n in (10, 30, 100)])
    # nothing solved: the focus (the shortest), then the longest and the one between
    assert curve_lengths(none, {"t": 10}) == {"t": [10, 30, 100]}


def test_a_search_gets_a_probe_map_and_a_grid_a_heatmap(monkeypatch, tmp_path):
    drawn = []
    monkeypatch.setattr(length_figures, "_probe_map", lambda *a: drawn.append("probe map"))
    monkeypatch.setattr(length_figures, "_heatmap", lambda *a: drawn.append("heatmap"))
    grid = _agg([("t", "a", n, 1.0) for n in (10, 30, 100)])
    search = _agg([("t", "a", n, 1.0) for n in range(10, 10 + 9 * 5, 5)])
    for agg in (grid, search):
        length_figures.success_heatmap(agg, ["a"], {"a": "a"}, tmp_path / "x.png")
    assert drawn == ["heatmap", "probe map"]


def test_the_legend_lists_models_first_in_run_order():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.axhline(1, label="memoryless baseline")
    ax.plot([1, 2], [1, 2], label="b")
    ax.plot([1, 2], [2, 1], label="a")
    plotting.legend_below(fig, {"a": "model A", "b": "model B"})
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "model A", "model B", "memoryless baseline"]
    plt.close(fig)


@pytest.fixture
def one_length_run(smoke_copy):
    """The smoke run cut to its shortest length (a tutorial-style run), with a length-sweep
    figure left by an earlier report that the next report must remove."""
    (smoke_copy / "figures").mkdir(exist_ok=True)
    (smoke_copy / "figures" / "memory_horizon.png").write_bytes(b"an earlier report's")
    summary = pd.read_csv(smoke_copy / "summary.csv")
    summary[summary["seq_len"] == summary["seq_len"].min()].to_csv(
        smoke_copy / "summary.csv", index=False)
    return smoke_copy


@pytest.mark.slow
def test_a_one_length_run_draws_training_curves_and_no_length_sweep(one_length_run):
    write_report(one_length_run)
    figures_written = sorted(p.stem for p in (one_length_run / "figures").glob("*.png"))
    assert "learning_curves" in figures_written
    for sweep in ("error_vs_length", "success_rate", "memory_horizon", "gradient_reach",
                  "cost"):
        assert sweep not in figures_written  # and no stale one from an earlier report
    text = (one_length_run / "report.md").read_text()
    assert "one length, T = 5: seeds solved:" in text
    assert "figures/memory_horizon.png" not in text and "figures/cost.png" not in text
    for name in figures_written:
        assert f"figures/{name}.png" in text


def test_panels_wrap_on_a_narrow_page_and_keep_their_logical_order():
    import matplotlib.pyplot as plt

    fig, axes = plotting.panels(Page.of(3.5), 4, rows=2, sharey="col")
    assert axes.shape == (2, 4)
    # one panel per figure row on a one-column page: logical (r, c) is figure row 4r + c
    assert [axes[r][c].get_subplotspec().rowspan.start for r in range(2)
            for c in range(4)] == list(range(8))
    # "col" shares the y axis of a logical column (the same task) and nothing else
    assert axes[1][2].get_shared_y_axes().joined(axes[0][2], axes[1][2])
    assert not axes[0][1].get_shared_y_axes().joined(axes[0][1], axes[0][2])
    plt.close(fig)
    fig, axes = plotting.panels(Page.of(7.0), 4, width=4.2)
    assert len(fig.axes) == 4 and axes.shape == (1, 4)  # 3 + 1: two figure rows
    assert axes[0][3].get_subplotspec().rowspan.start == 1
    plt.close(fig)
    fig, axes = plotting.panels(SCREEN, 4)  # the screen: one row, as drawn before
    assert {ax.get_subplotspec().rowspan.start for ax in axes.flat} == {0}
    plt.close(fig)


def test_every_figure_is_declared_once_and_linked_only_where_it_applies():
    import re
    import types

    from benchmark.report import catalogue, extrapolation_report, method_sections, sections

    none = pd.DataFrame()  # no extrapolation rows: that figure does not apply
    sweep = types.SimpleNamespace(single_length=False, has_through=False, tuning=None,
                                  extrapolation=none, scaling=none, mechanism=none,
                                  spectra=none, time_constants=none, mechanism_fit=none, grid={})
    one = types.SimpleNamespace(single_length=True, has_through=True, tuning=None,
                                extrapolation=none, scaling=none, mechanism=none,
                                spectra=none, time_constants=none, mechanism_fit=none, grid={})
    image, _, caption, _ = catalogue.figure_lines(sweep, "memory_horizon")
    assert image == "![memory horizon](figures/memory_horizon.png)"
    assert caption.startswith("Read off: each seed's own horizon")
    assert catalogue.figure_lines(one, "memory_horizon") == []
    assert catalogue.figure_lines(sweep, "learning_rate") == []  # no rates were tuned
    assert [f.alt for f in catalogue.drawn(one) if f.name == "learning_curves"] == [
        "training and validation curves"]
    # one drawing per file, whatever the run
    for ctx in (sweep, one):
        names = [f.name for f in catalogue.drawn(ctx)]
        assert len(names) == len(set(names))
    # every figure a section links is declared
    declared = {f.name for f in catalogue.FIGURES}
    text = "".join(Path(module.__file__).read_text()
                   for module in (sections, method_sections, extrapolation_report))
    linked = set(re.findall(r'figure_lines\(ctx, "(\w+)"\)', text))
    assert linked and linked <= declared
