"""Helpers shared by the TUI tests: a small fixed lesson and an app built on it (no tests)."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from tutor.course.access import load_course
from tutor.tui.app import TutorApp

DEMO_LESSON = r"""
+++
id = "demo"
number = 1
title = "A demo lesson"
summary = "Quizzes, code and an experiment, to test the tutor."
+++

# A demo lesson

An RNN reads a sequence one step at a time: A_l = g(w₀ + W·X_l + U·A_{l-1}).

```python
h = np.tanh(W @ x + U @ h)
```

More text here.

```exercise
id = "pick"
kind = "quiz"
title = "Largest derivative"
prompt = "What is the largest value of the sigmoid's derivative?"
choices = ["1", "0.25", "0.5"]
answer = 1
hint = "σ'(z) = σ(z)(1 − σ(z)), largest at z = 0."
solution = "0.25, at z = 0."
```

```exercise
id = "count"
kind = "quiz"
title = "Parameters"
prompt = "How many parameters has Dense(1) on 128 inputs?"
answer = 129
hint = "Weights plus bias."
solution = "128 + 1 = 129."
```

```exercise
id = "double"
kind = "code"
title = "Double it"
prompt = "Write `double(x)` returning `2 * x`."
starter = "def double(x):\n    return x\n"
function = "double"
hint = "Multiply by two."
solution = "def double(x):\n    return 2 * x\n"
explanation = "Doubling is `2 * x`: NumPy multiplies every element."
[[tests]]
args = [3.0]
expected = 6.0
```

```exercise
id = "vanish"
kind = "experiment"
title = "Watch it vanish"
prompt = "Train the RNN on a long sequence."
editable = ["model", "seq_len"]
goal = "val_accuracy >= 0.0"
goal_text = "Finish a run."
hint = "Press ctrl+r."
solution = "Any run passes."
explanation = "Every run ends, so this goal is only a *smoke* test."
[config]
task = "long_dependency"
model = "SimpleRNN"
units = 8
seq_len = 20
epochs = 2
lr = 0.01
optimizer = "adam"
batch_size = 64
n_train = 256
n_val = 64
seed = 0
```
"""


def write_lessons(folder: Path) -> Path:
    """Write the demo lesson (and a second, empty one) into `folder`; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "01-demo.md").write_text(DEMO_LESSON.lstrip(), encoding="utf-8")
    (folder / "02-next.md").write_text(
        '+++\nid = "next"\nnumber = 2\ntitle = "The next lesson"\n'
        'summary = "Only prose."\n+++\n\n# The next lesson\n\nNothing to do here.\n',
        encoding="utf-8",
    )
    return folder


FIXED_SEED = "5eed" * 8  # the order of quiz choices in tests and snapshots: fixed, not the lessons' own


def demo_app(tmp_path: Path, code_timeout: float = 10.0, seed: str | None = FIXED_SEED) -> TutorApp:
    """A TutorApp over the demo lessons; TUTOR_HOME must already point into tmp_path.
    `seed` fixes the shuffled order of quiz choices (None: the install's own seed, as in use)."""
    course = load_course(write_lessons(tmp_path / "lessons"))
    if seed is not None:
        course.seed = seed
    return TutorApp(course=course, code_timeout=code_timeout)


def choice_button(panel: Any, text: str) -> Any:
    """The radio button of a choice quiz that shows `text` (choices are shuffled per learner)."""
    from textual.widgets import RadioButton

    for button in panel.query(RadioButton):
        if " ".join(str(button.label).split()) == text:
            return button
    raise LookupError(f"no choice {text!r} in {panel.id}")


def choice_position(panel: Any, text: str) -> int:
    """Where the choice showing `text` is in the list, top down (0-based)."""
    from textual.widgets import RadioButton

    return list(panel.query(RadioButton)).index(choice_button(panel, text))


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test with asyncio.run (the test extra has no async pytest plugin)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    wrapper.__signature__ = inspect.signature(test)  # type: ignore[attr-defined]
    return wrapper


async def wait_for(pilot: Any, condition: Callable[[], bool], attempts: int = 2000, what: str = "condition") -> None:
    """Let the app run until `condition()` holds (bounded by attempts, not by time)."""
    for _ in range(attempts):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"{what} never held")


async def lesson_built(pilot: Any, attempts: int = 3000) -> Any:
    """The lesson on screen, once it is built (its parts are mounted one a frame after it opens)."""
    from tutor.tui.screens.lesson import LessonScreen

    def built() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, LessonScreen) and screen.built

    await wait_for(pilot, built, attempts, what="the lesson built")
    await pilot.pause()
    return pilot.app.screen


async def check_code(pilot: Any, panel: Any, attempts: int = 12000) -> str:
    """Focus `panel`'s code editor, press ctrl+r once the editor is in view (the key acts on
    the exercise in view), wait for the verdict and return its text. The checker runs in
    processes of its own: on a loaded machine that takes a while, so the bound is generous."""
    from textual.widgets import TextArea

    screen = await lesson_built(pilot)
    editor = panel.query_one(TextArea)
    editor.focus()
    await wait_for(pilot, lambda: screen.focused is editor and screen.in_view(editor), what="the editor in view")
    attempts_before = pilot.app.course.state(panel.exercise).attempts
    await pilot.press("ctrl+r")

    def started() -> bool:
        return bool(panel.checking) or pilot.app.course.state(panel.exercise).attempts != attempts_before

    await wait_for(pilot, started, what="ctrl+r checking this exercise")
    await wait_for(pilot, lambda: not panel.checking, attempts, what="the check's end")
    await pilot.pause()
    return str(panel.query_one(".ex-result").render())
