"""The course layer: lesson files, exercise checking and the learner's progress (no Textual)."""

from tutor.course.model import (
    EXERCISE_KINDS,
    KNOWN_VIEWS,
    CheckResult,
    CodeTest,
    Exercise,
    Lesson,
)

__all__ = [
    "EXERCISE_KINDS",
    "KNOWN_VIEWS",
    "CheckResult",
    "CodeTest",
    "Exercise",
    "Lesson",
]
