"""Live views drawn beside a lesson: one small module per view, created through `VIEWS`.

Each factory imports its module only when called, so opening a lesson loads only its own views.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.tui.views.base import LiveView

ViewFactory = Callable[[], "LiveView"]

# view name (as lessons list it in `views = [...]`) -> (module, class)
_WHERE: dict[str, tuple[str, str]] = {
    "activations": ("activations", "ActivationsView"),
    "hidden_state": ("hidden_state", "HiddenStateView"),
    "lr_curves": ("lr_curves", "LrCurvesView"),
    "grad_norms": ("grad_norms", "GradNormsView"),
    "trajectory": ("trajectory", "TrajectoryView"),
    "nyse_forecast": ("nyse_forecast", "NyseForecastView"),
    "autocorrelation": ("autocorrelation", "AutocorrelationView"),
    "embeddings": ("embeddings", "EmbeddingsView"),
    "writing": ("writing", "WritingView"),
    "fluent": ("fluent", "FluentView"),
    "attention_map": ("attention_map", "AttentionMapView"),
    "optimisers": ("optimisers", "OptimisersView"),
}


def _factory(module: str, cls: str) -> ViewFactory:
    def make() -> LiveView:
        view: LiveView = getattr(importlib.import_module(f"{__name__}.{module}"), cls)()
        return view

    make.__doc__ = f"A new {cls}."
    return make


VIEWS: dict[str, ViewFactory] = {name: _factory(*where) for name, where in _WHERE.items()}


def make_view(name: str) -> LiveView:
    """A new widget for the view called `name` (KeyError for an unknown view)."""
    return VIEWS[name]()
