"""What every screen of the tutor shares: being shown costs no restyling it does not need."""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual._context import active_app
from textual.screen import Screen

ResultType = TypeVar("ResultType")


class TutorScreen(Screen[ResultType]):
    """A screen that is restyled only when the app's CSS changed since it was last styled.

    Textual restyles every widget of a screen each time it becomes the current one (F2, F3, F4
    between the modes), and the first time a mode's screen is shown it re-reads the whole
    stylesheet and restyles every screen of the mode left behind. While a run trained, those were
    most of a key's response time (measured with `tutor bench tui`). Both are needed only after
    the CSS changed (a theme change, say): Textual counts such changes, and a screen that missed
    one is still refreshed, by Textual, before it is shown.
    """

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._styled_for: int | None = None  # the app's CSS count when this screen was last styled
        # its widgets are styled by the current stylesheet as they mount: up to date from the start
        try:
            app = active_app.get()
        except LookupError:  # built outside a running app: Textual's own bookkeeping
            return
        self._css_update_count = self._styled_for = app._css_update_count
        # The breakpoint classes (-narrow, -wide) for the terminal's size, set now: set by the first
        # resize instead, they would restyle every widget of a freshly built screen (a lesson has
        # hundreds: half a second while a run trains).
        breakpoint_classes = getattr(self, "_get_breakpoint_classes", None)
        if breakpoint_classes is None:  # older Textual (8.0 has none): the first resize sets them
            return
        width, height = app.size
        horizontal = (
            app.HORIZONTAL_BREAKPOINTS if self.HORIZONTAL_BREAKPOINTS is None else self.HORIZONTAL_BREAKPOINTS
        ) or []
        vertical = (app.VERTICAL_BREAKPOINTS if self.VERTICAL_BREAKPOINTS is None else self.VERTICAL_BREAKPOINTS) or []
        for dimension, breakpoints in ((width, horizontal), (height, vertical)):
            for breakpoint in breakpoint_classes(dimension, list(breakpoints)):
                self.add_class(breakpoint, update=False)

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        count = self.app._css_update_count
        if self._styled_for == count and self.is_attached:
            event.refresh_styles = False
        self._styled_for = count
        super()._on_screen_resume(event)
