"""The report's budget section and figures (only for a run made with ``--scale``): each
model's horizon against training steps and against parameters, the slope of log horizon on
log budget, which orderings between models hold at every budget, and a width x depth map
where those keys were crossed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from benchmark.analysis.scaling import (
    CAPACITY_TASKS,
    along,
    capacity_table,
    orderings,
    points_within,
    slopes,
)
from benchmark.report.markdown import frame_table
from benchmark.report.markdown import table as markdown_table
from benchmark.report.page import SCREEN, Page
from benchmark.report.plotting import (
    drawable_span,
    legend_below,
    palette,
    panels,
    plain_log,
    task_title,
)

AXIS_NAMES = {"steps": "training steps", "batch_size": "batch size (sequences)",
              "train_size": "training set (sequences)", "n_params": "parameters"}
KEY_NAMES = {"steps": "training steps", "hidden_size": "width (hidden units)",
             "layers": "depth (layers)", "batch_size": "batch size",
             "train_size": "training-set size"}


def scaled_keys(grid: dict) -> list[str]:
    """The keys the run varied one at a time, in the sweep's order."""
    return list(grid.get("scale", {}))


def _thousands(value: float, _position=None) -> str:
    return f"{value / 1000:g}k" if value >= 10000 else f"{value:g}"


def _middle(low: float, high: float) -> float:
    return math.sqrt(low * high) if low > 0 and np.isfinite(high) else math.nan


def _draw_brackets(ax, x, rows: pd.DataFrame, colour, floor: float, ceiling: float,
                   label: str) -> None:
    """One model's points along one key: at each budget the interval for the median (thin),
    the median seed's bracket (thick; a triangle where open above), and a line through the
    closed brackets' middles."""
    for xi, row in zip(x, rows.itertuples(), strict=True):
        low, high = drawable_span(row.seed_ci_low, row.seed_ci_high, floor, ceiling)
        ax.plot([xi, xi], [low, high], "-", color=colour, lw=0.9)
        low, high = drawable_span(row.seed_median_low, row.seed_median_high, floor, ceiling)
        ax.plot([xi, xi], [low, high], "-", color=colour, lw=4, alpha=0.45)
        if not np.isfinite(row.seed_median_high):
            ax.plot(xi, ceiling, "^", color=colour, ms=5)
    middles = [_middle(r.seed_median_low, r.seed_median_high) for r in rows.itertuples()]
    ax.plot(x, middles, "o-", color=colour, lw=1.2, ms=4, label=label)


def scaling_figure(table: pd.DataFrame, keys: list[str], models, labels, path,
                   page: Page = SCREEN) -> None:
    """A row per scaled key, a panel per task: x the budget (log), y the horizon (log): per
    model the median seed's bracket as a bar at each budget (an arrow where it is open above;
    from the axis floor where nothing held), the interval for the median as a thin line, a line
    through the closed brackets' middles."""
    tasks = list(dict.fromkeys(table["task"]))
    fig, axes = panels(page, len(tasks), rows=len(keys), height=3.2)
    colours = palette(models)
    ends = pd.concat([table["seed_median_low"], table["seed_median_high"]])
    ends = ends[(ends > 0) & np.isfinite(ends)]  # probed lengths
    floor = ends.min() / 2 if len(ends) else 1.0  # where "held nothing" is drawn from
    ceiling = ends.max() * 2 if len(ends) else 4.0  # where "held the longest" points to
    for r, key in enumerate(keys):
        sweep = along(table, key)
        budget = "n_params" if key in ("hidden_size", "layers") else key
        for c, task in enumerate(tasks):
            ax = axes[r][c]
            rows = sweep[sweep["task"] == task]
            spread = {m: 1 + 0.03 * (i - (len(models) - 1) / 2) for i, m in enumerate(models)}
            for model in models:
                mine = rows[rows["model"] == model].sort_values(budget)
                if mine.empty:
                    continue
                x = mine[budget].to_numpy(float) * spread[model]  # apart, not hidden
                _draw_brackets(ax, x, mine, colours[model], floor, ceiling, model)
            ax.set_ylim(floor * 0.8, ceiling * 1.25)
            plain_log(ax.xaxis, ax.set_xscale)
            ax.xaxis.set_major_formatter(FuncFormatter(_thousands))  # "20k": labels fit
            if budget != "n_params":  # the few budgets swept are the ticks (not 500, 2000)
                ax.set_xticks(sorted(rows[budget].unique()),
                              [f"{v:g}" for v in sorted(rows[budget].unique())])
                ax.minorticks_off()
            plain_log(ax.yaxis, ax.set_yscale)
            ax.set_xlabel(f"{AXIS_NAMES[budget]} (log scale)"
                          + (f", by {KEY_NAMES[key]}" if budget == "n_params" else ""))
            capacity = task in CAPACITY_TASKS  # its searched length is a payload in bits
            ax.set_ylabel("bits held at once (log scale)" if capacity else
                          "horizon T (steps, log scale)" if c == 0 else "")
            ax.set_title(task_title(task, page))
    legend_below(fig, {m: labels.get(m, m) for m in models})
    page.save(fig, path)


