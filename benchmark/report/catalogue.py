"""Every figure of a report, declared once: its file name, when it applies, how it is drawn from
the report's context, and the caption that tells a reader what to read off it.

``write_report`` draws exactly the figures whose ``applies`` holds, and the sections link them
with ``figure_lines``, which returns nothing for a figure that does not apply: a figure is
never drawn without its link, nor linked without being drawn.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from benchmark.report import (
    dynamics_report,
    extrapolation_report,
    gradient_figures,
    length_figures,
    mechanism_report,
    scaling_report,
    training_figures,
)
from benchmark.report.context import ReportContext
from benchmark.report.data import (
    THROUGH_TIME_CHECKPOINTS,
    curve_lengths,
    held_after_stop,
)
from benchmark.report.markdown import percent, power_of_ten
from core.rules import CONFIDENCE, MIN_BOOTSTRAP_N, MIN_SEEDS_FOR_BAND, REACH_FRACTION
from tasks import TASKS


@dataclasses.dataclass(frozen=True)
class Figure:
    name: str  # figures/<name>.png
    alt: str  # the link's text
    applies: Callable[[ReportContext], bool]
    draw: Callable[[ReportContext, Path], None]
    caption: Callable[[ReportContext], str] | None = None  # "Read off: ..."


def _sweep(ctx: ReportContext) -> bool:
    return not ctx.single_length


def _error_caption(ctx: ReportContext) -> str:
    return ("Read off: where each line leaves the floor and climbs to the dashed memoryless "
            "baseline is where that model stops carrying the information across T steps "
            f"(mean over seeds; dots: the seeds; band: {percent(CONFIDENCE)} interval of the "
            f"mean, Student's t below {MIN_BOOTSTRAP_N} seeds, drawn from "
            f"{MIN_SEEDS_FOR_BAND} seeds on).")


def _curves_caption(ctx: ReportContext) -> str:
    lengths = "; ".join(f"{t}: T = {', '.join(str(n) for n in ns)}"
                        for t, ns in curve_lengths(ctx.agg, ctx.focus).items())
    loss_tasks = [t for t in ctx.tasks if ctx.task(t).graded_on == "loss"]
    on_loss = (f" {', '.join(loss_tasks)}: the training cross-entropy against its memoryless "
               "value (dashed), as the papers plot it." if loss_tasks else "")
    return ("Read off: validation error during training at several lengths per task: where "
            "the models part ways, the longest length some model still solved, and between "
            f"({lengths}); median over seeds, band from the best to the worst seed; a cell "
            "that stopped early (solved) is held at its last value." + on_loss)


def _probe_scopes() -> str:
    """What each registered task's probe loss covers where it is not its whole loss."""
    scopes = [f"for {key} {TASKS.get(key).probe_scope}" for key in TASKS.keys()
              if getattr(TASKS.get(key), "probe_scope", "")]
    return f" ({'; '.join(scopes)})" if scopes else ""


def _through_caption(ctx: ReportContext) -> str:
    (init, _), (middle, _), (end, _) = THROUGH_TIME_CHECKPOINTS
    return ("Read off: how much of the learning signal at the output step reaches an input d "
            "steps earlier (‖∂L/∂x_t‖ relative to its peak over t, log scale) at "
            f"{init}, after {middle} and at the {end}; median over seeds, band from the "
            "smallest to the largest seed. L is the answer's loss only" + _probe_scopes()
            + "; profiles are computed on validation samples. A missing panel: every cell of "
            "that task had stopped earlier, solved.")


def _reach_caption(ctx: ReportContext) -> str:
    return ("Read off: the gradient reach after training (the farthest distance at which the "
            f"signal is still ≥ {power_of_ten(REACH_FRACTION)} of its peak; dashed: the whole "
            "sequence) above the success rate, so mechanism and outcome line up by length.")


def _text(words: str) -> Callable[[ReportContext], str]:
    return lambda ctx: words


def _draw_curves(ctx: ReportContext, path: Path) -> None:
    held = held_after_stop(ctx.curves, ctx.usable)
    if ctx.single_length:
        training_figures.train_and_validation_curves(
            held, ctx.usable, ctx.agg, ctx.task_objects, ctx.grid, ctx.models, ctx.labels,
            path, ctx.page)
    else:
        training_figures.learning_curves(
            held, curve_lengths(ctx.agg, ctx.focus), ctx.agg, ctx.task_objects, ctx.models,
            ctx.labels, path, ctx.page)


