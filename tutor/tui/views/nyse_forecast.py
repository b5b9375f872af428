"""Lesson 10: the AR model's forecast of log volume against the actual test years, with its R²."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tutor.tui.views.base import LiveView
from tutor.tui.widgets.plots import CachedPlot

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
        plot = self.query_one("#nyse-plot", CachedPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        model = f"AR({LAG})" + (" + day of week" if f.day_of_week else "")
        plt.title(f"{model}: test R² = {f.r2:.2f}")
        x = f.years[part].tolist()
        plt.plot(x, f.actual[part].tolist(), label="actual", color="gray", marker="braille")
        plt.plot(x, f.predicted[part].tolist(), label="predicted", color="blue", marker="braille")
        if not self.zoomed:
            plt.xticks(list(range(1980, 1988)), [str(y) for y in range(1980, 1988)])
        plot.replot()
        where = f"the last {ZOOM_DAYS} test days" if self.zoomed else f"all {len(f.years):,} test days"
        self.query_one("#nyse-caption", Static).update(
            f"Standardised log volume, {where}. Fitted by least squares on 1962–1975 "
            f"from the last {LAG} days of all three series."
        )
