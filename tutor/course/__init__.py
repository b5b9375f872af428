"""The course layer: lesson files, exercise checking and the learner's progress (no Textual).

The TUI uses: `load_lessons`, `check_quiz`, `run_code` (blocking: call it from a thread worker),
`judge_run` (experiment runs), `can_show_solution`, and `ProgressStore` / `open_store`.

The names below are imported on first use, so a process that needs one submodule (the code
checker's, `python -m tutor.course.judge`, starts the learner's process before anything heavy)
does not load them all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutor.course.checking import (
        can_show_solution,
        check_quiz,
        parse_number,
        run_code,
    )
    from tutor.course.experiments import ExperimentRun, check_experiment, judge_run, validate_config
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

_WHERE = {
    "tutor.course.checking": ("can_show_solution", "check_quiz", "parse_number", "run_code"),
    "tutor.course.experiments": ("ExperimentRun", "check_experiment", "judge_run", "validate_config"),
    "tutor.course.loader": ("load_lesson", "load_lessons", "parse_lesson"),
    "tutor.course.model": ("EXERCISE_KINDS", "KNOWN_VIEWS", "CheckResult", "CodeTest", "Exercise", "Lesson"),
    "tutor.course.store": ("ExerciseState", "LessonProgress", "ProgressStore", "RunInfo", "SavedRun", "open_store"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

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
    "judge_run",
    "load_lesson",
    "load_lessons",
    "open_store",
    "parse_lesson",
    "parse_number",
    "run_code",
    "validate_config",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'tutor.course' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
