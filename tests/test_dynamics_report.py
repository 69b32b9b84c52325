"""The recorded dynamics in the report: the JSON column read back per cell and moment, and the
spectrum and time-constant figures of a real run made with --lyapunov."""

import json

import pandas as pd
import pytest

from benchmark.report.dynamics_report import dynamics_rows
from tests.conftest import TINY_FLAGS, run_cli


def test_the_dynamics_column_is_read_per_cell_moment_and_exponent():
    record = {"init": {"lyapunov": [-0.1, -0.3], "log10_growth": -1.0,
                       "retention": "update gate",
                       "tau_quantiles": {"0.1": 1.0, "0.5": 2.0, "0.9": 3.0}},
              "end": {"lyapunov": [-0.05, -0.2], "log10_growth": -0.5}}
    summary = pd.DataFrame({"task": ["t", "t", "t"], "model": ["gru", "gru", "rnn"],
                            "seed": [0, 0, 0], "seq_len": [10, 20, 10],
                            "dynamics": [json.dumps(record), json.dumps(record), None]})
    spectra, taus = dynamics_rows(summary, {"t": 10})  # only the focus length, only recorded
    assert len(spectra) == 4 and set(spectra["moment"]) == {"init", "end"}
    assert spectra.loc[(spectra["moment"] == "end") & (spectra["index"] == 2),
                       "exponent"].item() == -0.2
    assert len(taus) == 1 and taus["q0.5"].item() == 2.0  # the end recorded no time constants
    assert dynamics_rows(summary.drop(columns="dynamics"), {"t": 10})[0].empty


@pytest.mark.slow
def test_a_run_with_dynamics_reports_its_spectra_and_time_constants(tmp_path):
    out = tmp_path / "dynamics"
    result = run_cli("run", "--preset", "smoke", *TINY_FLAGS, "--lyapunov", "3", "--steps", "20",
                     "--n-jobs", "1", "--out", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert run_cli("report", str(out)).returncode == 0
    text = (out / "report.md").read_text()
    assert "## Dynamics during training" in text
    assert "| task | cells solved / failed |" in text  # the per-cell |lambda_1| * T table
    for name in ("lyapunov_spectrum", "time_constants"):
        assert f"figures/{name}.png" in text
        assert (out / "figures" / f"{name}.png").stat().st_size > 10_000
