"""A lesson opens at once and is built a part a frame: nothing it shows or keeps changes for it."""

from __future__ import annotations

from test_tui_support import lesson_built, run_async, wait_for

from tutor.course.model import CheckResult
from tutor.tui.app import TutorApp
from tutor.tui.messages import ExperimentJudged
from tutor.tui.screens import lesson as lesson_module
from tutor.tui.screens.course_map import CourseMapScreen
from tutor.tui.screens.lesson import LessonScreen


class Held:
    """Holds lessons' builds after their first part (so a test sees that state), until released."""

    def __init__(self, monkeypatch) -> None:
        self.monkeypatch = monkeypatch
        monkeypatch.setattr(LessonScreen, "schedule_build", lambda screen: None)

    def release(self, screen: LessonScreen) -> None:
        self.monkeypatch.undo()
        screen.schedule_build()


async def opened(pilot, lesson_id: str) -> LessonScreen:
    """Open a lesson and return its screen at once (before it is built)."""
    pilot.app.open_lesson(lesson_id)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, LessonScreen), what="the lesson screen")
    return pilot.app.screen


@run_async
async def test_a_lesson_shows_its_first_part_before_the_rest_is_built(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    app = TutorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        held = Held(monkeypatch)
        screen = await opened(pilot, "bptt")
        await pilot.pause()
        assert len(screen.query(".prose")) == 1 < len(screen.prose)  # its first part, the rest to come
        assert not screen.built and not screen.query(".exercise")
        held.release(screen)
        screen = await lesson_built(pilot)
        assert len(screen.query(".prose")) == len(screen.prose) > 5
        assert len(screen.query(".exercise")) == len(screen.lesson.exercises)
        assert screen.query_one("#next-lesson")


async def virtual_height(tmp_path, lesson_id: str) -> int:
    app = TutorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, lesson_id)
        screen = await lesson_built(pilot)
        return screen.scroll.virtual_size.height


@run_async
async def test_a_lesson_in_parts_is_laid_out_as_in_one_piece(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    in_parts = await virtual_height(tmp_path, "bptt")
    monkeypatch.setattr(lesson_module, "FIRST_LINES", 10**6)
    whole = await virtual_height(tmp_path, "bptt")
    assert in_parts == whole  # no blank line added or lost where the prose was cut


@run_async
async def test_an_exercise_key_pressed_while_the_lesson_is_built_acts_once_it_is(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    app = TutorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        held = Held(monkeypatch)
        screen = await opened(pilot, "sequences")
        await pilot.press("ctrl+t")  # a hint for the exercise to do: there is none to see yet
        await pilot.press("ctrl+t")  # pressed twice, still one hint
        assert not screen.built and screen.waiting == ["hint"]
        held.release(screen)
        screen = await lesson_built(pilot)
        first = screen.query(".exercise").first()
        await wait_for(pilot, lambda: first.hint.display, what="the hint shown")
        assert screen.in_view(first.hint)


@run_async
async def test_leaving_a_lesson_before_it_is_built_keeps_the_reading_position(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    app = TutorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, "lstm")
        screen = await lesson_built(pilot)
        screen.scroll.scroll_to(y=60, animate=False, immediate=True)
        await pilot.press("f2")  # back to the map: the position is saved
        await wait_for(pilot, lambda: isinstance(app.screen, CourseMapScreen), what="the map")
        assert app.course.open_lesson("lstm") == 60
        held = Held(monkeypatch)
        await opened(pilot, "lstm")
        await pilot.press("f2")  # before the lesson is built
        await wait_for(pilot, lambda: isinstance(app.screen, CourseMapScreen), what="the map")
        assert app.course.open_lesson("lstm") == 60
        held.monkeypatch.undo()
        await opened(pilot, "lstm")
        screen = await lesson_built(pilot)
        assert screen.scroll.scroll_y == 60


@run_async
async def test_an_experiment_verdict_that_comes_before_its_panel_is_shown_in_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    app = TutorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        held = Held(monkeypatch)
        screen = await opened(pilot, "fitting")
        experiment = next(ex for ex in screen.lesson.exercises if ex.kind == "experiment")
        screen.post_message(ExperimentJudged(experiment, CheckResult(False, "Not yet: the loss went up.")))
        await pilot.pause()
        held.release(screen)
        screen = await lesson_built(pilot)
        panel = screen.query_one(f"#ex-{experiment.id}")
        await wait_for(pilot, lambda: "the loss went up" in str(panel.verdict.render()), what="the verdict")


@run_async
async def test_an_experiment_verdict_is_shown_and_announced_once(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    app = TutorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, "fitting")
        screen = await lesson_built(pilot)
        experiment = next(ex for ex in screen.lesson.exercises if ex.kind == "experiment")
        app.post_message(ExperimentJudged(experiment, CheckResult(False, "Not yet: the loss went up.")))
        await pilot.pause(0.5)  # it went round between the app and the lesson, announced each time
        titles = [n.title for n in app._notifications]
        assert sum("not yet" in title for title in titles) == 1
