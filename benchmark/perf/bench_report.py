"""The markdown summary and figure of ``make bench``, from the tables it measured."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmark.report.markdown import frame_table as _md_table
from benchmark.report.page import SCREEN
from benchmark.report.training_figures import bench_step_times
from benchmark.run.environment import REPOSITORY
from benchmark.run.store import atomic_write_text


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _machine_lines(env: dict) -> list[str]:
    return ["# longdep benchmark", "",
            f"Machine: {env.get('processor')} ({env.get('cpu_count')} cores), "
            f"{env.get('system')}; torch {env.get('torch')}, {env.get('torch_threads')} torch "
            f"thread(s), OMP_NUM_THREADS={env.get('omp_num_threads')}; GPU: {env.get('cuda')}; "
            f"commit `{env.get('git_commit')}`.", "",
            f"Batch {env['batch']}, hidden {env['hidden']}; one training step = forward, "
            "backward and Adam update; median of interleaved repeats after warm-up. Ratios are "
            "against nn.LSTM measured in the same run.", ""]


def _step_time_lines(times: pd.DataFrame, env: dict, targets: dict) -> list[str]:
    lines = ["## Seconds per training step", ""]
    for device, rows in times.groupby("device", sort=False):
        wide = rows.pivot(index="model", columns="seq_len", values="seconds_per_step")
        ratio = rows.pivot(index="model", columns="seq_len", values="ratio_to_lstm")
        show = wide.copy().astype(object)
        for col in wide.columns:
            show[col] = [f"{s:.4g} s ({r:.2f}x)" for s, r in zip(wide[col], ratio[col],
                                                                strict=True)]
        show = show.reset_index().rename(columns={c: f"T = {c}" for c in wide.columns})
        label = env.get("cuda") if device == "cuda" else "CPU"
        lines += [f"**{device}** ({label})", "", _md_table(show), ""]
    lines += ["Targets for the scratch LSTM (time / nn.LSTM time):", ""]
    cpu = times[(times["device"] == "cpu") & (times["model"] == "lstm_scratch")]
    for seq_len, target in targets['step_time'].items():
        got = cpu.loc[cpu["seq_len"] == seq_len, "ratio_to_lstm"]
        if len(got):
            value = got.iloc[0]
            lines.append(f"- T = {seq_len}: {value:.2f}x, target ≤ {target}x: "
                         f"{_verdict(value <= target)}")
    return lines


def _memory_lines(memory: pd.DataFrame, targets: dict) -> list[str]:
    shown = memory.assign(saved_mib=memory["saved_bytes"] / 2**20)[
        ["model", "seq_len", "saved_mib", "ratio_to_lstm"]]
    scratch_mem = memory.loc[memory["model"] == "lstm_scratch", "ratio_to_lstm"].iloc[0]
    return ["", "## Memory of one training step", "", _md_table(shown), "",
            f"Scratch LSTM / nn.LSTM: {scratch_mem:.2f}x, target ≤ {targets['memory']}x: "
            f"{_verdict(scratch_mem <= targets['memory'])}. Measured as the bytes autograd "
            "holds for backward at the end of the forward pass (distinct storages, through "
            "saved-tensor hooks): at long lengths the bulk of a step's peak; parameters, "
            "gradients and Adam state are the same for both LSTMs.", ""]


def scan_against_loop(times: pd.DataFrame, memory: pd.DataFrame) -> pd.DataFrame:
    """Per model measured both ways, device and length: the loop's time over the parallel
    scan's (> 1: the scan is faster), and at the memory length the scan's bytes held for
    backward over the loop's."""
    held = memory.set_index("model")["saved_bytes"]
    spec = times["model"].str.rpartition(":scan=")
    both = times.assign(key=spec[0], mode=spec[2])
    both = both[both["mode"].isin(["loop", "parallel"])]
    wide = both.pivot_table(index=["device", "key", "seq_len"], columns="mode",
                            values="seconds_per_step").dropna().reset_index()
    rows = []
    for row in wide.itertuples():
        loop, scan = f"{row.key}:scan=loop", f"{row.key}:scan=parallel"
        at_memory_length = row.seq_len == memory["seq_len"].iloc[0] and scan in held
        rows.append({"device": row.device, "model": row.key, "seq_len": row.seq_len,
                     "loop_seconds": row.loop, "scan_seconds": row.parallel,
                     "scan_speedup": row.loop / row.parallel,
                     "scan_memory_ratio": held[scan] / held[loop] if at_memory_length
                     else float("nan")})
    return pd.DataFrame(rows, columns=["device", "model", "seq_len", "loop_seconds",
                                       "scan_seconds", "scan_speedup", "scan_memory_ratio"])


