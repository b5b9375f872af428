"""The help screen: every key, and what each view of the tutor shows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.markdown import Markdown
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from tutor.course.model import Lesson
    from tutor.tui.app import TutorApp

HELP_MARKDOWN = """\
# Help

## Anywhere
| key | does |
|---|---|
| `F1` | this help (`Esc` closes it; `t` here shows the short tour again) |
| `F2` | the course: back to the open lesson, and from a lesson the course map |
| `F3` | training dashboard |
| `F4` | sentiment playground |
| `Ctrl+P` | command palette: type a lesson's name to jump to it, or *theme* to change the colours |
| `Tab` / `Shift+Tab` | move between fields; `Enter` presses a button |
| `Ctrl+Q` | quit (a running training is ended; finished runs are already saved) |

The theme you choose, and the screen you quit on, are there again next time you start `tutor`.

## Course map
Lessons in order with exercises passed of total. `Enter` opens the highlighted
lesson; `c` continues where you left off.

## Lesson
The lesson's text on top, its exercises below (scroll with the arrows or `PgUp`/`PgDn`).

| key | does |
|---|---|
| `Ctrl+R` | check a quiz, run your code, or start the experiment |
| `Ctrl+T` | hint for the exercise |
| `Ctrl+O` | reference solution (only after you have tried) |
| `Ctrl+E` | a code exercise in your own `$EDITOR` (or `$VISUAL`), checked when you save and quit |
| `Ctrl+N` / `Ctrl+B` | next / previous lesson |
| `E` | jump to the exercises |
| `V` | open the lesson's live view; again for the next view, and closed after the last |
| `Esc` | close the live view, then back to the course map |

The exercise keys act on the exercise you are in, or, once you have scrolled away
from it, on the one in view. The verdict (and a hint) is brought into view; after a
pass the next open exercise is offered (`Enter` goes into it), and after the last
one the next lesson.

Quiz: pick a choice (their order is shuffled for you, and stays), or type a number;
sums such as `50000*10000*0.013` or `0.25**10` work too. Code: write the function in
the editor (there `Tab` indents and `Esc` moves on to the button); errors point at
your line. `Ctrl+E` writes it to `exercises/<exercise>.py` in your tutor folder and
opens your editor there; the app's editor follows. Experiment: a preset training
run with a goal.

### Live views (`V`)
Computed in front of you by the engine, never canned:

{views}
## Training dashboard
**Setup** picks the task (the long-dependency toy task, NYSE volume with R² as the metric,
IMDb reviews as sequences or as bags of words), the model (SimpleRNN, LSTM, GRU, or a baseline:
lasso, the 16-16 network, AR, yesterday's value) and its settings. **Live** shows, as the model trains:

- loss: training (solid) and validation loss per epoch;
- metric: accuracy (or R²) per epoch;
- gradient norm per time step, a heat map: one row per epoch, one column per
  time step (the first step on the left), colour on a *log* scale. When the
  left columns go dark the gradient has vanished: the early inputs no longer
  teach the model anything;
- the latest epoch's gradient norms as a curve.

**Runs** lists saved runs; overlay two (say the RNN and the LSTM) to compare them.

| key | does |
|---|---|
| `Ctrl+R` | start training |
| `Ctrl+G` | pause / resume |
| `Ctrl+S` | stop (within one batch) |

## Sentiment playground
Type a review. The model reads it word by word: each word is coloured by how much it
moved the probability of *positive* (green up, red down), and the trajectory shows the
probability after each word. `Ctrl+O` picks the model: the bundled one, or one you
trained (`tutor train imdb --out ...`; files in your tutor folder's `models/` are listed).
"""

# Each live view: its name in the help, what it shows, its keys. The lesson column is read from
# the course (a lesson lists its views), so it follows any renumbering or a teacher's subset.
VIEW_HELP: dict[str, tuple[str, str, str]] = {
    "embeddings": ("embeddings", "the words nearest a word in the trained embedding", "type a word, `Enter`"),
    "hidden_state": ("hidden state", "each hidden unit (rows) after each word (columns)", "edit the sentence, `Enter`"),
    "activations": ("activations", "sigmoid, tanh, ReLU and their slopes", ""),
    "lr_curves": ("learning rates", "the loss under a too small, a good and a too large rate", ""),
    "optimisers": (
        "optimisers",
        "SGD, momentum, RMSprop and Adam: their paths on one valley, and the loss against steps",
        "`+`/`-` the rate, `1`-`4` hide a path",
    ),
    "grad_norms": ("gradient norms", "‖∂L/∂hₜ‖ per step at the start of training, RNN vs LSTM", "`+` / `-` the length"),
    "trajectory": ("trajectory", "the probability of *positive* after each word", "edit the review, `Enter`"),
    "nyse_forecast": ("NYSE forecast", "AR(5) predictions against the real volume", "`D` day of week, `Z` zoom"),
    "autocorrelation": ("autocorrelation", "how each series correlates with itself k days earlier", ""),
    "writing": (
        "writing",
        "a character model continues your prompt, with its next-character odds",
        "`Enter`, `↑`/`↓` temperature",
    ),
    "fluent": ("fluent", "Paris … fluent ___: accuracy against the distance, per model", "`R` run, `S` stop"),
    "attention_map": (
        "attention map",
        "where the decoder looks while it reverses your digits",
        "`Enter`, `R` random, `P` plot",
    ),
}


def views_table(lessons: Iterable[Lesson]) -> str:
    """The Markdown table of live views, with the number of the lesson that shows each."""
    where: dict[str, list[int]] = {}
    for lesson in lessons:
        for view in lesson.views:
            where.setdefault(view, []).append(lesson.number)
    order = sorted(VIEW_HELP, key=lambda v: (min(where.get(v, [10**6])), list(VIEW_HELP).index(v)))
    lines = ["| view | lesson | shows | keys |", "|---|---|---|---|"]
    for view in order:
        label, shows, keys = VIEW_HELP[view]
        numbers = ", ".join(map(str, where.get(view, []))) or "–"
        lines.append(f"| {label} | {numbers} | {shows} | {keys} |")
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """Keys and what each view shows.

    Drawn by Rich as one widget rather than as Textual's Markdown widget (a widget per block and
    table cell, a few hundred here): built in a few milliseconds, so F1 answers at once even while
    a run trains. The app keeps one instance (installed as "help") and shows it again.
    """

    app: TutorApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close"),
        Binding("t", "tour", "Tour"),
        # the modes' keys close help first, so it is never left open over another mode's screen
        Binding("f2", "leave('map')", "Course", show=False),
        Binding("f3", "leave('train')", "Train", show=False),
        Binding("f4", "leave('play')", "Play", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(
                Markdown(HELP_MARKDOWN.replace("{views}", views_table(self.app.course.lessons))), id="help-text"
            )
        yield KeyBar()

    def on_screen_resume(self) -> None:
        self.query_one("#help-body").focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)

    def action_tour(self) -> None:
        self.dismiss()
        self.app.call_later(self.app.action_tour)

    def action_leave(self, mode: str) -> None:
        self.dismiss()
        self.app.call_later(self.app.action_goto_mode, mode)
