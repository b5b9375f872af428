"""Lesson 14: "I grew up in Paris … I speak fluent ___", accuracy against the filler length.

Nothing trains until the learner asks (r): the lesson's quiz asks for a prediction first. The
sweep trains SimpleRNN, LSTM and GRU at each filler length in a thread worker; each finished run
is drawn as it arrives.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from tutor.tui.views.base import LiveView
from tutor.tui.widgets.plots import GREY, CachedPlot, Figure, Series

COLOURS = {"SimpleRNN": "red", "LSTM": "blue", "GRU": "green"}


@dataclass
class RunDone(Message):
    """One model at one filler length finished (from the worker)."""

    generation: int
    model: str
    filler: int
    accuracy: float


class FluentView(LiveView):
    """r runs the sweep (about a minute); the plot fills in run by run."""

    TITLE = "I grew up in … I speak fluent ___"
    KEYS = "r run · s stop"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run sweep", show=False),
        Binding("s", "stop", "Stop sweep", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield CachedPlot(classes="view-plot", id="fl-plot")
        yield Static(classes="view-caption", id="fl-caption")

    def on_mount(self) -> None:
        from tutor.tasks.fluent import SWEEP_FILLERS, SWEEP_MODELS

        self.fillers: tuple[int, ...] = SWEEP_FILLERS
        self.models: tuple[str, ...] = tuple(SWEEP_MODELS)
        self.settings: dict[str, Any] = {}  # the task's defaults, unless a test asks for a smaller run
        self.results: dict[str, dict[int, float]] = {m: {} for m in self.models}
        self.seconds: float | None = None
        self._stop = threading.Event()
        self.draw()

    @property
    def runs(self) -> int:
        return sum(len(r) for r in self.results.values())

    def action_run(self) -> None:
        from tutor.tasks.fluent import sweep

        self._stop.set()
        self._stop = stop = threading.Event()
        self.results = {m: {} for m in self.models}
        self.seconds = None
        self.draw()
        generation = self._generation + 1  # the number compute() gives this request

        def tell(model: str, filler: int, accuracy: float) -> bool:
            self.post_message(RunDone(generation, model, filler, accuracy))
            return stop.is_set()

        total = len(self.fillers) * len(self.models)
        self.compute(
            lambda: sweep(self.fillers, self.models, self.settings, on_result=tell),
            f"Training {total} networks (3 models × {len(self.fillers)} filler lengths)… s stops",
        )

    def action_stop(self) -> None:
        self._stop.set()

    def on_unmount(self) -> None:
        self._stop.set()

    def on_run_done(self, message: RunDone) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self.results[message.model][message.filler] = message.accuracy
        self.draw()

    def show(self, data: Any) -> None:
        self.seconds = float(data.seconds)
        self.draw()

    def draw(self) -> None:
        from tutor.tasks.fluent import Fluent

        series = []
        for model in self.models:
            done = sorted(self.results[model].items())
            series.append(
                Series([float(k) for k, _ in done], [a for _, a in done], model, COLOURS[model], points=len(done) < 2)
            )
        self.query_one("#fl-plot", CachedPlot).show(
            Figure(
                "validation accuracy against filler words k",
                series,
                ylim=(0.0, 1.0),
                xticks=[float(k) for k in self.fillers],
                xlim=(0.0, float(max(self.fillers))),
                hlines=[(1 / 8, GREY)],
                note="" if self.runs else "press r to train the 12 networks",
            )
        )
        defaults = {**Fluent().defaults(), **self.settings}
        caption = Text()
        for model in self.models:
            row = self.results[model]
            caption.append(f"{model:<10}", style=f"bold {COLOURS[model]}")
            caption.append("  ".join(f"k={k}: {row[k]:.2f}" if k in row else f"k={k}: …" for k in self.fillers))
            caption.append("\n")
        caption.append(
            f"{defaults['units']} units, {defaults['n_train']} sentences, {defaults['epochs']} epochs each, "
            f"seed {defaults['seed']}; grey line: chance (1/8)",
            style="dim",
        )
        if self.seconds is not None:
            caption.append(f"; took {self.seconds:.0f} s", style="dim")
        self.query_one("#fl-caption", Static).update(caption)
