"""Lesson 8: SGD, momentum, RMSprop and Adam on one elongated bowl, driven by the engine's optimisers.

The surface is R(w₁, w₂) = ½·(w₁² + 25·w₂²): a valley 5 times longer than it is wide, whose
steep direction (curvature 25) limits plain gradient descent to ρ < 2/25 = 0.08 (lesson 6's
bowl rule), while the shallow one (curvature 1) is where it crawls. Every optimiser starts at
the same point and takes the same number of steps with the same learning rate ρ; `+` and `−`
change ρ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static

from tutor.tui.views.base import LiveView
from tutor.tui.widgets.plots import CachedPlot, Figure, Series, int_ticks

if TYPE_CHECKING:
    from tutor.engine.optimizers import Optimizer

CURVATURE = (1.0, 25.0)  # R(w) = ½·(a₁·w₁² + a₂·w₂²)
START = (-4.0, 1.0)
STEPS = 150
RATES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
DEFAULT_RATE = 0.05
MOMENTUM = 0.9
# a path whose loss climbs this far above its start has diverged: drawing it on would only squash the rest
DIVERGED = 1e4
# name -> (label, colour)
OPTIMISERS: dict[str, tuple[str, str]] = {
    "sgd": ("SGD", "red"),
    "momentum": ("momentum", "dark_orange"),
    "rmsprop": ("RMSprop", "green"),
    "adam": ("Adam", "blue"),
}
LEVELS = (1.0, 8.0)  # the contour lines drawn behind the paths
X_RANGE, Y_RANGE = (-4.5, 2.5), (-2.0, 2.0)


def loss(w: np.ndarray) -> float:
    a1, a2 = CURVATURE
    return 0.5 * float(a1 * w[0] ** 2 + a2 * w[1] ** 2)


def gradient(w: np.ndarray) -> np.ndarray:
    g: np.ndarray = np.array(CURVATURE) * w
    return g


def make_optimiser(name: str, lr: float) -> Optimizer:
    """The engine's optimiser for one of OPTIMISERS, with its Keras 3 defaults and learning rate `lr`."""
    from tutor.engine.optimizers import SGD, Adam, RMSprop

    if name == "sgd":
        return SGD(lr)
    if name == "momentum":
        return SGD(lr, momentum=MOMENTUM)
    if name == "rmsprop":
        return RMSprop(lr)
    if name == "adam":
        return Adam(lr)
    raise KeyError(name)


@dataclass
class Path:
    """One optimiser's walk: the points visited (start first) and the loss at each."""

    name: str
    points: np.ndarray  # (steps + 1, 2), or fewer rows if it diverged
    losses: np.ndarray
    diverged_at: int | None = None  # the step at which the loss passed DIVERGED × its start

    @property
    def final(self) -> float:
        return float(self.losses[-1])


@dataclass
class Race:
    """The four paths for one learning rate."""

    lr: float
    steps: int
    paths: dict[str, Path]


