"""The sentiment playground: type a review, watch the model read it word by word."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Header, Static, TextArea

from tutor.tui.screens.base import TutorScreen
from tutor.tui.widgets.keybar import KeyBar
from tutor.tui.widgets.model_picker import BUNDLED, ModelPicker
from tutor.tui.widgets.plots import CachedPlot, plot_series

if TYPE_CHECKING:
    from textual.timer import Timer

    from tutor.tui.app import TutorApp

EXAMPLE = "The acting was wonderful and the story moved me, but the ending was a dull and lazy mess."
TYPING_PAUSE = 0.6  # seconds after the last key before predicting again
PICK_HINT = "Press ctrl+o to pick another model."
EMPTY_REVIEW = "Type a review first: the model answers when you pause typing, or press ctrl+r."
NO_WORDS = (
    "The review has only punctuation or symbols, no words for the model to read: write a few words of the review."
)


# text -> {"label", "probability" (of positive), "tokens" (the words read), "trajectory" (after each)}
Predictor = Callable[[str], dict[str, Any]]

NO_MODEL = (
    "No sentiment model is available yet. Train one in lesson 12, or install the bundled model, "
    "then come back: the playground will use it."
)


def find_predictor() -> Predictor | None:
    """The bundled model's predict function, or None if the bundled model is not installed.

    A model that is there but fails says why when it is used, where the verdict goes.
    """
    from tutor import sentiment

    return sentiment.predict_text if sentiment.bundled_model_path().is_file() else None


def word_deltas(trajectory: list[float], start: float = 0.5) -> list[float]:
    """How much each word moved the probability (the first from the neutral `start`)."""
    deltas, previous = [], start
    for p in trajectory:
        deltas.append(float(p) - previous)
        previous = float(p)
    return deltas


def models_folder() -> Path:
    """Where the picker looks for models the learner trained (the dashboard's IMDb runs, `tutor train --out`)."""
    from tutor import paths

    return paths.models_dir()


@dataclass
class Predicted(Message):
    """A prediction came back from the worker (or failed with `error`)."""

    text: str
    result: dict[str, Any]
    error: str = ""


@dataclass
class ModelLoaded(Message):
    """A model file was loaded for the playground (or failed with `error`)."""

    path: str
    model: Any = None  # tutor.sentiment.SentimentModel
    error: str = ""


def coloured_words(tokens: list[str], trajectory: list[float], start: float = 0.5) -> Text:
    """Each word on a background whose colour and strength say how it moved the prediction."""
    deltas = word_deltas(trajectory, start)
    biggest = max((abs(d) for d in deltas), default=0.0) or 1.0
    text = Text()
    for token, delta in zip(tokens, deltas, strict=False):
        strength = abs(delta) / biggest
        if strength < 0.05:
            text.append(token)
        else:
            # green pushes towards positive, red towards negative; alpha follows the size
            colour = "green" if delta > 0 else "red"
            text.append(token, style=f"on {colour}" if strength > 0.5 else f"{colour} bold")
        text.append(" ")
    return text


UNSURE = 0.1  # a probability within this of 0.5 is no verdict: "unsure" from 0.40 to 0.60


def verdict_label(probability: float) -> str:
    """POSITIVE, NEGATIVE, or UNSURE when P(positive) is within UNSURE of 0.5."""
    if abs(probability - 0.5) < UNSURE:
        return "unsure"
    return "positive" if probability > 0.5 else "negative"


def verdict_text(probability: float, result: dict[str, Any]) -> Text:
    """The answer, its probability as a bar, and how many of the words the model knew."""
    label = verdict_label(probability)
    colour = {"positive": "green", "negative": "red", "unsure": "yellow"}[label]
    verdict = Text()
    verdict.append(f" {label.upper()} ", style=f"bold reverse {colour}")
    verdict.append(f"  P(positive) = {probability:.2f}  ")
    filled = round(probability * 30)
    verdict.append("█" * filled, style="green")
    verdict.append("█" * (30 - filled), style="red")
    if label == "unsure":
        verdict.append(
            f"\nToo close to 0.5 to call: unsure from {0.5 - UNSURE:.2f} to {0.5 + UNSURE:.2f}.", style="dim"
        )
    tokens = result.get("tokens") or []
    unknown = result.get("unknown")
    if isinstance(unknown, int) and tokens:
        words = "this word" if len(tokens) == 1 else f"any of these {len(tokens)} words"
        if unknown == len(tokens):
            verdict.append(
                f"\nThe model does not know {words}: its answer says nothing about this review.",
                style="bold yellow",
            )
        elif unknown:
            verdict.append(
                f"\n{unknown} of {len(tokens)} words are unknown to the model: it reads each as the same 'unknown'.",
                style="yellow" if unknown * 2 >= len(tokens) else "dim",
            )
    return verdict


class PlaygroundScreen(TutorScreen[None]):
    """Sentiment of a typed review: probability, label, words coloured by their push."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "predict", "Predict", priority=True),
        Binding("ctrl+o", "pick_model", "Model", priority=True),
        Binding("f2", "app.goto_mode('map')", "Course"),
    ]

    app: TutorApp

    def __init__(self, predictor: Predictor | None = None) -> None:
        super().__init__()
        self.predictor = predictor if predictor is not None else find_predictor()
        self.model_path = BUNDLED  # the model in use: BUNDLED or a file's path
        self.result: dict[str, Any] | None = None
        self._typing_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="∿")
        yield TextArea(
            EXAMPLE, id="review", soft_wrap=True, show_line_numbers=False, placeholder="Type or paste a movie review…"
        )
        yield Static(id="verdict")
        with Horizontal(id="play-body"):
            with VerticalScroll(id="words-box"):
                yield Static(id="words")
            yield CachedPlot(id="trajectory")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#review").focus()
        self.sub_title = "model: bundled"
        if self.predictor is None:
            self.clear(f"{NO_MODEL} {PICK_HINT}")
            self.notify(NO_MODEL, title="Playground", severity="warning", timeout=8)
        else:
            self.action_predict()

    # ------------------------------------------------------------------------ the model

    def action_pick_model(self) -> None:
        """Open the model picker: the bundled model, a saved one, or a typed path."""
        self.app.push_screen(ModelPicker(models_folder(), self.model_path), self.use_model)

    def use_model(self, choice: str | None) -> None:
        """Switch to the picked model (a file is loaded off the UI thread first)."""
        if choice is None:
            return
        if choice == BUNDLED:
            self.predictor = find_predictor()
            self.model_path = BUNDLED
            self.sub_title = "model: bundled"
            self.action_predict()
            return
        self.query_one("#verdict", Static).update(Text(f"loading {choice}…", style="dim"))
        self.load_model_file(choice)

    @work(thread=True, exclusive=True, exit_on_error=False, group="model")
    def load_model_file(self, path: str) -> None:
        """Load and check a model file: a bad one becomes a notice, and the old model stays."""
        try:
            from tutor.sentiment import load_model

            self.post_message(ModelLoaded(path, load_model(path)))
        except Exception as exc:  # a bad file is the learner's to fix: say what is wrong
            self.post_message(ModelLoaded(path, error=str(exc) or type(exc).__name__))

    def on_model_loaded(self, message: ModelLoaded) -> None:
        if message.error:
            self.notify(
                f"{message.error}. The playground keeps its current model.",
                title="Cannot use this model",
                severity="error",
                timeout=10,
            )
            self.query_one("#verdict", Static).update(Text(message.error, style="bold yellow"))
            if self.predictor is not None:
                self.action_predict()  # the verdict line goes back to the current model's answer
            return
        from tutor.sentiment import predict_text

        self.predictor = functools.partial(predict_text, model=message.model)
        self.model_path = message.path
        self.sub_title = f"model: {Path(message.path).name}"
        self.notify(f"Now reading with {Path(message.path).name}.", title="Model", timeout=4)
        self.action_predict()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Predict again once the learner pauses typing (not on every key)."""
        if self.predictor is None:
            return
        if self._typing_timer is not None:
            self._typing_timer.stop()
        self._typing_timer = self.set_timer(TYPING_PAUSE, self.action_predict)

    def action_predict(self) -> None:
        if self.predictor is None:
            self.notify(f"{NO_MODEL} {PICK_HINT}", severity="warning")
            return
        from tutor.data.text import tokenize  # the words the model would read

        text = self.query_one("#review", TextArea).text
        if not text.strip() or not tokenize(text):
            # nothing to read: the last answer was for another review, so it goes
            self.workers.cancel_group(self, "predict")
            self.clear(EMPTY_REVIEW if not text.strip() else NO_WORDS)
            return
        self.predict(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="predict")
    def predict(self, text: str) -> None:
        """Run the model off the UI thread (a long review takes a moment)."""
        assert self.predictor is not None
        try:
            self.post_message(Predicted(text, self.predictor(text)))
        except Exception as exc:  # shown as a notice, never a traceback
            self.post_message(Predicted(text, {}, error=str(exc) or type(exc).__name__))

    def on_predicted(self, message: Predicted) -> None:
        if message.text != self.query_one("#review", TextArea).text:
            return  # an answer for a review that has changed since: a newer one is on its way
        if message.error:
            # e.g. the bundled model file is missing: say so where the verdict would be
            self.clear(f"{message.error}. {PICK_HINT}")
            self.notify(message.error, title="Prediction failed", severity="error", timeout=8)
            return
        self.result = message.result
        self.draw(message.result)

    def clear(self, message: str) -> None:
        """No answer to show: the message on the verdict line, and no words or plot of an old one."""
        self.result = None
        self.query_one("#verdict", Static).update(Text(message, style="bold yellow"))
        self.query_one("#words", Static).update("")
        plot_series(self.query_one("#trajectory", CachedPlot), "P(positive) while reading", [], ylim=(0, 1))

    def draw(self, result: dict[str, Any]) -> None:
        """Verdict line, coloured words and the trajectory plot."""
        plot = self.query_one("#trajectory", CachedPlot)
        probability = float(result["probability"])
        self.query_one("#verdict", Static).update(verdict_text(probability, result))
        tokens = list(result.get("tokens", []))
        trajectory = [float(p) for p in result.get("trajectory", [])]
        words = coloured_words(tokens, trajectory, float(result.get("start", 0.5)))
        words.append("\n\ngreen: pushed towards positive · red: towards negative", style="dim")
        self.query_one("#words", Static).update(words)
        plot_series(plot, "P(positive) while reading", [("", trajectory)], ylim=(0, 1))
