"""Lesson 3: nearest neighbours (cosine) of a typed word in the bundled sentiment model's embedding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from tutor.tui.views.base import LiveView
from tutor.tui.views.bundled import bundled_model, embedding_table

DEFAULT_WORD = "wonderful"
NEIGHBOURS = 12


@dataclass
class Neighbours:
    """The closest words to `word` by cosine similarity, best first."""

    word: str
    words: list[str]
    similarities: list[float]
    source: str  # which model and table the vectors come from


def nearest(word: str, count: int = NEIGHBOURS) -> Neighbours:
    """Cosine similarity with every row; LookupError without a usable model, ValueError for an unknown word."""
    model, why = bundled_model()
    if model is None:
        raise LookupError(why)
    table, source = embedding_table(model)
    if table is None:
        raise LookupError(f"The bundled model cannot be used here: {source}.")
    key = word.strip().lower()
    if key not in model.vocab or model.vocab.index[key] < 2:
        raise ValueError(f"“{key}” is not among the model's {len(model.vocab):,} words: try a more common one.")
    E = np.asarray(table, dtype=np.float64)
    norms = np.linalg.norm(E, axis=1)
    norms[norms == 0] = 1.0
    i = model.vocab.index[key]
    sims = (E @ E[i]) / (norms * norms[i])
    sims[[0, 1, i]] = -np.inf  # padding, unknown and the word itself are not neighbours
    best = [j for j in np.argsort(-sims, kind="stable")[:count] if np.isfinite(sims[j])]
    return Neighbours(
        key, [model.vocab.words[j] for j in best], [float(sims[j]) for j in best], f"{model.path.name}: {source}"
    )


class EmbeddingsView(LiveView):
    """Type a word, see the words whose vectors point the same way."""

    TITLE = "Nearest neighbours in a trained embedding"

    def compose_body(self) -> ComposeResult:
        yield Input(DEFAULT_WORD, placeholder="a word, then Enter", id="emb-word")
        with VerticalScroll(classes="view-scroll"):
            yield Static(id="emb-result")

    def on_mount(self) -> None:
        self.result: Neighbours | None = None
        self.lookup(DEFAULT_WORD)

    def lookup(self, word: str) -> None:
        if word.strip():
            self.compute(lambda: nearest(word), "Looking up the nearest words…")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.lookup(event.value)

    def failed(self, error: str) -> None:
        # a missing model or an unknown word: clear the old list so it is not taken for the answer
        self.result = None
        self.query_one("#emb-result", Static).update("")

    def show(self, data: Any) -> None:
        self.result = data
        n: Neighbours = data
        text = Text(f"closest to “{n.word}” (cosine similarity)\n", style="bold")
        width = 20  # bar characters for a similarity of 1
        for word, sim in zip(n.words, n.similarities, strict=True):
            bar = "█" * max(0, round(sim * width))
            text.append(f"{word:<16}{sim:+.2f} ")
            text.append(bar + "\n", style="green" if sim > 0 else "red")
        text.append(f"vectors: {n.source}", style="dim")
        self.query_one("#emb-result", Static).update(text)
