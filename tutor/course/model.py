"""The course's data model: lessons and their exercises, as loaded from `lessons/`.

Everything here is plain data (frozen dataclasses) so the TUI, the CLI and the tests can share it
without importing Textual. `config` mappings are read-only views; copy them with ``dict(...)``
before changing a value for a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

ExerciseKind = Literal["quiz", "code", "experiment"]
EXERCISE_KINDS: tuple[str, ...] = ("quiz", "code", "experiment")

# Live views the TUI knows how to draw beside a lesson (a lesson lists the ones it wants).
KNOWN_VIEWS: frozenset[str] = frozenset(
    {
        "hidden_state",  # heat map of the hidden state while a sentence is read (lesson 4)
        "lr_curves",  # loss curves under several learning rates (lesson 6)
        "activations",  # sigmoid / tanh / ReLU and their derivatives (lesson 5)
        "grad_norms",  # per-time-step gradient norms, RNN vs LSTM (lesson 9)
        "trajectory",  # word-by-word sentiment trajectory (lesson 12)
        "nyse_forecast",  # predicted vs actual volume on the test years (lesson 13)
        "autocorrelation",  # autocorrelation of the NYSE series (lesson 13)
        "embeddings",  # nearest neighbours in a trained embedding (lesson 3)
        "writing",  # the character model continues a prompt, with its next-character odds (lesson 14)
        "fluent",  # "I grew up in Paris … I speak fluent ___": accuracy against distance (lesson 14)
        "attention_map",  # attention weights of an encoder-decoder reversing digits (lesson 15)
        "optimisers",  # SGD, momentum, RMSprop and Adam on one 2-D valley (lesson 8)
    }
)

_EMPTY: Mapping[str, Any] = MappingProxyType({})

# The reference solution unlocks after this many attempts, unless a teacher's course.toml says
# otherwise (see tutor.course.syllabus).
SOLUTION_AFTER_ATTEMPTS = 1


def may_use(allow: tuple[str, ...] | list[str] = ()) -> str:
    """In words, what the learner's code in a code exercise may import."""
    names = ["Python's standard library", "NumPy", *(f"`{name}`" for name in allow)]
    return ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class CodeTest:
    """One test case of a code exercise: call the learner's function, compare the result."""

    args: tuple[Any, ...] = ()  # positional arguments; numeric (nested) lists become float arrays
    kwargs: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    expected: Any = None  # compared with numpy.allclose (or == for non-numeric values)
    rtol: float = 1e-5
    atol: float = 1e-8
    function: str = ""  # which learner function to call; empty means the exercise's first one
    name: str = ""  # shown in feedback, e.g. "sigmoid at 0"


@dataclass(frozen=True)
class Exercise:
    """One exercise of a lesson; which fields matter depends on `kind`."""

    id: str  # unique within the lesson, e.g. "sort-architectures"
    lesson_id: str
    kind: ExerciseKind
    title: str
    prompt_markdown: str
    hint: str  # teaches the idea; shown on request at any time
    solution: str  # Markdown for quizzes and experiments, Python source for code exercises
    explanation: str = ""  # optional Markdown shown once the exercise is passed
    # attempts after which `solution` may be shown; None: only once passed (a teacher's choice)
    solution_after_attempts: int | None = SOLUTION_AFTER_ATTEMPTS

    # quiz: multiple choice (`choices` + `answer` index), sorting (`items` + `choices` +
    # `answer` list of indices, one per item) or numeric (`answer` number + `tolerance`)
    choices: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    answer: int | float | tuple[int, ...] | None = None
    tolerance: float = 0.0

    # code: the learner edits `starter`, which must define `functions`; then `tests` and/or the
    # trusted `check` source (defining ``check(*functions)``) judge it, in a process of their own
    # that calls the learner's functions in theirs. The learner's code may import the standard
    # library, NumPy and the modules in `allow` (e.g. "tutor.engine"), nothing else.
    starter: str = ""
    functions: tuple[str, ...] = ()
    tests: tuple[CodeTest, ...] = ()
    check: str = ""
    allow: tuple[str, ...] = ()

    # experiment: a training run preset; the learner may change the keys in `editable`
    config: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    editable: tuple[str, ...] = ()
    goal: str = ""  # expression over the run's final logs, or the name of a registered check
    goal_text: str = ""  # the goal in words, shown to the learner

    @property
    def key(self) -> tuple[str, str]:
        """(lesson_id, exercise_id): how the progress store names this exercise."""
        return (self.lesson_id, self.id)

    @property
    def function(self) -> str:
        """The (first) function the learner defines in a code exercise."""
        return self.functions[0] if self.functions else ""

    @property
    def quiz_style(self) -> Literal["choice", "sort", "numeric", ""]:
        """How a quiz is answered: pick one choice, sort items into choices, or type a number."""
        if self.kind != "quiz":
            return ""
        if self.items:
            return "sort"
        if self.choices:
            return "choice"
        return "numeric"


@dataclass(frozen=True)
class Lesson:
    """A lesson: its prose (exercise blocks removed), exercises in order, and live views."""

    id: str  # e.g. "sequences"
    number: int
    title: str
    summary: str  # one or two sentences for the course map
    body_markdown: str
    exercises: tuple[Exercise, ...] = ()
    views: tuple[str, ...] = ()
    path: Path | None = None

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise with this id (KeyError if there is none)."""
        for ex in self.exercises:
            if ex.id == exercise_id:
                return ex
        raise KeyError(f"lesson {self.id!r} has no exercise {exercise_id!r}")


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one attempt: `message` is one line; `details` are further lines."""

    passed: bool
    message: str
    details: list[str] = field(default_factory=list)
    # what the check measured and drew (tutor.course.judge.plot): plain-data figures, each a dict
    # with "key", "title", "series" (dicts with "x", "y", "label", "color", "points"), "log_y",
    # "xlabel" and "caption"
    figures: list[dict[str, Any]] = field(default_factory=list)
