"""Layer classes by name, for saved configs: ``{"class": "LSTM", "config": {...}}`` → a layer.

Each layer module registers its classes with ``@register``; this module imports nothing but the
layer interface, so wrappers (``Bidirectional``) and models both sit above it without a cycle.
"""

from __future__ import annotations

from typing import Any, TypeVar

from .layer import Layer

LAYER_CLASSES: dict[str, type[Layer]] = {}

L = TypeVar("L", bound=type[Layer])


def register(cls: L) -> L:
    LAYER_CLASSES[cls.__name__] = cls
    return cls


def layer_from_config(spec: Any) -> Layer:
    """A layer, not yet built, from ``{"class": name, "config": {...}}``; a ValueError that
    names the problem for anything else (unknown class, unknown or ill-typed keyword)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("class"), str) or not isinstance(spec.get("config"), dict):
        raise ValueError(f"a layer entry must be {{'class': name, 'config': {{...}}}}, got {_short(spec)}")
    cls = LAYER_CLASSES.get(spec["class"])
    if cls is None:
        raise ValueError(f"unknown layer class {spec['class']!r}: expected one of {', '.join(sorted(LAYER_CLASSES))}")
    try:
        return cls.from_config(spec["config"])
    except TypeError as exc:  # an unknown keyword or a missing one
        raise ValueError(f"{spec['class']}: bad config ({exc})") from None


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
