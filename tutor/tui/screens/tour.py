"""The first-run tour: four short pages on the tutor's screens and their keys.

Shown over the course map the first time the app starts (the store remembers it was seen) and
again from help (`t`) or the command palette. Every page can be skipped with `Esc`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.tui.widgets.keybar import KeyBar

TOUR_SEEN = "tour_seen"  # the settings key: present once the tour has been shown

# (title, text): what the screen is for, then its keys; short enough for 60x20
PAGES: tuple[tuple[str, str], ...] = (
    (
        "The course map",
        "The lessons in order, each with the exercises you have passed. "
        "↑ and ↓ move the highlight, Enter opens the highlighted lesson, "
        "c continues with the lesson you read last. F2 brings you back here from anywhere.",
    ),
    (
        "A lesson",
        "Read the text, then do the exercises below it: quizzes, code you write, and experiments. "
        "ctrl+r checks your answer (or starts the experiment), ctrl+t gives a hint, ctrl+o the "
        "solution once you have tried, v opens the lesson's live view, Esc goes back.",
    ),
    (
        "The training dashboard (F3)",
        "Train an RNN, LSTM or GRU and watch the loss, the accuracy and the gradient at every "
        "time step as it learns. A lesson's experiment opens here by itself. "
        "ctrl+r starts, ctrl+g pauses, ctrl+s stops; saved runs can be compared.",
    ),
    (
        "The sentiment playground (F4)",
        "Type a review: a trained network reads it word by word, colours each word by how it "
        "moved the verdict and shows the probability after each word. ctrl+o picks the model, "
        "the bundled one or one you trained.",
    ),
)


class TourScreen(ModalScreen[None]):
    """A few pages on the tutor's screens; Enter or → for the next, ← back, Esc skips the rest."""

    DEFAULT_CSS = """
    TourScreen {
        align: center middle;
        /* see-through: the first page is about the map, which shows behind it. (Help is opaque because
           a see-through modal redraws the screen below every frame; the tour is shown at start, or from
           help, and closes at the first Esc) */
        background: $background 50%;
    }
    TourScreen > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    TourScreen #tour-text {
        width: 100%;
        margin: 1 0;
    }
    TourScreen #tour-steps {
        width: 100%;
        color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,right,space", "step(1)", "Next"),
        Binding("left", "step(-1)", "Back"),
        Binding("escape", "close", "Skip tour"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="tour"):
            yield Static(id="tour-text")
            yield Static(id="tour-steps")
        yield KeyBar(show_command_palette=False)

    def on_mount(self) -> None:
        self.show_page()

    def show_page(self) -> None:
        title, text = PAGES[self.page]
        box = self.query_one("#tour", Vertical)
        box.border_title = f"Tour {self.page + 1}/{len(PAGES)}: {title}"
        self.query_one("#tour-text", Static).update(text)
        last = self.page == len(PAGES) - 1
        steps = Text()
        steps.append("Enter: " + ("close" if last else "next") + "   ← back   Esc: skip\n")
        steps.append("F1 (help), then t, shows this tour again.")
        self.query_one("#tour-steps", Static).update(steps)

    def action_step(self, step: int) -> None:
        page = self.page + step
        if page >= len(PAGES):
            self.dismiss()
        elif page >= 0:
            self.page = page
            self.show_page()

    def action_close(self) -> None:
        self.dismiss()