def _scan_lines(table: pd.DataFrame) -> list[str]:
    if table.empty:
        return []
    return ["", "## Parallel scan against the sequential loop", "",
            "The linear-recurrence cells run their recurrence as a parallel scan "
            "(`scan=parallel`) or a loop (`scan=loop`), the same numbers (tested); their "
            "default, `auto`, is the scan on a GPU and the loop on a CPU (S4D: its FFT "
            "convolution on both). "
            "`scan_speedup` = the loop's seconds per training step over the scan's (above 1: "
            "the scan is faster); `scan_memory_ratio` = the bytes the scan holds for backward "
            "over the loop's, at the memory table's length.", "",
            _md_table(table), ""]


def _scaling_and_tracking_lines(scaling: pd.DataFrame, tracking: pd.DataFrame,
                                targets: dict) -> list[str]:
    lines = ["## Parallel scaling of a grid and of a horizon search", "", _md_table(scaling),
             ""]
    for kind, rows in scaling.groupby("run", sort=False):
        efficiency = rows["efficiency"].iloc[-1]
        lines += [f"{kind}: efficiency on {int(rows['n_jobs'].iloc[-1])} workers "
                  f"{efficiency:.2f}, target ≥ {targets['efficiency']}: "
                  f"{_verdict(efficiency >= targets['efficiency'])}.", ""]
    worst = tracking["overhead"].max()
    return lines + [
        "## Gradient tracking overhead", "", _md_table(tracking), "",
        f"Worst overhead {worst:+.1%} of a cell's time at the default cadence, target "
        f"< {targets['tracking']:.0%}: {_verdict(worst < targets['tracking'])}. "
        "On this shared 2-core machine repeated runs measured +1 % to +9 %: differences "
        "of that size are within its noise; tracking is the per-step norm log every "
        "grad_every steps plus five float64 through-time probes per cell.", ""]


def _dynamics_lines(dynamics: pd.DataFrame, targets: dict) -> list[str]:
    worst = dynamics["overhead"].max()
    return ["## Dynamics diagnostics overhead", "", _md_table(dynamics), "",
            f"Worst overhead {worst:+.1%} of a cell's time with `--lyapunov 8` (8 exponents, "
            "the growth and the time constants at init, midway and the end, on 8 probe "
            f"trajectories), target < {targets['dynamics']:.0%}: "
            f"{_verdict(worst < targets['dynamics'])}. A cell that stops early pays the same "
            "diagnostics over fewer training steps, so its share is higher.", ""]


def write_bench_report(out: Path, tables: dict[str, pd.DataFrame], env: dict,
                       targets: dict) -> None:
    """bench.md and bench.png from the measured ``tables`` (``scan`` being
    ``scan_against_loop`` of the step times and memory), the machine ``env`` (with the batch
    and hidden sizes measured at) and the ``targets`` each ratio is held to."""
    times = tables["step_times"]
    lines = _machine_lines(env) + _step_time_lines(times, env, targets) \
        + _memory_lines(tables["memory"], targets) \
        + _scan_lines(tables["scan"]) \
        + _scaling_and_tracking_lines(tables["scaling"], tables["tracking"], targets) \
        + _dynamics_lines(tables["dynamics"], targets)
    notes = REPOSITORY / "docs" / "PERFORMANCE.md"
    if notes.exists():  # what was tried to get here, and the numbers of each attempt
        lines += [notes.read_text()]
    lines += ["![step time](bench.png)", ""]
    atomic_write_text(out / "bench.md", "\n".join(lines))
    SCREEN.setup()
    bench_step_times(times, out / "bench.png", scan=tables["scan"])
