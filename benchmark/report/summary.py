"""The report's opening: a generated summary of what the run found, before any table.

Per task: which model holds the task longest, every model's horizon bracket (longest first),
and what the gradient showed at initialisation at the longest length run; a control task says
only what was solved. Every number comes from the horizon and per-length tables the rest of
the report shows, so the summary can be checked against them.
"""

from __future__ import annotations

import math

import pandas as pd

from benchmark.report.markdown import percent
from benchmark.report.tables import horizon_bracket_text
from core.rules import BEAT_MARGIN


def _reach_at_start(agg: pd.DataFrame, ranked: pd.DataFrame, labels: dict[str, str]) -> str:
    """For each model, the share of the input the gradient reached at initialisation at the
    length where it first failed (its longest length where it never did): what it started
    with where it stopped."""
    if "grad_reach_fraction_init" not in agg:
        return ""
    parts = []
    for r in ranked.itertuples():
        mine = agg[(agg["task"] == r.task) & (agg["model"] == r.model)]
        length = r.horizon_high if math.isfinite(r.horizon_high) else mine["seq_len"].max()
        at = mine.loc[mine["seq_len"] == length, "grad_reach_fraction_init"]
        if len(at) and at.notna().all():
            parts.append(f"{labels.get(r.model, r.model)} {float(at.iloc[0]):.0%} "
                         f"(T = {length:g})")
    if not parts:
        return ""
    return (" At initialisation, the gradient reached this share of the input at the length "
            f"where each model first failed (or its longest): {', '.join(parts)}.")


def _graded(ranked: pd.DataFrame, labels: dict[str, str]) -> str:
    """The graded horizons, where the looser rule carries some model further than the strict."""
    if "beats_low" not in ranked or not (ranked["beats_low"] > ranked["horizon_low"]).any():
        return ""
    further = ranked[ranked["beats_low"] > ranked["horizon_low"]]
    parts = "; ".join(f"{labels.get(r.model, r.model)} "
                      f"{horizon_bracket_text(r.beats_low, r.beats_high)}"
                      for r in further.itertuples())
    return (f" Beating the memoryless baseline by at least {percent(BEAT_MARGIN)} (the papers' "
            f"reading) holds longer for: {parts}.")


def _one_length(agg: pd.DataFrame, task: str, controls: list[str],
                labels: dict[str, str]) -> str:
    """A task run at one length: each model's seeds solved there, most first."""
    rows = agg[agg["task"] == task].assign(k=lambda r: (r["success_rate"] * r["n"]).round())
    rows = rows.sort_values("k", ascending=False, kind="stable")
    length = int(rows["seq_len"].iloc[0])
    solved = ", ".join(f"{labels.get(r.model, r.model)} {int(r.k)}/{int(r.n)}"
                       for r in rows.itertuples())
    kind = " (control, no gap to bridge)" if task in controls else ""
    return f"- **{task}**{kind}, one length, T = {length}: seeds solved: {solved}."


def summary_lines(horizons: pd.DataFrame, agg: pd.DataFrame, tasks: list[str],
                  controls: list[str], labels: dict[str, str],
                  single_length: bool = False) -> list[str]:
    lines = ["## Summary", ""]
    if single_length:  # no horizon to tell: what each model did at the one length
        return lines + [_one_length(agg, task, controls, labels) for task in tasks]
    for task in tasks:
        rows = horizons[horizons["task"] == task]
        if rows.empty:
            continue
        if task in controls:
            solved_all = rows["success_pattern"].map(
                lambda p: all(a == b for a, b in (x.split(": ")[1].split("/")
                                                  for x in p.split(", "))))
            verdict = "every model solved every length" if solved_all.all() else \
                "not every model solved every length (see the horizon table)"
            lines.append(f"- **{task}** (control, no gap to bridge): {verdict}.")
            continue
        ranked = rows.assign(key=rows["horizon_low"].fillna(-1)).sort_values(
            ["key", "horizon_high"], ascending=[False, False], kind="stable")
        best = ranked.iloc[0]
        ties = ranked[(ranked["horizon_low"] == best["horizon_low"])
                      & (ranked["horizon_high"] == best["horizon_high"])]
        leaders = ", ".join(labels.get(m, m) for m in ties["model"])
        if best["horizon_low"] == 0:
            head = "no model solved even the shortest length"
        else:
            held = "beyond the longest length run" if math.isinf(best["horizon_high"]) else \
                f"to T = {best['horizon_low']:g}"
            head = f"held longest by {leaders} ({held})"
        brackets = "; ".join(f"{labels.get(r.model, r.model)} "
                             f"{horizon_bracket_text(r.horizon_low, r.horizon_high)}"
                             for r in ranked.itertuples())
        lines.append(f"- **{task}**: {head}. Horizons [solved, failed): {brackets}."
                     + _graded(ranked, labels) + _reach_at_start(agg, ranked, labels))
    return lines
