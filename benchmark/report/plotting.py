"""The shared look of every figure: theme, one colour per model, log length axes, panels,
one legend below the panels, and byte-identical PNGs (seaborn on the headless Agg backend).

Sequence lengths grow geometrically, so length axes are logarithmic; each model's colour,
marker and dash come from benchmark/report/styles.py (family colours, stable across runs); a
from-scratch twin of a library model is drawn dashed and on top, so both stay visible where
they coincide.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter, ScalarFormatter

from benchmark.report.page import Page
from benchmark.report.styles import styles_for
from core.rules import DIVERGENCE_FACTOR
from models import model_traits
from tasks import TASKS


def palette(models: list[str]) -> dict[str, tuple]:
    """Each model's colour: its family's (benchmark/report/styles.py), the same in every run."""
    return {model: style.colour for model, style in styles_for(list(models)).items()}


def spread_ticks(lengths, ratio: float = 1.4, most: int = 6) -> list[int]:
    """Tick lengths at least ``ratio`` apart, and wider where the range is long, so at most
    about ``most`` labels share a panel (the shortest and the longest always kept): the
    labels of a search's close bisection lengths must not collide."""
    lengths = [int(n) for n in lengths]
    ratio = max(ratio, (max(lengths) / min(lengths)) ** (1 / (most - 1)))
    chosen: list[int] = []
    for length in sorted(set(lengths)):
        if not chosen or length >= chosen[-1] * ratio:
            chosen.append(length)
    if chosen[-1] != max(lengths):
        chosen[-1] = max(lengths)
    return chosen


def drawable_span(low: float, high: float, left: float, right: float) -> tuple[float, float]:
    """A bracket's ends on a log length axis: 0 (nothing held) drawn from ``left``, inf (open
    above) drawn to ``right``, where the panel ends."""
    return (low if low > 0 else left), (high if np.isfinite(high) else right)


def log_length_axis(ax, lengths) -> None:
    ax.set_xscale("log")
    ax.set_xticks(spread_ticks(lengths))
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())


