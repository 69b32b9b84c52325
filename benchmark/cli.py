"""The command line: ``python -m benchmark {list,run,report,compare,reproducibility,verify}``.

Bad input ends with one line on stderr naming the bad value and what is allowed, exit code 2,
no traceback, and nothing written.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Any

from benchmark.arguments import build_parser, parse_task_param, parse_value
from benchmark.run.config import GRID_FIELDS
from benchmark.run.presets import load_grid, load_preset, preset_names, preset_path
from core.errors import UsageError


def _grid_from_args(args) -> Any:
    overrides: dict[str, Any] = {}
    for name, spec in GRID_FIELDS.items():
        text = getattr(args, name)
        if text is not None:
            overrides[name] = parse_value(f"--{name.replace('_', '-')}", text, spec.kind)
    if args.min_length is not None or args.max_length is not None:
        if args.lengths is not None or args.min_length is None or args.max_length is None:
            raise UsageError("--min-length and --max-length go together, instead of --lengths")
        low = parse_value("--min-length", args.min_length, "int")
        high = parse_value("--max-length", args.max_length, "int")
        if low >= high:
            raise UsageError(f"--min-length {low} must be below --max-length {high}")
        if overrides.get("search", load_preset(args.preset).get("search", "grid")) != "horizon":
            raise UsageError("--min-length and --max-length bound a horizon search; add "
                             "--search horizon (or give a grid's lengths with --lengths)")
        overrides["lengths"] = [low, high]
    if args.task_param:

        stored = load_preset(args.preset).get("task_params", {})
        if not isinstance(stored, dict) or not all(isinstance(v, dict) for v in stored.values()):
            raise UsageError(f"task_params in {args.preset} must be a table of tables, "
                             "e.g. [task_params.noisy_sine]")
        params = {k: dict(v) for k, v in stored.items()}
        for text in args.task_param:
            task, name, value = parse_task_param(text)
            params.setdefault(task, {})[name] = value
        overrides["task_params"] = params
    return load_grid(args.preset, overrides)


def _command_list() -> int:
    from models import MODELS
    from tasks import TASKS

    print("tasks:")
    for entry in TASKS:
        print(f"  {entry.key:14s} {entry.description}")
    print("models:")
    for entry in MODELS:
        print(f"  {entry.key:14s} {entry.label}: {entry.description}")
        declared = [option.name + (f"={'|'.join(option.choices)}" if option.choices else "")
                    for option in entry.traits["options"]]
        if declared:
            print(f"  {'':14s} options: {', '.join(declared)}")
    print("  every model also takes layers=N (1-16): N stacked cores, the readout on the top")
    print("presets:")
    for name in preset_names():
        print(f"  {name:14s} {load_preset(name).get('description', '')}")
    return 0


def _command_run(args) -> int:
    from benchmark.run.chains import plan_of
    from benchmark.run.runner import run
    from benchmark.run.scale import points

    grid = _grid_from_args(args)
    n_jobs = parse_value("--n-jobs", args.n_jobs, "int")
    if n_jobs == 0 or n_jobs < -1:
        raise UsageError(f"--n-jobs {n_jobs} is invalid; it must be a positive integer or -1")
    if args.out is not None and not args.out.strip():
        raise UsageError("--out '' is empty; give a folder, or leave --out out for "
                         "results/<preset>")
    out = Path(args.out) if args.out else Path("results") / Path(preset_path(args.preset)).stem
    if args.dry_run:
        from benchmark.run.workers import check_backend, check_device

        check_backend(args.backend, args.scheduler)
        check_device(grid.device, args.backend)
        seeds = grid.seed_numbers()
        seed_text = f"{grid.seeds} seeds" + (f" ({seeds[0]}-{seeds[-1]})" if grid.first_seed
                                             else "")
        budgets = points(grid)
        sweep = f" x {len(budgets)} budget points (the grid as given, " \
            f"{', '.join(label for label, _ in budgets[1:])})" if grid.scale else ""
        if grid.search == "horizon":
            climb = plan_of(grid).climb_lengths()
            print(f"{out}: horizon search, {len(grid.tasks) * len(grid.models) * len(budgets)} "
                  f"chains (task x model{sweep}) x {seed_text}, climbing {climb}, bisecting "
                  f"to a ratio of {grid.resolution:g}; nothing run")
            return 0
        cells, tuning = (n * len(budgets) for n in grid.n_cells())  # counted, not built
        extra = f" + {tuning} learning-rate tuning cells" if tuning else ""
        if tuning and grid.lr_extend and len(grid.lr_grid) > 1:
            extra += (f" (+ up to {tuning // len(grid.lr_grid)} more where a choice sits at "
                      "the grid's edge)")
        print(f"{out}: {cells} cells ({len(grid.tasks)} tasks x {len(grid.models)} models "
              f"x {len(grid.lengths)} lengths x {seed_text}{sweep}){extra}; nothing run")
        return 0
    outcome = run(grid, out, n_jobs=n_jobs, backend=args.backend, scheduler=args.scheduler,
                  progress=not args.no_progress)
    print(f"{out}: {outcome.total} cells, {outcome.skipped} already done, "
          f"{outcome.computed} computed, {outcome.failed} failed")
    if outcome.failed:
        print(f"error: {outcome.failed} of {outcome.total} cells failed (status error, see "
              f"{out}/summary.csv); rerun the same command to retry them", file=sys.stderr)
        return 1
    return 0


def _command_report(args) -> int:
    from benchmark.report.report import write_report

    formats = [f.strip() for f in args.figure_format.split(",") if f.strip()]
    page_width = None
    if args.page_width is not None:
        try:
            page_width = float(args.page_width)
        except ValueError:
            raise UsageError(f"--page-width {args.page_width!r} is not a number of inches "
                             "(3.5: one column, 7.0: two-column text width)") from None
    path = write_report(args.run_dir, formats, page_width)
    print(f"wrote {path}")
    return 0


def _command_compare(args) -> int:
    from benchmark.analysis.compare import compare_runs

    table = compare_runs(args.run_a, args.run_b)
    print(f"a = {args.run_a}, b = {args.run_b}; mean_diff = a - b (negative: a is better)")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if args.out:
        if (Path(args.out).parent / "run.json").exists():
            raise UsageError(f"compare --out {args.out} is inside a run folder; write the "
                             "table elsewhere (a run's own files are the run's)")
        try:
            table.to_csv(args.out, index=False)
        except OSError as err:
            why = err.strerror or err
            raise UsageError(f"compare --out {args.out}: cannot write there ({why})") from None
    if args.report:
        from benchmark.report.compare_report import write_comparison

        try:
            print(f"wrote {write_comparison(table, args.run_a, args.run_b, args.report)}")
        except OSError as err:
            why = err.strerror or err
            raise UsageError(f"compare --report {args.report}: cannot write there "
                             f"({why})") from None
    return 0


def _command_reproducibility(args) -> int:
    from benchmark.analysis.reproducibility import halves_of
    from benchmark.report.reproducibility_report import write_reproducibility

    both = halves_of(args.run_a, args.run_b)
    try:
        path = write_reproducibility(both, args.run_a, args.run_b, args.out)
    except OSError as err:
        raise UsageError(f"reproducibility --out {args.out}: cannot write there "
                         f"({err.strerror or err})") from None
    print(f"{int(both['interval_overlap'].sum())} of {len(both)} horizons reproduce; "
          f"wrote {path}")
    return 0


def _command_verify(args) -> int:
    from benchmark.run.verify import verify_run

    cells = parse_value("--cells", args.cells, "int")
    if cells < 0:
        raise UsageError(f"--cells {cells} is invalid; it must be an integer >= 0 (0: all)")
    table = verify_run(args.run_dir, cells)
    moved = table[~table["same"]]
    n = table["cell_id"].nunique()
    if moved.empty:
        print(f"{args.run_dir}: {n} cells recomputed, every value identical")
        return 0
    print(moved.drop(columns="same").to_string(index=False))
    print(f"{args.run_dir}: {moved['cell_id'].nunique()} of {n} cells recomputed differ",
          file=sys.stderr)
    return 1


def _command_dynamics(args) -> int:
    from benchmark.run.dynamics_table import TABLE, write_dynamics_table

    length = parse_value("--length", args.length, "int")
    k = parse_value("--k", args.k, "int")
    n_jobs = parse_value("--n-jobs", args.n_jobs, "int")
    if length < 2:
        raise UsageError(f"--length {length} is invalid; it must be an integer >= 2")
    if not 1 <= k <= 64:
        raise UsageError(f"--k {k} is invalid; it must be an integer from 1 to 64")
    if n_jobs == 0 or n_jobs < -1:
        raise UsageError(f"--n-jobs {n_jobs} is invalid; it must be a positive integer or -1")
    table = write_dynamics_table(args.run_dir, length, k, n_jobs)
    print(f"wrote {Path(args.run_dir) / TABLE}: {len(table)} (task, model, seed) at T = "
          f"{length}; `benchmark report {args.run_dir}` sets them against the horizons")
    return 0


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into the same unwinding as Ctrl-C (partial writes removed)."""


def _terminate(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if on_main_thread else None
    try:
        return _main(argv)
    finally:
        if on_main_thread:  # called as a library: leave the caller's handler as it was
            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        handler = {"list": lambda: _command_list(), "run": lambda: _command_run(args),
                   "report": lambda: _command_report(args),
                   "compare": lambda: _command_compare(args),
                   "reproducibility": lambda: _command_reproducibility(args),
                   "verify": lambda: _command_verify(args),
                   "dynamics": lambda: _command_dynamics(args)}[args.command]
        return handler()
    except UsageError as err:
        print(f"longdep: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        what = "terminated" if isinstance(err, Terminated) else "interrupted"
        command = (argv if argv is not None else sys.argv[1:])[:1]
        after = "finished cells are kept, rerun to resume" if command == ["run"] else \
            "rerun it (a report is moved into place only when whole; every file is written " \
            "whole or not at all)"
        print(f"longdep: {what}; {after}", file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
