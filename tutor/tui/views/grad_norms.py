"""Lesson 9: ‖∂L/∂hₜ‖ at every step, SimpleRNN vs LSTM at initialisation, on the long-dependency task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tutor.tui.views.base import LiveView
from tutor.tui.widgets.plots import CachedPlot, Figure, Series, int_ticks

LENGTHS = (5, 10, 20, 30, 50, 75, 100, 150)
DEFAULT_LENGTH = 50  # the lesson's table: the RNN's ratio is 1e-4 here, the LSTM's 1e-2
BATCH, UNITS, SEED = 256, 16, 0  # as the lesson measured them
MODELS = {"SimpleRNN": ("rnn", "red"), "LSTM": ("lstm", "blue")}


@dataclass
class StepNorms:
    """Per-step gradient norms (step 1 first) of each model for one sequence length."""

    length: int
    norms: dict[str, np.ndarray]

    def ratio(self, model: str) -> float:
        """‖∂L/∂h₁‖ / ‖∂L/∂h_T‖: how much of the error signal reaches the first step."""
        n = self.norms[model]
        return float(n[0] / n[-1])


def step_norms_at_init(length: int) -> StepNorms:
    """One batch through a fresh model of each kind: the norms of its backward pass."""
    from tutor.tasks import longdep

    x, y = longdep.make_data(BATCH, length=length, seed=SEED)
    norms = {}
    for model, (kind, _) in MODELS.items():
        net = longdep.build_model(kind, units=UNITS, seed=SEED)
        # the norms are recorded in the backward pass, before the optimiser moves anything
        net.compile("binary_crossentropy", "sgd", lr=1e-9)
        logs = net.train_on_batch(x, y)
        norms[model] = np.asarray(next(iter(logs["step_grad_norms"].values())), dtype=float)
    return StepNorms(length, norms)


class GradNormsView(LiveView):
    """Both models' per-step norms on a log scale; + and − change the sequence length."""

    TITLE = "Gradient reaching each step, at initialisation"
    KEYS = "+/− length"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("plus,equals_sign,right_square_bracket", "length(1)", "Longer", show=False),
        Binding("minus,left_square_bracket", "length(-1)", "Shorter", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield CachedPlot(classes="view-plot", id="gn-plot")
        yield Static(classes="view-caption", id="gn-caption")

    def on_mount(self) -> None:
        self.length = DEFAULT_LENGTH
        self.result: StepNorms | None = None
        self.run_length()

    def run_length(self) -> None:
        length = self.length
        self.compute(lambda: step_norms_at_init(length), f"Backpropagating one batch of length {length}…")

    def action_length(self, step: int) -> None:
        index = min(max(LENGTHS.index(self.length) + step, 0), len(LENGTHS) - 1)
        if LENGTHS[index] != self.length:
            self.length = LENGTHS[index]
            self.run_length()

    def show(self, data: Any) -> None:
        self.result = data
        r: StepNorms = data
        steps = list(range(1, r.length + 1))
        self.query_one("#gn-plot", CachedPlot).show(
            Figure(
                f"‖∂L/∂hₜ‖ for t = 1 … {r.length}",
                [
                    Series(steps, np.maximum(r.norms[model], 1e-30).tolist(), model, colour)
                    for model, (_, colour) in MODELS.items()
                ],
                log_y=True,
                xticks=[float(t) for t in int_ticks(r.length)],
                xlabels=[f"t={t}" if i == 0 else str(t) for i, t in enumerate(int_ticks(r.length))],
            )
        )
        caption = Text(f"T = {r.length}   ‖∂L/∂h₁‖ / ‖∂L/∂h_T‖:  ")
        for model, (_, colour) in MODELS.items():
            caption.append(f"{model} {r.ratio(model):.1e}", style=f"bold {colour}")
            caption.append("   ")
        caption.append(f"\n{BATCH} sequences, {UNITS} units, seed {SEED}; press + or − to change T.", style="dim")
        self.query_one("#gn-caption", Static).update(caption)
