"""Where a report's figures go: a screen, or a printed page of a given width, in which formats.

A ``Page`` is a value handed to every figure (no module state): it sizes figures and their
fonts for the page, wraps panels that would get too narrow, fits the saved bounding box to the
width, and writes PNG (always; the report links it) plus any vector copies, byte-identically
(no dates or version stamps, fixed SVG ids, TrueType fonts embedded in PDFs).
"""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns

from core.errors import UsageError

DPI = 200  # print resolution at the figure sizes used
PNG_METADATA = {"Software": None}  # no version stamp: same tables -> byte-identical files
PAGE_FONT_SCALE = 0.85  # about 8-pt labels at the printed size, what journals ask for
MIN_PAGE_WIDTH = 2.5
MAX_PAGE_WIDTH = 40.0  # inches: wider is no page (and inf would reach matplotlib)
MIN_PANEL_WIDTH = 2.2  # inches: narrower than this on a page, panels wrap onto more rows
FIGURE_FORMATS = ("png", "svg", "pdf")
VECTOR_METADATA = {"svg": {"Date": None, "Creator": None},
                   "pdf": {"CreationDate": None, "Creator": None, "Producer": None}}


@dataclasses.dataclass(frozen=True)
class Page:
    """``width``: inches every figure must fit (3.5 one column of a two-column paper, 7.0 its
    text width), with paper-sized fonts; None: screen sizes. ``formats``: the vector formats
    written beside each PNG."""

    width: float | None = None
    formats: tuple[str, ...] = ()

    @classmethod
    def of(cls, width: float | None = None, formats=("png",)) -> Page:
        """A checked page: a width too narrow or an unknown format is one UsageError."""
        if width is not None and not MIN_PAGE_WIDTH <= width <= MAX_PAGE_WIDTH:
            raise UsageError(f"page width {width!r} is out of range; give inches from "
                             f"{MIN_PAGE_WIDTH:g} to {MAX_PAGE_WIDTH:g} (3.5: one column, "
                             "7.0: two-column text width)")
        unknown = [f for f in formats if f not in FIGURE_FORMATS]
        if unknown:
            raise UsageError(f"figure format {unknown[0]!r} is unknown; choose from "
                             f"{', '.join(FIGURE_FORMATS)}")
        return cls(width, tuple(f for f in dict.fromkeys(formats) if f != "png"))

    def setup(self) -> None:
        """seaborn's theme at the page's font size (call before drawing)."""
        sns.set_theme(context="paper", style="whitegrid",
                      font_scale=1.1 if self.width is None else PAGE_FONT_SCALE)

    def size(self, width: float, height: float, scale_height: bool = True
             ) -> tuple[float, float]:
        """A figure size fitted to the page: the width shrinks to fit and the height with it
        (not below 0.65 of it, so panels keep room for their labels), unless the height
        holds rows of text (one row per model), which keep their size."""
        if self.width is None or width <= self.width:
            return width, height
        factor = self.width / width
        return self.width, height * max(factor, 0.65) if scale_height else height

    def per_row(self, n: int, width: float) -> int:
        """How many of ``n`` panels share a row: all of them, unless on a page they would be
        narrower than MIN_PANEL_WIDTH (and than drawn for the screen)."""
        if self.width is None:
            return n
        return max(1, min(n, int(self.width // min(MIN_PANEL_WIDTH, width))))

    def row_label(self, text: str) -> str:
        """A model's name as a row label: on a page, wrapped to about 6 characters per inch
        of page width, so one long variant name does not take the panels' width."""
        if self.width is None:
            return text
        return textwrap.fill(text, width=max(16, int(6 * self.width)))

    def line_break(self) -> str:
        """Between a panel title and its mark: a space on screen, a new line on a page."""
        return " " if self.width is None else "\n"

    def _fit(self, fig) -> None:
        """Shrink the figure until its tight bounding box (labels and legend outside the
        panels included) fits the page width: the panels' positions are fractions, so they
        narrow and the text keeps its size."""
        room = self.width - 2 * matplotlib.rcParams["savefig.pad_inches"]  # padded twice
        fig.set_dpi(DPI)  # text extents depend on the resolution: measure at the saved one
        for _ in range(6):
            width = fig.get_tightbbox(fig.canvas.get_renderer()).width  # inches
            if width <= room + 0.005:
                return
            fig_width, fig_height = fig.get_size_inches()
            fig.set_size_inches(fig_width - (width - room) - 0.01, fig_height)

    def save(self, fig, path) -> None:
        """Write the figure (PNG and the page's vector formats) and close it."""
        if self.width is not None:
            self._fit(fig)
        fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata=PNG_METADATA)
        for extension in self.formats:
            with plt.rc_context({"svg.hashsalt": "longdep", "svg.fonttype": "path",
                                 "pdf.fonttype": 42}):
                fig.savefig(Path(path).with_suffix(f".{extension}"), bbox_inches="tight",
                            metadata=VECTOR_METADATA[extension])
        plt.close(fig)


SCREEN = Page()  # the default: screen sizes, PNG only
