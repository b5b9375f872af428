"""Pilot tests at 80x24: after ctrl+r the verdict is in view for every kind of exercise; the
exercise keys act on the exercise in view; after a pass the next exercise is offered; hidden
widgets never keep focus; every focusable widget shows its focus in every theme."""

from __future__ import annotations

import pytest
from test_tui_support import DEMO_LESSON, FIXED_SEED, choice_button, demo_app, lesson_built, run_async
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, RadioSet, Select, Static, TextArea

from tutor.course.access import load_course
from tutor.tui.app import TutorApp
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.widgets.exercises import ExercisePanel

SIZE = (80, 24)

FILLER = "\n\n".join(
    f"Paragraph {n}: a recurrent network reads a sequence one step at a time and carries a hidden "
    "state from each step to the next, with the same weights at every step."
    for n in range(6)
)

# One exercise of each kind, each after a page of prose, so that an exercise can sit at the
# bottom of the view with its verdict below it.
KINDS_LESSON = f'''
+++
id = "kinds"
number = 1
title = "Every kind of exercise"
summary = "One of each."
views = ["activations"]
+++

# Every kind of exercise

{FILLER}

```exercise
id = "choice"
kind = "quiz"
title = "Pick one"
prompt = "What is the largest value of the sigmoid's derivative?"
choices = ["1", "0.25", "0.5"]
answer = 1
hint = "At z = 0."
solution = "0.25."
explanation = """
σ′(z) = σ(z)(1 − σ(z)) is a product of two numbers that add up to one, so it is largest when
both are ½.
"""
```

{FILLER}

```exercise
id = "sort"
kind = "quiz"
title = "Sort them"
prompt = "Sort each task by the shape of its output."
items = ["captioning", "sentiment", "translation"]
choices = ["one-to-many", "many-to-one", "many-to-many"]
answer = [0, 1, 2]
hint = "Count the outputs."
solution = "As listed."
```

{FILLER}

```exercise
id = "numeric"
kind = "quiz"
title = "A number"
prompt = "How many parameters has Dense(1) on 128 inputs?"
answer = 129
hint = "Weights plus bias."
solution = "128 + 1 = 129."
```

{FILLER}

```exercise
id = "k-double"
kind = "code"
title = "Double it"
prompt = "Write `double(x)` returning `2 * x`."
starter = "def double(x):\\n    return x\\n"
function = "double"
hint = "Multiply by two."
solution = "def double(x):\\n    return 2 * x\\n"
explanation = "NumPy multiplies every element: `2 * x` doubles the whole array."
[[tests]]
args = [3.0]
expected = 6.0
```

{FILLER}

```exercise
id = "k-vanish"
kind = "experiment"
title = "Watch it vanish"
prompt = "Train the RNN on a long sequence."
editable = ["model", "seq_len"]
goal = "val_accuracy >= 0.0"
goal_text = "Finish a run."
hint = "Press ctrl+r."
solution = "Any run passes."
explanation = "Every run ends, so this goal is a smoke test."
[config]
task = "long_dependency"
model = "SimpleRNN"
units = 4
seq_len = 8
epochs = 1
lr = 0.01
optimizer = "adam"
batch_size = 64
n_train = 128
n_val = 64
seed = 0
```

{FILLER}
'''


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


def kinds_app(tmp_path, code_timeout: float = 10.0) -> TutorApp:
    folder = tmp_path / "kinds"
    folder.mkdir()
    (folder / "01-kinds.md").write_text(KINDS_LESSON.lstrip(), encoding="utf-8")
    (folder / "02-demo.md").write_text(DEMO_LESSON.lstrip().replace("number = 1", "number = 2"), encoding="utf-8")
    course = load_course(folder)
    course.seed = FIXED_SEED
    return TutorApp(course=course, code_timeout=code_timeout)


async def open_lesson(pilot, lesson_id: str = "kinds") -> LessonScreen:
    pilot.app.open_lesson(lesson_id)
    await lesson_built(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen) and screen.lesson_id == lesson_id
    return screen


def panel(screen: LessonScreen, exercise_id: str) -> ExercisePanel:
    return screen.query_one(f"#ex-{exercise_id}", ExercisePanel)


