"""A heat map of gradient norms, epochs by time steps, on a log colour scale (Rich styles only)."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

# A perceptually even dark-to-bright ramp (viridis stops): dark reads as "vanished".
_STOPS = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
LEVELS = 16
PALETTE = [
    Style(
        bgcolor=Color.from_rgb(
            *(
                round(a + (b - a) * (pos - int(pos)))
                for a, b in zip(_STOPS[int(pos)], _STOPS[min(int(pos) + 1, len(_STOPS) - 1)], strict=True)
            )
        )
    )
    for pos in (i * (len(_STOPS) - 1) / (LEVELS - 1) for i in range(LEVELS))
]
LABEL_WIDTH = 5  # the epoch number left of each row


def short_number(value: float) -> str:
    """A norm for the colour scale's ends: "0.012", "3.4", or "5e-6" (not "1e-5.3")."""
    if 1e-3 <= value < 1e3:
        return f"{value:.2g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def bin_columns(row: np.ndarray, width: int) -> np.ndarray:
    """Resample one epoch's per-step norms to `width` columns (mean over each block of steps)."""
    steps = len(row)
    edges = np.linspace(0, steps, width + 1)
    out = np.empty(width)
    for i in range(width):
        lo = int(edges[i])
        hi = max(int(math.ceil(edges[i + 1])), lo + 1)
        out[i] = row[lo:hi].mean()
    return out


class GradHeatmap(Widget):
    """Rows are epochs (newest at the bottom), columns time steps, colour log10 of the norm."""

    DEFAULT_CSS = """
    GradHeatmap {
        height: 1fr;
        min-height: 5;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: list[np.ndarray] = []
        self.layer_name = ""
        self.empty_text = "No run yet: start one to see where the gradient reaches."
        self._version = 0  # bumped on every data change; the render is cached per version
        self._cache_key: tuple[object, ...] | None = None
        self._cache = Text()
        self.draw_seconds = 0.0  # what the last drawing cost (the dashboard spaces redraws by it)

    def set_rows(self, rows: Sequence[Sequence[float]], layer: str = "") -> None:
        """Replace the data (one sequence of per-step norms per epoch) and redraw."""
        self.rows = [np.asarray(r, dtype=float) for r in rows]
        self.layer_name = layer
        self._version += 1
        self.refresh()

    def add_row(self, row: Sequence[float], layer: str = "") -> None:
        """Append one epoch (the dashboard calls `refresh` itself, on its timer)."""
        self.rows.append(np.asarray(row, dtype=float))
        self.layer_name = layer
        self._version += 1

    def clear(self, empty_text: str | None = None) -> None:
        """Drop the data; `empty_text` replaces what the empty map says."""
        self.rows = []
        self.layer_name = ""
        if empty_text is not None:
            self.empty_text = empty_text
        self._version += 1
        self.refresh()

    def render(self) -> Text:
        key = (self._version, self.size)
        if key != self._cache_key:
            started = time.perf_counter()
            self._cache = self._draw()
            self._cache_key = key
            self.draw_seconds = time.perf_counter() - started
        return self._cache

    def _draw(self) -> Text:
        """The heat map as styled text for the current size."""
        width = max(self.size.width - LABEL_WIDTH - 1, 4)  # one column apart from a neighbour
        height = max(self.size.height - 3, 1)  # title, axis and legend lines
        text = Text()
        text.append("‖∂L/∂hₜ‖ epoch × step (log)"[: self.size.width] + "\n", style="bold")
        if not self.rows:
            text.append("\n" + self.empty_text, style="dim")
            return text
        rows = self.rows[-height:]
        first_epoch = len(self.rows) - len(rows) + 1
        steps = len(rows[-1])
        cells = min(width, steps) if steps else 1
        repeat = max(width // max(steps, 1), 1) if steps < width else 1
        logs = [np.log10(np.maximum(bin_columns(r, cells), 1e-12)) for r in rows if len(r) == steps]
        if not logs:
            return text
        grid = np.vstack(logs)
        lo, hi = float(grid.min()), float(grid.max())
        span = hi - lo if hi > lo else 1.0
        for n, values in enumerate(grid):
            text.append(f"{first_epoch + n:>{LABEL_WIDTH - 1}} ", style="dim")
            levels = np.clip(((values - lo) / span * (LEVELS - 1)).round(), 0, LEVELS - 1).astype(int)
            # one span per run of equal colour: far fewer segments for the app to paint
            starts = np.flatnonzero(np.diff(levels, prepend=-1))
            for start, end in zip(starts, [*starts[1:], len(levels)], strict=True):
                text.append(" " * (repeat * (end - start)), style=PALETTE[levels[start]])
            text.append("\n")
        axis_width = cells * repeat
        right = f"t={steps}"
        text.append(" " * LABEL_WIDTH + "t=1".ljust(max(axis_width - len(right), 4)) + right + "\n", style="dim")
        text.append(" " * LABEL_WIDTH + short_number(10**lo) + " ", style="dim")
        for level in range(0, LEVELS, 2):
            text.append(" ", style=PALETTE[level])
        text.append(" " + short_number(10**hi), style="dim")
        return text
