"""The rule book: every threshold the suite's judgements rest on, defined once.

The search, the statistics, the report's prose and its figures import these names; report text
formats them (``benchmark.report.markdown.percent``), it never restates them. Changing a value
here changes every place that applies or describes it. Each rule says why it has its value.
"""

from __future__ import annotations

# --- outcomes of a cell ------------------------------------------------------------------

# A test error above this multiple of the task's memoryless baseline (or a non-finite one) is a
# diverged cell: far beyond anything training towards the target produces (the worst other
# cell of the first reference run sat at 1.04x), yet a blow-up (an IRNN at 7e7) is caught.
# Figures draw errors above it off scale.
DIVERGENCE_FACTOR = 10.0

# The graded outcome "beats the memoryless baseline": the test value is at least this share
# below the baseline. 0.1 because on copy_memory it is what recalling one of the ten symbols
# removes from the memoryless loss, and on adding (1/6) or bit_memory (0.5) it is 2.7 and 3.2
# standard errors of a memoryless predictor's score on the default 1000 test samples, so noise
# alone does not pass it.
BEAT_MARGIN = 0.1


def beats_baseline(ok, gain):
    """The graded outcome of a cell (or of each row, given Series): it trained without
    diverging and removed at least BEAT_MARGIN of the memoryless baseline."""
    return ok & (gain >= BEAT_MARGIN)


# --- outcomes of a length ----------------------------------------------------------------

# A length counts as solved by a (task, model) when at least this share of its seeds solve.
SOLVED_SHARE = 0.5


def enough_solved(n_solved, n_seeds):
    """Whether ``n_solved`` of ``n_seeds`` is at least SOLVED_SHARE, decided on the counts
    (a success rate compared with SOLVED_SHARE agrees: 0.5 * n is exact in binary)."""
    return n_solved >= SOLVED_SHARE * n_seeds


def median_solved(n_through, n_seeds):
    """Whether the median seed solved a length and every shorter one, from the number of seeds
    that did (``n_through``): at least n - (n - 1) // 2, a majority; for an even count the
    lower of the two middle seeds, so both must have."""
    return n_seeds > 0 and n_through >= n_seeds - (n_seeds - 1) // 2


# A learning-rate choice among validation errors all within this share of the memoryless
# baseline is a choice among chance-level runs (flagged, not trusted).
CHANCE_BAND = 0.1

# --- statistics --------------------------------------------------------------------------

CONFIDENCE = 0.95  # every interval the suite prints
SIGNIFICANCE = 0.05  # the false-discovery level of paired comparisons (Benjamini-Hochberg)
MIN_BOOTSTRAP_N = 10  # below this many seeds the interval of a mean is Student's t: a
                      # percentile bootstrap over 3 values collapses to their range
# A paired comparison is called "consistent" (every seed favours one side, not significant)
# only from this many pairs: at 2 pairs it happens half the time by chance, at 5 one time in 16.
MIN_PAIRS_FOR_CONSISTENT = 5
MIN_SEEDS_FOR_BAND = 3  # figures draw a mean's interval band from this many seeds on: at 2
                        # seeds a t interval covers the whole panel

# --- gradients ---------------------------------------------------------------------------

# The gradient's reach: the farthest distance at which ||dL/dx_t|| is still at least this
# share of its peak over t.
REACH_FRACTION = 1e-3

# The through-time profiles are recorded at initialisation, at these fractions of the step
# budget, and at the end of training.
PROFILE_FRACTIONS = (0.1, 0.25, 0.5)
