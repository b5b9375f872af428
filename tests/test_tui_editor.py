"""ctrl+e: a code exercise in the learner's own $EDITOR, checked on return; failures in one line."""

from __future__ import annotations

import contextlib
import stat

import pytest
from test_tui_support import demo_app, lesson_built, run_async
from textual.widgets import Input, TextArea

from tutor.tui.screens.lesson import LessonScreen

SOLUTION = "def double(x):\n    return 2 * x\n"


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)


def editor_script(tmp_path, body: str) -> str:
    """A stand-in for the learner's editor: a shell script run with the file as $1."""
    script = tmp_path / "my-editor"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


async def in_code_exercise(pilot) -> tuple[LessonScreen, TextArea]:
    await pilot.press("enter")
    await lesson_built(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, LessonScreen)
    editor = screen.query_one("#ex-double TextArea", TextArea)
    editor.focus()
    await pilot.pause()
    # headless, the app has no terminal to hand over: the editor runs in place of the suspension
    pilot.app.suspend = contextlib.nullcontext
    return screen, editor


def last_notice(app) -> str:
    return list(app._notifications)[-1].message


@run_async
async def test_ctrl_e_opens_the_exercise_in_the_editor_and_checks_it_on_return(tmp_path, monkeypatch):
    # the "editor" checks that it was given the app's text, then saves the solution
    solution = tmp_path / "solution.py"
    solution.write_text(SOLUTION)
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, f'grep -q "my attempt" "$1" && cp "{solution}" "$1"'))
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, editor = await in_code_exercise(pilot)
        editor.text = "# my attempt\ndef double(x):\n    return x\n"
        await pilot.press("ctrl+e")
        await app.workers.wait_for_complete()
        for _ in range(10):
            await pilot.pause()
        assert editor.text == SOLUTION  # what was saved is in the app's editor too
        verdict = screen.query_one("#ex-double").verdict
        assert "✔" in str(verdict.render()) and screen.in_view(verdict)
        assert app.course.passed(screen.lesson.exercise("double"))
        path = tmp_path / "home" / "exercises" / "double.py"
        assert path.read_text() == SOLUTION  # where `tutor check double FILE` can use it


@run_async
async def test_an_unset_editor_is_said_in_one_line_and_nothing_is_checked(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _ = await in_code_exercise(pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        notice = last_notice(app)
        assert "$EDITOR is not set" in notice and "\n" not in notice
        assert app.course.state(screen.lesson.exercise("double")).attempts == 0


@pytest.mark.parametrize(
    ("editor", "says"),
    [
        ("exit 3", "exited with status 3: nothing was checked"),
        (None, "could not be started"),
    ],
    ids=["fails", "missing"],
)
@run_async
async def test_a_failing_editor_is_said_in_one_line_and_nothing_is_checked(tmp_path, monkeypatch, editor, says):
    command = editor_script(tmp_path, editor) if editor else str(tmp_path / "no-such-editor")
    monkeypatch.setenv("EDITOR", command)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _ = await in_code_exercise(pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        notice = last_notice(app)
        assert says in notice and "\n" not in notice
        assert app.course.state(screen.lesson.exercise("double")).attempts == 0


@run_async
async def test_edits_made_in_the_file_between_sessions_come_back_into_the_app(tmp_path):
    path = tmp_path / "home" / "exercises" / "double.py"
    path.parent.mkdir(parents=True)
    path.write_text("# edited in my own editor yesterday\n")
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        _, editor = await in_code_exercise(pilot)
        assert editor.text == "# edited in my own editor yesterday\n"


@run_async
async def test_ctrl_e_is_only_taken_where_a_code_exercise_is_current(tmp_path, monkeypatch):
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, "exit 0"))
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await lesson_built(pilot)
        screen = app.screen
        field = screen.query_one("#ex-count Input", Input)
        field.focus()
        await pilot.pause()
        field.value = "129"
        field.cursor_position = 0
        assert "ctrl+e" not in {k for k, b in screen.active_bindings.items() if b.binding.show and b.enabled}
        await pilot.press("ctrl+e")  # the field's own "end of line"
        assert field.cursor_position == 3
        assert not (tmp_path / "home" / "exercises").exists()


@run_async
async def test_the_footer_offers_ctrl_e_while_a_code_exercise_is_in_view(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await lesson_built(pilot)
        screen = app.screen

        def footer() -> set[str]:
            return {key for key, b in screen.active_bindings.items() if b.binding.show and b.enabled}

        screen.scroll.focus()
        screen.query_one("#ex-double").scroll_visible(top=True, animate=False, immediate=True)
        await pilot.pause()
        assert "ctrl+e" in footer()
        screen.query_one("#ex-pick").scroll_visible(top=True, animate=False, immediate=True)
        await pilot.pause()
        assert "ctrl+e" not in footer()
