"""Lesson 6: the same small run's loss curve under a too small, a good and a too large learning rate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from tutor.tui.views.base import LiveView
from tutor.tui.widgets.plots import CachedPlot, Figure, Series, int_ticks

# the lesson 6 experiment's preset; only the learning rate changes between the curves
PRESET = {
    "task": "long_dependency",
    "model": "SimpleRNN",
    "units": 16,
    "seq_len": 5,
    "optimizer": "sgd",
    "epochs": 10,
    "batch_size": 64,
    "seed": 0,
}
RATES = ((0.001, "too small", "blue"), (0.3, "about right", "green"), (10.0, "too large", "red"))
SAVED_COLOURS = ("orange", "magenta", "cyan")  # the learner's own runs, newest first
RICH = {"blue": "blue", "green": "green", "red": "red", "orange": "dark_orange", "magenta": "magenta", "cyan": "cyan"}


@dataclass
class Curve:
    """One run's training loss per epoch and final validation accuracy."""

    lr: float
    label: str
    colour: str
    loss: list[float]
    val_accuracy: float | None = None
    diverged: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def train_curves(rates: tuple[tuple[float, str, str], ...] = RATES) -> list[Curve]:
    """Train the preset once per learning rate through the task registry (about 0.1 s each)."""
    from tutor.tasks.registry import run

    curves = []
    for lr, label, colour in rates:
        result = run({**PRESET, "lr": lr})
        val_accuracy = result.metrics.get("val_accuracy")
        curves.append(
            Curve(
                lr,
                label,
                colour,
                [float(v) for v in result.history.get("loss", [])],
                None if val_accuracy is None else float(val_accuracy),
                result.diverged,
            )
        )
    return curves


def matches_preset(config: dict[str, Any]) -> bool:
    """A saved run of the same task and model as the preset (the learner changed only lr)."""
    return all(str(config.get(k)) == str(v) for k, v in PRESET.items() if k not in ("epochs", "seed"))


class LrCurvesView(LiveView):
    """Training loss by epoch, one curve per learning rate, plus the learner's saved runs."""

    TITLE = "Loss curves under three learning rates ρ"

    def compose_body(self) -> ComposeResult:
        yield CachedPlot(classes="view-plot", id="lr-plot")
        yield Static(classes="view-caption", id="lr-caption")

    def on_mount(self) -> None:
        self.curves: list[Curve] = []
        self.saved: list[Curve] = self.saved_runs()
        self.compute(train_curves, "Training three runs (SimpleRNN, T = 5, sgd, 10 epochs)…")

    def saved_runs(self, most: int = len(SAVED_COLOURS)) -> list[Curve]:
        """The learner's saved runs of the lesson's preset (from the dashboard), newest first."""
        course = getattr(self.app, "course", None)
        if course is None:
            return []
        curves: list[Curve] = []
        # the store is read on the UI thread (SQLite connections stay on their own thread); a store
        # that cannot be read gives no runs, and the course tells the learner why
        for info in course.list_runs():
            if len(curves) >= most:
                break
            if matches_preset(info.config) and info.config.get("lr") is not None:
                run = course.load_run(info.id)
                loss = [float(v) for v in run.history.get("loss", []) if v is not None] if run else []
                if run is not None and loss:
                    curves.append(
                        Curve(
                            float(info.config["lr"]),
                            "your run",
                            SAVED_COLOURS[len(curves)],
                            loss,
                            (run.history.get("val_accuracy") or [None])[-1],
                        )
                    )
        return curves

    def show(self, data: Any) -> None:
        self.curves = list(data)
        shown = self.curves + self.saved
        ticks = int_ticks(max((len(c.loss) for c in shown), default=1))
        # ρ = 10 sits two decades above the others: on a linear axis it squashes them into one line
        self.query_one("#lr-plot", CachedPlot).show(
            Figure(
                "training loss by epoch",
                [Series(list(range(1, len(c.loss) + 1)), c.loss, f"ρ={c.lr:g}", RICH[c.colour]) for c in shown],
                log_y=None,
                xticks=[float(t) for t in ticks],
            )
        )
        caption = Text("validation accuracy: ", style="dim")
        for c in shown:
            acc = "diverged" if c.diverged else ("–" if c.val_accuracy is None else f"{c.val_accuracy:.2f}")
            caption.append(f"ρ={c.lr:g} ({c.label}) {acc}", style=f"bold {RICH[c.colour]}")
            caption.append("  ")
        caption.append("\nSame data, model and seed; only the step size differs.", style="dim")
        self.query_one("#lr-caption", Static).update(caption)
