"""write_report: the aggregated tables, figures and report.md of one run, from stored files only.

Nothing here trains or reads the clock: the same stored results give byte-identical output.
The context (benchmark/report/context.py) computes every table once; the figures that apply
(benchmark/report/catalogue.py) are drawn from it, and the sections write the markdown.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from benchmark.report.catalogue import FIGURES, drawn
from benchmark.report.context import ReportContext, build_context
from benchmark.report.page import Page
from benchmark.report.sections import markdown
from benchmark.run.store import REPORT_STAGING, RunStore, atomic_write, atomic_write_text
from core.errors import UsageError

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")  # the formats a report writes


def write_report(run_dir: str | Path, formats=("png",), page_width: float | None = None
                 ) -> Path:
    """Write the report of a run: everything goes to a staging folder first and is moved into
    place only when all of it was written, so a failure leaves the previous report whole.
    ``formats``: the figures' file formats (png, svg, pdf); PNG is always written.
    ``page_width``: inches every figure must fit, with paper-sized fonts (None: screen)."""
    page = Page.of(page_width, formats)
    store = RunStore(run_dir)
    figures = store.root / "figures"
    if figures.exists() and not figures.is_dir():  # before anything is written or moved
        raise UsageError(f"{figures} is a file, where the report puts its figures; move it "
                         "away and rerun")
    context = build_context(store, page)
    staging = store.root / REPORT_STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        _write(context, staging)
        written = {path.relative_to(staging) for path in staging.rglob("*")}
        # a figure the new report did not draw (an earlier report's) would sit beside it as
        # if current: remove it; only files the suite names, never a reader's own
        ours = {f.name for f in FIGURES}
        for old in sorted((store.root / "figures").glob("*")):
            if old.is_file() and old.stem in ours and old.suffix in FIGURE_SUFFIXES \
                    and old.relative_to(store.root) not in written:
                old.unlink()
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                target = store.root / path.relative_to(staging)
                target.parent.mkdir(exist_ok=True)
                os.replace(path, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return store.root / "report.md"


def _write(ctx: ReportContext, out: Path) -> None:
    tables = {"stats": ctx.agg, "comparisons": ctx.comparisons, "horizons": ctx.horizons,
              "seed_horizons": ctx.seed_horizons}
    if not ctx.variants.empty:
        tables["variants"] = ctx.variants
    if not ctx.scaling.empty:
        tables["scaling"] = ctx.scaling
    if not ctx.mechanism.empty:
        tables["mechanism"] = ctx.mechanism
    for name, table in tables.items():
        atomic_write(out / f"{name}.csv", lambda h, t=table: t.to_csv(h, index=False))
    fig_dir = out / "figures"
    fig_dir.mkdir(exist_ok=True)
    ctx.page.setup()
    for figure in drawn(ctx):
        figure.draw(ctx, fig_dir / f"{figure.name}.png")
    atomic_write_text(out / "report.md", markdown(ctx))
