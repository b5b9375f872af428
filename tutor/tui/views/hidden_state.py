"""Lesson 4: the hidden state Aₗ of a recurrent layer after each word of an editable sentence."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from tutor.tui.views.base import LiveView
from tutor.tui.views.bundled import bundled_model

DEFAULT_SENTENCE = "the plot was not good but the acting was wonderful"
UNITS, INPUT_WIDTH, SEED = 8, 8, 0  # the fallback network: small enough to read every unit
MAX_UNITS = 32  # rows drawn from a larger bundled layer (the rest scroll off the point)
LABEL = 5  # "h12 " column left of each row
# tanh lies in [-1, 1]: blue for negative, dark for 0, red for positive (a diverging ramp)
_NEG, _MID, _POS = (33, 102, 172), (40, 40, 40), (214, 47, 39)
LEVELS = 9  # per sign


def _ramp(a: tuple[int, int, int], b: tuple[int, int, int], f: float) -> Color:
    return Color.from_rgb(*(round(x + (y - x) * f) for x, y in zip(a, b, strict=True)))


NEGATIVE = [Style(bgcolor=_ramp(_MID, _NEG, i / (LEVELS - 1)), color="white") for i in range(LEVELS)]
POSITIVE = [Style(bgcolor=_ramp(_MID, _POS, i / (LEVELS - 1)), color="white") for i in range(LEVELS)]


def cell_style(value: float, scale: float = 1.0) -> Style:
    """The background for one state value (|value| / scale picks the strength)."""
    level = min(round(abs(value) / scale * (LEVELS - 1)), LEVELS - 1)
    return (POSITIVE if value >= 0 else NEGATIVE)[level]


@dataclass
class States:
    """The words read and the state after each: `states[t, k]` is unit k after word t."""

    words: list[str]
    states: np.ndarray
    source: str  # which network produced them, in words


def word_vector(word: str, width: int = INPUT_WIDTH) -> np.ndarray:
    """A fixed random vector per word (seeded by its text), so a word keeps it when the sentence changes."""
    rng = np.random.default_rng(zlib.crc32(word.encode("utf-8")))
    return rng.normal(0.0, 1.0, width).astype(np.float32)


def untrained_states(words: list[str]) -> States:
    """A seeded, untrained SimpleRNN over the sentence's own small vocabulary."""
    from tutor.data import Vocabulary
    from tutor.engine import SimpleRNN

    vocab = Vocabulary.build([words], max_words=len(set(words)) + 2)
    layer = SimpleRNN(UNITS, input_dim=INPUT_WIDTH, return_sequences=True, seed=SEED)
    x = np.stack([word_vector(w) for w in words])[None]
    source = (
        f"an untrained SimpleRNN ({UNITS} units, seed {SEED}) over this sentence's "
        f"{len(vocab) - 2}-word vocabulary; each word's input is a fixed random vector"
    )
    return States(words, layer.forward(x)[0], source)


def bundled_states(model: Any, words: list[str]) -> States | None:
    """The bundled sentiment model's embedding and first recurrent layer; None if it has neither."""
    from tutor.engine import Embedding, Recurrent

    layers = model.model.layers
    recurrent = next((layer for layer in layers if isinstance(layer, Recurrent)), None)
    if model.input != "sequence" or not isinstance(layers[0], Embedding) or recurrent is None:
        return None
    # a copy that returns every step: the cached model is shared with other views and the playground
    reader = type(recurrent)(**{**recurrent.get_config(), "return_sequences": True})
    for key, value in recurrent.params.items():
        reader.params[key][...] = value
    ids = np.asarray(model.vocab.encode(words), dtype=np.int64)
    x = layers[0].params["E"][ids][None]
    kind = type(recurrent).__name__
    unknown = int(np.count_nonzero(ids == 1))
    source = (
        f"the bundled sentiment model's {kind} layer ({recurrent.units} units, trained on IMDb), "
        "read from a zero state" + (f"; {unknown} word(s) unknown to it" if unknown else "")
    )
    return States(words, reader.forward(x)[0], source)


def sentence_states(sentence: str) -> States:
    """The bundled model's states if it is installed, else the small untrained network's."""
    from tutor.data import tokenize

    words = tokenize(sentence)
    if not words:
        raise ValueError("Type a sentence with at least one word.")
    model, _ = bundled_model()
    states = bundled_states(model, words) if model is not None else None
    return states if states is not None else untrained_states(words)


def heat_map(s: States, width: int) -> Text:
    """Rows are units, columns words; each cell's colour (and, when wide enough, its text) is Aₗₖ."""
    n_units = min(s.states.shape[1], MAX_UNITS)
    cell = min(max((width - LABEL) // max(len(s.words), 1), 3), 8)
    shown = max(min(len(s.words), (width - LABEL) // cell), 1)
    text = Text(" " * LABEL)
    for word in s.words[:shown]:
        text.append(word[: cell - 1].ljust(cell), style="bold")
    text.append("\n")
    for k in range(n_units):
        text.append(f"h{k + 1:<{LABEL - 1}}", style="dim")
        for t in range(shown):
            value = float(s.states[t, k])
            label = f"{value:+.1f}" if cell >= 5 else ""
            text.append(label.center(cell), style=cell_style(value))
        text.append("\n")
    text.append(" " * LABEL)
    text.append("−1 ", style="dim")
    for i in range(LEVELS - 1, -1, -2):
        text.append(" ", style=NEGATIVE[i])
    for i in range(0, LEVELS, 2):
        text.append(" ", style=POSITIVE[i])
    text.append(" +1", style="dim")
    if shown < len(s.words):
        text.append(f"   first {shown} of {len(s.words)} words (widen the terminal for more)", style="dim")
    if n_units < s.states.shape[1]:
        text.append(f"   units 1–{n_units} of {s.states.shape[1]}", style="dim")
    return text


class HiddenStateView(LiveView):
    """Edit the sentence and press Enter: which units change at which word, and for how long."""

    TITLE = "Hidden state Aₗ while the sentence is read"

    def compose_body(self) -> ComposeResult:
        yield Input(DEFAULT_SENTENCE, placeholder="a sentence, then Enter", id="hs-sentence")
        with VerticalScroll(classes="view-scroll"):
            yield Static(id="hs-map")
        yield Static(classes="view-caption", id="hs-source")

    def on_mount(self) -> None:
        self.result: States | None = None
        self.read(DEFAULT_SENTENCE)

    def read(self, sentence: str) -> None:
        self.compute(lambda: sentence_states(sentence), "Running the network over the sentence…")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.read(event.value)

    def on_resize(self) -> None:
        if self.result is not None:
            self.show(self.result)

    def show(self, data: Any) -> None:
        self.result = data
        width = self.query_one(".view-scroll").size.width or self.size.width or 78
        self.query_one("#hs-map", Static).update(heat_map(data, width))
        self.query_one("#hs-source", Static).update(Text("Network: " + data.source, style="dim"))
