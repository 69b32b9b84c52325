"""The horizon search: its rule on a task with a known horizon, its tables, and its survival of
a kill (the same probes and numbers after resuming)."""

import dataclasses
import os
import signal
import subprocess
import sys
import time
from typing import ClassVar

import pandas as pd
import pytest
import torch

from benchmark.analysis import horizon_stats, stats
from benchmark.run.config import Grid
from benchmark.run.runner import run_search
from benchmark.run.search import (
    SearchPlan,
    alive,
    median_outcomes,
    next_probe,
    solved_through,
    validation_bracket,
)
from tasks import TASKS, Task
from tests.conftest import ROOT, run_cli


@dataclasses.dataclass(frozen=True)
class Threshold(Task):
    """Solved exactly at lengths up to ``horizon`` (and never at ``unlucky``): the metric a
    cell reports is its own length, so the expected sequence of probes is known."""

    name: ClassVar[str] = "threshold"
    input_dim: ClassVar[int] = 1
    output_dim: ClassVar[int] = 1
    kind: ClassVar[str] = "regression"
    metric_name: ClassVar[str] = "length"
    success_rule: ClassVar[str] = "length <= horizon"
    horizon: int = 50
    unlucky: int = 0
    spread: int = 1  # > 1: each data set multiplies its lengths by 1 .. spread (seeds differ)

    def _generate(self, n, seq_len, rng):
        scale = 1 + int(rng.integers(0, self.spread)) if self.spread > 1 else 1
        return torch.zeros(n, seq_len, 1).numpy(), torch.full((n, 1), seq_len * scale).numpy()

    def baseline(self, seq_len):
        return 1e9  # (far above any metric: the divergence rule must not fire)

    def loss(self, output, target):
        return (output ** 2).mean()

    def metric(self, output, target):
        return float(target[0, 0])

    def solved(self, metric):
        return metric <= self.horizon and metric != self.unlucky


@pytest.fixture
def threshold_task():
    TASKS.register("threshold", label="threshold", description="test only")(Threshold)
    yield
    TASKS.remove("threshold")


PLAN = SearchPlan(10, 1000, 2.0, 1.25)


def _probes(horizon, unlucky=0, plan=PLAN):
    outcomes, probes = {}, []
    while (probe := next_probe(outcomes, plan)) is not None:
        probes.append(probe)
        outcomes[probe[0]] = probe[0] <= horizon and probe[0] != unlucky
    return probes, validation_bracket(outcomes, plan)


def test_the_rule_climbs_and_bisects():
    probes, found = _probes(57)
    assert probes == [(10, "climb"), (20, "climb"), (40, "climb"), (80, "climb"),
                      (57, "bisect"), (68, "bisect")]
    assert (found.solved, found.failed) == (57, 68) and 68 / 57 <= 1.25


def test_the_first_failure_ends_the_climb():
    # the outcomes are the median seed's (solved through every shorter length), so a length
    # above a failure cannot be solved: there is nothing to confirm
    probes, found = _probes(300, unlucky=40)
    assert probes == [(10, "climb"), (20, "climb"), (40, "climb"), (28, "bisect"),
                      (33, "bisect")]
    assert (found.solved, found.failed) == (33, 40)


def test_the_edges_of_the_range():
    assert _probes(5)[0] == [(10, "climb")]  # nothing below the first length: done
    assert _probes(5)[1] == validation_bracket({10: False})
    probes, found = _probes(5000)
    assert [n for n, _ in probes] == [10, 20, 40, 80, 160, 320, 640, 1000]
    assert found.failed is None and found.solved == 1000
    probes, _ = _probes(999)
    assert probes[-2:] == [(1000, "climb"), (800, "bisect")]
    assert all(n <= 1000 for n, _ in probes)


def test_no_length_above_the_first_failure():
    for horizon in (12, 33, 57, 150, 420, 999):
        probes, found = _probes(horizon)
        first = next(i for i, (n, _) in enumerate(probes) if n > horizon)
        failed, solved_below = probes[first][0], probes[first - 1][0]
        assert all(solved_below < n < failed for n, _ in probes[first + 1:]), horizon
        assert solved_below <= found.solved <= horizon < found.failed <= failed


def test_the_median_seed_decides_and_a_success_above_a_failure_does_not_count():
    # seed 0 holds to 40; seed 1 fails 20 and then "solves" 40 (not run by the engine, but a
    # stored outcome must still not count); seed 2 holds to 20
    runs = {0: {10: True, 20: True, 40: True, 80: False},
            1: {10: True, 20: False, 40: True},
            2: {10: True, 20: True, 40: False}}
    assert median_outcomes(runs, 3) == {10: True, 20: True, 40: False, 80: False}
    assert [solved_through(runs[1], n) for n in (10, 20, 40)] == [True, False, False]
    assert [alive(runs[1], n) for n in (10, 20, 28, 40)] == [True, True, False, False]
    # an even count: the lower middle seed, so both of two seeds must have solved
    assert median_outcomes({0: {10: True}, 1: {10: False}}, 2) == {10: False}
    assert median_outcomes({0: {10: True}, 1: {10: True}}, 2) == {10: True}
    # seeds counted out of the chain's seeds, not out of those that ran (the dead ones)
    assert median_outcomes({0: {10: True, 20: True}, 1: {10: False}, 2: {10: False}}, 3) \
        == {10: False, 20: False}


