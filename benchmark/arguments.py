"""The command line's grammar: its commands and flags (every grid setting a flag, from
benchmark/run/config.py's declarations), and turning a flag's text into a value. What each
command does is benchmark/cli.py's."""

from __future__ import annotations

import argparse
import tomllib
from typing import Any

from benchmark.run.config import GRID_FIELDS
from core.errors import UsageError

REPEATABLE = ("task_param", "scale")  # flags given once per value (argparse's append)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        raise UsageError(message)

    def parse_args(self, args=None, namespace=None):
        parsed = super().parse_args(args, namespace)
        for name, value in vars(parsed).items():
            # argparse turns "--flag=--" into an empty list where a string is expected
            values = value if name in REPEATABLE and value is not None else [value]
            if any(isinstance(v, list) for v in values):
                raise UsageError(f"--{name.replace('_', '-')} needs a value")
        return parsed


def parse_value(flag: str, text: str, kind: str) -> Any:
    """Turn a flag's text into the Grid field's type; validation of the range is the Grid's."""
    if kind == "scale":  # (one text per flag given)
        return [_scale_pair(flag, part) for part in text]
    try:
        if kind in ("names", "keys"):
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
                "int": "an integer",
                "float": "a number", "floats": "comma-separated numbers"}[kind]
        raise UsageError(f"{flag} {text!r} is invalid; it must be {what}") from None


def _scale_pair(flag: str, text: str) -> tuple[str, list[int]]:
    """``key=v1,v2,...`` (integers) of one --scale flag."""
    key, _, values = text.partition("=")
    try:
        return key.strip(), [int(v) for v in values.split(",")]
    except ValueError:
        raise UsageError(f"{flag} {text!r} is invalid; it must look like "
                         "steps=1000,3000,10000 (a key and comma-separated integers)") from None


def parse_task_param(text: str) -> tuple[str, str, Any]:
    """``task.name=value`` (value in TOML syntax: 0.1, true, "text")."""
    if "\n" in text or "\r" in text:
        raise UsageError(f"--task-param {text!r} is invalid; it must be one line, like "
                         "noisy_sine.noise_std=0.1")
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
    parser = _Parser(prog="longdep", description="longdep: long-term dependency benchmarks "
                     "for recurrent networks")
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
        repeat = {"action": "append", "metavar": "KEY=V1,V2,..."} if name in REPEATABLE else {}
        run.add_argument(f"--{name.replace('_', '-')}", dest=name, help=spec.help, **repeat)
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

    _analysis_commands(commands)
    return parser


def _analysis_commands(commands) -> None:
    """The commands that read finished runs: compare, reproducibility, verify."""
    compare = commands.add_parser("compare", help="two runs side by side, paired by cell")
    compare.add_argument("run_a")
    compare.add_argument("run_b")
    compare.add_argument("--out", help="also write the table to this CSV file")
    compare.add_argument("--report", metavar="DIR",
                         help="write comparison.csv, comparison.png (where success differs) "
                              "and comparison.md (a summary) to this folder")
    halves = commands.add_parser("reproducibility", help="split-half check: do two runs of "
                                 "one grid on disjoint seeds give overlapping horizons?")
    halves.add_argument("run_a")
    halves.add_argument("run_b")
    halves.add_argument("--out", required=True, metavar="DIR",
                        help="write reproducibility.md, .csv and .png here")
    dynamics = commands.add_parser("dynamics", help="each (task, model, seed) of a finished "
                                   "run at initialisation: Lyapunov exponents, growth and time "
                                   "constants on its task's inputs (dynamics_init.csv; the "
                                   "report then sets them against the horizons)")
    dynamics.add_argument("run_dir", help="a finished run folder, e.g. results/reference/zoo")
    dynamics.add_argument("--length", default="100",
                          help="the reference length whose inputs drive the models (default 100)")
    dynamics.add_argument("--k", default="8", help="Lyapunov exponents to compute (default 8)")
    dynamics.add_argument("--n-jobs", default="-1", help="parallel workers (-1: all cores)")
    verify = commands.add_parser("verify", help="recompute a run's cheapest cells at this "
                                 "commit and compare them with the stored ones, bit for bit")
    verify.add_argument("run_dir", help="a finished run folder, e.g. results/reference/quick")
    verify.add_argument("--cells", default="3",
                        help="how many of its cheapest cells to recompute (0: all)")
