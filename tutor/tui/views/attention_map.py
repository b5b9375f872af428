"""Lesson 15: where the decoder looks. The attention weights of the bundled reversal model as a
heat map for a digit string the learner types, and (p) its accuracy against length beside the
same model trained without attention."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from tutor.tui.views.base import LiveView
from tutor.tui.widgets.plots import CachedPlot, Figure, Series

DEFAULT_DIGITS = "2026112"
WITH, WITHOUT = "reverse-attention.npz", "reverse-plain.npz"  # in assets/, see assets/reverse-models.md
SCORED = 500  # strings scored for the plot: the run's own validation set (seed + 1), as the note's figures
LABEL = 6  # "out 4 " left of each row
LEVELS = 9
_LOW, _HIGH = (30, 30, 30), (250, 200, 40)  # weight 0 is dark, weight 1 bright amber
SHADES = [
    Style(
        bgcolor=Color.from_rgb(*(round(a + (b - a) * i / (LEVELS - 1)) for a, b in zip(_LOW, _HIGH, strict=True))),
        color="black" if i > LEVELS // 2 else "white",
    )
    for i in range(LEVELS)
]
_LOCK = threading.Lock()  # an engine model keeps its last forward pass on its layers: one reader at a time
_MODELS: dict[str, Any] = {}


def bundled_path(name: str) -> Path:
    from tutor import paths

    return paths.assets_dir() / name


def bundled(name: str) -> Any:
    """A bundled reversal model, loaded once; LookupError (saying what to do) if it is missing."""
    from tutor.engine import load_model

    if name not in _MODELS:
        path = bundled_path(name)
        if not path.is_file():
            raise LookupError(
                f"No bundled reversal model: assets/{name} is not installed. Reinstall rnn-tutor, or train "
                "one with `tutor train reverse --attention --out FILE`."
            )
        _MODELS[name] = load_model(path)
    return _MODELS[name]


@dataclass
class Alignment:
    """One string reversed by the bundled model: what it wrote and where it looked for each digit."""

    source: str
    answer: str
    weights: np.ndarray  # (output step, source step); each row sums to 1

    @property
    def right(self) -> bool:
        return self.answer == self.source[::-1]


def align(digits: str) -> Alignment:
    """Reverse `digits` with the bundled attention model; ValueError (one line) for bad input."""
    from tutor.tasks import reverse

    model = bundled(WITH)
    text = digits.strip()
    reverse.encode(text)  # digits only, at least one
    longest = reverse.max_len_of(model)
    if len(text) > longest:
        raise ValueError(f"the bundled model was trained on strings of 1 to {longest} digits: type at most {longest}")
    with _LOCK:
        answer, weights = reverse.attention_weights(model, text)
    assert weights is not None
    return Alignment(text, answer, weights)


@dataclass
class ByLength:
    """Share of strings reversed exactly, for each length, by the two bundled models."""

    lengths: list[int]
    with_attention: list[float]
    without: list[float]


def by_length() -> ByLength:
    """Both bundled models, greedy decoding, on the validation strings of their training run."""
    from tutor.tasks import reverse

    models = [bundled(WITH), bundled(WITHOUT)]
    config = models[0].metadata.get("config", {})
    pairs = reverse.make_data(SCORED, max_len=reverse.max_len_of(models[0]), seed=int(config.get("seed", 0)) + 1)
    with _LOCK:
        scores = [reverse.accuracy_by_length(m, pairs) for m in models]
    lengths = sorted(scores[0])
    return ByLength(lengths, [scores[0][n] for n in lengths], [scores[1].get(n, float("nan")) for n in lengths])


def shade(weight: float) -> Style:
    return SHADES[min(max(round(weight * (LEVELS - 1)), 0), LEVELS - 1)]


def heat_map(a: Alignment) -> Text:
    """Rows are the digits written, columns the digits read; a cell's colour and number are its weight (%)."""
    out = Text(no_wrap=True, overflow="crop")
    out.append("read →".rjust(LABEL), style="dim")
    for ch in a.source:
        out.append(f" {ch} ", style="bold")
    expected = a.source[::-1]
    for t, ch in enumerate(a.answer):
        out.append("\n")
        mark = "green" if t < len(expected) and ch == expected[t] else "bold red"
        out.append(f"{t + 1:>3} ", style="dim")
        out.append(f"{ch} ", style=mark)
        for w in a.weights[t]:
            pct = round(float(w) * 100)
            out.append(("██" if pct >= 100 else f"{pct:2d}").rjust(2) + " ", style=shade(float(w)))
    return out


