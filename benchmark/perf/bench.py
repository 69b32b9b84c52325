"""``python -m benchmark.perf.bench`` (``make bench``): speed and memory, measured side by side.

Writes ``results/bench/``: ``step_times.csv``, ``memory.csv``, ``scan.csv`` (the parallel scan
against the loop of the same cell), ``scaling.csv``, ``tracking.csv``, ``bench.json`` (machine,
versions, threads), ``bench.md`` and ``bench.png``.
Every number is a ratio against a reference measured in the same run (nn.LSTM for models, one
worker for scaling, tracking off for tracking), so the machine's speed cancels out. Timings are
interleaved across models, after warm-up, median of repeats, one torch thread.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

from benchmark.perf.bench_report import scan_against_loop, write_bench_report
from benchmark.run.config import Cell, Grid
from benchmark.run.environment import environment as run_environment
from benchmark.run.runner import run_grid, run_search
from benchmark.run.store import atomic_write, atomic_write_text
from benchmark.run.train import train_cell
from models import MODELS as MODELS_REGISTRY
from models import build_model

REFERENCE = "lstm"  # every speed and memory is a ratio to nn.LSTM measured beside it
# every model with a scan option (models/scan.py) runs both ways beside its default (auto:
# the loop on a CPU, the scan on a GPU), so the report can say where the scan pays off
SCANNED = tuple(entry.key for entry in MODELS_REGISTRY
                if any(option.name == "scan" for option in entry.traits["options"]))
SCAN_VARIANTS = tuple(f"{key}:scan={mode}" for key in SCANNED for mode in ("loop", "parallel"))
# not run on a CPU: the selective SSM's log-space scan, measured by hand at T = 1000 (hidden 64,
# one thread) at 93 s a training step, ten times its loop, and about 14 GB held for backward
CPU_SKIPS = ("s6:scan=parallel",)
# every registered model (the built-ins: plug-ins register later), the yardstick last
MODELS = tuple(key for key in MODELS_REGISTRY.keys() if key != REFERENCE) + SCAN_VARIANTS \
    + (REFERENCE,)


# --quick (the tests): the yardstick, the scratch LSTM its targets are on, one plain cell and
# one scan pair, so the machinery runs in seconds
QUICK_MODELS = ("rnn", "lstm_scratch", "lru:scan=loop", "lru:scan=parallel", REFERENCE)


def models_on(device: str, quick: bool = False) -> tuple[str, ...]:
    chosen = QUICK_MODELS if quick else MODELS
    return tuple(m for m in chosen if not (device == "cpu" and m in CPU_SKIPS))


LENGTHS = (10, 50, 200, 1000)
BATCH, HIDDEN, INPUT_DIM = 64, 64, 2
TARGETS = {  # the scratch LSTM's step time at most this multiple of nn.LSTM's, per length
    50: 2.0, 200: 1.5, 1000: 1.5}
MEMORY_TARGET = 1.5
EFFICIENCY_TARGET = 0.9
TRACKING_TARGET = 0.10
DYNAMICS_TARGET = 0.10  # issue 27: cheap enough to stay on by default


def _train_step_fn(model_key: str, seq_len: int, device: str):
    """A closure doing one full training step (forward, backward, Adam) on fixed data."""
    torch.manual_seed(0)
    model = build_model(model_key, INPUT_DIM, HIDDEN, 1).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(BATCH, seq_len, INPUT_DIM, device=device)
    y = torch.randn(BATCH, 1, device=device)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()

    return step


def step_times(device: str = "cpu", lengths=LENGTHS, budget_s: float = 4.0,
               quick: bool = False) -> pd.DataFrame:
    """Median seconds per training step of every model, interleaved round by round."""
    rows = []
    for seq_len in lengths:
        models = models_on(device, quick)
        steps = {m: _train_step_fn(m, seq_len, device) for m in models}
        for step in steps.values():  # warm-up: allocator, first-call dispatch
            step()
            step()
        one = {m: _time(steps[m]) for m in models}
        repeats = int(max(3, min(30, budget_s / max(sum(one.values()), 1e-9))))
        samples: dict[str, list[float]] = {m: [] for m in models}
        for _ in range(repeats):
            for m in models:  # interleaved: drift in machine load hits every model alike
                samples[m].append(_time(steps[m]))
        ref = statistics.median(samples[REFERENCE])
        for m in models:
            median = statistics.median(samples[m])
            rows.append({"device": device, "model": m, "seq_len": seq_len, "repeats": repeats,
                         "batch_size": BATCH, "hidden_size": HIDDEN,
                         "seconds_per_step": median, "ratio_to_lstm": median / ref})
    return pd.DataFrame(rows)


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def saved_for_backward_bytes(model_key: str, seq_len: int) -> int:
    """Bytes of the distinct tensors autograd keeps for backward after one forward pass.

    At the end of the forward pass this is what a training step holds beyond the parameters,
    their gradients and Adam's state (identical for models with the same parameters), and at
    long lengths it dominates the step's peak memory. Counted through saved-tensor hooks, which
    see built-in kernels and Python code alike; storages saved twice are counted once.
    Deterministic, unlike the resident set size of a process.
    """
    torch.manual_seed(0)
    model = build_model(model_key, INPUT_DIM, HIDDEN, 1)
    x = torch.randn(BATCH, seq_len, INPUT_DIM)
    storages: dict[int, int] = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        loss = model(x).pow(2).mean()
    loss.backward()
    return sum(storages.values())


def peak_memory(seq_len: int = 1000, quick: bool = False) -> pd.DataFrame:
    """Memory held for backward by one training step of every model at ``seq_len``."""
    rows = [{"model": m, "seq_len": seq_len, "saved_bytes": saved_for_backward_bytes(m, seq_len)}
            for m in models_on("cpu", quick)]
    table = pd.DataFrame(rows)
    ref = table.loc[table["model"] == REFERENCE, "saved_bytes"].iloc[0]
    table["ratio_to_lstm"] = table["saved_bytes"] / ref
    return table


# the parallel-scaling runs measure the engine, not the models: the nine classic cells they
# have always run (every registered key before the linear recurrences), comparable over time
SCALING_MODELS = ("cornn", "exprnn", "gru", "gru_scratch", "indrnn", "lmu", "lstm",
                  "lstm_scratch", "rnn")


def scaling(steps: int = 600, models: tuple[str, ...] = SCALING_MODELS) -> pd.DataFrame:
    """Wall time of the same work with one worker and with all cores, as a fixed grid and as a
    horizon search (lr low enough that no cell solves or stops early: the grid runs T = 20,
    every search chain fails at 20 and is done, so both do equal work)."""
    common = dict(tasks=("adding", "bit_memory"), models=models, seeds=2, steps=steps,
                  hidden_size=32, batch_size=64, lr=1e-5, eval_every=100, test_size=500,
                  validation_size=500)
    runs = {"grid": (Grid(lengths=(20,), **common), run_grid),
            "search": (Grid(lengths=(20, 80), search="horizon", **common), run_search)}
    cores = os.cpu_count() or 1
    rows = []
    for kind, (grid, runner) in runs.items():
        for n_jobs in (1, cores):
            with tempfile.TemporaryDirectory() as folder:
                start = time.perf_counter()
                outcome = runner(grid, Path(folder) / "run", n_jobs=n_jobs, progress=False)
                rows.append({"run": kind, "n_jobs": n_jobs, "cells": outcome.total,
                             "wall_seconds": time.perf_counter() - start})
    table = pd.DataFrame(rows)
    first = table.groupby("run")["wall_seconds"].transform("first")
    table["speedup"] = first / table["wall_seconds"]
    table["efficiency"] = table["speedup"] / table["n_jobs"]
    return table


def overhead(changes: dict, models: tuple[str, ...], repeats: int = 3, steps: int = 1000,
             seq_len: int = 100, off: dict | None = None) -> pd.DataFrame:
    """Cell time with ``changes`` (a diagnostic switched on) against the cell without them
    (with ``off``'s settings): no diagnostic touches the training RNG, so both train
    identically. A cell of the reference preset's budget (1000 steps, hidden 32) at a low
    rate: no early stop, equal work."""
    rows = []
    for model in models:
        base = Cell(task="adding", model=model, seq_len=seq_len, seed=0, steps=steps,
                    hidden_size=32, lr=1e-5, **(off or {}))
        on_off = {"on": Cell(**{**base.__dict__, **changes}), "off": base}
        samples: dict[str, list[float]] = {"on": [], "off": []}
        # warm-up with the diagnostic on: its first call in a process pays a one-time set-up
        # (forward-mode AD: about 1.4 s here) that a worker pays once, not once per cell
        train_cell(on_off["on"])
        for _ in range(repeats):
            for name, cell in on_off.items():
                samples[name].append(train_cell(cell).summary["wall_seconds"])
        with_it, without = statistics.median(samples["on"]), statistics.median(samples["off"])
        rows.append({"model": model, "seq_len": seq_len, "steps": steps, **changes,
                     "seconds_on": with_it, "seconds_off": without,
                     "overhead": with_it / without - 1})
    return pd.DataFrame(rows)


def tracking_overhead(repeats: int = 3, steps: int = 1000) -> pd.DataFrame:
    """Gradient tracking at its default cadence against tracking off."""
    default = Cell.__dataclass_fields__["grad_every"].default
    return overhead({"grad_every": default}, ("rnn", "lstm"), repeats, steps,
                    off={"grad_every": 0})


def dynamics_overhead(repeats: int = 3, steps: int = 1000, lengths=(100, 500)) -> pd.DataFrame:
    """The dynamics diagnostics (8 Lyapunov exponents, growth, time constants at init, midway
    and the end) against a cell as runs make it (gradient tracking on), at two lengths: their
    cost grows with T as training's does."""
    return pd.concat([overhead({"lyapunov": 8}, ("rnn", "gru", "lstm"), repeats, steps, n)
                      for n in lengths], ignore_index=True)


def environment() -> dict:
    env = run_environment()
    env.update(torch_threads=torch.get_num_threads(), batch=BATCH, hidden=HIDDEN,
               omp_num_threads=os.environ.get("OMP_NUM_THREADS", "unset"),
               cuda=torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
               processor=platform.processor() or platform.machine())
    return env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmark.perf.bench", description=__doc__)
    parser.add_argument("--out", default="results/bench")
    parser.add_argument("--quick", action="store_true", help="short lengths only (for tests)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    lengths = (10, 50) if args.quick else LENGTHS
    times = [step_times("cpu", lengths, budget_s=0.5 if args.quick else 4.0, quick=args.quick)]
    if torch.cuda.is_available():
        times.append(step_times("cuda", lengths))
    tables = {
        "step_times": pd.concat(times, ignore_index=True),
        "memory": peak_memory(lengths[-1], quick=args.quick),
        # --quick (the tests): two models keep the four scaling runs to a few seconds
        "scaling": scaling(30, ("rnn", "lstm")) if args.quick else scaling(600),
        "tracking": tracking_overhead(1, 30) if args.quick else tracking_overhead(),
        "dynamics": dynamics_overhead(1, 30, (20,)) if args.quick else dynamics_overhead(),
    }
    tables["scan"] = scan_against_loop(tables["step_times"], tables["memory"])
    for name, table in tables.items():
        atomic_write(out / f"{name}.csv", lambda h, t=table: t.to_csv(h, index=False))
    env = environment()
    atomic_write_text(out / "bench.json", json.dumps(env, indent=2, sort_keys=True))
    write_bench_report(out, tables, env, {"step_time": TARGETS, "memory": MEMORY_TARGET,
                                          "efficiency": EFFICIENCY_TARGET,
                                          "tracking": TRACKING_TARGET,
                                          "dynamics": DYNAMICS_TARGET})
    print(f"wrote {out}/bench.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
