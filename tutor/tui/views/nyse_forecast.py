"""Lesson 13: the AR model's forecast of log volume against the actual test years, with its R²."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tutor.tui.views.base import LiveView
from tutor.tui.widgets.plots import CachedPlot, Figure, Series

LAG = 5
ZOOM_DAYS = 120  # about six months: short enough to see single days


@dataclass
class Forecast:
    """Test days (as fractional years), actual and predicted standardised log volume, and R²."""

    years: np.ndarray
    actual: np.ndarray
    predicted: np.ndarray
    r2: float
    day_of_week: bool


def ar_forecast(day_of_week: bool = False, lag: int = LAG) -> Forecast:
    """Least squares on the fitting years (1962–1975), predictions on the test days (1980–1986)."""
    from tutor.tasks import forecast

    data = forecast.load(lag)
    fit = forecast.fit_ar(data, day_of_week)
    features, _ = forecast.ar_features(data, day_of_week)
    test = ~data.train
    predicted = fit.predict(features[test])
    days = data.dates[test].astype("datetime64[D]").astype(float)  # days since 1970-01-01
    years = 1970 + days / 365.2425
    return Forecast(years, data.y[test], predicted, forecast.r2(data.y[test], predicted), day_of_week)


def year_fraction(day: np.datetime64) -> float:
    """A date as the fractional year the plot's x axis counts in."""
    return 1970 + float(day.astype("datetime64[D]").astype(float)) / 365.2425


def date_ticks(start: float, end: float) -> tuple[list[float], list[str]]:
    """Ticks on the first day of years (a span of years) or of months ("Jul 1986"), as dates."""
    first, last = int(np.floor(start)), int(np.ceil(end))
    if end - start >= 2:
        years = [y for y in range(first, last + 1) if start - 0.02 <= y <= end]  # 2 Jan 1980 counts as 1980
        return [float(y) for y in years], [str(y) for y in years]
    months = np.arange(np.datetime64(f"{first}-01", "M"), np.datetime64(f"{last}-12", "M") + 1, dtype="datetime64[M]")
    inside = [m for m in months if start <= year_fraction(m) <= end]
    every = max(1, len(inside) // 3)  # three or four labels fit a narrow plot
    chosen = inside[::every]
    labels = [m.astype(object).strftime("%b %Y") for m in chosen]
    return [year_fraction(m) for m in chosen], labels


class NyseForecastView(LiveView):
    """Actual and predicted log volume on the test days; `d` adds day of week, `z` zooms."""

    TITLE = "NYSE log volume: AR forecast on the test years"
    KEYS = "d day-of-week · z zoom"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "toggle_dow", "Day of week", show=False),
        Binding("z", "zoom", "Zoom", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield CachedPlot(classes="view-plot", id="nyse-plot")
        yield Static(classes="view-caption", id="nyse-caption")

    def on_mount(self) -> None:
        self.result: Forecast | None = None
        self.day_of_week = False
        self.zoomed = False
        self.compute(ar_forecast, "Fitting the AR model…")

    def action_toggle_dow(self) -> None:
        self.day_of_week = not self.day_of_week
        dow = self.day_of_week  # the worker gets the value, not the widget
        self.compute(lambda: ar_forecast(dow), "Fitting the AR model…")

    def action_zoom(self) -> None:
        self.zoomed = not self.zoomed
        if self.result is not None:
            self.show(self.result)

    def show(self, data: Any) -> None:
        self.result = data
        f: Forecast = data
        part = slice(-ZOOM_DAYS, None) if self.zoomed else slice(None)
        model = f"AR({LAG})" + (" + day of week" if f.day_of_week else "")
        x = f.years[part]
        ticks, labels = date_ticks(float(x[0]), float(x[-1]))
        self.query_one("#nyse-plot", CachedPlot).show(
            Figure(
                f"{model}: test R² = {f.r2:.2f}",
                [
                    Series(x.tolist(), f.actual[part].tolist(), "actual", "grey62"),
                    Series(x.tolist(), f.predicted[part].tolist(), "predicted", "blue"),
                ],
                xticks=ticks,
                xlabels=labels,
                xlim=(min(float(x[0]), ticks[0] if ticks else float(x[0])), float(x[-1])),
            )
        )
        where = f"the last {ZOOM_DAYS} test days" if self.zoomed else f"all {len(f.years):,} test days"
        self.query_one("#nyse-caption", Static).update(
            f"Standardised log volume, {where}. Fitted by least squares on 1962–1975 "
            f"from the last {LAG} days of all three series."
        )