def legend(a: Alignment) -> Text:
    text = Text("weight 0 ", style="dim")
    for style in SHADES:
        text.append(" ", style=style)
    text.append(" 1   (numbers: %; ██ is 100)\n", style="dim")
    if a.right:
        text.append(f"wrote {a.answer}: right. ", style="green")
    else:
        text.append(f"wrote {a.answer}, not {a.source[::-1]} (wrong digits in red). ", style="bold red")
    text.append("Row t (left: t, the digit written): where the decoder looked; each row sums to 1.", style="dim")
    return text


class DigitsInput(Input):
    """A box for digits that leaves every other key to the view and the lesson (r, p, v, e)."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character.isdigit()

    async def _on_key(self, event: events.Key) -> None:
        # Textual calls Input's own handler after this one unless told not to; the key is not
        # stopped, so it goes on to the view's and the lesson's bindings
        if event.is_printable and not (event.character or "").isdigit():
            event.prevent_default()


class AttentionMapView(LiveView):
    """Type digits and press Enter: the weights each output digit was written with."""

    TITLE = "Attention while reversing"
    KEYS = "enter read · r random · p plot/map"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "random", "Random digits", show=False),
        Binding("p", "toggle_plot", "Plot or map", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield DigitsInput(
            DEFAULT_DIGITS, placeholder="digits, then Enter", restrict=r"[0-9]*", max_length=40, id="att-digits"
        )
        with VerticalScroll(classes="view-scroll", id="att-scroll"):
            yield Static(id="att-map")
        yield CachedPlot(classes="view-plot", id="att-plot")
        yield Static(classes="view-caption", id="att-caption")

    def on_mount(self) -> None:
        self.result: Alignment | None = None
        self.plotted: ByLength | None = None
        self.plotting = False
        self.rng = np.random.default_rng()
        self.query_one("#att-plot").display = False
        self.read(DEFAULT_DIGITS)

    def read(self, digits: str) -> None:
        self.compute(lambda: align(digits), "Reversing…")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.plotting:
            self.action_toggle_plot()
        self.read(event.value)

    def action_random(self) -> None:
        length = int(self.rng.integers(3, 11))
        digits = "".join(str(d) for d in self.rng.integers(0, 10, length))
        self.query_one("#att-digits", Input).value = digits
        if self.plotting:
            self.action_toggle_plot()
        self.read(digits)

    def action_toggle_plot(self) -> None:
        self.plotting = not self.plotting
        self.query_one("#att-scroll").display = not self.plotting
        self.query_one("#att-plot").display = self.plotting
        if self.plotting and self.plotted is None:
            self.compute(by_length, f"Reversing {SCORED} strings with each bundled model…")
        elif self.plotting and self.plotted is not None:
            self.show(self.plotted)
        elif self.result is not None:
            self.show(self.result)

    def show(self, data: Any) -> None:
        caption = self.query_one("#att-caption", Static)
        if isinstance(data, ByLength):
            self.plotted = data
            if not self.plotting:
                return
            self.query_one("#att-plot", CachedPlot).show(
                Figure(
                    "strings reversed exactly, by length",
                    [
                        Series(data.lengths, data.with_attention, "with attention", "green"),
                        Series(data.lengths, data.without, "without", "red"),
                    ],
                    ylim=(0.0, 1.0),
                    xticks=[float(n) for n in data.lengths],
                    xlabels=[str(n) for n in data.lengths],
                )
            )
            caption.update(
                Text(
                    f"The two bundled LSTMs (32 units, 10 epochs, lengths 1-{data.lengths[-1]}) on the {SCORED} "
                    "validation strings of their run, decoding greedily.",
                    style="dim",
                )
            )
            return
        self.result = data
        if self.plotting:
            return
        self.query_one("#att-map", Static).update(heat_map(data))
        caption.update(legend(data))
