"""A scrolling container that holds a whole document and takes focus itself (a lesson's text)."""

from __future__ import annotations

from textual.containers import VerticalScroll


class FocusScroll(VerticalScroll):
    """Restyles only itself when it gains or loses focus.

    Textual restyles a widget and everything inside it on every focus change, for rules such
    as `#scroll:focus Label`. A lesson holds hundreds of widgets: each Tab, click or screen
    change that moved focus to or from its text restyled them all (over a second while a run
    trained, measured with `tutor bench tui`). The stylesheet styles this container's focus
    (its scrollbar) and nothing inside it by that focus, so restyling the container is enough.
    """

    def watch_has_focus(self, has_focus: bool) -> None:
        self.app.stylesheet.update_nodes([self], animate=True)
