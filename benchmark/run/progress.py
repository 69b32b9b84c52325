"""A run's progress bar, counted in work rather than in cells, so its ETA holds early.

Cells differ in cost by orders of magnitude (a cell at T = 50 trains ten times the time steps
of one at T = 5, and a grid runs its longest cells first), so a bar that counts cells
extrapolates its first, slowest cells over the rest and is wrong for most of the run. Here a
cell weighs its planned work (``workers.cost``: input steps x training steps x batch x hidden).
A cell read back from an earlier run is taken out of the total, not counted as done, so a
resumed run's rate is the rate of computing. A horizon search does not know its cells in
advance: its bar counts cells, without a total.
"""

from __future__ import annotations

from tqdm.auto import tqdm

from benchmark.run.config import Cell
from benchmark.run.workers import cost

BAR_FORMAT = "{desc}: {percentage:3.0f}% of the work|{bar}| [{elapsed}<{remaining}]"


class Progress:
    def __init__(self, name: str, planned: list[Cell] | None, enabled: bool) -> None:
        self.name = name
        self.planned = len(planned) if planned is not None else None
        self.done = 0  # cells finished or read back
        self.work_total = float(sum(cost(c) for c in planned)) if planned is not None else None
        self.work_done = 0.0
        if planned is None:
            self.bar = tqdm(unit="cell", disable=not enabled, desc=name, dynamic_ncols=True)
        else:
            self.bar = tqdm(total=self.work_total, disable=not enabled, desc=name,
                            dynamic_ncols=True, bar_format=BAR_FORMAT)
            self._describe()

    def _describe(self) -> None:
        self.bar.set_description_str(f"{self.name}, {self.done}/{self.planned} cells",
                                     refresh=False)

    def skipped(self, cell: Cell) -> None:
        """A cell read back, not computed: out of the total, not work done."""
        self.done += 1
        if self.work_total is None:
            self.bar.update()
            return
        self.work_total = max(self.work_total - cost(cell), self.work_done)
        self.bar.total = self.work_total
        self._describe()
        self.bar.refresh()

    def finished(self, cell: Cell) -> None:
        """A cell computed (or failed) here."""
        self.done += 1
        if self.work_total is None:
            self.bar.update()
            return
        work = cost(cell)
        # a cell beyond the plan (a rate past the grid's edge) grows the total
        self.work_total = max(self.work_total, self.work_done + work)
        self.work_done += work
        self.bar.total = self.work_total
        self._describe()
        self.bar.update(work)

    def close(self) -> None:
        self.bar.close()