def crossed_map(table: pd.DataFrame, grid: dict, models, labels, path,
                page: Page = SCREEN) -> None:
    """Width x depth (the two crossed keys), a panel per (task, model): the colour is the
    median seed's horizon (its bracket's lower end), the text its bracket and seed count."""
    first, second = [k for k in grid["scale"] if k in grid.get("scale_cross", [])][:2]
    # the anchor and the crossed points only: a steps=3000 point also sits at the anchor's
    # width and depth, and must not be drawn over the anchor's cell of the map
    table = points_within(table, (first, second))
    tasks = list(dict.fromkeys(table["task"]))
    shown = [m for m in models if (table["model"] == m).any()]
    # a row per task, a column per model: one long row of panels is unreadable
    fig, grid_axes = panels(page, len(shown), rows=len(tasks), width=2.8, height=2.6)
    pairs = [(t, m) for t in tasks for m in shown]
    flat_axes = [grid_axes[r][c] for r in range(len(tasks)) for c in range(len(shown))]
    values_a, values_b = sorted(grid["scale"][first]), sorted(grid["scale"][second])
    top = max(table["seed_median_low"].max(), 1)
    for k, (ax, (task, model)) in enumerate(zip(flat_axes, pairs, strict=True)):
        rows = table[(table["task"] == task) & (table["model"] == model)]
        if rows.empty:
            ax.set_axis_off()
            continue
        grid_values = np.full((len(values_b), len(values_a)), np.nan)
        for row in rows.itertuples():
            a, b = getattr(row, first), getattr(row, second)
            if a in values_a and b in values_b:
                i, j = values_b.index(b), values_a.index(a)
                grid_values[i, j] = row.seed_median_low
                high = "∞" if not np.isfinite(row.seed_median_high) else \
                    f"{row.seed_median_high:g}"
                shade = math.log10(max(row.seed_median_low, 1)) / max(math.log10(top), 1e-9)
                ax.text(j, i, f"[{row.seed_median_low:g}, {high})\nn={row.n_seeds}",
                        ha="center", va="center", fontsize=7,
                        color="white" if shade < 0.5 else "black")  # readable on the colour
        image = ax.imshow(np.log10(np.maximum(grid_values, 1)), cmap="viridis", vmin=0,
                          vmax=max(math.log10(top), 1e-9), origin="lower", aspect="auto")
        ax.grid(False)
        ax.set_xticks(range(len(values_a)), [str(v) for v in values_a])
        ax.set_yticks(range(len(values_b)), [str(v) for v in values_b])
        ax.set_xlabel(KEY_NAMES[first])
        ax.set_ylabel(KEY_NAMES[second] if k % len(shown) == 0 else "")
        ax.set_title(f"{task_title(task, page)}\n{labels.get(model, model)}", fontsize=8)
    fig.tight_layout()
    bar = fig.colorbar(image, ax=flat_axes, fraction=0.03, pad=0.02)
    bar.set_label("median seed's horizon, log10 T")
    page.save(fig, path)