@pytest.mark.slow
def test_search_run_writes_the_expected_probes_and_brackets(threshold_task, tmp_path):
    grid = Grid(tasks=("threshold",), models=("rnn", "gru"), lengths=(10, 1000), seeds=2,
                search="horizon", steps=2, hidden_size=2, batch_size=2, eval_every=1,
                validation_size=2, test_size=2, grad_every=0, probe_size=2,
                task_params=(("threshold", (("horizon", 57),)),))
    outcome = run_search(grid, tmp_path / "run", n_jobs=1, progress=False)
    assert outcome.computed == 2 * 6 * 2 and outcome.failed == 0  # models x probes x seeds
    table = pd.read_csv(tmp_path / "run" / "search.csv")
    for model in ("rnn", "gru"):
        mine = table[table["model"] == model].sort_values("order")
        assert list(zip(mine["seq_len"], mine["reason"], strict=True)) == _probes(57)[0]
    summary = pd.read_csv(tmp_path / "run" / "summary.csv")
    rows = horizon_stats.horizons(summary, stats.aggregate(summary))
    assert set(rows["horizon_low"]) == {57} and set(rows["horizon_high"]) == {68}
    assert set(rows["l50_low"]) == {57} and set(rows["l50_high"]) == {68}  # the gap, no less
    assert set(rows["n_probed"]) == {6} and (rows["cpu_seconds"] > 0).all()
    assert set(rows["seed_median_low"]) == {57} and set(rows["seed_median_high"]) == {68}
    again = run_search(grid, tmp_path / "run", n_jobs=1, progress=False)
    assert (again.computed, again.skipped) == (0, 24)


def test_seeds_that_failed_a_shorter_length_do_not_run_and_the_median_decides(
        threshold_task, tmp_path):
    grid = Grid(tasks=("threshold",), models=("rnn",), lengths=(10, 1000), seeds=5,
                search="horizon", steps=1, hidden_size=2, batch_size=2, eval_every=1,
                validation_size=2, test_size=2, grad_every=0, probe_size=2,
                task_params=(("threshold", (("horizon", 100), ("spread", 4))),))
    run_search(grid, tmp_path / "run", n_jobs=1, progress=False)
    summary = pd.read_csv(tmp_path / "run" / "summary.csv")
    ran = {(int(r.seed), int(r.seq_len)): bool(r.solved_validation)
           for r in summary.itertuples()}
    order = list(pd.read_csv(tmp_path / "run" / "search.csv")["seq_len"])
    runs: dict = {}
    for length in order:  # at each probe, in order: exactly the seeds alive then ran
        expected = [s for s in range(5) if alive(runs.get(s, {}), length)]
        assert [s for s in range(5) if (s, length) in ran] == expected, length
        for s in expected:
            runs.setdefault(s, {})[length] = ran[(s, length)]
    assert len(ran) < 5 * len(order)  # some seed was left out somewhere
    outcomes = median_outcomes(runs, 5)  # and the search followed the median seed
    replay, seen = [], {}
    while (probe := next_probe(seen, PLAN)) is not None:
        replay.append(probe[0])
        seen = {n: outcomes[n] for n in replay}
    assert replay == order


@pytest.mark.slow
def test_a_killed_search_resumes_to_the_same_probes_and_numbers(tmp_path):
    args = ["run", "--preset", "smoke", "--tasks", "bit_memory", "--models", "rnn,gru",
            "--search", "horizon", "--min-length", "4", "--max-length", "64", "--seeds", "2",
            "--steps", "80", "--n-jobs", "2", "--no-progress"]
    whole = run_cli(*args, "--out", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "benchmark", *args, "--out", str(out)],
                            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "cells").glob("*.npz"))) < 6:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its workers, mid-search
    proc.wait()
    done = len(list((out / "cells").glob("*.npz")))
    assert done >= 6 and not (out / "search.csv").exists()
    resumed = run_cli(*args, "--out", str(out))
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done} already done" in resumed.stdout
    pd.testing.assert_frame_equal(pd.read_csv(out / "search.csv"),
                                  pd.read_csv(tmp_path / "whole" / "search.csv"))
    timing = ["wall_seconds", "seconds_per_step", "git_commit"]  # not measurements
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "summary.csv").drop(columns=timing),
        pd.read_csv(tmp_path / "whole" / "summary.csv").drop(columns=timing))


@pytest.mark.slow
def test_dry_run_describes_the_search():
    result = run_cli("run", "--preset", "long", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "15 chains" in result.stdout and "[10, 20, 40, 80, 160, 320, 640, 1000]" in \
        result.stdout
    bad = run_cli("run", "--preset", "long", "--min-length", "10", "--dry-run")
    assert bad.returncode == 2 and "go together" in bad.stderr

