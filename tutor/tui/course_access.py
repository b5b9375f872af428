"""The TUI's single doorway to the course layer: lessons, progress store, and what went wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tutor.course.model import Exercise, Lesson
from tutor.course.store import ExerciseState, ProgressStore


@dataclass
class Course:
    """Loaded lessons plus the progress store; `problem` explains an empty course."""

    lessons: list[Lesson] = field(default_factory=list)
    store: ProgressStore | None = None  # None when the store could not be opened
    problem: str = ""  # shown instead of the lesson list when loading failed
    notice: str = ""  # the store's notice (e.g. a broken database was moved aside)
    seed: str = ""  # this learner's seed for the order of quiz choices (read on first use)

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

    # The store wrappers below keep every store call in one place; without a store (it could
    # not be opened) the tutor still works for this session and remembers nothing.

    def state(self, ex: Exercise) -> ExerciseState:
        """Attempts, passed and last answer of one exercise."""
        if self.store is None:
            return ExerciseState()
        return self.store.exercise_state(ex.lesson_id, ex.id)

    def passed(self, ex: Exercise) -> bool:
        """Whether the learner has passed this exercise."""
        return self.state(ex).passed

    def progress(self, lesson: Lesson) -> tuple[int, int]:
        """(exercises passed, exercises in the lesson)."""
        if self.store is None:
            return 0, len(lesson.exercises)
        progress = self.store.lesson_progress(lesson)
        return progress.done, progress.total

    def record_attempt(self, ex: Exercise, answer: str, passed: bool) -> None:
        """Keep one attempt (answer text and verdict)."""
        if self.store is not None:
            self.store.record_attempt(ex.lesson_id, ex.id, answer, passed)

    def open_lesson(self, lesson_id: str) -> float:
        """Mark the lesson as read last (the "continue" target); return its reading position."""
        return 0.0 if self.store is None else self.store.open_lesson(lesson_id)

    def remember_position(self, lesson_id: str, position: float) -> None:
        """Remember how far down the learner has read."""
        if self.store is not None:
            self.store.set_reading_position(lesson_id, position)

    def last_lesson_id(self) -> str | None:
        """The lesson opened last, if any."""
        last = None if self.store is None else self.store.last_opened()
        return last[0] if last else None


def load_course(lessons_dir: Path | None = None) -> Course:
    """Load lessons and open the store; failures become a readable `problem`, never a traceback.

    Without `lessons_dir`, the lessons are the course a learner gets: the bundled lessons, with
    a teacher's folder and its choice of lessons if ``TUTOR_LESSONS`` names one.
    """
    course = Course()
    try:
        from tutor.course.loader import load_lessons
        from tutor.course.syllabus import course_lessons

        found = load_lessons(lessons_dir) if lessons_dir is not None else course_lessons()
        course.lessons = sorted(found, key=lambda lesson: lesson.number)
    except Exception as exc:  # a broken lesson file must not stop the rest of the app
        course.problem = f"The lessons could not be loaded: {exc}"
    try:
        from tutor.course.store import open_store

        course.store = open_store()
        course.notice = getattr(course.store, "notice", "") or ""
    except Exception as exc:
        course.store = None
        course.notice = f"Progress will not be saved this session: {exc}"
    return course
