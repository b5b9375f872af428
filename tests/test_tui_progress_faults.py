"""The app with a progress file that is locked or read-only: it runs, tells the learner once, loses nothing."""

from __future__ import annotations

import sqlite3

import pytest
from test_course_store_faults import simulate_read_only
from test_tui_lesson import open_demo
from test_tui_support import choice_button, demo_app, run_async

from tutor.course.store import DB_NAME, ProgressStore
from tutor.tui.screens.lesson import LessonScreen


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


def _titles(app) -> list[str]:
    return [n.title for n in app._notifications]


@run_async
async def test_the_reading_position_is_saved_on_quit(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        screen.query_one("#lesson-scroll").scroll_to(y=5, animate=False)
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    with ProgressStore(tmp_path / "home" / DB_NAME) as store:
        assert store.reading_position("demo") == 5


@run_async
async def test_a_locked_store_tells_the_learner_once_and_the_lesson_keeps_working(tmp_path, monkeypatch):
    monkeypatch.setattr("tutor.course.store.BUSY_TIMEOUT", 0.2)
    db = tmp_path / "home" / DB_NAME
    ProgressStore(db).close()
    app = demo_app(tmp_path)
    other = sqlite3.connect(db, isolation_level=None)
    async with app.run_test(size=(80, 24)) as pilot:
        other.execute("BEGIN EXCLUSIVE")  # another program writes for a long time
        screen = await open_demo(pilot)
        choice_button(screen.query_one("#ex-pick"), "1").value = True  # a wrong one: ctrl+r stays on it
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)  # nothing crashed
        assert _titles(app).count("Progress") == 1
        told = [n.message for n in app._notifications if n.title == "Progress"]
        assert "Not saved" in told[0] and "locked by another program" in told[0]
        other.execute("ROLLBACK")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert any("saved again" in n.message for n in app._notifications)
    other.close()
    with ProgressStore(db) as store:
        assert store.exercise_state("demo", "pick").attempts == 1


@run_async
async def test_a_read_only_store_shows_progress_and_says_once_that_nothing_is_saved(tmp_path, monkeypatch):
    db = tmp_path / "home" / DB_NAME
    with ProgressStore(db) as store:
        store.record_attempt("demo", "count", "129", True)
    simulate_read_only(monkeypatch)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        assert "1/4" in screen.sub_title  # reading works
        choice_button(screen.query_one("#ex-pick"), "0.25").value = True  # the right one (choices are shuffled)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "2/4" in screen.sub_title  # kept for the session
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        messages = [n.message for n in app._notifications if n.title in ("Progress", "Progress store")]
        assert len(messages) == 1 and "not being saved" in messages[0]
    monkeypatch.undo()
    with ProgressStore(db) as store:
        assert store.exercise_state("demo", "pick").attempts == 0
