"""A learner's progress as a teacher sees it: per lesson and exercise, as JSON or CSV, and a class table.

A student runs `tutor progress --csv > ann.csv` (or `--json`); the teacher collects the files and
runs `tutor progress merge *.csv` for one row per student. Times are local ISO 8601 with offset.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tutor.course.access import Course
from tutor.errors import TutorError

FORMAT = "rnn-tutor progress"
EXERCISE_COLUMNS = (
    "student",
    "lesson_number",
    "lesson_id",
    "lesson_title",
    "lesson_last_activity",
    "exercise_id",
    "exercise_title",
    "kind",
    "attempts",
    "passed",
    "last_attempt",
    "solution_shown",
)


def _when(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t).astimezone().isoformat(timespec="seconds")


def progress_report(course: Course) -> dict[str, Any]:
    """Everything a teacher may want of one learner: per lesson, per exercise, with times."""
    shown = course.solutions_shown()
    tried = course.last_attempts()
    active = course.last_activity()
    lessons = []
    for lesson in course.lessons:
        exercises: list[dict[str, Any]] = []
        for ex in lesson.exercises:
            state = course.state(ex)
            exercises.append(
                {
                    "id": ex.id,
                    "title": ex.title,
                    "kind": ex.kind,
                    "attempts": state.attempts,
                    "passed": state.passed,
                    "last_attempt": _when(tried.get(ex.key)),
                    "solution_shown": _when(shown.get(ex.key)),
                }
            )
        lessons.append(
            {
                "number": lesson.number,
                "id": lesson.id,
                "title": lesson.title,
                "passed": sum(bool(e["passed"]) for e in exercises),
                "total": len(exercises),
                "last_activity": _when(active.get(lesson.id)),
                "exercises": exercises,
            }
        )
    return {
        "format": FORMAT,
        "student": course.student_name,
        "exported_at": _when(datetime.now().timestamp()),
        "lessons": lessons,
    }


def report_csv(report: dict[str, Any]) -> str:
    """One CSV row per exercise (a spreadsheet's pivot table does the rest)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXERCISE_COLUMNS)
    for lesson in report["lessons"]:
        for ex in lesson["exercises"]:
            writer.writerow(
                [
                    report["student"],
                    lesson["number"],
                    lesson["id"],
                    lesson["title"],
                    lesson["last_activity"] or "",
                    ex["id"],
                    ex["title"],
                    ex["kind"],
                    ex["attempts"],
                    "yes" if ex["passed"] else "no",
                    ex["last_attempt"] or "",
                    ex["solution_shown"] or "",
                ]
            )
    return out.getvalue()


@dataclass
class LessonTotals:
    """One lesson of one student's export."""

    number: int
    id: str
    title: str
    passed: int = 0
    total: int = 0
    solutions: int = 0
    last_activity: str = ""


@dataclass
class StudentTotals:
    """One student's export, by lesson."""

    student: str
    source: Path
    lessons: dict[str, LessonTotals] = field(default_factory=dict)


def _from_json(path: Path, data: Any) -> StudentTotals:
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("lessons"), list):
        raise TutorError(f"{path} is not a progress export (made by `tutor progress --json`)")
    student = StudentTotals(str(data.get("student") or path.stem), path)
    for lesson in data["lessons"]:
        exercises = lesson.get("exercises", [])
        student.lessons[str(lesson["id"])] = LessonTotals(
            int(lesson["number"]),
            str(lesson["id"]),
            str(lesson["title"]),
            sum(bool(e.get("passed")) for e in exercises),
            len(exercises),
            sum(bool(e.get("solution_shown")) for e in exercises),
            str(lesson.get("last_activity") or ""),
        )
    return student


def _from_csv(path: Path, text: str) -> StudentTotals:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or set(EXERCISE_COLUMNS) - set(rows[0]):
        raise TutorError(f"{path} is not a progress export (made by `tutor progress --csv`)")
    student = StudentTotals(rows[0]["student"] or path.stem, path)
    for row in rows:
        lesson = student.lessons.setdefault(
            row["lesson_id"],
            LessonTotals(int(row["lesson_number"]), row["lesson_id"], row["lesson_title"]),
        )
        lesson.total += 1
        lesson.passed += row["passed"] == "yes"
        lesson.solutions += bool(row["solution_shown"])
        lesson.last_activity = max(lesson.last_activity, row["lesson_last_activity"])
    return student


def read_export(path: Path) -> StudentTotals:
    """A student's export file (JSON or CSV, told apart by content); TutorError if it is neither."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TutorError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return _from_json(path, json.loads(text)) if text.lstrip().startswith("{") else _from_csv(path, text)
    except (ValueError, KeyError, TypeError) as exc:
        raise TutorError(f"{path} is not a progress export ({exc})") from None


def class_table(students: Sequence[StudentTotals]) -> str:
    """One CSV row per student: passed/total per lesson, totals, solutions seen, last activity."""
    lessons: dict[str, LessonTotals] = {}
    for student in students:
        for lesson in student.lessons.values():
            lessons.setdefault(lesson.id, lesson)
    order = sorted(lessons.values(), key=lambda lesson: (lesson.number, lesson.id))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["student", *[f"{lesson.number:02d} {lesson.title}" for lesson in order]]
        + ["passed", "exercises", "solutions shown", "last activity", "file"]
    )
    for student in sorted(students, key=lambda s: s.student.lower()):
        cells = []
        for lesson in order:
            mine = student.lessons.get(lesson.id)
            cells.append(f"{mine.passed}/{mine.total}" if mine else "")
        mine_all = list(student.lessons.values())
        writer.writerow(
            [student.student, *cells]
            + [
                sum(lesson.passed for lesson in mine_all),
                sum(lesson.total for lesson in mine_all),
                sum(lesson.solutions for lesson in mine_all),
                max((lesson.last_activity for lesson in mine_all), default=""),
                student.source.name,
            ]
        )
    return out.getvalue()


def merge_exports(paths: Iterable[Path]) -> str:
    """The class table of several students' export files."""
    return class_table([read_export(Path(p)) for p in paths])
