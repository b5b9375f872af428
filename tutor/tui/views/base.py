"""The frame every live view shares: a title line, a body, a notice line, and a thread worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static


@dataclass
class Computed(Message):
    """A view's computation came back from its worker (or failed with `error`)."""

    generation: int
    data: Any = None
    error: str = ""


class LiveView(Vertical):
    """A view computed from the engine or the data; heavy work runs in a thread, never the UI."""

    TITLE: ClassVar[str] = ""
    KEYS: ClassVar[str] = ""  # the view's own keys, shown in its title line (the footer is full)
    can_focus = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="live-view")
        self._generation = 0  # a result from an older request is dropped, not drawn
        self.busy = False
        self.error = ""  # the last failure, as shown to the learner (tests read it)

    def compose(self) -> ComposeResult:
        title = Text(self.TITLE, style="bold")
        if self.KEYS:
            title.append(f"  {self.KEYS}", style="dim")
        yield Static(title, classes="view-title")
        yield from self.compose_body()
        yield Static(classes="view-notice")

    def compose_body(self) -> ComposeResult:
        """The view's own widgets, between the title and the notice."""
        yield from ()

    def notice(self, message: str | Text = "", style: str = "italic") -> None:
        """One line under the view: what it is computing, or why it cannot."""
        label = self.query_one(".view-notice", Static)
        label.update(message if isinstance(message, Text) else Text(message, style=style))
        label.display = bool(str(message))

    def compute(self, job: Callable[[], Any], what: str = "Computing…") -> None:
        """Run `job` in a thread worker; its result arrives in `show` on the UI thread."""
        self._generation += 1
        generation = self._generation
        self.busy = True
        self.notice(what, style="italic yellow")

        def work() -> None:
            try:
                self.post_message(Computed(generation, job()))
            except Exception as exc:  # shown in the view, never a traceback
                self.post_message(Computed(generation, error=str(exc) or type(exc).__name__))

        self.run_worker(work, thread=True, exclusive=True, exit_on_error=False, group=f"view-{id(self)}")

    def on_computed(self, message: Computed) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self.busy = False
        self.error = message.error
        if message.error:
            self.notice(message.error, style="bold yellow")
            self.failed(message.error)
            return
        self.notice()
        self.show(message.data)

    def show(self, data: Any) -> None:
        """Draw a computed result (UI thread)."""

    def failed(self, error: str) -> None:
        """The computation failed; the notice already says why (UI thread)."""
