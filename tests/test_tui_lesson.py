"""Pilot tests: course map, opening a lesson, quizzes, code exercises, progress across restarts."""

from __future__ import annotations

import pytest
from test_tui_support import (
    FIXED_SEED,
    check_code,
    choice_button,
    choice_position,
    demo_app,
    lesson_built,
    run_async,
    write_lessons,
)
from textual.widgets import Input, OptionList, RadioSet, Static, TextArea

from tutor.course.access import load_course
from tutor.tui.app import TutorApp
from tutor.tui.screens.course_map import CourseMapScreen
from tutor.tui.screens.lesson import LessonScreen


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


LONG_CHOICE = "It carries a hidden state from step to step, with the same weights at every step"

# A lesson written like the real ones: long choices, and prose in TOML multi-line strings with
# hard line breaks and inline code.
PROSE_LESSON = f'''
+++
id = "prose"
number = 3
title = "Prose in exercises"
summary = "Long choices, wrapped hints and explanations."
+++

# Prose in exercises

Some text.

```exercise
id = "long"
kind = "quiz"
title = "What a feed-forward network lacks"
prompt = "Which property of a recurrent network gives it a memory?"
choices = ["It has more layers than an MLP", "{LONG_CHOICE}", "It uses ReLU activations"]
answer = 1
hint = """
Index carefully: the derivative you need at that step is `1 - hs[t + 1] ** 2`. Multiply
element by element.

A second paragraph.
"""
solution = "The hidden state."
explanation = """
The gradient shrinks by about 0.84 per
step,
and 0.84⁴⁹ is tiny.
"""
```
'''


def prose_app(tmp_path) -> TutorApp:
    """The demo lessons plus PROSE_LESSON."""
    folder = write_lessons(tmp_path / "lessons")
    (folder / "03-prose.md").write_text(PROSE_LESSON.lstrip(), encoding="utf-8")
    course = load_course(folder)
    course.seed = FIXED_SEED
    return TutorApp(course=course)


async def open_prose(pilot) -> LessonScreen:
    pilot.app.open_lesson("prose")
    await lesson_built(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen) and screen.lesson_id == "prose"
    return screen


def result_of(screen, exercise_id: str) -> str:
    """The verdict text shown under an exercise."""
    return str(screen.query_one(f"#ex-{exercise_id} .ex-result", Static).render())


async def open_demo(pilot) -> LessonScreen:
    await pilot.press("enter")
    await lesson_built(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen)
    return screen


@run_async
async def test_course_map_lists_lessons_and_opens_one_by_keyboard(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, CourseMapScreen)
        options = app.screen.query_one("#lessons", OptionList)
        assert options.option_count == 2
        assert "A demo lesson" in str(options.get_option_at_index(0).prompt)
        screen = await open_demo(pilot)
        assert screen.lesson_id == "demo"
        assert "Lesson 1 of 2" in screen.title
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.lesson_id == "next"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)


@run_async
async def test_the_maps_welcome_and_continue_lines_say_what_the_keys_do(tmp_path, monkeypatch):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        line = " ".join(str(app.screen.query_one("#continue", Static).render()).split())
        assert "Welcome! Press Enter to open the highlighted lesson." in line
        await pilot.press("down", "enter")  # Enter opens the highlighted lesson, not lesson 1
        await pilot.pause()
        assert app.screen.lesson_id == "next"
        await pilot.press("escape")
        await pilot.pause()
        assert "(press c)" in str(app.screen.query_one("#continue", Static).render())
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "fresh"))
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")  # on a fresh start c opens lesson 1
        await pilot.pause()
        assert app.screen.lesson_id == "demo"


