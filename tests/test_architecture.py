"""The shape of the code, read from the source: which package may import which, and the size
limits that keep modules readable. Every import is read, the ones inside functions too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "tasks", "models", "benchmark")
# run's modules that hold data definitions and the run folder, which the analysis and the
# report read; the rest of run (training, execution, the search) they must never import
RUN_DATA = {"benchmark.run.schema", "benchmark.run.store", "benchmark.run.config",
            "benchmark.run.fields", "benchmark.run.scale"}  # (scale: a sweep's points, folders)
# room -> the rooms it may import (itself always)
ALLOWED = {
    "core": set(),
    "tasks": {"core"},
    "models": {"core"},
    "benchmark.run": {"core", "tasks", "models"},
    "benchmark.analysis": {"core", "tasks", "models"} | RUN_DATA,
    "benchmark.report": {"core", "tasks", "models", "benchmark.analysis"} | RUN_DATA,
    "benchmark.perf": {"core", "tasks", "models", "benchmark.run", "benchmark.analysis",
                       "benchmark.report"},
    "benchmark.cli": {"core", "tasks", "models", "benchmark.run", "benchmark.analysis",
                      "benchmark.report", "benchmark.arguments"},
    "benchmark.arguments": {"core", "benchmark.run"},  # the command line's grammar
    "benchmark.__main__": {"benchmark.cli"},
    "benchmark": set(),  # benchmark/__init__.py
}
MAX_LINES = 300
MAX_FUNCTION_LINES = 50


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def room_of(module: str) -> str:
    """The longest ALLOWED key that is the module or a package above it."""
    return max((room for room in ALLOWED if module == room or module.startswith(room + ".")),
               key=len)


def imports_of(path: Path, module: str) -> set[str]:
    """Every module of ours that ``path`` imports, absolute names, anywhere in the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            base = node.module if node.level == 0 else \
                ".".join(module.split(".")[:-node.level] + [node.module])
            names.add(base)
            # `from benchmark.report import figures` imports a module, not a name
            names |= {f"{base}.{alias.name}" for alias in node.names
                      if f"{base}.{alias.name}" in modules()}
    return {n for n in names if n.split(".")[0] in PACKAGES}


def allowed(source_room: str, target: str) -> bool:
    if room_of(target) == source_room:
        return True
    return any(target == ok or target.startswith(ok + ".") for ok in ALLOWED[source_room])


def test_every_import_runs_down_the_layers():
    wrong = []
    for module, path in modules().items():
        room = room_of(module)
        wrong += [f"{module} imports {target}" for target in sorted(imports_of(path, module))
                  if not allowed(room, target)]
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_a_back_arrow(tmp_path):
    """The rule is not vacuous: a run module importing the report is caught."""
    fake = tmp_path / "runner.py"
    fake.write_text("def f():\n    from benchmark.report import catalogue\n")
    targets = imports_of(fake, "benchmark.run.runner")
    assert "benchmark.report.catalogue" in targets
    assert not allowed("benchmark.run", "benchmark.report.catalogue")
    assert not allowed("benchmark.analysis", "benchmark.run.train")
    assert allowed("benchmark.report", "benchmark.run.store")


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_over_the_line_limit(package):
    long = [f"{path.relative_to(ROOT)}: {n}" for path in (ROOT / package).rglob("*.py")
            if (n := len(path.read_text().splitlines())) > MAX_LINES]
    assert not long, f"over {MAX_LINES} lines: {long}"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_function_over_the_line_limit(package):
    long = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} {length}")
    assert not long, f"over {MAX_FUNCTION_LINES} lines: {long}"