# In drawing order (the order the report draws them in; each figure is its own file).
def _draw_extrapolation(ctx: ReportContext, path: Path) -> None:
    extrapolation_report.extrapolation_figure(ctx.extrapolation, ctx.models, ctx.labels,
                                              ctx.task_objects, path, ctx.page)


def _draw_scaling(ctx: ReportContext, path: Path) -> None:
    scaling_report.scaling_figure(ctx.scaling, scaling_report.scaled_keys(ctx.grid),
                                  ctx.models, ctx.labels, path, ctx.page)


def _crossed(ctx: ReportContext) -> bool:
    return not ctx.scaling.empty and len(ctx.grid.get("scale_cross", [])) >= 2


FIGURES = (
    Figure("error_vs_length", "error versus length", _sweep,
           lambda ctx, path: length_figures.error_vs_length(
               ctx.usable, ctx.agg, ctx.task_objects, ctx.models, ctx.labels, path, ctx.page),
           _error_caption),
    Figure("success_rate", "success rate", _sweep,
           lambda ctx, path: length_figures.success_heatmap(
               ctx.agg, ctx.models, ctx.labels, path, ctx.page),
           _text("Read off: the share of seeds that met the task's success rule (test set) at "
                 "each length each model ran; where a model's cells turn from light to dark "
                 "is its horizon.")),
    Figure("memory_horizon", "memory horizon", _sweep,
           lambda ctx, path: length_figures.horizon_plot(
               ctx.horizons, ctx.usable, ctx.models, ctx.labels, path, ctx.page),
           _text("Read off: each seed's own horizon is the longest length it solved (test "
                 "set) with every shorter length it ran solved; the thick bar is the median "
                 "seed's bracket (from the longest length it held to the first it failed), "
                 "the thin line the interval for the median from the seeds' order statistics, "
                 "with the number of seeds and the coverage that interval has (with few seeds "
                 "it is the whole range of seeds, and its coverage falls below 95 %).")),
    Figure("learning_curves", "learning curves", _sweep, _draw_curves, _curves_caption),
    Figure("learning_curves", "training and validation curves", lambda ctx: ctx.single_length,
           _draw_curves,
           _text("Read off: per task, the training loss and the validation error during "
                 "training (median over seeds, band from the best to the worst seed; in "
                 "epochs where the run trained on a fixed training set; a cell that stopped "
                 "early, solved, is held at its last value), and each seed's test error, read "
                 "once where it stopped (stars).")),
    Figure("cost", "cost", _sweep,
           lambda ctx, path: training_figures.cost(ctx.usable, ctx.models, ctx.labels, path,
                                                   ctx.page),
           _text("Read off: seconds per training step (forward, backward, optimiser) on one "
                 "CPU thread against the number of input steps; median over cells, band: "
                 "middle half.")),
    Figure("gradient_through_time", "gradient through time", lambda ctx: ctx.has_through,
           lambda ctx, path: gradient_figures.gradient_through_time(
               ctx.through, ctx.focus, ctx.models, ctx.labels, path, ctx.page),
           _through_caption),
    Figure("gradient_reach", "gradient reach", _sweep,
           lambda ctx, path: gradient_figures.reach_and_success(
               ctx.agg, ctx.models, ctx.labels, path, ctx.page),
           _reach_caption),
    Figure("gradient_norm", "gradient norm", lambda ctx: True,
           lambda ctx, path: gradient_figures.global_norm(
               ctx.norms, ctx.focus, float(ctx.grid.get("clip", 0) or 0), ctx.models,
               ctx.labels, path, ctx.page),
           _text("Read off: the global gradient norm before clipping during training (median "
                 "over seeds, band min–max); above the dashed line the update was clipped.")),
    Figure("learning_rate", "learning rate", lambda ctx: ctx.tuning is not None,
           lambda ctx, path: training_figures.lr_choice(
               ctx.tuning, ctx.focus, ctx.models, ctx.labels, path, ctx.page),
           _text("Read off: validation error against learning rate at the length where the "
                 "models part ways; the chosen rate is the lowest point of each line.")),
    Figure("extrapolation", "length extrapolation",
           lambda ctx: not ctx.extrapolation.empty,
           _draw_extrapolation,
           _text("Read off: test error over the memoryless baseline (dotted: 1) at multiples "
                 "of the training length, per task at the longest length every model trained "
                 "at; line: mean over seeds, band: the seeds' range; dashed: the success "
                 "threshold. Where a line leaves the dashed line is where that model stops "
                 "holding its rule on longer inputs than it trained on.")),
    Figure("scaling", "horizon against budget", lambda ctx: not ctx.scaling.empty,
           _draw_scaling,
           _text("Read off: per task (columns) and scaled key (rows), each model's horizon "
                 "against its budget, both axes log: the bar is the median seed's bracket "
                 "(from the longest length it held to the first it failed; a triangle where "
                 "it held the longest length run), the thin line the interval for the median "
                 "from the seeds' order statistics (to the top where a seed held the longest "
                 "length, to the floor where one held none), the line joins the closed "
                 "brackets' geometric middles. Width and depth are drawn against the "
                 "parameter count they give; the models' points are set slightly apart so none "
                 "hides another. On a capacity task the length is the number of bits held.")),
    Figure("scaling_map", "horizon over the crossed keys", _crossed,
           lambda ctx, path: scaling_report.crossed_map(ctx.scaling, ctx.grid, ctx.models,
                                                        ctx.labels, path, ctx.page),
           _text("Read off: a panel per task and model over the two crossed keys: the colour "
                 "is the median seed's horizon (the longest length it held, log colour scale), "
                 "the text its bracket and the number of seeds.")),

    Figure("mechanism", "mechanism against outcome", lambda ctx: not ctx.mechanism.empty,
           lambda ctx, path: mechanism_report.mechanism_figure(
               ctx.mechanism, ctx.mechanism_fit, ctx.models, ctx.labels, path,
               ctx.page),
           _text("Read off: a panel per diagnostic at initialisation, a point per (task, "
                 "model): x the diagnostic's median over seeds (thin line: the seeds' "
                 "range), y the median seed's horizon (the longest length it held; the bar "
                 "up to the first length it failed, a triangle where it held the longest "
                 "length run); colour the model, marker the task. A diagnostic that "
                 "explains the horizons lines the points up; rho is Spearman's over the "
                 "pairs with its 95 % bootstrap interval.")),

    Figure("lyapunov_spectrum", "Lyapunov spectra", lambda ctx: not ctx.spectra.empty,
           lambda ctx, path: dynamics_report.spectrum_figure(
               ctx.spectra, ctx.focus, ctx.models, ctx.labels, path, ctx.page),
           _text("Read off: per task at the length where the models part ways, each model's "
                 "largest Lyapunov exponents of the state map along its trajectories on probe "
                 "inputs (nats per step; 0: a direction neither grows nor decays), dashed at "
                 "initialisation, solid after training; line: median over seeds, band: the "
                 "seeds' range. A spectrum that moves toward 0 in training is a model that "
                 "learnt to hold some directions of its state.")),
    Figure("time_constants", "time constants", lambda ctx: not ctx.time_constants.empty,
           lambda ctx, path: dynamics_report.time_constant_figure(
               ctx.time_constants, ctx.focus, ctx.models, ctx.labels, path, ctx.page),
           _text("Read off: for the models whose architecture defines a per-unit retention a "
                 "(the LSTMs' forget gate, the GRU's update gate, |lambda| of diagonal "
                 "recurrences), the time constants tau = -1/ln a of their units along the "
                 "trajectories: bar from the 10th to the 90th percentile, dot at the median "
                 "(each the median over seeds), upper bar at initialisation, lower after "
                 "training; log scale, in steps.")),

)


def drawn(ctx: ReportContext) -> list[Figure]:
    """The figures this report has."""
    return [figure for figure in FIGURES if figure.applies(ctx)]


def figure_lines(ctx: ReportContext, name: str) -> list[str]:
    """A figure's link and caption, as report lines; none where it does not apply."""
    for figure in drawn(ctx):
        if figure.name == name:
            caption = [figure.caption(ctx), ""] if figure.caption else []
            return [f"![{figure.alt}](figures/{name}.png)", "", *caption]
    return []
