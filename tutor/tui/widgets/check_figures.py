"""The figures a code check drew (`tutor.course.judge.plot`), under the exercise's verdict.

A figure arrives as plain data, while the check runs (a loss curve as it falls) and again with
the verdict; one plot per figure key, drawn again in place when the same key comes back.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Static

from tutor.tui.widgets.plots import CachedPlot, Figure, Series


def figure_from_data(data: dict[str, Any]) -> Figure:
    """A `Figure` from a check's plain-data figure (malformed series are left out)."""
    series = []
    for s in data.get("series", []):
        if not isinstance(s, dict):
            continue
        try:
            x = [float(v) for v in s.get("x", [])]
            y = [float(v) for v in s.get("y", [])]
        except (TypeError, ValueError):
            continue
        if len(x) != len(y):
            continue
        series.append(Series(x, y, str(s.get("label", "")), str(s.get("color", "")) or None, bool(s.get("points"))))
    return Figure(str(data.get("title", "")), series, log_y=bool(data.get("log_y", False)))


def caption_text(data: dict[str, Any]) -> Text:
    """The line under a figure: what its x axis is, and what the check says about it."""
    parts = [str(data.get(k, "")) for k in ("xlabel", "caption")]
    xlabel, caption = parts
    text = Text()
    if xlabel:
        text.append(f"x: {xlabel}", style="dim")
    if caption:
        text.append(("   " if xlabel else "") + caption, style="dim")
    return text


class CheckFigures(Vertical):
    """Holds one plot (and its caption) per figure key; empty and hidden until a figure comes."""

    DEFAULT_CSS = """
    CheckFigures {
        height: auto;
        margin: 0 0 1 0;
    }
    CheckFigures .check-plot {
        height: 12;
    }
    CheckFigures .check-caption {
        height: auto;
    }
    """

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.figures: dict[str, dict[str, Any]] = {}  # key -> the figure's data, as last shown
        self.display = False

    def clear(self) -> None:
        """Remove every figure (a new check is starting)."""
        self.figures.clear()
        self.remove_children()
        self.display = False

    def show(self, data: dict[str, Any]) -> None:
        """Draw `data` (a check's figure) in its own plot, or again in place if its key is known."""
        key = str(data.get("key", "")) or str(data.get("title", ""))
        known = key in self.figures
        self.figures[key] = data
        index = list(self.figures).index(key)
        if not known:
            self.mount(CachedPlot(classes="check-plot"), Static(classes="check-caption"))
        plots, captions = list(self.query(CachedPlot)), list(self.query(".check-caption").results(Static))
        if index < len(plots) and index < len(captions):
            plots[index].show(figure_from_data(data))
            captions[index].update(caption_text(data))
        self.display = True
