"""Lesson 5: sigmoid, tanh and ReLU with their derivatives, from the engine's own functions."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tutor.tui.views.base import LiveView
from tutor.tui.widgets.plots import CachedPlot, Figure, Series

Z_RANGE = (-6.0, 6.0)
POINTS = 241  # z in steps of 0.05: z = 0, where σ′ and tanh′ peak, is one of them
RICH_COLOURS = {"sigmoid": "blue", "tanh": "dark_orange", "relu": "green"}  # curves and caption alike
CAPTION_Z = 2.0  # the caption reads the slopes here


def activation_curves(points: int = POINTS) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """z and, per function, g(z) and g′(z) (keys "sigmoid" and "sigmoid'" ...), as the engine computes them."""
    from tutor.engine.activations import ACTIVATIONS

    z = np.linspace(*Z_RANGE, points)
    curves: dict[str, np.ndarray] = {}
    for name in RICH_COLOURS:
        g, dg = ACTIVATIONS[name]
        assert dg is not None  # only softmax has none (a Jacobian), and it is not drawn
        a = g(z.copy())
        curves[name] = a
        curves[name + "'"] = dg(a)  # the engine writes g′ through the output a = g(z)
    return z, curves


class ActivationsView(LiveView):
    """g(z) on the left, g′(z) on the right: where each derivative peaks and where it is flat."""

    TITLE = "Activations g(z) and derivatives g′(z)"

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="view-plots"):
            yield CachedPlot(classes="view-plot", id="act-g")
            yield CachedPlot(classes="view-plot", id="act-dg")
        yield Static(classes="view-caption", id="act-caption")

    def on_mount(self) -> None:
        # a few hundred points: computing them takes well under a millisecond, no worker needed
        self.z, self.curves = activation_curves()
        self.show(None)

    def show(self, data: object) -> None:
        z = self.z.tolist()
        for plot_id, suffix, title, ylim in (
            ("#act-g", "", "g(z)", (-1.0, 2.0)),
            ("#act-dg", "'", "g′(z)", (0.0, 1.0)),
        ):
            series = [
                Series(z, self.curves[name + suffix].tolist(), name + ("′" if suffix else ""), colour)
                for name, colour in RICH_COLOURS.items()
            ]
            # ReLU climbs to 6: clip it so σ and tanh keep their detail
            self.query_one(plot_id, CachedPlot).show(
                Figure(title, series, ylim=ylim, clip_y=True, xticks=[-6.0, -3.0, 0.0, 3.0, 6.0])
            )
        # the slopes at one z away from the peaks: the lesson's quizzes ask for the peaks themselves
        at = int(np.argmin(np.abs(self.z - CAPTION_Z)))
        caption = Text(f"at z = {self.z[at]:g}: ", style="dim")
        for name in RICH_COLOURS:
            slope = self.curves[name + "'"][at]
            caption.append(f"{name}′ {slope:.3f}", style=f"bold {RICH_COLOURS[name]}")
            caption.append("  ")
        caption.append("Where does each peak?", style="dim")
        self.query_one("#act-caption", Static).update(caption)
