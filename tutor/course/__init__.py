"""The course layer: lesson files, exercise checking and the learner's progress (no Textual).

The TUI uses: `load_lessons`, `check_quiz`, `run_code` (blocking: call it from a thread worker),
`judge` (experiment runs), `can_show_solution`, and `ProgressStore` / `open_store`.
"""

from tutor.course.checking import (
    can_show_solution,
    check_quiz,
    parse_number,
    run_code,
)
from tutor.course.experiments import ExperimentRun, check_experiment, judge, validate_config
from tutor.course.loader import load_lesson, load_lessons, parse_lesson
from tutor.course.model import (
    EXERCISE_KINDS,
    KNOWN_VIEWS,
    CheckResult,
    CodeTest,
    Exercise,
    Lesson,
)
from tutor.course.store import (
    ExerciseState,
    LessonProgress,
    ProgressStore,
    RunInfo,
    SavedRun,
    open_store,
)

__all__ = [
    "EXERCISE_KINDS",
    "KNOWN_VIEWS",
    "CheckResult",
    "CodeTest",
    "Exercise",
    "ExperimentRun",
    "ExerciseState",
    "Lesson",
    "LessonProgress",
    "ProgressStore",
    "RunInfo",
    "SavedRun",
    "can_show_solution",
    "check_experiment",
    "check_quiz",
    "judge",
    "load_lesson",
    "load_lessons",
    "open_store",
    "parse_lesson",
    "parse_number",
    "run_code",
    "validate_config",
]
