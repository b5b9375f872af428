"""The course layer: lesson files, exercise checking and the learner's progress (no Textual).

The TUI uses: `load_lessons`, `check_quiz`, `run_code` (blocking: call it from a thread worker),
`check_experiment`, `can_show_solution`, and `ProgressStore` / `open_store`.
"""

from tutor.course.checking import (
    can_show_solution,
    check_experiment,
    check_quiz,
    parse_number,
    run_code,
)
from tutor.course.experiments import CONFIG_KEYS, MODELS, OPTIMIZERS, TASKS, validate_config
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
    "CONFIG_KEYS",
    "EXERCISE_KINDS",
    "KNOWN_VIEWS",
    "MODELS",
    "OPTIMIZERS",
    "TASKS",
    "CheckResult",
    "CodeTest",
    "Exercise",
    "ExerciseState",
    "Lesson",
    "LessonProgress",
    "ProgressStore",
    "RunInfo",
    "SavedRun",
    "can_show_solution",
    "check_experiment",
    "check_quiz",
    "load_lesson",
    "load_lessons",
    "open_store",
    "parse_lesson",
    "parse_number",
    "run_code",
    "validate_config",
]