def in_view(screen: LessonScreen, widget: Widget) -> bool:
    """The whole widget is inside the lesson's viewport."""
    shown = screen.scroll.scrollable_content_region
    return widget.display and widget.region.height > 0 and shown.contains_region(widget.region)


async def at_bottom(pilot, screen: LessonScreen, widget: Widget) -> None:
    """Scroll so that `widget` is the last thing in view (its verdict would be below the view),
    and focus it."""
    widget.focus(scroll_visible=False)
    await pilot.pause()
    scroll = screen.scroll
    bottom = scroll.scroll_y + (widget.region.bottom - scroll.scrollable_content_region.bottom)
    scroll.scroll_to(y=bottom, animate=False, immediate=True)
    await pilot.pause()
    assert in_view(screen, widget)


async def check(pilot, screen: LessonScreen, exercise_id: str) -> Static:
    """ctrl+r, wait for the verdict, return its widget."""
    await pilot.press("ctrl+r")
    await pilot.app.workers.wait_for_complete()
    verdict = panel(screen, exercise_id).verdict
    await settle(pilot, screen, verdict)
    assert verdict.display and "running" not in str(verdict.render())
    return verdict


async def settle(pilot, screen: LessonScreen, widget: Widget) -> None:
    """Let the lesson lay out and scroll (a few refreshes; on a busy machine more than one)."""
    for _ in range(20):
        await pilot.pause()
        if in_view(screen, widget):
            return


# ------------------------------------------------------------------- the verdict is in view


