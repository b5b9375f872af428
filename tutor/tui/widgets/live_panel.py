"""The dashboard's live panel: loss and metric curves, the gradient heat map, the last epoch's norms.

The panel owns what it draws: the run's per-epoch history, the lasso's path, the final figures
of a baseline, the heat map's rows. Reports change that state cheaply; drawing happens in
`redraw`, on the dashboard's timer, and while a run trains the plots may take at most
PLOT_SHARE of the time (plotext builds each figure in Python, and on a two-core machine the
UI's processor time is the training's).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid

from tutor.tasks.base import METRIC_LABELS
from tutor.training.protocol import DoneReport, EpochReport
from tutor.tui.widgets.gradmap import GradHeatmap
from tutor.tui.widgets.plots import CachedPlot, log10_norms, plot_levels, plot_series

PLOT_SHARE = 0.05


class LivePanel(Grid):
    """Four plots of the run under way (or the last one)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.history: dict[str, list[float]] = {}
        self.metric = "accuracy"
        self.model = ""
        self.baseline = False
        self.lasso_path: list[float] = []  # validation accuracy at each λ of a running lasso
        self.result: DoneReport | None = None  # the finished run
        self.dirty = False
        self.drawn_at = 0.0  # time.monotonic() of the last redraw

    def compose(self) -> ComposeResult:
        yield CachedPlot(id="loss-plot")
        yield CachedPlot(id="metric-plot")
        yield GradHeatmap(id="gradmap")
        yield CachedPlot(id="grad-plot")

    @property
    def heatmap(self) -> GradHeatmap:
        return self.query_one(GradHeatmap)

    def begin(self, config: Mapping[str, Any], metric: str, baseline: bool, recurrent: bool) -> None:
        """A new run: forget the last one."""
        self.history, self.metric, self.baseline = {}, metric, baseline
        self.model = str(config.get("model", ""))
        self.lasso_path, self.result = [], None
        self.heatmap.clear(
            "Training: the first epoch's row appears when it ends."
            if recurrent
            else f"{self.model} reads no sequence: no per-step gradient to show."
        )
        self.dirty = True

    def add_epoch(self, report: EpochReport) -> None:
        for key, value in report.logs.items():
            self.history.setdefault(key, []).append(value)
        if report.step_norms:
            layer, row = next(iter(report.step_norms.items()))
            self.heatmap.add_row(row, layer)
        self.dirty = True

    def add_lasso_step(self, val_accuracy: float) -> None:
        self.lasso_path.append(val_accuracy)
        self.dirty = True

    def finish(self, report: DoneReport) -> None:
        """The run ended: a baseline's figures become its history; an empty heat map says why."""
        self.result = report
        if report.baseline and not report.error:
            self.history = dict(report.history)
        heatmap = self.heatmap
        if not heatmap.rows and heatmap.empty_text.startswith("Training:"):  # no epoch will come now
            heatmap.clear("The run ended before its first epoch: no gradient norms to show.")
        self.dirty = True

    def plot_seconds(self) -> float:
        """What drawing the plots cost last time (measured as they painted)."""
        return sum(plot.build_seconds for plot in self.query(CachedPlot)) + self.heatmap.draw_seconds

    def redraw(self, force: bool = False, training: bool = False) -> None:
        """Redraw if something changed (or `force`); while `training`, within PLOT_SHARE."""
        if not (self.dirty or force):
            return
        now = time.monotonic()
        if not force and training and now - self.drawn_at < self.plot_seconds() / PLOT_SHARE:
            return  # still dirty: drawn at a later tick
        self.dirty = False
        self.drawn_at = now
        history, metric = self.history, self.metric
        ylim = (0.0, 1.0) if metric == "accuracy" else None  # R² may start far below 0
        name = METRIC_LABELS.get(metric, metric)
        loss_plot = self.query_one("#loss-plot", CachedPlot)
        metric_plot = self.query_one("#metric-plot", CachedPlot)
        if self.baseline:
            # fitted in one go: one figure each, drawn as a level; the lasso's path is its history
            if self.lasso_path:
                plot_series(loss_plot, "lasso path: val accuracy by λ step", [("val", self.lasso_path)], ylim=ylim)
            else:
                plot_series(loss_plot, "no epochs: fitted in one go", [])
            result = self.result
            levels = (
                []
                if result is None or result.error
                else [
                    (f"{part} {value:.3f}", float(value))
                    for part, key in (("train", metric), ("val", f"val_{metric}"))
                    if (value := result.metrics.get(key)) is not None
                ]
            )
            value = result.metrics.get(f"val_{metric}") if result is not None else None
            title = f"{self.model}: val {name} {value:.3f}" if value is not None else f"{name}"
            plot_levels(metric_plot, title, levels, ylim=ylim)
        else:
            plot_series(
                loss_plot, "loss per epoch", [("train", history.get("loss", [])), ("val", history.get("val_loss", []))]
            )
            plot_series(
                metric_plot,
                f"{name} per epoch",
                [("train", history.get(metric, [])), ("val", history.get(f"val_{metric}", []))],
                ylim=ylim,
            )
        heatmap = self.heatmap
        heatmap.refresh()
        latest = log10_norms(heatmap.rows[-1]) if heatmap.rows else []
        plot_series(self.query_one("#grad-plot", CachedPlot), "last epoch: log₁₀‖∂L/∂hₜ‖ by t", [("", latest)])