def _bracket(low: float, high: float) -> str:
    return f"[{low:g}, {'∞' if not np.isfinite(high) else f'{high:g}'})"


def _number(value: float) -> str:
    return "∞" if value == math.inf else "−∞" if value == -math.inf else f"{value:.2f}"


def _slope_text(row) -> str:
    """The Theil-Sen slope over closed brackets with its interval ('–' where ties leave it
    undefined), and how many open brackets it left out."""
    if not np.isfinite(row.slope):
        return f"– ({row.n_seed_points} closed seed brackets)"
    interval = (f"[{row.slope_low:.2f}, {row.slope_high:.2f}]"
                if np.isfinite(row.slope_low) and np.isfinite(row.slope_high)
                else "[–: too many ties]")
    return f"{row.slope:.2f} {interval} ({row.n_seed_points} closed, {row.n_open} open left out)"


def _range_text(row) -> str:
    # nothing held anywhere: the range only spans the shortest length's bracket, which says
    # nothing about growth
    if row.never_held or (not np.isfinite(row.range_low) and not np.isfinite(row.range_high)):
        return "–"
    return f"[{_number(row.range_low)}, {_number(row.range_high)}]"


def _change_line(row, name: str) -> str:
    """One model's growth or shrinkage along one key, with the numbers it rests on."""
    unit = "parameters" if row.budget == "n_params" else KEY_NAMES[row.key]
    line = (f"- **{row.task}**, {name}: the horizon {row.change} with {KEY_NAMES[row.key]}: "
            f"{_bracket(row.first_low, row.first_high)} at {row.lowest:g} → "
            f"{_bracket(row.last_low, row.last_high)} at {row.highest:g} {unit} (median "
            f"seed; the intervals for the median apart); slope range {_range_text(row)}")
    if np.isfinite(row.slope):
        line += f", Theil–Sen over closed brackets {_slope_text(row)}"
    return line + ("; it stopped growing at the top of the sweep" if row.stops_growing
                   else "") + "."


def opening(slope_table: pd.DataFrame, orders: pd.DataFrame, labels: dict) -> list[str]:
    """What the budget changes and what it does not, from the tables: one line per change,
    one per task and key for the models it does not change."""
    lines = []
    never = slope_table[slope_table["never_held"]]
    for (task, key), rows in never.groupby(["task", "key"], sort=False):
        names = [labels.get(m, m) for m in rows["model"]]
        lines.append(f"- **{task}**: {', '.join(names)} "
                     f"{'stays' if len(names) == 1 else 'stay'} below the shortest length "
                     f"whatever the {KEY_NAMES[key]} in this sweep.")
    held = slope_table[~slope_table["never_held"]]
    for row in held[held["change"] != "not shown"].itertuples():
        lines.append(_change_line(row, labels.get(row.model, row.model)))
    unmoved = held[held["change"] == "not shown"]
    for (task, key), rows in unmoved.groupby(["task", "key"], sort=False):
        names = [labels.get(m, m) for m in rows["model"]]
        lines.append(f"- **{task}**, {KEY_NAMES[key]}: not shown to change the horizon of "
                     f"{', '.join(names)} (the intervals for the median at "
                     f"the smallest and the largest budget overlap).")
    for row in orders[orders["verdict"] != "overlaps somewhere"].itertuples():
        a, b = labels.get(row.a, row.a), labels.get(row.b, row.b)
        if row.verdict == "flips":
            lines.append(f"- **{row.task}**: {a} and {b} swap places with the budget ({a} "
                         f"above at {row.a_above} of {row.n_points} points, below at "
                         f"{row.a_below}).")
        else:
            lines.append(f"- **{row.task}**: {a} lies {row.verdict.split()[1]} {b} at every "
                         f"one of the {row.n_points} budgets (median seeds' brackets apart).")
    return lines


