"""The one doorway to the learner's course: lessons, progress and saved runs, and what went wrong.

Every call the app and the CLI make to the progress store goes through `Course`. None of them
raises for a fault of the progress file (locked, disk full, read-only, damaged): reads fall back
to "nothing recorded", writes return whether they were stored, and each fault is told to the
learner once through `report` (the app shows it as a notification; the CLI prints it), together
with the moment saving works again.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tutor.course.model import Exercise, Lesson
from tutor.course.store import (
    DB_NAME,
    ExerciseState,
    ProgressNotSaved,
    ProgressStore,
    ProgressUnavailable,
    RunInfo,
    SavedRun,
)
from tutor.errors import TutorError

T = TypeVar("T")
STUDENT_NAME = "student_name"  # the settings key of the name exports carry


@dataclass
class Course:
    """Loaded lessons plus the progress store; `problem` explains an empty course."""

    lessons: list[Lesson] = field(default_factory=list)
    store: ProgressStore | None = None  # None when the store could not be opened at all
    problem: str = ""  # shown instead of the lesson list when loading failed
    lessons_error: str = ""  # why the lessons could not be loaded, as the loader said it (for the CLI)
    notice: str = ""  # the store's notice on opening (e.g. a broken database was moved aside)
    seed: str = ""  # this learner's seed for the order of quiz choices (read on first use)
    # how a fault is told to the learner; until it is set, messages wait in `unreported`
    report: Callable[[str], None] | None = None
    unreported: list[str] = field(default_factory=list)
    # the fault being told: the same one is not repeated until it clears
    _failing: str = field(default="", init=False, repr=False)
    # the store notice already shown (a store that stops saving mid-session gets a new one)
    _store_notice: str = field(default="", init=False, repr=False)

    def __post_init__(self) -> None:
        self._adopt_store_notice()

    def _adopt_store_notice(self) -> None:
        if self.store is not None and self.store.notice:
            self.notice = self.notice or self.store.notice
            self._store_notice = self.store.notice

    def lesson(self, lesson_id: str) -> Lesson:
        """The lesson with this id (KeyError if unknown)."""
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise KeyError(lesson_id)

    def neighbour(self, lesson_id: str, step: int) -> Lesson | None:
        """The lesson `step` places after (or before) this one, if any."""
        ids = [lesson.id for lesson in self.lessons]
        index = ids.index(lesson_id) + step
        return self.lessons[index] if 0 <= index < len(ids) else None

    def choice_order(self, ex: Exercise) -> tuple[int, ...]:
        """The lesson's indices of a choice quiz's choices, in the order this learner sees them."""
        from tutor.course.choice_order import choice_order, learner_seed

        if not self.seed:
            self.seed = learner_seed()
        return choice_order(self.seed, ex)

    @property
    def saving(self) -> bool:
        """Whether progress reaches the file (False: read-only, or kept for this session only)."""
        return self.store is not None and self.store.saving

    # ---------------------------------------------------------------------------- fault telling

    def _tell(self, message: str) -> None:
        if self.report is not None:
            self.report(message)
        else:
            self.unreported.append(message)

    def set_reporter(self, report: Callable[[str], None]) -> None:
        """Tell faults through ``report`` from now on, starting with those that waited."""
        self.report = report
        waiting, self.unreported = self.unreported, []
        for message in waiting:
            report(message)

    def _store_changed(self) -> None:
        """A store that has just stopped saving (its file turned out read-only) says so once."""
        notice = self.store.notice if self.store is not None else None
        if notice and notice != self._store_notice:
            self._store_notice = notice
            self._tell(notice)

    def _read(self, read: Callable[[ProgressStore], T], default: T) -> T:
        if self.store is None:
            return default
        try:
            return read(self.store)
        except ProgressUnavailable as exc:
            if exc.reason != self._failing:
                self._failing = exc.reason
                self._tell(f"Your progress could not be read: {exc.reason}. The file is kept as it is.")
            return default

    def _write(self, what: str, write: Callable[[ProgressStore], T]) -> tuple[bool, T | None]:
        """Run one write: (True, its result), or (False, None) after telling the learner once."""
        if self.store is None:
            return False, None
        try:
            result = write(self.store)
        except ProgressNotSaved as exc:
            if exc.reason != self._failing:
                self._failing = exc.reason
                self._tell(
                    f"Not saved: {what} ({exc.reason}). Your progress file is kept as it is; "
                    "the tutor tries again at your next step and says when saving works again."
                )
            return False, None
        if self._failing:
            self._failing = ""
            self._tell("Progress is being saved again.")
        self._store_changed()
        return True, result

    # ------------------------------------------------------------------------------- exercises

    def state(self, ex: Exercise) -> ExerciseState:
        """Attempts, passed and last answer of one exercise."""
        return self._read(lambda s: s.exercise_state(ex.lesson_id, ex.id), ExerciseState())

    def passed(self, ex: Exercise) -> bool:
        """Whether the learner has passed this exercise."""
        return self.state(ex).passed

    def progress(self, lesson: Lesson) -> tuple[int, int]:
        """(exercises passed, exercises in the lesson)."""
        p = self._read(lambda s: s.lesson_progress(lesson), None)
        return (p.done, p.total) if p is not None else (0, len(lesson.exercises))

    def record_attempt(self, ex: Exercise, answer: str, passed: bool) -> bool:
        """Keep one attempt (answer text and verdict); False when it could not be stored.

        True also when the store keeps it for this session only (read-only): its notice said so.
        """
        what = f"your attempt at “{ex.title}”"
        return self._write(what, lambda s: s.record_attempt(ex.lesson_id, ex.id, answer, passed))[0]

    # ------------------------------------------------------------------------ reading position

    def open_lesson(self, lesson_id: str) -> float:
        """Mark the lesson as read last (the "continue" target); return its reading position."""
        self._write("which lesson you opened last", lambda s: s.open_lesson(lesson_id))
        return self._read(lambda s: s.reading_position(lesson_id), 0.0)

    def remember_position(self, lesson_id: str, position: float) -> bool:
        """Remember how far down the learner has read; False when it could not be stored."""
        where = f"your reading position in “{self._title(lesson_id)}”"
        return self._write(where, lambda s: s.set_reading_position(lesson_id, position))[0]

    def last_lesson_id(self) -> str | None:
        """The lesson opened last, if any."""
        last = self._read(lambda s: s.last_opened(), None)
        return last[0] if last else None

    def course_progress(self, lessons: Iterable[Lesson] | None = None) -> dict[str, tuple[int, int]]:
        """(passed, total) of each lesson, by lesson id."""
        return {lesson.id: self.progress(lesson) for lesson in (self.lessons if lessons is None else lessons)}

    def _title(self, lesson_id: str) -> str:
        try:
            return self.lesson(lesson_id).title
        except KeyError:
            return lesson_id

    def solution_shown(self, ex: Exercise) -> bool:
        """Record that the learner saw this exercise's solution (a teacher's export says so)."""
        what = f"that you saw the solution of “{ex.title}”"
        return self._write(what, lambda s: s.record_solution_shown(ex.lesson_id, ex.id))[0]

    @property
    def student_name(self) -> str:
        """The name or id the learner set for exports ("" if none)."""
        return self._read(lambda s: s.setting(STUDENT_NAME), None) or ""

    def set_student_name(self, name: str) -> bool:
        """Set the name or id exports carry; False when it could not be stored."""
        return self._write("your name", lambda s: s.set_setting(STUDENT_NAME, name))[0]

    def setting(self, key: str) -> str | None:
        """One of the app's stored settings (theme, last screen, tour seen), None if unset or unreadable."""
        return self._read(lambda s: s.setting(key), None)

    def set_setting(self, key: str, value: str, what: str) -> bool:
        """Store one setting; False (the learner told, naming it by `what`) when it could not be stored."""
        return self._write(what, lambda s: s.set_setting(key, value))[0]

    @property
    def progress_path(self) -> Path:
        """Where progress is kept (whether or not it could be opened)."""
        if self.store is not None:
            return self.store.path
        from tutor.paths import user_home

        return user_home() / DB_NAME

    def solutions_shown(self) -> dict[tuple[str, str], float]:
        """When each solution was first shown, by (lesson id, exercise id)."""
        return self._read(lambda s: s.solutions_shown(), {})

    def last_attempts(self) -> dict[tuple[str, str], float]:
        """When each exercise was last attempted, by (lesson id, exercise id)."""
        return self._read(lambda s: s.last_attempts(), {})

    def last_activity(self) -> dict[str, float]:
        """When each lesson was last worked on (attempt, visit or solution), by lesson id."""
        return self._read(lambda s: s.last_activity(), {})

    def reset_progress(self, lesson_id: str | None = None) -> Path:
        """Back the store up beside it, then forget one lesson's progress (or all); the backup's path.

        Saved runs and the student's name are kept. Raises TutorError when either step fails:
        the backup comes first, so a reset never happens without one.
        """
        store = self.store
        if store is None:
            raise TutorError(f"progress cannot be reset: {self.notice or 'the progress file is not open'}")
        if not store.saving:
            raise TutorError(f"progress cannot be reset: {store.why_not_saving} ({store.path})")
        target = store.path.with_name(f"{store.path.name}.backup-{time.strftime('%Y%m%d-%H%M%S')}")
        n = 1
        while target.exists():
            n += 1
            target = target.with_name(f"{store.path.name}.backup-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        try:
            store.backup(target)
        except (sqlite3.Error, OSError) as exc:
            target.unlink(missing_ok=True)
            raise TutorError(f"progress was not reset: the backup {target} could not be written ({exc})") from None
        try:
            store.reset(lesson_id)
        except ProgressNotSaved as exc:
            raise TutorError(f"progress was not reset: {exc.reason} (a backup was made: {target})") from None
        if not store.saving:  # the file turned out read-only: the reset only happened in memory
            raise TutorError(f"progress was not reset: {store.why_not_saving} ({store.path})")
        return target

    # ------------------------------------------------------------------------------------ runs

    def save_run(self, name: str, config: Mapping[str, Any], history: Mapping[str, Any]) -> int | None:
        """Keep a finished training run; its id, or None when it could not be stored."""
        return self._write(f"the training run “{name}”", lambda s: s.save_run(name, config, history))[1]

    def list_runs(self) -> list[RunInfo]:
        """Saved runs, newest first (none when the store cannot be read)."""
        return self._read(lambda s: s.list_runs(), [])

    def load_run(self, run_id: int) -> SavedRun | None:
        """One saved run with its history; None if there is none (or it cannot be read)."""
        try:
            return self._read(lambda s: s.load_run(run_id), None)
        except KeyError:
            return None

    def delete_run(self, run_id: int) -> bool:
        """Delete a saved run; False if there was none or the deletion could not be stored."""
        return bool(self._write(f"deleting run #{run_id}", lambda s: s.delete_run(run_id))[1])


def load_course(lessons_dir: Path | None = None, store_path: Path | None = None) -> Course:
    """Load lessons and open the store; failures become a readable `problem`, never a traceback."""
    course = Course()
    try:
        from tutor.course.loader import load_lessons
        from tutor.course.syllabus import course_lessons

        found = load_lessons(lessons_dir) if lessons_dir is not None else course_lessons()
        course.lessons = sorted(found, key=lambda lesson: lesson.number)
    except Exception as exc:  # a broken lesson file must not stop the rest of the app
        course.lessons_error = str(exc)
        course.problem = f"The lessons could not be loaded: {exc}"
    try:
        from tutor.course.store import open_store

        course.store = open_store(store_path)
    except Exception as exc:  # the store turns file faults into notices; this is a last resort
        course.store = None
        course.notice = f"Progress will not be saved this session: {exc}"
    course._adopt_store_notice()
    return course
