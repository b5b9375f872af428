"""A walk through the whole real course by keyboard: every lesson opens, every exercise shows."""

from __future__ import annotations

from test_tui_support import lesson_built, run_async, wait_for

from tutor.course import load_lessons
from tutor.tui.app import TutorApp
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.widgets.exercises import ExercisePanel

FOCUSABLE = "RadioSet, Input, Select, TextArea, Button"


@run_async
async def test_every_lesson_and_every_exercise_opens_by_keyboard(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    lessons = load_lessons()
    assert len(lessons) >= 11
    app = TutorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")  # the course map opens the first lesson
        for lesson in lessons:
            await wait_for(pilot, lambda lesson_id=lesson.id: getattr(app.screen, "lesson_id", "") == lesson_id)
            screen = await lesson_built(pilot)
            assert isinstance(screen, LessonScreen) and screen.lesson_id == lesson.id, lesson.id
            panels = list(screen.query(ExercisePanel))
            assert [p.exercise.id for p in panels] == [ex.id for ex in lesson.exercises]
            assert len(panels) >= 2, f"{lesson.id} has fewer than two exercises"
            for panel in panels:
                panel.query(FOCUSABLE).first().focus()  # open the exercise: its answer widget
                await pilot.pause()
                await pilot.wait_for_scheduled_animations()  # focus scrolls it into view, animated
                assert screen.current_panel() is panel
                await pilot.press("ctrl+t")  # the hint of the focused exercise
                await pilot.pause()
                hint = panel.query_one(".ex-hint")
                # the hint's first word, as shown: inline code loses its backticks on screen
                assert hint.display and panel.exercise.hint.split()[0].strip("`*") in str(hint.render())
            await pilot.press("ctrl+n")
            await pilot.pause()
        assert app.screen.lesson_id == lessons[-1].id  # ctrl+n on the last lesson stays there


@run_async
async def test_the_map_wraps_each_description_under_its_title(tmp_path, monkeypatch):
    from textual.widgets import OptionList

    from tutor.tui.screens.course_map import SUMMARY_INDENT

    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    app = TutorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        options = app.screen.query_one("#lessons", OptionList)
        for n in range(options.option_count):
            title, *description = str(options.get_option_at_index(n).prompt).split("\n")
            assert description and all(line.startswith(SUMMARY_INDENT) for line in description), title
            assert all(len(line) <= options.content_size.width for line in description), title


@run_async
async def test_at_60_columns_no_line_of_the_map_is_wrapped_again_and_the_footer_keeps_whole_keys(tmp_path, monkeypatch):
    # Textual re-wraps an option line wider than its room: one word alone, flush left ("  and").
    from textual.widgets import OptionList

    from tutor.tui.screens.course_map import SUMMARY_INDENT
    from tutor.tui.widgets.keybar import KeyBar

    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    app = TutorApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        options = app.screen.query_one("#lessons", OptionList)
        room = options.scrollable_content_region.width - 2  # less the option's padding
        for n in range(options.option_count):
            first, *rest = str(options.get_option_at_index(n).prompt).split("\n")
            assert len(first) <= room and first.lstrip()[0].isdigit(), first
            assert all(len(line) <= room and line.startswith(SUMMARY_INDENT) for line in rest), first
        bar = app.screen.query_one(KeyBar)
        shown = bar.render().plain
        assert len(shown) <= 60 and shown.rstrip().endswith(("Help", "palette"))  # no key cut in half
        assert "f1 Help" in shown
