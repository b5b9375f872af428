"""Small helpers for textual-plotext plots: whole-number ticks, series redraws, log norms."""

from __future__ import annotations

from typing import Any

import numpy as np
from textual_plotext import PlotextPlot


def int_ticks(n: int, most: int = 5) -> list[int]:
    """At most `most` whole-number ticks from 1 to n (epochs and time steps are counts)."""
    if n <= most:
        return list(range(1, n + 1))
    return sorted({round(1 + i * (n - 1) / (most - 1)) for i in range(most)})


def plot_series(plot: PlotextPlot, title: str, series: list[tuple[str, list[float]]],
                ylim: tuple[float, float] | None = None) -> None:
    """Redraw a plot from (label, values-per-1..n) series with whole-number x ticks."""
    plt = plot.plt
    plt.clear_data()
    plt.clear_figure()
    plt.title(title)
    longest = 0
    for label, values in series:
        if values:
            plt.plot(list(range(1, len(values) + 1)), values, label=label or None,
                     marker="braille")
            longest = max(longest, len(values))
    if longest:
        plt.xticks(int_ticks(longest))
    if ylim is not None:
        plt.ylim(*ylim)
    plot.refresh()


def log10_norms(row: Any) -> list[float]:
    """log10 of gradient norms (tiny floor: a norm of exactly 0 has no logarithm)."""
    return np.log10(np.maximum(np.asarray(row, dtype=float), 1e-12)).tolist()
