"""Which code computed a run's cells: each cell file names its commit (``git_commit``, with
``-dirty`` where tracked files differed from it), and a report says whether they agree.

A reference is a claim about one version of the code, so a run whose cells came from several
commits, or from a tree with uncommitted changes, is flagged where a reader looks first.
"""

from __future__ import annotations

import pandas as pd

from benchmark.run.schema import cell_commits


def cell_commit_counts(*summaries: pd.DataFrame | None) -> dict[str, int]:
    """Cells per commit over the given summaries (``schema.cell_commits``, the count run.json
    records)."""
    return cell_commits(row for summary in summaries if summary is not None
                        for row in summary.to_dict("records"))


def provenance_lines(counts: dict[str, int], run_commit: str) -> list[str]:
    """One paragraph: the commit every cell came from, or a warning naming the mixture."""
    known = {c: n for c, n in counts.items() if c != "unknown"}
    unknown = counts.get("unknown", 0)
    dirty = sum(n for c, n in known.items() if c.endswith("-dirty"))
    if not known:
        return [f"Cells do not record their commit (written before cells carried it); the "
                f"run was last opened at commit `{run_commit}`."]
    if len(known) == 1 and not unknown and not dirty:
        return [f"Every cell computed at commit `{next(iter(known))}`."]
    parts = [f"`{c}`: {n}" for c, n in known.items()]
    if unknown:
        parts.append(f"unrecorded: {unknown}")
    warning = (f"**Mixed provenance**: cells come from {len(known) + bool(unknown)} "
               f"source(s) ({', '.join(parts)} cells)") if len(known) + bool(unknown) > 1 \
        else f"Cells computed at commit `{next(iter(known))}`"
    if dirty:
        warning += (f"; {dirty} computed from a tree with uncommitted changes (`-dirty`), "
                    "which no commit reproduces")
    return [warning + ". Numbers from different code need not agree; a reference is rerun "
            "from one clean commit."]
