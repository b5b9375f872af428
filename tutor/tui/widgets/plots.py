"""Small helpers for textual-plotext plots: whole-number ticks, series redraws, log norms."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from rich.console import RenderableType
from textual_plotext import PlotextPlot


class CachedPlot(PlotextPlot):
    """A PlotextPlot that rebuilds its figure only when its data, size or theme change.

    Plotext builds the whole figure in Python on every render; a repaint caused by something
    else (a toast above it, a status line) would otherwise rebuild it, taking processor time
    from a model training beside the app.
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._version = 0
        self._cache_key: tuple[Any, ...] | None = None
        self._cache: RenderableType = ""
        self.figure_title = ""  # the title last drawn (what tests and views can read back)
        self.build_seconds = 0.0  # what the last build cost (the dashboard spaces redraws by it)

    def replot(self) -> None:
        """The data changed: build the figure again at the next paint."""
        self._version += 1
        self.refresh()

    def render(self) -> RenderableType:
        key = (self._version, self.size, self.app.theme, self.theme)
        if key != self._cache_key:
            started = time.perf_counter()
            self._cache = super().render()
            self._cache_key = key
            self.build_seconds = time.perf_counter() - started
        return self._cache


def int_ticks(n: int, most: int = 5) -> list[int]:
    """At most `most` whole-number ticks from 1 to n (epochs and time steps are counts)."""
    if n <= most:
        return list(range(1, n + 1))
    return sorted({round(1 + i * (n - 1) / (most - 1)) for i in range(most)})


def plot_series(
    plot: PlotextPlot, title: str, series: list[tuple[str, list[float]]], ylim: tuple[float, float] | None = None
) -> None:
    """Redraw a plot from (label, values-per-1..n) series with whole-number x ticks."""
    plt = plot.plt
    plt.clear_data()
    plt.clear_figure()
    plt.title(title)
    longest = 0
    for label, values in series:
        if values:
            plt.plot(list(range(1, len(values) + 1)), values, label=label or None, marker="braille")
            longest = max(longest, len(values))
    if longest:
        plt.xticks(int_ticks(longest))
    _finish(plot, title, ylim)


def _finish(plot: PlotextPlot, title: str, ylim: tuple[float, float] | None) -> None:
    """Apply the y range and redraw (a CachedPlot rebuilds its cached figure)."""
    if ylim is not None:
        plot.plt.ylim(*ylim)
    if isinstance(plot, CachedPlot):
        plot.figure_title = title
        plot.replot()
    else:
        plot.refresh()


def log10_norms(row: Any) -> list[float]:
    """log10 of gradient norms (tiny floor: a norm of exactly 0 has no logarithm)."""
    return np.log10(np.maximum(np.asarray(row, dtype=float), 1e-12)).tolist()


def plot_levels(
    plot: PlotextPlot, title: str, levels: list[tuple[str, float]], ylim: tuple[float, float] | None = None
) -> None:
    """One horizontal line per (label, value): a single final figure, such as a baseline's R²."""
    plt = plot.plt
    plt.clear_data()
    plt.clear_figure()
    plt.title(title)
    for label, value in levels:
        plt.plot([0.0, 1.0], [value, value], label=label or None, marker="braille")
    plt.xticks([])  # no epochs: the x axis means nothing here
    _finish(plot, title, ylim)
