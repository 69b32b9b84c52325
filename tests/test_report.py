"""The report from stored results: its files, its determinism, and compare."""

import hashlib
import shutil

import pandas as pd

from benchmark.report import write_report
from tests.conftest import run_cli

FIGURES = ["error_vs_length", "success_rate", "memory_horizon", "learning_curves", "cost",
           "gradient_through_time", "gradient_reach", "gradient_norm"]


def _digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in (".csv", ".md",
                                                                                ".png")}


def test_report_writes_tables_figures_and_markdown(smoke_run, tmp_path):
    run = tmp_path / "smoke"
    shutil.copytree(smoke_run, run)
    result = run_cli("report", str(run))
    assert result.returncode == 0, result.stderr
    for name in ("stats.csv", "comparisons.csv", "horizons.csv", "report.md"):
        assert (run / name).stat().st_size > 0
    for name in FIGURES:
        assert (run / "figures" / f"{name}.png").stat().st_size > 10_000
    text = (run / "report.md").read_text()
    for name in FIGURES:
        assert f"figures/{name}.png" in text
    assert "## Memory horizon" in text and "## Environment" in text
    stats = pd.read_csv(run / "stats.csv")
    assert len(stats) == 4 * 4 * 2  # tasks x models x lengths


def test_report_is_byte_identical_when_regenerated(smoke_run, tmp_path):
    run = tmp_path / "smoke"
    shutil.copytree(smoke_run, run)
    write_report(run)
    first = _digests(run)
    write_report(run)
    assert _digests(run) == first


def test_compare_two_runs(smoke_run, tmp_path):
    out = tmp_path / "comparison.csv"
    result = run_cli("compare", str(smoke_run), str(smoke_run), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "mean_diff" in result.stdout
    table = pd.read_csv(out)
    assert len(table) == 32 and (table["mean_diff"] == 0).all()  # a run against itself


def test_report_of_a_missing_folder_is_a_clean_error(tmp_path):
    result = run_cli("report", str(tmp_path / "nope"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr
