"""Lesson 4: the hidden state Aₗ of a recurrent layer after each word of an editable sentence."""

from __future__ import annotations

import math
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


def colour_scale(states: np.ndarray) -> float:
    """The |value| the strongest colour stands for: the sentence's largest |h|, to two figures.

    A fixed ±1 scale (tanh's range) left a trained layer's small states in one flat colour: the
    bundled model's stay below 0.11 for the default sentence. Never below 0.01.
    """
    peak = max(float(np.max(np.abs(states))) if states.size else 0.0, 0.01)
    step = 10.0 ** (math.floor(math.log10(peak)) - 1)
    return min(math.ceil(peak / step - 1e-9) * step, 1.0)


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


@dataclass
class HeatMap:
    """The view's parts: the words (kept in view above the rows), a row per unit, the colour legend."""

    header: Text
    rows: Text
    legend: Text
    shown: int  # words drawn, from the first
    values: bool  # whether each cell carries its number


def column_widths(words: list[str], width: int, minimum: int) -> list[int]:
    """Each word's column: the word in full, and at least `minimum` wide, one space apart."""
    return [max(len(word), minimum) + 1 for word in words]


def heat_map(s: States, width: int) -> HeatMap:
    """Rows are units, columns words; each cell's colour (and, when all words fit, its number) is Aₗₖ.

    Whole words only: every column is as wide as its word. When the numbers do not leave room
    for every word, the cells keep only their colour; when even that is too wide, the first
    words that fit are shown and the legend says how many.
    """
    n_units = min(s.states.shape[1], MAX_UNITS)
    scale = colour_scale(s.states[:, :n_units])
    room = width - LABEL
    values = sum(column_widths(s.words, room, 5)) <= room  # "+0.03" is five wide
    widths = column_widths(s.words, room, 5 if values else 2)
    shown, used = 0, 0
    for w in widths:
        if used + w > room:
            break
        shown, used = shown + 1, used + w
    shown = max(shown, 1)
    header = Text(" " * LABEL, no_wrap=True, overflow="crop")
    for word, w in zip(s.words[:shown], widths, strict=False):
        header.append(word.ljust(w), style="bold")
    rows = Text(no_wrap=True, overflow="crop")
    decimals = 2 if scale < 0.5 else 1
    for k in range(n_units):
        rows.append(f"h{k + 1:<{LABEL - 1}}", style="dim")
        for t, w in zip(range(shown), widths, strict=False):
            value = float(s.states[t, k])
            label = f"{value:+.{decimals}f}" if values else ""
            rows.append(label.center(w - 1) + " ", style=cell_style(value, scale))
        if k < n_units - 1:
            rows.append("\n")
    legend = Text(" " * LABEL)
    legend.append(f"−{scale:.2g} ", style="dim")
    for i in range(LEVELS - 1, -1, -2):
        legend.append(" ", style=NEGATIVE[i])
    for i in range(0, LEVELS, 2):
        legend.append(" ", style=POSITIVE[i])
    legend.append(f" +{scale:.2g}", style="dim")
    legend.append("  (scaled to this sentence's largest |h|)", style="dim")
    if shown < len(s.words):
        legend.append(f"\n{' ' * LABEL}first {shown} of {len(s.words)} words: widen the terminal for more", style="dim")
    if n_units < s.states.shape[1]:
        legend.append(f"\n{' ' * LABEL}units 1–{n_units} of {s.states.shape[1]}", style="dim")
    return HeatMap(header, rows, legend, shown, values)


class HiddenStateView(LiveView):
    """Edit the sentence and press Enter: which units change at which word, and for how long."""

    TITLE = "Hidden state Aₗ while the sentence is read"

    def compose_body(self) -> ComposeResult:
        yield Input(DEFAULT_SENTENCE, placeholder="a sentence, then Enter", id="hs-sentence")
        yield Static(id="hs-words")  # the words stay in view while the units scroll
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
        scroll = self.query_one(".view-scroll")
        # the rows' width: less the scrollbar, which a long list of units shows
        width = (scroll.size.width or self.size.width or 78) - 2
        drawn = heat_map(data, width)
        self.drawn = drawn
        self.query_one("#hs-words", Static).update(drawn.header)
        self.query_one("#hs-map", Static).update(drawn.rows)
        caption = Text()
        caption.append_text(drawn.legend)
        caption.append("\nNetwork: " + data.source, style="dim")
        self.query_one("#hs-source", Static).update(caption)
