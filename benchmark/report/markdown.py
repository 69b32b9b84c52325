"""Markdown for the reports: one table writer and one number format, used by every report."""

from __future__ import annotations

import math

import pandas as pd


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def frame_table(frame: pd.DataFrame, floats: str = "{:.3g}") -> str:
    """A DataFrame as a markdown table, floats in the given format."""
    rows = [[floats.format(v) if isinstance(v, float) else str(v) for v in row]
            for row in frame.itertuples(index=False)]
    return table(list(map(str, frame.columns)), rows)


def power_of_ten(value: float) -> str:
    """1e-3 as "1e-3" (Python's "g" format writes 0.001, its "e" format 1e-03)."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def fmt(value: float, digits: int = 3) -> str:
    """A number in ``digits`` significant digits; an en dash for a missing one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}g}"


def percent(share: float) -> str:
    """0.1 as "10 %", 0.95 as "95 %" (a rule's share, in the report's typography)."""
    return f"{share * 100:g} %"


def times(factor: float) -> str:
    """10.0 as "10x" (a rule's multiple)."""
    return f"{factor:g}x"


def share_words(share: float) -> str:
    """A share of the seeds in words: 0.5 as "half", others as a percentage."""
    return {0.5: "half", 1.0: "all"}.get(share, percent(share))