def walk(name: str, lr: float, steps: int = STEPS, start: tuple[float, float] = START) -> Path:
    """`steps` updates of the engine's optimiser `name` from `start` on the bowl."""
    optimiser = make_optimiser(name, lr)
    w = np.array(start, dtype=np.float64)
    points, losses = [w.copy()], [loss(w)]
    limit = DIVERGED * losses[0]
    for step in range(1, steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            optimiser.apply([w], [gradient(w)])  # w is updated in place, as a model's weights are
            value = loss(w)
        points.append(w.copy())
        losses.append(value)
        if not math.isfinite(value) or value > limit:
            return Path(name, np.array(points), np.array(losses), step)
    return Path(name, np.array(points), np.array(losses))


def race(lr: float, steps: int = STEPS) -> Race:
    """All four optimisers from the same start with the same learning rate."""
    return Race(lr, steps, {name: walk(name, lr, steps) for name in OPTIMISERS})


def contour(level: float, points: int = 121) -> tuple[list[float], list[float]]:
    """The ellipse R(w) = level."""
    a1, a2 = CURVATURE
    t = np.linspace(0.0, 2.0 * np.pi, points)
    return (np.sqrt(2 * level / a1) * np.cos(t)).tolist(), (np.sqrt(2 * level / a2) * np.sin(t)).tolist()


def inside(points: np.ndarray, low: tuple[float, float], high: tuple[float, float]) -> np.ndarray:
    """The path up to where it first leaves the box low..high, that last point moved onto the box's
    edge along its step (a diverging path jumps to 1e5 and beyond: drawn whole, its line would
    cost a dot per pixel of its length)."""
    lo, hi = np.array(low), np.array(high)
    out = np.flatnonzero(np.any((points < lo) | (points > hi), axis=1))
    if out.size == 0:
        return points
    k = int(out[0])
    if k == 0:
        return points[:0]
    before, after = points[k - 1], points[k]
    step = after - before
    with np.errstate(divide="ignore", invalid="ignore"):
        # the largest share of the step that stays in the box, per coordinate
        room = np.where(step > 0, (hi - before) / step, np.where(step < 0, (lo - before) / step, np.inf))
    return np.vstack([points[:k], before + float(np.clip(room.min(), 0.0, 1.0)) * step])


class OptimisersView(LiveView):
    """The paths on the bowl (left) and the loss by step (right); `+` and `−` change ρ, 1-4 hide a path."""

    TITLE = "Four optimisers on one valley"
    KEYS = "+/− learning rate · 1-4 hide a path"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus,equals_sign,right_square_bracket", "rate(1)", "ρ up"),
        Binding("minus,left_square_bracket", "rate(-1)", "ρ down"),
        *(
            Binding(str(k), f"hide_path({k})", f"Hide {label}", show=False)
            for k, (label, _) in enumerate(OPTIMISERS.values(), 1)
        ),
    ]

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="view-plots"):
            yield CachedPlot(classes="view-plot", id="opt-paths")
            yield CachedPlot(classes="view-plot", id="opt-loss")
        yield Static(classes="view-caption", id="opt-caption")

    def on_mount(self) -> None:
        self.lr = DEFAULT_RATE
        self.hidden: set[str] = set()
        self.result: Race | None = None
        self.run_rate()

    def run_rate(self) -> None:
        lr = self.lr  # the worker gets the value, not the widget
        self.compute(lambda: race(lr), f"Running the four optimisers with ρ = {lr:g}…")

    def action_rate(self, step: int) -> None:
        index = min(max(RATES.index(self.lr) + step, 0), len(RATES) - 1)
        if RATES[index] != self.lr:
            self.lr = RATES[index]
            self.run_rate()

    def action_hide_path(self, number: int) -> None:
        name = list(OPTIMISERS)[number - 1]
        self.hidden ^= {name}
        if self.result is not None:
            self.show(self.result)

    def show(self, data: Any) -> None:
        self.result = data
        r: Race = data
        shown = {name: p for name, p in r.paths.items() if name not in self.hidden}
        # a box three times the plot's: a line leaving the plot still leaves it in the right direction
        (x0, x1), (y0, y1) = X_RANGE, Y_RANGE
        low, high = (3 * x0, 3 * y0), (3 * x1, 3 * y1)
        level_lines = [Series(*contour(level), "", "grey37") for level in LEVELS]
        paths = []
        for name, p in shown.items():
            points = inside(p.points, low, high)
            paths.append(Series(points[:, 0].tolist(), points[:, 1].tolist(), "", OPTIMISERS[name][1]))
        start = Series([START[0]], [START[1]], "", "white", points=True)
        minimum = Series([0.0], [0.0], "", "white", points=True)
        self.query_one("#opt-paths", CachedPlot).show(
            Figure(
                f"paths, ρ = {r.lr:g}",
                [*level_lines, *paths, start, minimum],
                xlim=X_RANGE,
                ylim=Y_RANGE,
                clip_y=True,
                xticks=[-4.0, -2.0, 0.0, 2.0],
                xlabels=["w₁=−4", "−2", "0", "2"],
            )
        )
        ticks = [0, 50, 100, 150] if r.steps == STEPS else [t - 1 for t in int_ticks(r.steps + 1, 4)]
        ceiling = DIVERGED * loss(np.array(START))
        self.query_one("#opt-loss", CachedPlot).show(
            Figure(
                "loss by step",
                # the log axis needs positive values (an exact 0 is drawn at 1e-12); a diverged
                # path is drawn up to where it passed the ceiling
                [
                    Series(
                        list(range(len(p.losses))),
                        np.clip(p.losses, 1e-12, ceiling).tolist(),
                        "",
                        OPTIMISERS[name][1],
                    )
                    for name, p in shown.items()
                ],
                log_y=True,
                xlim=(0.0, float(r.steps)),
                xticks=[float(t) for t in ticks],
                xlabels=[str(t) for t in ticks],
            )
        )
        caption = Text()
        for number, (name, p) in enumerate(r.paths.items(), 1):
            label, colour = OPTIMISERS[name]
            figure = f"∞ at step {p.diverged_at}" if p.diverged_at else f"{p.final:.1e}"
            style = f"bold {colour}" if name not in self.hidden else "dim strike"
            caption.append(f"{number} {label} {figure}", style=style)
            caption.append("  ")
        caption.append(
            f"\nloss after {r.steps} steps on ½(w₁² + 25·w₂²); white dots: start (−4, 1), minimum",
            style="dim",
        )
        self.query_one("#opt-caption", Static).update(caption)