@run_async
async def test_choice_quiz_wrong_then_right_and_solution_after_attempt(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        panel = screen.query_one("#ex-pick")
        await pilot.press("ctrl+o")  # no attempt yet: the solution stays hidden
        assert not panel.query_one(".ex-solution").display
        choice_button(panel, "1").value = True
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "Not this one" in result_of(screen, "pick")
        assert not app.course.passed(screen.lesson.exercise("pick"))
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert panel.query_one(".ex-solution").display
        choice_button(panel, "0.25").value = True
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "Right" in result_of(screen, "pick")
        assert app.course.passed(screen.lesson.exercise("pick"))
        assert "1/4" in screen.sub_title


@run_async
async def test_long_quiz_choices_wrap_and_keys_still_choose(tmp_path):
    app = prose_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_prose(pilot)
        choices = screen.query_one("#ex-long RadioSet", RadioSet)
        long = choice_button(choices, LONG_CHOICE)
        assert long.size.height >= 2  # wrapped, not cut off at 80 columns
        shown = " ".join(str(long.render()).split())
        assert LONG_CHOICE in shown and "…" not in shown
        assert long.region.right <= 80
        choices.focus()
        position = choice_position(choices, LONG_CHOICE)
        await pilot.press(*["down"] * position, "enter")  # the keyboard works as on any RadioSet
        await pilot.pause()
        assert choices.pressed_index == position and long.value
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "Right" in result_of(screen, "long")


@run_async
async def test_hints_and_explanations_are_reflowed_with_inline_code_styled(tmp_path):
    app = prose_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_prose(pilot)
        choices = screen.query_one("#ex-long RadioSet", RadioSet)
        choices.focus()
        await pilot.press("ctrl+t")
        await pilot.pause()
        hint = screen.query_one("#ex-long .ex-hint", Static)
        text = str(hint.render())
        # the TOML line break is a space, the blank line a paragraph, the backticks are gone
        assert "is 1 - hs[t + 1] ** 2. Multiply element by element.\n\nA second paragraph." in text
        assert "`" not in text
        # ... and the code is shown in its own style, as in the lesson's Markdown
        code = [seg for y in range(hint.size.height) for seg in hint.render_line(y) if seg.text.startswith("1 - hs")]
        plain = [seg for y in range(hint.size.height) for seg in hint.render_line(y) if "Multiply" in seg.text]
        assert code and plain and code[0].style != plain[0].style
        await pilot.press(*["down"] * choice_position(choices, LONG_CHOICE), "enter", "ctrl+r")
        await pilot.pause()
        verdict = result_of(screen, "long")
        assert "Right" in verdict and "0.84 per step, and 0.84⁴⁹ is tiny." in verdict


@run_async
async def test_numeric_quiz_accepts_typed_numbers(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        field = screen.query_one("#ex-count Input", Input)
        field.focus()
        await pilot.press(*"128")
        await pilot.press("enter")
        await pilot.pause()
        assert "too low" in result_of(screen, "count")
        field.value = ""
        await pilot.press(*"129", "enter")
        await pilot.pause()
        assert "Right" in result_of(screen, "count")


@run_async
async def test_hint_is_shown_on_request(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        screen.query_one("#ex-count Input").focus()
        await pilot.pause()  # focus scrolls the field into view
        await pilot.press("ctrl+t")
        await pilot.pause()
        hint = screen.query_one("#ex-count .ex-hint", Static)
        assert hint.display and "Weights plus bias" in str(hint.render())


async def run_code(pilot, screen, source: str) -> str:
    """Type `source` into the code exercise, check it, and wait for the verdict."""
    screen.query_one("#ex-double TextArea", TextArea).text = source
    await check_code(pilot, screen.query_one("#ex-double"))
    return result_of(screen, "double")


@pytest.mark.parametrize(
    ("source", "expect", "passed"),
    [
        ("def double(x):\n    return 2 * x\n", "✔", True),
        ("def double(x):\n    return x + 1\n", "✘", False),
        ("def double(x):\n    raise RuntimeError('boom')\n", "boom", False),
        ("def double(x):\n    while True:\n        pass\n", "✘", False),
    ],
    ids=["passes", "fails", "raises", "loops-forever"],
)
@run_async
async def test_code_exercise_verdicts(tmp_path, source, expect, passed):
    app = demo_app(tmp_path, code_timeout=3.0)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        text = await run_code(pilot, screen, source)
        assert expect in text
        assert app.course.passed(screen.lesson.exercise("double")) is passed


@run_async
async def test_in_the_code_editor_tab_indents_and_escape_moves_on(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        editor = screen.query_one("#ex-double TextArea", TextArea)
        editor.text = ""
        editor.focus()
        await pilot.press("tab", "x")
        assert editor.text.endswith("x") and editor.text[:-1].strip() == "" and len(editor.text) > 1
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and app.focused is screen.query_one("#ex-double .ex-check")
        assert "esc leaves the editor" in str(screen.query_one("#ex-double .ex-keys", Static).render())


@run_async
async def test_the_code_editor_keeps_indentation_on_enter(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        editor = screen.query_one("#ex-double TextArea", TextArea)
        editor.text = ""
        editor.focus()
        await pilot.press(*"def f(x):", "enter", *"for w in x:", "enter", *"y = w", "enter", "z")
        assert editor.text == "def f(x):\n    for w in x:\n        y = w\n        z"
        editor.text = "    a = 1"
        editor.move_cursor((0, 4))  # enter inside the indentation: no deeper than the cursor
        await pilot.press("enter")
        assert editor.text == "    \n    a = 1"


def footer_keys(app) -> dict[str, str]:
    """What the footer offers: key -> description."""
    return {key: b.binding.description for key, b in app.screen.active_bindings.items() if b.binding.show}


@run_async
async def test_the_footer_says_what_escape_does_in_the_code_editor(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        assert footer_keys(app)["escape"] == "Back"
        screen.query_one("#ex-double TextArea", TextArea).focus()
        await pilot.pause()
        assert footer_keys(app)["escape"] == "Leave editor"
        await pilot.press("escape")  # leaves the editor, stays in the lesson
        await pilot.pause()
        assert app.screen is screen and not isinstance(app.focused, TextArea)
        assert footer_keys(app)["escape"] == "Back"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)


@run_async
async def test_progress_answers_and_position_survive_a_restart(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        choice_button(screen.query_one("#ex-pick"), "0.25").value = True
        await pilot.press("ctrl+r")
        await pilot.pause()
        screen.query_one("#lesson-scroll").scroll_to(y=5, animate=False)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        status = str(app.screen.query_one("#continue", Static).render())
        assert "Continue where you left off" in status and "1 of 4" in status
        first = app.screen.query_one("#lessons", OptionList).get_option_at_index(0)
        assert "1/4" in str(first.prompt)
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert choice_button(screen.query_one("#ex-pick"), "0.25").value
        await pilot.pause()
        assert screen.query_one("#lesson-scroll").scroll_y == 5


def hint_shown(screen, exercise_id: str) -> bool:
    return bool(screen.query_one(f"#ex-{exercise_id} .ex-hint", Static).display)


@run_async
async def test_exercise_keys_act_on_the_exercise_in_view_when_none_has_focus(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        scroll = screen.query_one("#lesson-scroll")
        screen.query_one("#ex-double").scroll_visible(top=True, animate=False)
        scroll.focus()
        await pilot.pause()
        assert screen.current_panel() is screen.query_one("#ex-double")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert hint_shown(screen, "double") and not hint_shown(screen, "pick")
        # the key also put focus in that exercise (not in its editor), so the next key agrees
        assert screen.focused_panel() is screen.query_one("#ex-double")
        assert not isinstance(app.focused, TextArea)


@run_async
async def test_continue_focuses_the_exercise_it_scrolled_to_and_keys_act_on_it(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        screen.query_one("#ex-vanish").scroll_visible(top=True, animate=False)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        vanish = screen.query_one("#ex-vanish")
        assert screen.focused_panel() is vanish and screen.current_panel() is vanish
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert hint_shown(screen, "vanish")
        assert not any(hint_shown(screen, other) for other in ("pick", "count", "double"))


@run_async
async def test_command_palette_jumps_to_a_lesson(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"next lesson")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson_id == "next"


@run_async
async def test_help_screen_opens_and_closes(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)


@run_async
async def test_a_broken_progress_file_is_moved_aside_with_a_notice(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "progress.sqlite3").write_bytes(b"this is not a database" * 100)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.course.store is not None and app.course.notice
        assert any(n.title == "Progress store" for n in app._notifications)


def test_help_lists_every_view_with_the_lessons_that_show_it():
    from tutor.course import load_lessons
    from tutor.course.model import KNOWN_VIEWS
    from tutor.tui.screens.help import VIEW_HELP, views_table

    assert set(VIEW_HELP) == set(KNOWN_VIEWS)  # a new view is described in the help too
    lessons = load_lessons()
    table = views_table(lessons)
    for lesson in lessons:
        for view in lesson.views:
            row = next(line for line in table.splitlines() if line.startswith(f"| {VIEW_HELP[view][0]} |"))
            assert str(lesson.number) in row.split("|")[2]
