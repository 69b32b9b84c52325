"""A report says which code computed its cells, and flags a mixture or a dirty tree."""

import pandas as pd

from benchmark.report.provenance import cell_commit_counts, provenance_lines


def test_counts_cells_per_commit_across_summaries_with_unrecorded_cells():
    new = pd.DataFrame({"git_commit": ["abc", "abc", None]})
    old = pd.DataFrame({"seed": [0, 1]})  # written before cells carried their commit
    assert cell_commit_counts(new, old, None) == {"abc": 2, "unknown": 3}


def test_one_clean_commit_is_stated_plainly():
    (line,) = provenance_lines({"abc": 5}, "abc")
    assert line == "Every cell computed at commit `abc`." and "Mixed" not in line


def test_several_commits_are_flagged_with_their_counts():
    (line,) = provenance_lines({"abc": 5, "def": 2, "unknown": 1}, "def")
    assert line.startswith("**Mixed provenance**: cells come from 3 source(s)")
    assert "`abc`: 5" in line and "`def`: 2" in line and "unrecorded: 1" in line


def test_a_dirty_tree_is_flagged_even_alone():
    (line,) = provenance_lines({"abc-dirty": 4}, "abc-dirty")
    assert "Mixed" not in line and "4 computed from a tree with uncommitted changes" in line


def test_a_run_without_recorded_commits_says_so():
    (line,) = provenance_lines({"unknown": 9}, "abc")
    assert "do not record their commit" in line and "`abc`" in line
