"""The progress bar counts work, not cells: its ETA extrapolates the right quantity."""

from benchmark.run.config import Grid
from benchmark.run.progress import Progress
from benchmark.run.workers import cost


def test_the_bar_weighs_cells_by_their_work_and_leaves_read_back_cells_out():
    grid = Grid(tasks=("adding",), models=("rnn",), lengths=(5, 50), seeds=1, steps=10)
    short, long = grid.cells()
    assert cost(long) == 10 * cost(short)  # T = 50 trains ten times the time steps of T = 5
    progress = Progress("run", [short, long], enabled=False)
    assert progress.work_total == cost(short) + cost(long)
    progress.finished(long)
    assert progress.work_done / progress.work_total == 10 / 11  # one cell of two: 91 % of the work
    progress.skipped(short)  # read back: not work done here, so out of the total
    assert progress.work_total == cost(long) and progress.done == 2
    progress.finished(short)  # beyond the plan (a rate past the grid's edge): the total grows
    assert progress.work_total == progress.work_done == cost(long) + cost(short)
    progress.close()


def test_a_search_counts_cells_without_a_total():
    grid = Grid(tasks=("adding",), models=("rnn",), lengths=(5,), seeds=1, steps=10)
    progress = Progress("search", None, enabled=False)
    progress.finished(grid.cells()[0])
    assert progress.work_total is None and progress.done == 1
    progress.close()