def scaling_section(table: pd.DataFrame, grid: dict, labels: dict,
                    figure_lines) -> list[str]:
    """The report's budget section; ``figure_lines(name)`` links a drawn figure."""
    if table.empty:
        return []
    keys = scaled_keys(grid)
    slope_table = slopes(table, keys)
    orders = orderings(table)
    shown = table.assign(model=[labels.get(m, m) for m in table["model"]],
                         horizon=[_bracket(r.seed_median_low, r.seed_median_high)
                                  + f" in {_bracket(r.seed_ci_low, r.seed_ci_high)} "
                                  f"(n = {r.n_seeds})" for r in table.itertuples()],
                         point=[p or "(as given)" for p in table["point"]])
    slope_shown = slope_table.assign(model=[labels.get(m, m) for m in slope_table["model"]],
                                     slope=[_slope_text(r) for r in slope_table.itertuples()],
                                     range=[_range_text(r) for r in slope_table.itertuples()])
    return ["## Budget", "",
            "The same search at each budget point: the grid as given, and each scaled key "
            "varied alone through it" + (" (crossed keys: " + ", ".join(
                grid.get("scale_cross", [])) + ")" if grid.get("scale_cross") else "")
            + ". What the budget changes, and what it does not:", "",
            *opening(slope_table, orders, labels), "",
            *figure_lines("scaling"), *figure_lines("scaling_map"),
            "Slope of log10 horizon on log10 budget. Theil–Sen over every seed's closed "
            "bracket (its geometric middle), with its 95 % interval: a seed that failed the "
            "shortest length or held the longest has no closed bracket and is left out, and "
            "counted, which biases the slope where many are open (at the top budget those are "
            "the best seeds). The range: the smallest and largest Theil–Sen slope over every "
            "set of horizons the seeds' brackets allow, open ones included. The verdicts above "
            "rest on neither: on the intervals for the median at the two ends of the sweep.", "",
            frame_table(slope_shown[["task", "model", "key", "lowest", "highest", "slope",
                                     "range", "change"]]
                        .rename(columns={"key": "scaled", "lowest": "from", "highest": "to",
                                         "slope": "Theil–Sen [interval] (seeds)",
                                         "range": "range over all brackets"})), "",
            "Every point: the median seed's bracket in the order-statistic interval for the "
            "median:", "",
            frame_table(shown[["task", "model", "point", "steps", "hidden_size", "layers",
                               "n_params", "horizon"]]), "",
            *capacity_lines(table, labels)]


def capacity_lines(table: pd.DataFrame, labels: dict) -> list[str]:
    """Bits held per hidden unit at each budget point of a capacity task, beside Collins,
    Sohl-Dickstein & Sussillo's (2017) about one real number per unit."""
    found = capacity_table(table)
    if found.empty:
        return []
    body = [[labels.get(r.model, r.model), r.point or "(as given)", str(r.units),
             _bracket(r.seed_median_low, r.seed_median_high),
             f"{r.bits_per_unit:.2f} [{r.bits_per_unit_low:.2f}, "
             f"{'∞' if not np.isfinite(r.bits_per_unit_high) else f'{r.bits_per_unit_high:.2f}'})"
             f" (n = {r.n_seeds})"] for r in found.itertuples()]
    return ["**Capacity.** On bit_capacity the searched length is the number of bits held at "
            "once over a fixed delay, so the median seed's horizon is a capacity in bits; per "
            "hidden unit (hidden size x layers) it sets each model against Collins, "
            "Sohl-Dickstein & Sussillo (2017), who found tuned networks of every architecture "
            "store about one real number per unit (bits of a random payload are a lower bound "
            "on what a unit holds). Interval: the order-statistic interval for the median "
            "seed's capacity, per unit:", "",
            markdown_table(["model", "point", "units", "bits held (median seed)",
                         "bits per unit [interval]"], body), ""]
