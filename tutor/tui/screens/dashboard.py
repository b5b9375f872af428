"""Training dashboard (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class DashboardScreen(Screen[None]):
    """Training dashboard."""

    def compose(self) -> ComposeResult:
        yield Header(icon="∿")
        yield Static("Training dashboard")
        yield Footer(compact=True)
