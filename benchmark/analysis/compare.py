"""compare_runs: two runs side by side, paired by cell, for "did my change help?" questions.

Cells are matched on (task, model, seq_len, seed); for each (task, model, seq_len) the final
metrics of the matched seeds are compared with the same paired test as the model comparisons,
and so is success (solved on the test set, 0 or 1 per seed: the sign-flip test on those
differences is the exact McNemar test on the discordant seeds), each Benjamini-Hochberg
corrected over the table.
"""

from __future__ import annotations

import pandas as pd

from benchmark.analysis import stats
from benchmark.run.schema import GROUP, KEYS, usable
from benchmark.run.store import RunStore
from core.errors import UsageError


def compare_runs(run_a, run_b) -> pd.DataFrame:
    a = usable(RunStore(run_a).load_usable_summary())
    b = usable(RunStore(run_b).load_usable_summary())
    columns = KEYS + ["final_metric", "solved"]
    merged = a[columns].merge(b[columns], on=KEYS, suffixes=("_a", "_b"))
    if merged.empty:
        raise UsageError(f"{run_a} and {run_b} share no cells (task, model, seq_len, seed)")
    rows = []
    for (task, model, seq_len), group in merged.groupby(GROUP, sort=True):
        result = stats.paired_test(group["final_metric_a"], group["final_metric_b"])
        solved_a, solved_b = group["solved_a"].astype(float), group["solved_b"].astype(float)
        success = stats.paired_test(solved_a, solved_b)
        rows.append({"task": task, "model": model, "seq_len": seq_len,
                     "mean_a": group["final_metric_a"].mean(),
                     "mean_b": group["final_metric_b"].mean(), **result,
                     "solved_a": int(solved_a.sum()), "solved_b": int(solved_b.sum()),
                     "success_diff": float((solved_a - solved_b).mean()),
                     "success_p_value": success["p_value"]})
    table = pd.DataFrame(rows)
    table["q_value"] = stats.bh_qvalues(table["p_value"])
    table["success_q_value"] = stats.bh_qvalues(table["success_p_value"])
    table["better"] = table["mean_diff"].map(lambda d: "a" if d < 0 else "b" if d > 0 else "")
    return table
