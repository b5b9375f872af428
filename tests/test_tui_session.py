"""What stays between sessions: the theme, the screen quit on, and the first-run tour (shown once)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_tui_support import FIXED_SEED, run_async, write_lessons

from tutor.course.access import load_course
from tutor.course.store import DB_NAME, ProgressStore
from tutor.tui.app import LAST_SCREEN, THEME, TutorApp
from tutor.tui.screens.course_map import CourseMapScreen
from tutor.tui.screens.dashboard import DashboardScreen
from tutor.tui.screens.help import HelpScreen
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.screens.tour import PAGES, TOUR_SEEN, TourScreen

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


def session(tmp_path: Path, resume: bool = True) -> TutorApp:
    """The app as `tutor` starts it (resume=True), over the demo lessons."""
    course = load_course(write_lessons(tmp_path / "lessons"))
    course.seed = FIXED_SEED
    return TutorApp(course=course, resume=resume)


def stored(tmp_path: Path, key: str) -> str | None:
    with ProgressStore(tmp_path / "home" / DB_NAME) as store:
        return store.setting(key)


@run_async
async def test_the_tour_is_shown_on_the_first_start_only_and_esc_skips_it(tmp_path):
    app = session(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TourScreen)
        assert "The course map" in str(app.screen.query_one("#tour").border_title)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
    assert stored(tmp_path, TOUR_SEEN)
    app = session(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)  # seen: not again
        await pilot.press("enter")  # and Enter opens the highlighted lesson, as the map says
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson_id == "demo"


@run_async
async def test_the_tour_pages_through_the_four_screens_and_comes_back_from_help(tmp_path):
    app = session(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tour = app.screen
        titles = []
        for _ in PAGES:
            titles.append(str(tour.query_one("#tour").border_title))
            await pilot.press("enter")
            await pilot.pause()
        assert [t.split(": ", 1)[1] for t in titles] == [title for title, _text in PAGES]
        assert any("dashboard" in t for t in titles) and any("playground" in t for t in titles)
        assert isinstance(app.screen, CourseMapScreen)  # Enter on the last page closes it
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TourScreen)
        await pilot.press("right", "left")  # back to the first page
        await pilot.pause()
        assert "1/4" in str(app.screen.query_one("#tour").border_title)


@run_async
async def test_tests_and_benches_get_no_tour_unless_they_ask_for_a_session(tmp_path):
    app = session(tmp_path, resume=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)
    assert stored(tmp_path, TOUR_SEEN) is None


@run_async
async def test_the_theme_chosen_is_kept_for_the_next_session(tmp_path):
    app = session(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        app.theme = "dracula"
        await pilot.pause()
    assert stored(tmp_path, THEME) == "dracula"
    app = session(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "dracula"


@run_async
async def test_an_unknown_stored_theme_is_ignored(tmp_path):
    app = session(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    with ProgressStore(tmp_path / "home" / DB_NAME) as store:
        store.set_setting(THEME, "no-such-theme")
    app = session(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"


@pytest.mark.parametrize(
    ("keys", "kind", "where"),
    [
        (("enter",), LessonScreen, "lesson:demo"),
        (("f3",), DashboardScreen, "train"),
        (("enter", "f1"), LessonScreen, "lesson:demo"),  # help open at quit: the lesson below counts
        ((), CourseMapScreen, "map"),
    ],
)
@run_async
async def test_the_screen_quit_on_is_the_one_shown_next_time(tmp_path, keys, kind, where):
    app = session(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")  # the tour
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert stored(tmp_path, LAST_SCREEN) == where
    app = session(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, kind)
        if kind is LessonScreen:
            assert app.screen.lesson_id == "demo"
        await pilot.press("f2")  # the course is there behind it
        await pilot.pause()
        assert isinstance(app.screen, (CourseMapScreen, LessonScreen))


@run_async
async def test_a_lesson_that_is_gone_reopens_on_the_map(tmp_path):
    session(tmp_path).course.set_setting(LAST_SCREEN, "lesson:removed-by-the-teacher", "test")
    app = session(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, (CourseMapScreen, TourScreen))
        assert app.current_mode == "map" and len(app.screen_stack) <= 2


@run_async
async def test_a_locked_store_tells_what_was_not_kept_and_nothing_crashes(tmp_path, monkeypatch):
    monkeypatch.setattr("tutor.course.store.BUSY_TIMEOUT", 0.2)
    db = tmp_path / "home" / DB_NAME
    db.parent.mkdir(parents=True)
    ProgressStore(db).close()
    app = session(tmp_path)
    other = sqlite3.connect(db, isolation_level=None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("escape")
            other.execute("BEGIN EXCLUSIVE")  # another program holds the file
            app.theme = "nord"
            await pilot.pause()
            told = [n.message for n in app._notifications if n.title == "Progress"]
            assert any("Not saved: the theme you chose" in m for m in told), told
            assert app.theme == "nord"  # used for this session all the same
            await pilot.press("ctrl+q")
            await pilot.pause()
    finally:
        other.execute("ROLLBACK")
        other.close()
    # told once per fault: the quit's write met the same lock, already reported in the app
    assert stored(tmp_path, THEME) is None
    assert stored(tmp_path, LAST_SCREEN) is None


@run_async
async def test_a_fault_met_only_at_quit_is_kept_to_be_printed_after_the_app_closes(tmp_path, monkeypatch):
    monkeypatch.setattr("tutor.course.store.BUSY_TIMEOUT", 0.2)
    db = tmp_path / "home" / DB_NAME
    db.parent.mkdir(parents=True)
    ProgressStore(db).close()
    app = session(tmp_path)
    other = sqlite3.connect(db, isolation_level=None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("escape", "f3")
            await pilot.pause()
            other.execute("BEGIN EXCLUSIVE")
            await pilot.press("ctrl+q")
            await pilot.pause()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert len(app.unsaved_at_exit) == 1
    assert "which screen to reopen next time" in app.unsaved_at_exit[0]