def panels(page: Page, n: int, width: float = 4.2, height: float = 3.4, rows: int = 1,
           sharey=False, sharex=False, text_rows: bool = False, width_ratios=None):
    """A grid of panels, ``rows`` x ``n``, each ``width`` x ``height`` inches, returned as a
    ``rows`` x ``n`` array of axes. On a page (``page.width``) it is fitted to the width,
    and where the panels would get too narrow each row of ``n`` wraps onto several rows of the
    figure; callers still index the axes as ``rows`` x ``n``. ``text_rows``: the height holds
    a row of text per model (kept, not scaled). ``sharex``/``sharey``: True, "col" or
    "row", as in matplotlib, in the logical layout."""
    per_row = page.per_row(n, width)
    wraps = -(-n // per_row)
    if wraps == 1:
        figsize = page.size(width * n, height * rows, scale_height=not text_rows)
        fig, axes = plt.subplots(rows, n, figsize=figsize, squeeze=False, sharey=sharey,
                                 sharex=sharex, gridspec_kw=(
                                     {"width_ratios": width_ratios} if width_ratios else None))
        return fig, axes
    figsize = page.size(width * per_row, height * rows * wraps, scale_height=not text_rows)
    fig, grid = plt.subplots(rows * wraps, per_row, figsize=figsize, squeeze=False)
    axes = np.empty((rows, n), dtype=object)
    for r in range(rows):
        for c in range(n):
            axes[r, c] = grid[r * wraps + c // per_row, c % per_row]
    for ax in grid.flat:  # the last wrapped row's unused places
        if ax not in set(axes.flat):
            fig.delaxes(ax)
    for share, method in ((sharex, "sharex"), (sharey, "sharey")):
        groups = ([list(axes.flat)] if share is True else
                  [list(axes[:, c]) for c in range(n)] if share == "col" else
                  [list(axes[r, :]) for r in range(rows)] if share == "row" else [])
        for group in groups:
            for ax in group[1:]:
                getattr(ax, method)(group[0])
    if sharey in (True, "row"):  # one column of y labels per figure row, as subplots does
        for ax in axes.flat:
            if not ax.get_subplotspec().is_first_col():
                ax.tick_params(labelleft=False)
    return fig, axes


def context_lines(ax, data, x: str, y: str, shown, label: str = "other models") -> None:
    """In a faceted panel, every model not of this panel's group as a thin grey median line
    behind the group's own, so a panel still reads against the whole field."""
    others = data[~data["model"].isin(list(shown))]
    first = True
    for _, mine in others.groupby("model", observed=True, sort=False):
        line = mine.groupby(x)[y].median()
        ax.plot(line.index, line.to_numpy(), color=CONTEXT_GREY, lw=0.9, zorder=0,
                label=label if first else None)
        first = False


def model_lines(ax, everyone, members, x: str, y: str, colours, faceted: bool,
                dense: bool = False, **lineplot):
    """A panel's model lines: in a faceted figure the other groups' models grey behind
    (``context_lines``), then this group's own in their looks; ``lineplot``: seaborn's
    estimator and error-bar keywords. Returns the group's rows."""
    if faceted:
        context_lines(ax, everyone, x, y, members)
    data = everyone[everyone["model"].isin(list(members))]
    if not data.empty:
        sns.lineplot(data=data, x=x, y=y, hue="model", palette=colours, ax=ax,
                     **model_styles(members, dense=dense), **lineplot)
    return data


def group_title(title: str, base: str) -> str:
    return f"{base}\n{title}" if title else base


def legend_below(fig, labels: dict[str, str]) -> None:
    """One legend for the whole figure, below the panels: the union of every panel's entries
    (a reference line drawn in one panel only still gets its entry)."""
    named: dict[str, object] = {}
    for ax in fig.axes:
        handles, keys = ax.get_legend_handles_labels()
        for handle, key in zip(handles, keys, strict=True):
            named.setdefault(labels.get(key, key), handle)
        if ax.get_legend():
            ax.get_legend().remove()
    # the models first, in the run's order, then the reference lines and marks
    rank = {label: i for i, label in enumerate(labels.values())}
    named = dict(sorted(named.items(), key=lambda item: rank.get(item[0], len(rank))))
    fig.tight_layout()
    # below the panels, outside the axes: savefig's tight bounding box takes it in, however
    # many rows the entries need
    fig.legend(list(named.values()), list(named), loc="upper center",
               ncol=legend_columns(list(named), fig.get_figwidth()), frameon=False,
               bbox_to_anchor=(0.5, 0.0))


def legend_columns(entries: list[str], width_inches: float) -> int:
    """As many legend columns (at most 4) as fit the figure's width, so the legend is never
    wider than the panels: a column is its longest entry (about 0.075 in per character at
    the paper font) plus the handle."""
    column = 0.9 + 0.075 * max((len(e) for e in entries), default=0)
    return max(1, min(len(entries), 4, int(width_inches // column)))


FACET_ABOVE = 8  # more models than this in one panel is a tangle: facet by family
GROUP_SIZE = 4  # the most models a faceted panel draws in colour


def model_groups(models, above: int = FACET_ABOVE, most: int = GROUP_SIZE
                 ) -> list[tuple[str, list[str]]]:
    """The models of a run split into the panels of a small-multiples figure, as (title,
    models): one group of all when there are at most ``above``, else families packed in
    run order into groups of at most ``most`` (a family never split unless it alone is
    larger), so every LSTM variant shares a panel with the other LSTMs."""
    models = list(models)
    if len(models) <= above:
        return [("", models)]
    families: dict[str, list[str]] = {}
    for model in models:
        families.setdefault(model_traits(model)["family"], []).append(model)
    groups: list[tuple[list[str], list[str]]] = []  # (family names, models)
    for family, members in families.items():
        chunks = [members[i:i + most] for i in range(0, len(members), most)]
        for chunk in chunks:
            if groups and len(chunk) == len(members) and len(groups[-1][1]) + len(chunk) <= most:
                groups[-1][0].append(family)
                groups[-1][1].extend(chunk)
            else:
                groups.append(([family], list(chunk)))
    return [(_family_title(names), members) for names, members in groups]


def _family_title(families: list[str]) -> str:
    return (f"{families[0]} family" if len(families) == 1
            else ", ".join(families[:-1]) + f" and {families[-1]} families")


CONTEXT_GREY = "0.82"  # the other groups' models, drawn behind a faceted panel's own


def task_title(task: str, page: Page) -> str:
    """A panel's title: the task, marked when it is a control (no dependency gap), so no reader
    takes its lengths for distances bridged."""
    if not (task in TASKS and TASKS.get(task).control):
        return task
    # on a page, panels are narrow: the mark goes on its own line
    return f"{task}{page.line_break()}(control: no gap)"


def is_scratch(model: str) -> bool:
    """From-scratch twins of a library model are drawn dashed and last: they coincide with
    their twin when both train identically, and must stay visible on top of it."""
    return model_traits(model)["twin"] is not None


def model_styles(models, dense: bool = False) -> dict:
    """seaborn's keywords for the models' markers and dashes (benchmark/report/styles.py); twins
    last, so they are drawn on top of the library model they coincide with. ``dense`` for
    curves with a point per evaluation or step: a marker on every point would hide the line,
    so markers are thinned to one per tenth of the line, but kept, since within a family
    (one colour) the marker is what tells two bare keys apart."""
    order = [m for m in models if not is_scratch(m)] + [m for m in models if is_scratch(m)]
    looks = styles_for(list(models))
    return {"hue_order": order, "style": "model", "style_order": order,
            "dashes": {m: looks[m].dash for m in models},
            "markers": {m: looks[m].marker for m in models},
            **({"markevery": 0.1, "markersize": 4} if dense else {})}


def log_y(ax) -> None:
    """Log y-axis labelled at 1, 2, 5 x powers of ten in plain numbers."""
    plain_log(ax.yaxis, ax.set_yscale)


def plain_log(axis, set_scale) -> None:
    set_scale("log")
    low, high = axis.get_view_interval()
    # under a decade, 1-2-5 leaves one label or none: label every integer multiple then
    subs = (1.0, 2.0, 5.0) if low <= 0 or high / low > 10 else tuple(range(1, 10))
    axis.set_major_locator(LogLocator(subs=subs))
    axis.set_major_formatter(FormatStrFormatter("%g"))
    axis.set_minor_formatter(NullFormatter())


def clip_exploded(ax, errors: pd.Series, baseline: float, typical: float = 0.0) -> None:
    """Keep the axis readable when a cell's error blew up (e.g. an IRNN whose activations ran
    away): cut it at DIVERGENCE_FACTOR x the baseline, where a cell counts as diverged (or
    1.5 x ``typical``, a curve's usual starting value, where that is higher) and say so in
    the panel. Tables keep the values."""
    worst, top = errors.max(), max(DIVERGENCE_FACTOR * baseline, 1.5 * typical)
    if np.isfinite(worst) and worst > top:
        low = ax.get_ylim()[0]
        ax.set_ylim(low, top)
        ax.text(0.98, 0.97, f"off scale, up to {worst:.3g}", transform=ax.transAxes,
                ha="right", va="top", fontsize=8, color="0.25")


def metric_label(task, prefix: str) -> str:
    """An axis label for a task's metric: ``"test MSE"`` (the task's own words), or the
    metric's column name where the task gives none."""
    return f"{prefix} {task.metric_label}" if task.metric_label else task.metric_name


def input_steps_note(tasks) -> str:
    """How many input steps a sample has, for each of ``tasks`` (the run's) whose input is
    longer than T (a prompt after the sequence): ``"T; T + 20 for copy_memory"``."""
    parts = []
    for key in tasks:
        try:
            extra = TASKS.get(key)().input_length(100) - 100
        except Exception:  # noqa: BLE001  (a plug-in task that needs parameters)
            continue
        if extra > 0:
            parts.append(f"T + {extra} for {key}")
    return "; ".join(["T", *parts])


def length_label(task: str) -> str:
    """The searched length's axis label: input steps, or for a capacity task (its length is a
    payload held at once) bits."""
    from benchmark.analysis.scaling import CAPACITY_TASKS

    return "k (bits held, log scale)" if task in CAPACITY_TASKS else "T (steps, log scale)"
