"""The lesson's view panel: one live view at a time, cycled with `v`; views keep their state."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tutor.tui.views import make_view
from tutor.tui.views.base import LiveView


class BrokenView(LiveView):
    """Stands in for a view that failed to build, saying why."""

    TITLE = "View unavailable"

    def __init__(self, why: str) -> None:
        super().__init__()
        self.why = why

    def on_mount(self) -> None:
        self.error = self.why
        self.notice(self.why, style="bold yellow")


class ViewPanel(Vertical):
    """Holds the lesson's views; each is created the first time it is shown, then kept."""

    def __init__(self, names: tuple[str, ...], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.names = names
        self.index = -1  # -1: closed
        self.views: dict[str, LiveView] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="view-heading")

    @property
    def is_open(self) -> bool:
        return self.index >= 0

    @property
    def current(self) -> LiveView | None:
        return self.views.get(self.names[self.index]) if self.is_open else None

    def cycle(self) -> bool:
        """Show the next view, or close after the last one; True if a view is now shown."""
        return self.select(self.index + 1 if self.index + 1 < len(self.names) else -1)

    def select(self, index: int) -> bool:
        """Show view `index` (creating it on first use), or close the panel for -1."""
        self.index = index
        for view in self.views.values():
            view.display = False
        if index < 0:
            return False
        name = self.names[index]
        if name not in self.views:
            try:
                view = make_view(name)
            except Exception as exc:  # a broken view must not take the lesson down with it
                view = BrokenView(f"The {name} view could not be opened: {exc}")
            self.views[name] = view
            self.mount(view)
        self.views[name].display = True
        heading = Text(f" View {index + 1}/{len(self.names)} ", style="bold reverse")
        heading.append(" " + name.replace("_", " "), style="bold")  # as help names it: "hidden state"
        keys = "v next view · esc close" if index + 1 < len(self.names) else "v or esc close"
        heading.append(f"  {keys}", style="dim")
        self.query_one("#view-heading", Static).update(heading)
        return True
