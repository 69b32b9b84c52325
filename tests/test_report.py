"""The report from stored results: its files, its determinism, and compare."""

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from benchmark.report.report import write_report
from tests.conftest import run_cli

FIGURES = ["error_vs_length", "success_rate", "memory_horizon", "learning_curves", "cost",
           "gradient_through_time", "gradient_reach", "gradient_norm"]


def _digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in (".csv", ".md",
                                                                                ".png")}


@pytest.mark.slow
def test_report_writes_tables_figures_and_markdown_byte_identically(smoke_copy):
    run = smoke_copy
    result = run_cli("report", str(run))
    assert result.returncode == 0, result.stderr
    for name in ("stats.csv", "comparisons.csv", "horizons.csv", "report.md"):
        assert (run / name).stat().st_size > 0
    for name in FIGURES:
        assert (run / "figures" / f"{name}.png").stat().st_size > 10_000
    text = (run / "report.md").read_text()
    for name in FIGURES:
        assert f"figures/{name}.png" in text
    assert "## Memory horizon" in text and "<summary>Environment</summary>" in text
    # the control task is reported as a control, not as a horizon
    assert "| noisy_sine (control) |" in text and "solved/seeds by T: 5: " in text
    assert "a control task without a dependency gap" in text
    # the story first: the generated summary and the headline figure before any table
    assert text.index("## Summary") < text.index("memory_horizon.png") < text.index("|---|")
    stats = pd.read_csv(run / "stats.csv")
    assert len(stats) == 4 * 4 * 2  # tasks x models x lengths
    # regenerated (in this process, where the first was a fresh one): byte-identical
    first = _digests(run)
    write_report(run)
    assert _digests(run) == first


@pytest.mark.slow
def test_compare_two_runs(smoke_run, smoke_copy, tmp_path):
    # run b: the smoke run with every GRU error raised by 0.5, so a is better by exactly that
    summary = pd.read_csv(smoke_copy / "summary.csv")
    summary.loc[summary["model"] == "gru", "final_metric"] += 0.5
    summary.to_csv(smoke_copy / "summary.csv", index=False)
    out = tmp_path / "comparison.csv"
    result = run_cli("compare", str(smoke_run), str(smoke_copy), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "mean_diff" in result.stdout
    table = pd.read_csv(out)
    assert len(table) == 32
    gru = table[table["model"] == "gru"]
    assert np.allclose(gru["mean_diff"], -0.5) and (gru["better"] == "a").all()
    others = table[table["model"] != "gru"]
    assert (others["mean_diff"] == 0).all() and others["better"].isna().all()
    # --out inside a run folder would overwrite the run's own files: refused, nothing touched
    before = (smoke_copy / "summary.csv").read_bytes()
    bad = run_cli("compare", str(smoke_run), str(smoke_copy), "--out",
                  str(smoke_copy / "summary.csv"))
    assert bad.returncode == 2 and "is inside a run folder" in bad.stderr
    assert (smoke_copy / "summary.csv").read_bytes() == before


@pytest.mark.slow
def test_compare_report_figure_and_summary(smoke_run, smoke_copy, tmp_path):
    # run b: no cell of the model that solves most is solved, and a setting changed
    summary = pd.read_csv(smoke_copy / "summary.csv")
    best = summary.groupby("model")["solved"].sum().idxmax()
    solved_in_a = summary.loc[summary["model"] == best, "solved"].astype(bool)
    assert solved_in_a.sum() > 0
    summary.loc[summary["model"] == best, "solved"] = False
    summary.to_csv(smoke_copy / "summary.csv", index=False)
    record = json.loads((smoke_copy / "run.json").read_text())
    record["grid"]["steps"] = record["grid"]["steps"] + 1
    (smoke_copy / "run.json").write_text(json.dumps(record))
    out = tmp_path / "cmp"
    result = run_cli("compare", str(smoke_run), str(smoke_copy), "--report", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out / "comparison.csv")
    chosen = table[table["model"] == best]
    assert chosen["solved_b"].sum() == 0 and chosen["solved_a"].sum() == solved_in_a.sum()
    assert np.allclose(chosen["success_diff"], chosen["solved_a"] / chosen["n_pairs"])
    assert (table.loc[table["model"] != best, "success_diff"] == 0).all()
    text = (out / "comparison.md").read_text()
    steps = record["grid"]["steps"]
    assert f"- steps: a {steps - 1}, b {steps}" in text
    assert f"Seeds solved over the paired cells: a {int(table['solved_a'].sum())}, b " \
           f"{int(table['solved_a'].sum() - solved_in_a.sum())} of" in text
    assert "![success differences](comparison.png)" in text
    assert (out / "comparison.png").stat().st_size > 10_000
    # and a second write is byte-identical
    first = _digests(out)
    result = run_cli("compare", str(smoke_run), str(smoke_copy), "--report", str(out))
    assert result.returncode == 0 and _digests(out) == first


@pytest.mark.slow
def test_report_of_a_missing_folder_is_a_clean_error(tmp_path):
    result = run_cli("report", str(tmp_path / "nope"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_vector_figures_sized_for_a_page(tiny_copy, capsys):
    from PIL import Image

    from benchmark import cli
    from benchmark.report.page import DPI

    run = tiny_copy
    # PDF beside every PNG (SVG is checked on one figure below: the slowest format to write)
    write_report(run, ["png", "pdf"], page_width=7.0)
    vectors = sorted(p for p in (run / "figures").iterdir() if p.suffix == ".pdf")
    pngs = sorted((run / "figures").glob("*.png"))
    assert len(vectors) == len(pngs) and len(pngs) >= 8
    assert all(p.read_bytes().startswith(b"%PDF") for p in vectors if p.suffix == ".pdf")
    for png in pngs:  # every figure fits the page it was drawn for
        assert Image.open(png).size[0] / DPI <= 7.0 + 1 / DPI, png.name
    for args, says in ((["--figure-format", "png,eps"], "figure format 'eps' is unknown"),
                       (["--page-width", "wide"], "is not a number of inches"),
                       (["--page-width", "1"], "page width 1.0 is out of range"),
                       (["--page-width", "inf"], "page width inf is out of range")):
        assert cli.main(["report", str(run), *args]) == 2
        err = capsys.readouterr().err
        assert says in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_vector_figure_is_byte_identical_when_saved_again(tmp_path):
    import matplotlib.pyplot as plt

    from benchmark.report.page import Page

    digests = []
    page = Page.of(None, ["svg", "pdf"])
    for _ in range(2):
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [3, 1, 2], label="a line")
        ax.legend()
        page.save(fig, tmp_path / "f.png")
        digests.append({s: hashlib.sha256((tmp_path / f"f.{s}").read_bytes()).hexdigest()
                        for s in ("png", "svg", "pdf")})
    assert digests[0] == digests[1]
