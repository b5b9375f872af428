"""Lesson 12: P(positive) after each word of an editable review, from the bundled sentiment model."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Static

from tutor.tui.views.base import LiveView
from tutor.tui.views.bundled import bundled_model
from tutor.tui.widgets.plots import CachedPlot, plot_series

DEFAULT_REVIEW = "The acting was wonderful and the story moved me, but the ending was a dull and lazy mess."


def read_review(text: str) -> dict[str, Any]:
    """`tutor.sentiment.predict_text` on the bundled model; LookupError when there is none."""
    model, why = bundled_model()
    if model is None:
        raise LookupError(why)
    from tutor.sentiment import predict_text

    return predict_text(text, model)


def pushed_words(tokens: list[str], trajectory: list[float], start: float) -> Text:
    """Each word coloured by how far it moved P(positive): green up, red down, plain if barely."""
    deltas = [b - a for a, b in zip([start, *trajectory[:-1]], trajectory, strict=True)]
    biggest = max((abs(d) for d in deltas), default=0.0) or 1.0
    text = Text()
    for token, delta in zip(tokens, deltas, strict=True):
        strength = abs(delta) / biggest
        colour = "green" if delta > 0 else "red"
        style = "" if strength < 0.1 else (f"bold on {colour}" if strength > 0.5 else f"bold {colour}")
        text.append(token, style=style)
        text.append(" ")
    return text


class TrajectoryView(LiveView):
    """Type a review and press Enter: the probability of positive as the model reads it."""

    TITLE = "Sentiment word by word"

    def compose_body(self) -> ComposeResult:
        yield Input(DEFAULT_REVIEW, placeholder="a review, then Enter", id="traj-review")
        yield CachedPlot(classes="view-plot", id="traj-plot")
        yield Static(classes="view-caption", id="traj-words")

    def on_mount(self) -> None:
        self.result: dict[str, Any] | None = None
        self.read(DEFAULT_REVIEW)

    def read(self, text: str) -> None:
        if text.strip():
            self.compute(lambda: read_review(text), "Reading the review…")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.read(event.value)

    def failed(self, error: str) -> None:
        self.result = None
        plot_series(self.query_one("#traj-plot", CachedPlot), "P(positive) after each word", [], ylim=(0, 1))
        self.query_one("#traj-words", Static).update("")

    def show(self, data: Any) -> None:
        self.result = data
        trajectory = [float(p) for p in data["trajectory"]]
        probability = float(data["probability"])
        title = f"P(positive) after each word: {data['label']} ({probability:.2f})"
        plot_series(self.query_one("#traj-plot", CachedPlot), title, [("", trajectory)], ylim=(0, 1))
        words = pushed_words(list(data["tokens"]), trajectory, float(data.get("start", 0.5)))
        if data.get("truncated"):
            words.append(f"(only the last {len(trajectory)} of {data.get('n_words')} words are read)", style="dim")
        self.query_one("#traj-words", Static).update(words)
