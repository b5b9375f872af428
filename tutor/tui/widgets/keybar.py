"""The footer: the keys of the current screen, drawn as one line of text.

Textual's `Footer` builds a widget per key and rebuilds them all whenever the bindings change:
on every screen switch, focus change and run start. Measured with `tutor bench tui`, that was
the largest part of what F1, F2 and F3 cost while a run trained. This bar is one widget whose
text is redrawn; it looks the same (`^r Start ^g Pause`), greys out keys that do not apply now,
runs a key when it is clicked, and when the terminal is narrow it leaves out whole keys from
the end (help and the palette stay listed in F1) instead of cutting one in half.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.screen import Screen


class KeyBar(Widget):
    """The current screen's keys (those bound with show=True), in one line."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
        & > .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, show_command_palette: bool = True, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.show_command_palette = show_command_palette
        self.keys: list[tuple[str, str, str, bool]] = []  # (key, its display, description, enabled)
        self.palette: tuple[str, str, str, bool] | None = None
        self.spans: list[tuple[int, int, str, bool]] = []  # where each key was drawn: start, end, key, enabled

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[object]) -> None:
        if screen is not self.screen:
            return
        keys: list[tuple[str, str, str, bool]] = []
        seen: set[str] = set()  # one entry per action, as Textual's footer shows
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((binding.key, self.app.get_key_display(binding), binding.description, enabled))
        palette = None
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, _tooltip = found
                palette = (binding.key, self.app.get_key_display(binding), binding.description, enabled)
        if (keys, palette) != (self.keys, self.palette):
            self.keys, self.palette = keys, palette
            self.refresh()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key")
        description_style = self.get_component_rich_style("keybar--description")
        width = self.size.width
        pieces = [(k, f"{shown} ", description, enabled) for k, shown, description, enabled in self.keys]
        right = None
        if self.palette is not None:
            k, shown, description, enabled = self.palette
            right = (k, f"{shown} ", description.lower(), enabled)
        # as many whole keys as fit, the palette's only if all the others do
        used, fitting = 0, []
        for piece in pieces:
            length = len(piece[1]) + len(piece[2]) + 1
            if used + length > width:
                break
            fitting.append(piece)
            used += length
        if right is not None and (len(fitting) < len(pieces) or used + len(right[1]) + len(right[2]) + 1 > width):
            right = None
        text = Text(no_wrap=True, end="")
        self.spans = []
        for k, shown, description, enabled in fitting:
            start = len(text)
            greyed = Style(dim=not enabled)  # a key that does not apply now
            text.append(shown, style=key_style + greyed)
            text.append(description, style=description_style + greyed)
            self.spans.append((start, len(text), k, enabled))
            text.append(" ")
        if right is not None:
            k, shown, description, enabled = right
            gap = width - len(text) - len(shown) - len(description)
            text.append(" " * max(gap, 1))
            start = len(text)
            text.append(shown, style=key_style)
            text.append(description, style=description_style)
            self.spans.append((start, len(text), k, enabled))
        return text

    def on_click(self, event: events.Click) -> None:
        """A click on a key presses it (a key that does not apply now rings the bell)."""
        for start, end, key, enabled in self.spans:
            if start <= event.x < end:
                event.stop()
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
