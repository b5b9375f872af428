"""Sentiment playground (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class PlaygroundScreen(Screen[None]):
    """Sentiment playground."""

    def compose(self) -> ComposeResult:
        yield Header(icon="∿")
        yield Static("Sentiment playground")
        yield Footer(compact=True)
