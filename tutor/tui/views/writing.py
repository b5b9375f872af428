"""Lesson 14: the bundled character model continues a prompt, one character at a time.

Enter starts a continuation (a new Enter starts over); ↑ and ↓ change the temperature. The
generation runs in a thread worker, paced so a learner can watch it, and reports to the UI a few
times a second: the text so far and the distribution the last character was drawn from.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static

from tutor.tui.views.base import LiveView

DEFAULT_PROMPT = "The hidden state"
LENGTH = 300  # characters per continuation
PACE = 60.0  # characters per second: fast, but slow enough to watch
UPDATES = 10.0  # redraws per second at most, however fast the characters come
TEMPERATURES = (0.1, 0.3, 0.5, 0.7, 0.8, 1.0, 1.2, 1.5, 2.0)
DEFAULT_TEMPERATURE = 0.7
TOP = 5
BAR = 24  # columns of the probability bars

NO_MODEL = (
    "No bundled character model: assets/writing-model.npz is not installed. It ships with "
    "rnn-tutor (reinstall the package), or train one: tutor train chars --out my.npz"
)


@dataclass
class Written(Message):
    """Progress of one continuation (from the worker thread)."""

    generation: int
    text: str  # the continuation so far
    top: list[tuple[str, float]] = field(default_factory=list)  # what the last character was drawn from
    chosen: str = ""
    chosen_p: float = 0.0
    done: bool = False
    error: str = ""
    about: str = ""  # the model, in words (first message only)


def shown(char: str) -> str:
    """A character as the probability table shows it (a space or newline must be visible)."""
    return {" ": "␠", "\n": "⏎", "\t": "⇥"}.get(char, char)


def top_table(top: list[tuple[str, float]], chosen: str, temperature: float, chosen_p: float = 0.0) -> Text:
    """One bar per likely next character, the drawn one marked (and named, when it is not among them)."""
    out = Text(f"next character, p at τ = {temperature:g}:", style="dim")
    if chosen and chosen not in {c for c, _ in top}:
        out.append(f"  drew {shown(chosen)} ({chosen_p:.1%}), not among the likeliest", style="bold")
    out.append("\n")
    for i, (char, p) in enumerate(top):
        mark = "▶" if char == chosen else " "
        out.append(f"{mark} {shown(char):>2} ", style="bold" if char == chosen else "")
        filled = round(p * BAR)
        out.append("█" * filled, style="green" if char == chosen else "cyan")
        out.append("·" * (BAR - filled), style="dim")
        out.append(f" {p:6.1%}")
        if i < len(top) - 1:
            out.append("\n")
    return out


class WritingView(LiveView):
    """Type a prompt, press Enter, and watch the model continue it."""

    TITLE = "A model that writes"
    KEYS = "enter write · ↑↓ temperature"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "temperature(1)", "Warmer", show=True, priority=True),
        Binding("down", "temperature(-1)", "Colder", show=True, priority=True),
    ]

    def compose_body(self) -> ComposeResult:
        yield Input(DEFAULT_PROMPT, placeholder="a prompt, then Enter", id="wr-prompt")
        with VerticalScroll(classes="view-scroll", id="wr-scroll"):
            yield Static(id="wr-text")
        yield Static(id="wr-top")
        yield Static(classes="view-caption", id="wr-status")

    def on_mount(self) -> None:
        self.temperature = DEFAULT_TEMPERATURE
        self.prompt = DEFAULT_PROMPT
        self.text = ""
        self.top: list[tuple[str, float]] = []
        self.chosen = ""
        self.chosen_p = 0.0
        self.done = False
        self.about = ""
        self._stop = threading.Event()
        self.start(DEFAULT_PROMPT)

    # -- the worker ---------------------------------------------------------------------------
    def start(self, prompt: str) -> None:
        """(Re)start a continuation of `prompt` at the current temperature."""
        self._stop.set()  # the running worker ends at its next character
        self._stop = stop = threading.Event()
        self._generation += 1
        generation, temperature = self._generation, self.temperature
        self.prompt, self.text, self.top, self.chosen, self.chosen_p, self.done = prompt, "", [], "", 0.0, False
        self.busy = True
        self.error = ""
        self.notice("Reading the prompt…", style="italic yellow")
        self.redraw()

        def work() -> None:
            try:
                from tutor import writer

                if not writer.bundled_model_path().is_file():
                    raise FileNotFoundError(NO_MODEL)
                model = writer.load_writer()
                perplexity = model.info.get("val_perplexity")
                about = f"{model.kind}({model.units}) trained on the lessons" + (
                    f", validation perplexity {perplexity:.2f}" if isinstance(perplexity, float) else ""
                )
                text, last_post, started = "", 0.0, time.monotonic()
                step = None
                for i, step in enumerate(model.generate(prompt, LENGTH, temperature)):
                    if stop.is_set():
                        return
                    text += step.char
                    # pace: character i is due at started + i / PACE
                    delay = started + (i + 1) / PACE - time.monotonic()
                    if delay > 0:
                        stop.wait(delay)
                    now = time.monotonic()
                    if now - last_post >= 1.0 / UPDATES:
                        last_post = now
                        self.post_message(Written(generation, text, step.top, step.char, step.prob, about=about))
                if step is not None:
                    self.post_message(Written(generation, text, step.top, step.char, step.prob, done=True, about=about))
            except Exception as exc:  # shown in the view, never a traceback
                self.post_message(Written(generation, "", done=True, error=str(exc) or type(exc).__name__))

        self.run_worker(work, thread=True, exclusive=True, exit_on_error=False, group=f"view-{id(self)}")

    def on_written(self, message: Written) -> None:
        message.stop()
        if message.generation != self._generation:
            return  # an older continuation's last report
        if message.error:
            self.busy, self.done, self.error = False, True, message.error
            self.notice(message.error, style="bold yellow")
            return
        self.notice()
        self.text, self.top, self.chosen, self.chosen_p = message.text, message.top, message.chosen, message.chosen_p
        self.about = message.about or self.about
        if message.done:
            self.busy, self.done = False, True
        self.redraw()

    def on_unmount(self) -> None:
        self._stop.set()

    # -- keys and input -------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start(event.value)

    def action_temperature(self, step: int) -> None:
        index = min(range(len(TEMPERATURES)), key=lambda i: abs(TEMPERATURES[i] - self.temperature))
        index = min(max(index + step, 0), len(TEMPERATURES) - 1)
        if TEMPERATURES[index] != self.temperature:
            self.temperature = TEMPERATURES[index]
            self.start(self.prompt)  # the same prompt again, at the new temperature

    # -- drawing ---------------------------------------------------------------------------------
    def redraw(self) -> None:
        body = Text(self.prompt, style="dim")
        body.append(self.text, style="bold")
        if not self.done:
            body.append("▌", style="blink")
        self.query_one("#wr-text", Static).update(body)
        self.query_one("#wr-scroll", VerticalScroll).scroll_end(animate=False)
        self.query_one("#wr-top", Static).update(
            top_table(self.top, self.chosen, self.temperature, self.chosen_p) if self.top else ""
        )
        status = Text(f"τ = {self.temperature:g}", style="bold")
        status.append(" (↑ warmer, ↓ colder)  ", style="dim")
        status.append(f"{len(self.text)}/{LENGTH} characters", style="dim")
        if self.about:
            status.append(f"\n{self.about}", style="dim")
        self.query_one("#wr-status", Static).update(status)

    def show(self, data: Any) -> None:  # the base class's one-shot results are not used here
        return None
