"""The command line: ``python -m benchmark {list,run,report,compare,verify}``.

Bad input ends with one line on stderr naming the bad value and what is allowed, exit code 2,
no traceback, and nothing written.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import tomllib
from pathlib import Path
from typing import Any

from benchmark.run.config import GRID_FIELDS
from benchmark.run.presets import load_grid, load_preset, preset_names, preset_path
from core.errors import UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        raise UsageError(message)

    def parse_args(self, args=None, namespace=None):
        parsed = super().parse_args(args, namespace)
        for name, value in vars(parsed).items():
            # argparse turns "--flag=--" into an empty list where a string is expected
            values = value if name == "task_param" else [value]
            if any(isinstance(v, list) for v in values):
                raise UsageError(f"--{name.replace('_', '-')} needs a value")
        return parsed


def _parse_value(flag: str, text: str, kind: str) -> Any:
    """Turn a flag's text into the Grid field's type; validation of the range is the Grid's."""
    try:
        if kind == "names":
            return [part.strip() for part in text.split(",") if part.strip()]
        if kind == "ints":
            return [int(part) for part in text.split(",")]
        if kind == "floats":
            return [float(part) for part in text.split(",") if part.strip()]
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            return {"true": True, "false": False}[text.strip().lower()]
        return text
    except (ValueError, KeyError):
        what = {"bool": "true or false", "ints": "comma-separated positive integers",
                "int": "a positive integer",
                "float": "a number", "floats": "comma-separated numbers"}[kind]
        raise UsageError(f"{flag} {text!r} is invalid; it must be {what}") from None


def _parse_task_param(text: str) -> tuple[str, str, Any]:
    """``task.name=value`` (value in TOML syntax: 0.1, true, "text")."""
    try:
        target, value = text.split("=", 1)
        task, name = target.rsplit(".", 1)  # (a plug-in's key has dots: mypkg.tasks:MyTask)
    except ValueError:
        raise UsageError(f"--task-param {text!r} is invalid; it must look like "
                         "noisy_sine.noise_std=0.1") from None
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return task, name, parsed


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="longdep", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    commands.add_parser("list", help="registered tasks, models and presets")

    run = commands.add_parser("run", help="run (or resume) a grid of cells")
    run.add_argument("--preset", default="quick",
                     help="a shipped preset's name or a .toml file (default: quick)")
    run.add_argument("--out", help="run folder (default: results/<preset>)")
    run.add_argument("--n-jobs", default="-1", help="parallel workers (-1: all cores)")
    run.add_argument("--backend", default="loky", help="joblib engine: loky or dask")
    run.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://HOST:PORT)")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.add_argument("--dry-run", action="store_true",
                     help="validate the grid and print its size; run and write nothing")
    for name, spec in GRID_FIELDS.items():
        run.add_argument(f"--{name.replace('_', '-')}", dest=name, help=spec.help)
    run.add_argument("--min-length", help="horizon search: the first length (with --max-length; "
                     "the same as --lengths MIN,MAX)")
    run.add_argument("--max-length", help="horizon search: the longest length it may run")
    run.add_argument("--task-param", action="append", default=[], metavar="TASK.NAME=VALUE",
                     help="set a task parameter, e.g. noisy_sine.noise_std=0.1 (repeatable)")

    report = commands.add_parser("report", help="statistics, figures and report.md of a run")
    report.add_argument("run_dir", help="a finished run folder, e.g. results/quick")
    report.add_argument("--figure-format", default="png",
                        help="figure formats, comma-separated, from png, svg, pdf (vector, "
                             "fonts embedded; PNG is always written and linked)")
    report.add_argument("--page-width", metavar="INCHES",
                        help="draw every figure to fit a page this wide, with paper-sized "
                             "fonts (3.5: one column of a two-column paper; 7.0: its text "
                             "width); default: screen sizes")

    compare = commands.add_parser("compare", help="two runs side by side, paired by cell")
    compare.add_argument("run_a")
    compare.add_argument("run_b")
    compare.add_argument("--out", help="also write the table to this CSV file")
    compare.add_argument("--report", metavar="DIR",
                         help="write comparison.csv, comparison.png (where success differs) "
                              "and comparison.md (a summary) to this folder")
    verify = commands.add_parser("verify", help="recompute a run's cheapest cells at this "
                                 "commit and compare them with the stored ones, bit for bit")
    verify.add_argument("run_dir", help="a finished run folder, e.g. results/reference/quick")
    verify.add_argument("--cells", default="3",
                        help="how many of its cheapest cells to recompute (0: all)")
    return parser


def _grid_from_args(args) -> Any:
    overrides: dict[str, Any] = {}
    for name, spec in GRID_FIELDS.items():
        text = getattr(args, name)
        if text is not None:
            overrides[name] = _parse_value(f"--{name.replace('_', '-')}", text, spec.kind)
    if args.min_length is not None or args.max_length is not None:
        if args.lengths is not None or args.min_length is None or args.max_length is None:
            raise UsageError("--min-length and --max-length go together, instead of --lengths")
        overrides["lengths"] = [_parse_value("--min-length", args.min_length, "int"),
                                _parse_value("--max-length", args.max_length, "int")]
    if args.task_param:

        params = {k: dict(v) for k, v in load_preset(args.preset).get("task_params", {}).items()}
        for text in args.task_param:
            task, name, value = _parse_task_param(text)
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
    print("presets:")
    for name in preset_names():
        print(f"  {name:14s} {load_preset(name).get('description', '')}")
    return 0


def _command_run(args) -> int:
    from benchmark.run.runner import plan_of, run

    grid = _grid_from_args(args)
    n_jobs = _parse_value("--n-jobs", args.n_jobs, "int")
    if n_jobs == 0 or n_jobs < -1:
        raise UsageError(f"--n-jobs {n_jobs} is invalid; it must be a positive integer or -1")
    out = Path(args.out) if args.out else Path("results") / Path(preset_path(args.preset)).stem
    if args.dry_run:
        from benchmark.run.workers import check_backend, check_device

        check_backend(args.backend, args.scheduler)
        check_device(grid.device, args.backend)
        if grid.search == "horizon":
            climb = plan_of(grid).climb_lengths()
            print(f"{out}: horizon search, {len(grid.tasks) * len(grid.models)} chains "
                  f"(task x model) x {grid.seeds} seeds, climbing {climb}, bisecting to a "
                  f"ratio of {grid.resolution:g}; nothing run")
            return 0
        cells, tuning = grid.n_cells()  # counted, not built: --seeds 200000 stays instant
        extra = f" + {tuning} learning-rate tuning cells" if tuning else ""
        if tuning and grid.lr_extend and len(grid.lr_grid) > 1:
            extra += (f" (+ up to {tuning // len(grid.lr_grid)} more where a choice sits at "
                      "the grid's edge)")
        print(f"{out}: {cells} cells ({len(grid.tasks)} tasks x {len(grid.models)} models "
              f"x {len(grid.lengths)} lengths x {grid.seeds} seeds){extra}; nothing run")
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


def _command_verify(args) -> int:
    from benchmark.run.verify import verify_run

    cells = _parse_value("--cells", args.cells, "int")
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
                   "verify": lambda: _command_verify(args)}[args.command]
        return handler()
    except UsageError as err:
        print(f"longdep: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        what = "terminated" if isinstance(err, Terminated) else "interrupted"
        print(f"longdep: {what}; finished cells are kept, rerun to resume", file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
