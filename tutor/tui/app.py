"""The tutor application: modes for the course, the training dashboard and the playground."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.theme import Theme

from tutor.course.access import Course, load_course
from tutor.tui.messages import ExperimentJudged, ExperimentRequested
from tutor.tui.palette import JumpProvider
from tutor.tui.screens.tour import TOUR_SEEN

THEME = "theme"  # settings keys: the theme chosen last,
LAST_SCREEN = "last_screen"  # and the screen shown at quit: a mode's name, or lesson:<id>


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

    def __init__(self, course: Course | None = None, code_timeout: float = 10.0, resume: bool = False) -> None:
        super().__init__()
        self.course = course if course is not None else load_course()
        self.code_timeout = code_timeout  # seconds a learner's code may run (tests shorten it)
        # a learner's session (`tutor`): reopen the screen left at quit, and the tour the first time
        self.resume = resume
        self.unsaved_at_exit: list[str] = []  # store faults met while quitting: printed after the app closes

    def on_mount(self) -> None:
        # later faults of the progress file (locked, disk full, read-only) are told as they happen
        self.course.set_reporter(lambda message: self.notify(message, title="Progress", severity="warning", timeout=10))
        theme = self.course.setting(THEME)
        if theme and theme in self.available_themes:
            self.theme = theme
        self._stored_theme = theme or self.theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.switch_mode("map")
        if self.resume:
            self._reopen_last_screen()
        if self.course.notice:
            self.notify(self.course.notice, title="Progress store", severity="warning", timeout=10)
        if self.resume and self.course.lessons and not self.course.setting(TOUR_SEEN):
            self.action_tour()
        self.call_after_refresh(self.warm_up)

    @work(thread=True, exit_on_error=False, group="warm-up")
    def warm_up(self) -> None:
        """Import the lesson and dashboard screens while the first screen is read: otherwise the
        first Enter on a lesson pays 0.23 s for it (and the first F3 0.12 s), perhaps while a run
        trains."""
        import tutor.tui.screens.dashboard  # noqa: F401
        import tutor.tui.screens.lesson  # noqa: F401

    def _remember_theme(self, theme: Theme) -> None:
        """Keep the theme picked (ctrl+p, "Change theme") for the next session."""
        if theme.name != self._stored_theme and self.course.set_setting(THEME, theme.name, "the theme you chose"):
            self._stored_theme = theme.name

    def _reopen_last_screen(self) -> None:
        where = self.course.setting(LAST_SCREEN) or "map"
        if where in ("train", "play"):
            self.switch_mode(where)
        elif where.startswith("lesson:"):
            lesson_id = where.removeprefix("lesson:")
            if any(lesson.id == lesson_id for lesson in self.course.lessons):
                self.open_lesson(lesson_id)

    def last_screen(self) -> str:
        """What is shown now, as the store keeps it: "map", "train", "play" or "lesson:<id>"."""
        from tutor.tui.screens.lesson import LessonScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, ModalScreen):  # help, the tour, a question: the screen below counts
                continue
            if isinstance(screen, LessonScreen):
                return f"lesson:{screen.lesson_id}"
            break
        return self.current_mode or "map"

    def action_tour(self) -> None:
        """Show the short tour of the tutor (and remember it was shown)."""
        from tutor.tui.screens.tour import TourScreen

        if isinstance(self.screen, TourScreen):
            return
        self.push_screen(TourScreen())
        if not self.course.setting(TOUR_SEEN):
            self.course.set_setting(TOUR_SEEN, "1", "that you have seen the tour")

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
        # what fails to be saved now is printed once the app has closed (a notification would vanish)
        self.course.set_reporter(self.unsaved_at_exit.append)
        # the open lesson keeps its reading position (its unmount comes too late: widgets are gone)
        for screen in reversed(self.screen_stack):
            save_position = getattr(screen, "save_position", None)
            if callable(save_position):
                save_position()  # the course never raises for a store fault: it tells the learner
                break
        self.course.set_setting(LAST_SCREEN, self.last_screen(), "which screen to reopen next time")
        self.exit()


def run_app() -> None:
    """Entry point used by `tutor` with no subcommand; a crash exits non-zero."""
    from tutor import paths

    home = paths.user_home()
    for folder in (home, paths.models_dir(), home / "data"):  # what killed saves and downloads left
        paths.remove_stale_temporaries(folder)
    app = TutorApp(resume=True)
    try:
        app.run()
    finally:
        if "tutor.training.client" in sys.modules:  # a training process may be idling for the next run
            sys.modules["tutor.training.client"].end_training_process()
    for message in app.unsaved_at_exit:
        print(f"tutor: {message}", file=sys.stderr)
    if app.return_code:
        sys.exit(app.return_code)
