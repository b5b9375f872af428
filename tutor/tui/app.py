"""The tutor application: modes for the course, the training dashboard and the playground."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tutor.course.access import Course, load_course
from tutor.tui.messages import ExperimentJudged, ExperimentRequested
from tutor.tui.palette import JumpProvider


def _map_screen() -> Screen[None]:  # imported lazily: each mode's screen is built on first visit
    from tutor.tui.screens.course_map import CourseMapScreen

    return CourseMapScreen()


def _train_screen() -> Screen[None]:
    from tutor.tui.screens.dashboard import DashboardScreen

    return DashboardScreen()


def _play_screen() -> Screen[None]:
    from tutor.tui.screens.playground import PlaygroundScreen

    return PlaygroundScreen()


class TutorApp(App[None]):
    """Learn recurrent networks by running them."""

    TITLE = "RNN tutor"
    CSS_PATH = Path(__file__).with_name("tutor.tcss")  # absolute: subclasses live elsewhere
    COMMANDS = App.COMMANDS | {JumpProvider}
    MODES: ClassVar = {"map": _map_screen, "train": _train_screen, "play": _play_screen}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        # At 80 columns the footer cannot list everything on every screen: screens re-declare
        # these keys with show=True where they matter; Help and the palette list them all.
        Binding("f2", "goto_mode('map')", "Map", show=False),
        Binding("f3", "goto_mode('train')", "Train", show=False),
        Binding("f4", "goto_mode('play')", "Play", show=False),
    ]

    def __init__(self, course: Course | None = None, code_timeout: float = 10.0) -> None:
        super().__init__()
        self.course = course if course is not None else load_course()
        self.code_timeout = code_timeout  # seconds a learner's code may run (tests shorten it)

    def on_mount(self) -> None:
        self.switch_mode("map")
        if self.course.notice:
            self.notify(self.course.notice, title="Progress store", severity="warning", timeout=10)
        # later faults of the progress file (locked, disk full, read-only) are told as they happen
        self.course.set_reporter(lambda message: self.notify(message, title="Progress", severity="warning", timeout=10))

    def goto_mode(self, mode: str) -> None:
        """Show one of the three main views (its state, e.g. a running training, is kept)."""
        if self.current_mode != mode:
            self.switch_mode(mode)

    def action_goto_mode(self, mode: str) -> None:
        # F2 from the dashboard returns to the course as it was (the lesson that started an
        # experiment shows its verdict); F2 within the course shows the map itself
        if mode == "map" and self.current_mode == "map":
            self.show_map()
        else:
            self.goto_mode(mode)

    def show_map(self) -> None:
        """Close an open lesson (it keeps its reading position) to show the course map."""
        from tutor.tui.screens.course_map import CourseMapScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, CourseMapScreen):
            self.pop_screen()

    def mode_stack(self, mode: str) -> list[Screen[object]]:
        """The screens of a mode (none if it has not been visited yet)."""
        try:
            return list(self.get_screen_stack(mode))
        except KeyError:
            return []

    def action_help(self) -> None:
        from tutor.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        if not self.is_screen_installed("help"):
            self.install_screen(HelpScreen(), "help")
        kept = self.get_screen("help")
        if any(kept in self.mode_stack(mode) for mode in self.MODES):
            self.push_screen(HelpScreen())  # still open over another mode's screen: a fresh one here
        else:
            self.push_screen(kept)

    def open_lesson(self, lesson_id: str) -> None:
        """Open a lesson in the course mode, replacing any lesson already open there."""
        from tutor.tui.screens.lesson import LessonScreen

        self.goto_mode("map")
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(LessonScreen(lesson_id))

    def on_experiment_requested(self, message: ExperimentRequested) -> None:
        """A lesson asks for its experiment: open the dashboard with it (it starts the run)."""
        from tutor.tui.screens.dashboard import DashboardScreen

        self.goto_mode("train")

        def load() -> None:
            if isinstance(self.screen, DashboardScreen):
                self.screen.load_experiment(message.exercise)

        self.call_after_refresh(load)

    def on_experiment_judged(self, message: ExperimentJudged) -> None:
        """The dashboard judged an experiment run: the open lesson shows the verdict."""
        from tutor.tui.screens.lesson import LessonScreen

        for screen in self.get_screen_stack("map"):
            if isinstance(screen, LessonScreen):
                screen.post_message(ExperimentJudged(message.exercise, message.result))

    async def action_quit(self) -> None:
        """Quit at once: a run still training is ended, not waited for."""
        from tutor.training.client import end_all

        end_all()
        # the open lesson keeps its reading position (its unmount comes too late: widgets are gone)
        save_position = getattr(self.screen, "save_position", None)
        if callable(save_position):
            save_position()  # the course never raises for a store fault: it tells the learner
        self.exit()


def run_app() -> None:
    """Entry point used by `tutor` with no subcommand; a crash exits non-zero."""
    from tutor import paths

    home = paths.user_home()
    for folder in (home, paths.models_dir(), home / "data"):  # what killed saves and downloads left
        paths.remove_stale_temporaries(folder)
    app = TutorApp()
    try:
        app.run()
    finally:
        if "tutor.training.client" in sys.modules:  # a training process may be idling for the next run
            sys.modules["tutor.training.client"].end_training_process()
    if app.return_code:
        sys.exit(app.return_code)
