"""The dashboard's live panel: loss and metric curves, the gradient heat map, the last epoch's norms.

The panel owns what it draws: every batch's loss as it arrives (drawn smoothed, so the curve
moves from the first seconds of a run, not once an epoch), the run's per-epoch history, the
lasso's path, the final figures of a baseline, the heat map's rows. Reports change that state
cheaply; drawing happens in `redraw`, on the dashboard's timer, and while a run trains the
plots may take at most PLOT_SHARE of the time (on a two-core machine the UI's processor time is
the training's).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid

from tutor.tasks.base import CONVOLUTIONAL, METRIC_LABELS
from tutor.training.protocol import BatchReport, DoneReport, EpochReport
from tutor.tui.widgets.gradmap import GradHeatmap
from tutor.tui.widgets.plots import PALETTE, CachedPlot, Figure, Series, int_ticks, plot_levels, plot_series

PLOT_SHARE = 0.05
TRAIN, VAL = PALETTE[0], PALETTE[1]  # the same two colours in every plot of the panel


def epoch_ticks(epochs: int, most: int = 6) -> list[float]:
    """Whole epochs from 0 to `epochs` as x ticks (the epoch marks), at most `most` of them."""
    if epochs <= 0:
        return [0.0, 1.0]
    step = max(1, math.ceil(epochs / (most - 1)))
    ticks = list(range(0, epochs + 1, step))
    if ticks[-1] != epochs and len(ticks) < most:
        ticks.append(epochs)
    return [float(t) for t in ticks]


class BatchLosses:
    """Every batch's loss at its place in the run (epoch + fraction done), and its moving average.

    The average is exponential, corrected for its start (as TensorBoard's smoothing is), over
    about a quarter of an epoch's batches: enough to see the trend through the batch-to-batch
    noise, short enough to follow it.
    """

    def __init__(self) -> None:
        self.x: list[float] = []
        self.smoothed: list[float] = []
        self.alpha = 0.0
        self._mean = 0.0
        self._weight = 0.0

    def add(self, report: BatchReport) -> None:
        if not report.losses or report.batches <= 0:
            return
        if not self.alpha:
            span = min(max(report.batches / 4, 1.0), 50.0)
            self.alpha = 2.0 / (span + 1.0)
        first = report.batch - len(report.losses) + 1
        for i, loss in enumerate(report.losses):
            if not math.isfinite(loss):
                continue
            self._mean = (1 - self.alpha) * self._mean + self.alpha * loss
            self._weight = (1 - self.alpha) * self._weight + self.alpha
            self.x.append(report.epoch + (first + i) / report.batches)
            self.smoothed.append(self._mean / self._weight)

    def thinned(self, most: int) -> tuple[list[float], list[float]]:
        """At most `most` points of the smoothed curve (a plot has only so many dots across)."""
        n = len(self.x)
        if n <= most:
            return self.x, self.smoothed
        step = n / most
        index = [min(n - 1, int(i * step)) for i in range(most)] + [n - 1]
        return [self.x[i] for i in index], [self.smoothed[i] for i in index]


class LivePanel(Grid):
    """Four plots of the run under way (or the last one)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.history: dict[str, list[float]] = {}
        self.batches = BatchLosses()
        self.metric = "accuracy"
        self.scored_on = "val"  # what the lessons call the part scored after each epoch
        self.model = ""
        self.epochs = 0  # planned
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

    def begin(
        self, config: Mapping[str, Any], metric: str, baseline: bool, recurrent: bool, scored_on: str = "val"
    ) -> None:
        """A new run: forget the last one."""
        self.history, self.metric, self.baseline, self.scored_on = {}, metric, baseline, scored_on
        self.batches = BatchLosses()
        self.model = str(config.get("model", ""))
        self.epochs = int(config.get("epochs") or 0)
        self.lasso_path, self.result = [], None
        if recurrent:
            empty = "Training: the first epoch's row appears when it ends."
        elif self.model in CONVOLUTIONAL:
            empty = f"{self.model} keeps no state between steps: no per-step gradient to show."
        else:
            empty = f"{self.model} reads no sequence: no per-step gradient to show."
        self.heatmap.clear(empty)
        self.dirty = True

    def add_batches(self, report: BatchReport) -> None:
        self.batches.add(report)
        self.dirty = self.dirty or bool(report.losses)

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
        history, metric, part = self.history, self.metric, self.scored_on
        ylim = (0.0, 1.0) if metric == "accuracy" else None  # R² may start far below 0
        name = METRIC_LABELS.get(metric, metric)
        loss_plot = self.query_one("#loss-plot", CachedPlot)
        metric_plot = self.query_one("#metric-plot", CachedPlot)
        if self.baseline:
            # fitted in one go: one figure each, drawn as a level; the lasso's path is its history
            if self.lasso_path:
                plot_series(loss_plot, f"lasso path: {part} accuracy by λ step", [(part, self.lasso_path)], ylim=ylim)
            else:
                plot_series(loss_plot, "no epochs: fitted in one go", [])
            result = self.result
            levels = (
                []
                if result is None or result.error
                else [
                    (f"{label} {value:.3f}", float(value))
                    for label, key in (("train", metric), (part, f"val_{metric}"))
                    if (value := result.metrics.get(key)) is not None
                ]
            )
            value = result.metrics.get(f"val_{metric}") if result is not None else None
            title = f"{self.model}: {part} {name} {value:.3f}" if value is not None else f"{name}"
            plot_levels(metric_plot, title, levels, ylim=ylim)
        else:
            epochs = max(self.epochs, len(history.get("loss", [])))
            ticks = epoch_ticks(epochs)
            x, smoothed = self.batches.thinned(2 * max(loss_plot.size.width, 40))
            done = list(range(1, len(history.get("loss", [])) + 1))
            perplexity = history.get("val_perplexity")  # a language model's (e^loss): said beside the loss
            loss_plot.show(
                Figure(
                    f"loss · {part} perplexity {perplexity[-1]:.2f}" if perplexity else "loss",
                    [
                        Series(x, smoothed, "train", TRAIN),
                        Series(done, history.get("val_loss", []), part, VAL, points=True),
                    ],
                    xticks=ticks,
                    xlim=(0.0, float(epochs)),
                )
            )
            train_metric = history.get(metric, [])
            metric_plot.show(
                Figure(
                    # the legend (train, val) keeps its place on the title line in a narrow plot
                    f"{name} by epoch" if metric_plot.size.width >= len(name) + 30 else name,
                    [
                        Series(done, train_metric, "train", TRAIN, points=len(train_metric) < 2),
                        Series(done, history.get(f"val_{metric}", []), part, VAL, points=True),
                    ],
                    ylim=ylim,
                    xticks=ticks,
                    xlim=(0.0, float(epochs)),
                )
            )
        heatmap = self.heatmap
        heatmap.refresh()
        latest = [float(v) for v in heatmap.rows[-1]] if heatmap.rows else []
        grad_plot = self.query_one("#grad-plot", CachedPlot)
        grad_plot.show(
            Figure(
                "last epoch ‖∂L/∂hₜ‖ by t",
                [Series(list(range(1, len(latest) + 1)), [max(v, 1e-12) for v in latest], color=TRAIN)],
                log_y=True,
                xticks=[float(t) for t in int_ticks(len(latest))] if latest else None,
            )
        )