@run_async
async def test_choice_quiz_verdict_in_view(tmp_path):
    async with kinds_app(tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        quiz = panel(screen, "choice")
        choices = quiz.query_one(RadioSet)
        await at_bottom(pilot, screen, choices)
        choice_button(quiz, "1").value = True
        verdict = await check(pilot, screen, "choice")
        assert "✘" in str(verdict.render()) and in_view(screen, verdict)
        await at_bottom(pilot, screen, choices)
        choice_button(quiz, "0.25").value = True
        verdict = await check(pilot, screen, "choice")
        text = " ".join(str(verdict.render()).split())
        assert "✔" in text and "both are ½" in text and in_view(screen, verdict)


@run_async
async def test_sort_quiz_verdict_in_view(tmp_path):
    async with kinds_app(tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        quiz = panel(screen, "sort")
        selects = list(quiz.query(Select))
        for select, pick in zip(selects, [0, 2, 2], strict=True):
            select.value = pick
        await at_bottom(pilot, screen, selects[-1])
        verdict = await check(pilot, screen, "sort")
        text = str(verdict.render())
        assert "2 of 3 are right" in text and "• sentiment" in text and in_view(screen, verdict)
        selects[1].value = 1
        await at_bottom(pilot, screen, selects[-1])
        verdict = await check(pilot, screen, "sort")
        assert "✔" in str(verdict.render()) and in_view(screen, verdict)


@run_async
async def test_numeric_quiz_verdict_in_view(tmp_path):
    async with kinds_app(tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        field = panel(screen, "numeric").query_one(Input)
        await at_bottom(pilot, screen, field)
        field.value = "128"
        verdict = await check(pilot, screen, "numeric")
        assert "too low" in str(verdict.render()) and in_view(screen, verdict)
        await at_bottom(pilot, screen, field)
        field.value = "128 + 1"
        verdict = await check(pilot, screen, "numeric")
        assert "✔" in str(verdict.render()) and in_view(screen, verdict)


@run_async
async def test_code_verdict_in_view_and_its_explanation_after_a_pass(tmp_path):
    async with kinds_app(tmp_path).run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        editor = panel(screen, "k-double").query_one(TextArea)
        await at_bottom(pilot, screen, editor)
        verdict = await check(pilot, screen, "k-double")  # the starter: wrong
        assert "✘" in str(verdict.render()) and in_view(screen, verdict)
        assert "every element" not in str(verdict.render())  # the explanation waits for a pass
        editor.text = "def double(x):\n    return 2 * x\n"
        await at_bottom(pilot, screen, editor)
        verdict = await check(pilot, screen, "k-double")
        text = " ".join(str(verdict.render()).split())
        assert "✔" in text and "NumPy multiplies every element: 2 * x doubles the whole array." in text
        assert in_view(screen, verdict)


@run_async
async def test_experiment_verdict_in_view_when_the_learner_comes_back(tmp_path):
    app = kinds_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_lesson(pilot)
        experiment = panel(screen, "k-vanish")
        await at_bottom(pilot, screen, experiment.query_one(Button))
        await pilot.press("ctrl+r")  # runs the preset in the dashboard
        for _ in range(600):  # the run trains in its own process; a bound, not a timing test
            if experiment.exercise.key in screen.pending_verdicts:  # judged while the dashboard is on top
                break
            await pilot.pause(0.1)
        assert experiment.exercise.key in screen.pending_verdicts
        await pilot.press("f2")  # back to the lesson
        verdict = experiment.verdict
        await settle(pilot, screen, verdict)
        assert app.screen is screen
        text = " ".join(str(verdict.render()).split())
        assert "Goal reached" in text and "this goal is a smoke test" in text
        assert in_view(screen, verdict)
        assert any(n.title == "Experiment 5: passed" for n in app._notifications)


# ------------------------------------------------------------- keys act on what is in view


@run_async
async def test_keys_act_on_the_exercise_in_view_not_on_one_scrolled_away(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        pick = panel(screen, "pick")
        pick.query_one(RadioSet).focus()
        choice_button(pick, "1").value = True  # wrong: the focus stays in the quiz
        await pilot.press("ctrl+r")
        await pilot.pause()
        attempts = app.course.state(pick.exercise).attempts
        # page down to the experiment: the quiz keeps focus but is out of view
        panel(screen, "vanish").scroll_visible(top=True, animate=False, immediate=True)
        await pilot.pause()
        assert screen.focused_panel() is pick and not screen.in_view(app.focused)
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert panel(screen, "vanish").hint.display and not pick.hint.display
        assert screen.focused_panel() is panel(screen, "vanish")  # focus followed the key
        await pilot.press("ctrl+o")  # not tried yet: the solution stays closed
        await pilot.pause()
        assert not panel(screen, "vanish").solution.display and not pick.solution.display
        assert app.course.state(pick.exercise).attempts == attempts  # the quiz was not re-checked


# ---------------------------------------------------------------- after a pass, move on


@run_async
async def test_after_a_pass_the_next_exercise_is_offered_then_the_next_lesson(tmp_path):
    app = demo_app(tmp_path, code_timeout=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        pick = panel(screen, "pick")
        pick.query_one(RadioSet).focus()
        choice_button(pick, "0.25").value = True
        await pilot.press("ctrl+r")
        await settle(pilot, screen, pick.verdict)
        count = panel(screen, "count")
        assert app.focused is count  # offered: the panel itself, marked as focused
        assert in_view(screen, pick.verdict)  # ... and the verdict stays in view
        assert "✔" in str(pick.query_one(".ex-title", Static).render())
        await pilot.press("enter")  # into the offered exercise
        await pilot.pause()
        assert app.focused is count.query_one(Input)
        await pilot.press(*"129", "enter")
        await pilot.pause()
        await pilot.pause()
        assert app.focused is panel(screen, "double")
        await pilot.press("tab")  # tab goes into it as well, and the panel leaves the tab order
        await pilot.pause()
        assert app.focused is panel(screen, "double").query_one(TextArea)
        assert not count.can_focus and not panel(screen, "double").can_focus
        # the last open exercise passed: the next lesson is offered
        for ex in ("double", "vanish"):
            app.course.record_attempt(screen.lesson.exercise(ex), "", True)
        screen.verdict_shown(panel(screen, "vanish"), pick_result(True))
        await pilot.pause()
        assert app.focused is screen.query_one("#next-lesson", Button)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson_id == "next"


def pick_result(passed: bool):
    from tutor.course.model import CheckResult

    return CheckResult(passed, "Goal reached: Finish a run." if passed else "Not yet.")


# --------------------------------------------------------------- hidden widgets, focus styles


@run_async
async def test_with_a_view_open_at_80_columns_nothing_hidden_takes_focus(tmp_path):
    app = kinds_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_lesson(pilot)
        await pilot.press("v")  # wide: the view beside the prose
        await pilot.pause()
        editor = panel(screen, "k-double").query_one(TextArea)
        editor.focus()
        await pilot.pause()
        await pilot.resize_terminal(80, 24)  # narrow: the view takes the prose's place
        await pilot.pause()
        await pilot.pause()
        assert not screen.scroll.display
        assert app.focused is not None and screen.scroll not in app.focused.ancestors_with_self
        for _ in range(12):
            await pilot.press("tab")
            await pilot.pause()
            assert screen.scroll not in app.focused.ancestors_with_self
            assert all(screen.scroll not in w.ancestors_with_self for w in screen.focus_chain)
        before = editor.text
        await pilot.press(*"xyz")
        assert editor.text == before  # typing never edits the hidden code
        await pilot.press("ctrl+t")  # an exercise key closes the view and acts on the lesson
        for _ in range(5):
            await pilot.pause()
        assert screen.scroll.display
        shown = [p for p in screen.query(ExercisePanel) if p.hint.display]
        assert len(shown) == 1 and in_view(screen, shown[0].hint)


def contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(color: Color) -> float:
        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = color.rgb
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def focus_marks(widget: Widget) -> list[Color]:
    """The colours by which a widget can show focus: background, text, border, scrollbar (each
    as drawn, i.e. over what is behind it)."""
    styles = widget.styles
    base = widget.background_colors[0]
    back = widget.background_colors[1]
    marks = [back, base + styles.color]
    marks += [base + color for _, color in (styles.border_top, styles.border_left) if color.a]
    marks.append(back + styles.scrollbar_color)
    return marks


def focus_indicator(widget: Widget) -> Widget:
    """Where a widget shows its focus: a Select shows it on its current-value line."""
    if isinstance(widget, Select):
        return widget.query_one("SelectCurrent")
    return widget


class FocusSampler(App[None]):
    """The tutor's stylesheet on one of each focusable widget a lesson has, placed as in a
    lesson (a small DOM, so switching through every theme is quick)."""

    CSS_PATH = TutorApp.CSS_PATH

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="lesson-scroll"), Vertical(classes="exercise"):
            yield RadioSet("0.25", "0.5", id="radio-set")
            yield Select([("one", 1), ("two", 2)], compact=True, id="dropdown")
            yield Input(classes="quiz-number", id="number-field")
            yield TextArea.code_editor("x = 1", language="python", classes="code-editor", id="code-editor")
            yield Button("Check", compact=True, id="button")
            yield Button("elsewhere", id="elsewhere")


def styled(app: App[None], widget: Widget, focused: bool) -> list[Color]:
    """The widget's focus marks as the stylesheet draws it focused or not (the `:focus`
    pseudo-class reads `has_focus`; restyling at once spares a refresh per widget and theme)."""
    widget.has_focus = focused
    for node in widget.walk_children(with_self=True):
        app.stylesheet.apply(node)
    return focus_marks(focus_indicator(widget))


@run_async
async def test_every_focusable_widget_shows_its_focus_in_every_theme():
    """Focused and unfocused, some mark of each focusable widget of a lesson (its background,
    text, border or scrollbar) differs with a contrast of at least 2:1 (a focused dropdown
    used to differ by one shade of grey). ANSI themes take the terminal's own colours, which
    cannot be measured here: there the mark must differ at all."""
    app = FocusSampler()
    async with app.run_test(size=SIZE) as pilot:
        kinds = ["lesson-scroll", "radio-set", "dropdown", "number-field", "code-editor", "button"]
        app.query_one("#elsewhere").focus()
        await pilot.pause()
        weak: list[str] = []
        for theme in sorted(app.available_themes):
            app.theme = theme
            await pilot.pause()
            for name in kinds:
                widget = app.query_one(f"#{name}")
                blurred, focused = styled(app, widget, False), styled(app, widget, True)
                styled(app, widget, False)
                best = max(contrast(a, b) for a, b in zip(blurred, focused, strict=True))
                if best < (1.0001 if theme.startswith("ansi") else 2.0):
                    weak.append(f"{theme}: {name} ({best:.2f})")
        assert not weak, weak

    # and for real, once: focus moved by the app shows the same marks
    app = FocusSampler()
    async with app.run_test(size=SIZE) as pilot:
        dropdown = app.query_one("#dropdown")
        app.query_one("#elsewhere").focus()
        await pilot.pause()
        blurred = focus_marks(focus_indicator(dropdown))
        dropdown.focus()
        await pilot.pause()
        assert focus_marks(focus_indicator(dropdown)) == styled(app, dropdown, True) != blurred
