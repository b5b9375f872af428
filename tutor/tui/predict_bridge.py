"""Where the playground gets its predictions: `predict_text(text) -> dict`, imported lazily.

The result has ``label`` ("positive"/"negative"), ``probability`` (of positive), ``tokens`` (the
words the model read) and ``trajectory`` (the probability after each token). The bundled model
and its predict function come from the sentiment task; until it exists, `find_predictor` says so.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

Predictor = Callable[[str], dict[str, Any]]

# Modules that may provide `predict_text`, most specific first.
CANDIDATES = ("tutor.sentiment", "tutor.tasks.sentiment")

NO_MODEL = (
    "No sentiment model is available yet. Train one in lesson 9, or install the bundled model, "
    "then come back: the playground will use it."
)


def find_predictor() -> Predictor | None:
    """The first `predict_text` found among CANDIDATES, or None."""
    for name in CANDIDATES:
        try:
            module = importlib.import_module(name)
        except Exception:  # a missing or broken optional module means "no model here"
            continue
        predict = getattr(module, "predict_text", None)
        if callable(predict):
            return predict
    return None


def word_deltas(trajectory: list[float], start: float = 0.5) -> list[float]:
    """How much each word moved the probability (the first from the neutral `start`)."""
    deltas, previous = [], start
    for p in trajectory:
        deltas.append(float(p) - previous)
        previous = float(p)
    return deltas
