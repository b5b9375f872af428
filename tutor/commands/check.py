"""`tutor check`: check a code exercise written in your own editor, as the app would.

    tutor check --list                          the code exercises, with their ids
    tutor check rnn-forward --starter > rnn.py  the starter code, to edit
    tutor check rnn-forward rnn.py              the verdict; the attempt is saved as in the app
    tutor check rnn-forward rnn.py --json       one JSON object

Exit status: 0 when the check passes, 1 when it fails, 2 for a usage error (unknown exercise,
unreadable file).
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tutor.commands.lessons import LessonsOption, use_lessons_option
from tutor.course.model import CheckResult, Exercise, Lesson
from tutor.errors import TutorError

if TYPE_CHECKING:
    from tutor.course.access import Course

MAX_SOURCE_BYTES = 1_000_000  # a learner's file; anything larger is not an exercise answer


def _usage(message: str) -> typer.Exit:
    print(f"tutor: error: {message}", file=sys.stderr)
    return typer.Exit(2)


def find_exercise(lessons: list[Lesson], name: str) -> Exercise:
    """The exercise called `name` ("rnn-forward", or "recurrent-network/rnn-forward")."""
    lesson_id, _, exercise_id = name.rpartition("/")
    found = [
        ex for lesson in lessons for ex in lesson.exercises if ex.id == exercise_id and lesson_id in ("", lesson.id)
    ]
    if not found:
        raise KeyError(name)
    return found[0]


def _read_source(file: str) -> str:
    try:
        if file == "-":
            data = sys.stdin.buffer.read(MAX_SOURCE_BYTES + 1)
        else:
            with open(file, "rb") as fh:
                data = fh.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise _usage(f"cannot read {file}: {exc.strerror or exc}") from None
    if len(data) > MAX_SOURCE_BYTES:
        raise _usage(f"{file} is larger than {MAX_SOURCE_BYTES:,} bytes: not an exercise answer")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _usage(f"{file} is not UTF-8 text (byte {exc.start})") from None


def _record(course: Course, ex: Exercise, source: str, passed: bool) -> str:
    """Save the attempt as the app does; '' when saved, else the course's words on why not."""
    told: list[str] = []
    course.set_reporter(told.append)  # the course says why a write was not stored
    if course.record_attempt(ex, source, passed):
        return ""
    return " ".join(told) or "This attempt was not saved: the progress store could not be opened."


def _list(course: Course, json_out: bool) -> None:
    rows: list[dict[str, Any]] = [
        {
            "exercise": ex.id,
            "lesson": lesson.id,
            "number": lesson.number,
            "title": ex.title,
            "passed": course.passed(ex),
        }
        for lesson in course.lessons
        for ex in lesson.exercises
        if ex.kind == "code"
    ]
    if json_out:
        print(json.dumps(rows, ensure_ascii=False))
        return
    width = max((len(r["exercise"]) for r in rows), default=0)
    for r in rows:
        mark = "✓" if r["passed"] else " "
        print(f"{mark} {r['exercise']:<{width}}  lesson {r['number']:>2}: {r['title']}")


def _print(ex: Exercise, result: CheckResult, not_saved: str) -> None:
    mark = "✓ passed" if result.passed else "✗ failed"
    print(f"{ex.id}: {mark}. {result.message}")
    for line in result.details:
        print(f"  {line}")
    for figure in result.figures:
        _print_figure(figure)
    if result.passed and ex.explanation:
        print()
        print(ex.explanation.strip())
    if not_saved:
        print(f"tutor: warning: {not_saved}", file=sys.stderr)


def _print_figure(figure: dict[str, Any]) -> None:
    """A figure the check drew, in the terminal as the app draws it (colours only on a terminal)."""
    from rich.console import Console

    from tutor.tui.widgets.check_figures import caption_text, figure_from_data
    from tutor.tui.widgets.plots import render_figure

    console = Console(highlight=False, soft_wrap=True)
    width = min(console.width, 80) - 2
    print()
    console.print(render_figure(figure_from_data(figure), width, 14))
    caption = caption_text(figure)
    if caption:
        console.print(caption)


def check(
    exercise: Annotated[
        str | None, typer.Argument(help="The exercise's id, e.g. rnn-forward (see --list).", show_default=False)
    ] = None,
    file: Annotated[str | None, typer.Argument(help="Your Python file ('-' reads stdin).", show_default=False)] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object (or list, with --list).")] = False,
    starter: Annotated[bool, typer.Option("--starter", help="Print the exercise's starter code and exit.")] = False,
    list_: Annotated[bool, typer.Option("--list", help="List the code exercises and whether you passed them.")] = False,
    folder: LessonsOption = None,
) -> None:
    """Check your code for a code exercise, written in your own editor; the attempt is saved."""
    use_lessons_option(folder)
    from tutor.course.access import load_course

    course = load_course()  # the course a learner gets (TUTOR_LESSONS included), and the store
    if course.lessons_error:
        raise TutorError(course.lessons_error)
    if course.notice:
        print(f"tutor: {course.notice}", file=sys.stderr)
    lessons = course.lessons
    if list_:
        _list(course, json_out)
        return
    if exercise is None:
        raise _usage("name an exercise: tutor check EXERCISE FILE (tutor check --list shows them)")
    try:
        ex = find_exercise(lessons, exercise)
    except KeyError:
        raise _usage(f"no exercise {exercise!r} (tutor check --list shows the code exercises)") from None
    if ex.kind != "code":
        raise _usage(f"{ex.id!r} is a {ex.kind}, not a code exercise: answer it in the app")
    if starter:
        sys.stdout.write(ex.starter.rstrip("\n") + "\n")
        return
    if file is None:
        raise _usage(f"give the file to check: tutor check {ex.id} FILE (tutor check {ex.id} --starter > FILE)")
    source = _read_source(file)
    from tutor.course.checking import run_code

    result = run_code(ex, source)
    not_saved = _record(course, ex, source, result.passed)
    if json_out:
        out: dict[str, Any] = {
            "exercise": ex.id,
            "lesson": ex.lesson_id,
            "passed": result.passed,
            "message": result.message,
            "details": result.details,
            "figures": result.figures,
            "explanation": ex.explanation if result.passed else "",
            "saved": not not_saved,
        }
        print(json.dumps(out, ensure_ascii=False))
        if not_saved:
            print(f"tutor: warning: {not_saved}", file=sys.stderr)
    else:
        _print(ex, result, not_saved)
    raise typer.Exit(0 if result.passed else 1)
