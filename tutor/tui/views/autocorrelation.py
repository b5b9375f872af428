"""Lesson 13: autocorrelation of the three NYSE series at lags 1..20, from the bundled data."""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tutor.tui.views.base import LiveView
from tutor.tui.widgets.plots import CachedPlot, Figure, Series

MAX_LAG = 20
RICH = {"log_volume": "blue", "log_volatility": "dark_orange", "DJ_return": "green"}  # curves and table alike
TABLE_LAGS = (1, 2, 5, 10, 20)


def nyse_autocorrelations(max_lag: int = MAX_LAG) -> dict[str, np.ndarray]:
    """r(1..max_lag) of each series over the whole bundled NYSE file."""
    from tutor.data import autocorrelation, load_nyse
    from tutor.data.nyse import COLUMNS

    series = load_nyse()
    return {name: autocorrelation(series.raw[:, COLUMNS.index(name)], max_lag)[1:] for name in RICH}


class AutocorrelationView(LiveView):
    """r(k) against k for log volume, log volatility and the Dow Jones return."""

    TITLE = "Autocorrelation r(k) of the NYSE series, 1962–1986"

    def compose_body(self) -> ComposeResult:
        yield CachedPlot(classes="view-plot", id="acf-plot")
        yield Static(classes="view-caption", id="acf-table")

    def on_mount(self) -> None:
        self.acf: dict[str, np.ndarray] = {}
        self.compute(nyse_autocorrelations, "Reading the NYSE series…")

    def show(self, data: Any) -> None:
        self.acf = data
        lags = list(range(1, MAX_LAG + 1))
        self.query_one("#acf-plot", CachedPlot).show(
            Figure(
                "r(k) against the lag k in trading days",
                [Series(lags, values.tolist(), name, RICH[name]) for name, values in data.items()],
                ylim=(-0.1, 1.0),
                xticks=[1, 5, 10, 15, 20],
                xlabels=["1", "5", "10", "15", "20"],
                hlines=[(0.0, "grey50")],
            )
        )
        table = Text("lag k          " + "".join(f"{k:>7}" for k in TABLE_LAGS) + "\n", style="dim")
        for name, values in data.items():
            table.append(f"{name:<15}", style=f"bold {RICH[name]}")
            table.append("".join(f"{values[k - 1]:>7.2f}" for k in TABLE_LAGS) + "\n")
        table.rstrip()
        self.query_one("#acf-table", Static).update(table)
