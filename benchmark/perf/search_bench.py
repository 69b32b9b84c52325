"""``python -m benchmark.perf.search_bench`` (``make bench-search``): what the horizon search saves.

The same question answered both ways, side by side: where does each model stop on adding and
bit_memory between T = 10 and T = 1000? Once by the horizon search, once by a fixed grid at
the resolution the search reaches (lengths spaced by the factor ``resolution`` over the whole
range, so every bracket it finds is as fine as the search's). Writes ``search_bench.csv`` (per
task and model: both brackets, whether they agree, the CPU-seconds of each) and
``search_bench.md`` to ``--out``; the two runs stay in ``--out``/search and ``--out``/grid.
Two costs are compared. CPU-seconds are the sum of the cells' own wall times (tuning
included), so the number of workers does not enter the ratio, but other load on the machine
does. Work is the number of recurrent time steps trained (steps run x batch x input length,
summed over cells): deterministic, so its ratio is the same on any machine and under any load.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd

from benchmark.analysis import horizon_stats, stats
from benchmark.report.markdown import frame_table
from benchmark.run.config import Grid
from benchmark.run.runner import run_grid, run_search
from benchmark.run.store import RunStore, atomic_write, atomic_write_text

TARGET = 1 / 3  # the search should need at most this share of the fixed grid's CPU-seconds
# 3 seeds: the fixed grid it is compared with costs about 1.1 CPU-hours per seed; the saving
# from seeds left out is also measured on the zoo reference itself (seed_savings)
QUESTION = dict(tasks=("adding", "bit_memory"), models=("rnn", "gru", "lstm"), seeds=3,
                steps=600, hidden_size=16, batch_size=32, lr=3e-3, eval_every=100,
                validation_size=256, test_size=256, grad_every=0)
QUICK = dict(QUESTION, models=("rnn", "gru"), steps=40, eval_every=20,
             validation_size=32, test_size=32)


def fixed_lengths(start: int, cap: int, resolution: float) -> list[int]:
    """Integer lengths from start to cap, each at most ``resolution`` times the one before."""
    count = math.ceil(math.log(cap / start) / math.log(resolution))
    while True:  # rounding to integers can stretch a step: add points until none is too long
        lengths = sorted({round(start * (cap / start) ** (k / count)) for k in range(count + 1)})
        if all(b / a <= resolution for a, b in zip(lengths, lengths[1:], strict=False)):
            return lengths
        count += 1


def _brackets(run: Path) -> pd.DataFrame:
    store = RunStore(run)
    summary = store.load_summary()
    tuning = store.load_summary(prefix="tuning_") if (run / "tuning_summary.csv").exists() \
        else None
    table = horizon_stats.horizons(summary, stats.aggregate(summary), tuning)
    work = summary.assign(work=summary["steps_run"] * summary["batch_size"]
                          * summary["input_length"]).groupby(["task", "model"])["work"].sum()
    table = table.merge(work.reset_index(), on=["task", "model"])
    return table[["task", "model", "horizon_low", "horizon_high", "n_probed", "cpu_seconds",
                  "work"]]


def seed_savings(run: Path) -> dict:
    """What leaving out seeds that failed a shorter length saved a search run: the seed-lengths
    not run, and an estimate of their work at the full budget (a seed that failed a shorter
    length almost never solves a longer one, so it would have run every step), against the
    work the search did run."""
    store = RunStore(run)
    probes = pd.read_csv(run / "search.csv")
    grid = (store.read_run() or {})["grid"]
    summary = store.load_summary()
    inputs = summary.groupby(["task", "model", "seq_len"])["input_length"].first()
    skipped = probes.assign(skipped=grid["seeds"] - probes["n_seeds"])
    skipped["work"] = [row.skipped * grid["steps"] * grid["batch_size"]
                       * inputs.get((row.task, row.model, row.seq_len), row.seq_len)
                       for row in skipped.itertuples()]
    done = float((summary["steps_run"] * summary["batch_size"] * summary["input_length"]).sum())
    return {"seed_lengths_skipped": int(skipped["skipped"].sum()),
            "seed_lengths_run": int(probes["n_seeds"].sum()),
            "work_run": done, "work_skipped": float(skipped["work"].sum())}


def compare(out: Path, question: dict, start: int, cap: int, resolution: float,
            n_jobs: int) -> pd.DataFrame:
    search = Grid(lengths=(start, cap), search="horizon", resolution=resolution, **question)
    grid = Grid(lengths=tuple(fixed_lengths(start, cap, resolution)), **question)
    run_search(search, out / "search", n_jobs=n_jobs, progress=False)
    run_grid(grid, out / "grid", n_jobs=n_jobs, progress=False)
    table = _brackets(out / "grid").merge(_brackets(out / "search"), on=["task", "model"],
                                          suffixes=("_grid", "_search"))
    # both locate the same transition when their brackets overlap
    table["agree"] = (table[["horizon_low_grid", "horizon_low_search"]].max(axis=1)
                      < table[["horizon_high_grid", "horizon_high_search"]].min(axis=1))
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="results/search_bench")
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--quick", action="store_true", help="a tiny budget (tests)")
    parser.add_argument("--max-length", type=int, default=1000)
    args = parser.parse_args(argv)
    out = Path(args.out)
    question = QUICK if args.quick else QUESTION
    table = compare(out, question, 10, args.max_length, 1.25, args.n_jobs)
    atomic_write(out / "search_bench.csv", lambda h: table.to_csv(h, index=False))
    grid_cpu, search_cpu = table["cpu_seconds_grid"].sum(), table["cpu_seconds_search"].sum()
    ratio = search_cpu / grid_cpu
    work_ratio = table["work_search"].sum() / table["work_grid"].sum()
    lines = ["# What the horizon search saves", "",
             f"Question: the horizon of {', '.join(question['models'])} on "
             f"{', '.join(question['tasks'])} between T = 10 and {args.max_length}, "
             f"{question['seeds']} seeds, {question['steps']} steps, hidden "
             f"{question['hidden_size']}. Fixed grid: "
             f"{', '.join(map(str, fixed_lengths(10, args.max_length, 1.25)))}.", "",
             frame_table(table), "",
             f"Work (time steps trained): search {table['work_search'].sum():.3g}, fixed grid "
             f"{table['work_grid'].sum():.3g}: ratio {work_ratio:.2f}, target ≤ {TARGET:.2f}: "
             f"{'met' if work_ratio <= TARGET else 'MISSED'}. CPU-seconds (wall time of the "
             f"cells, inflated by any other load): search {search_cpu:.0f}, fixed grid "
             f"{grid_cpu:.0f}: ratio {ratio:.2f}. "
             f"Brackets agree for {int(table['agree'].sum())} of {len(table)} (task, model).",
             ""]
    saved = seed_savings(out / "search")
    lines += [f"Seeds left out at a length because they had failed a shorter one (their own "
              f"brackets cannot change): {saved['seed_lengths_skipped']} of "
              f"{saved['seed_lengths_skipped'] + saved['seed_lengths_run']} seed-lengths, an "
              f"estimated {saved['work_skipped']:.3g} time steps at the full budget, "
              f"{saved['work_skipped'] / (saved['work_skipped'] + saved['work_run']):.0%} of "
              "what running them too would have cost.", ""]
    atomic_write_text(out / "search_bench.md", "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
