"""`tutor lessons`: the course in a plain terminal (list with progress, check lesson files)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from tutor.course.model import CheckResult, Exercise, Lesson

app = typer.Typer(help="The course's lessons: list them with your progress, or check lesson files.")


@app.callback(invoke_without_command=True)
def lessons(
    ctx: typer.Context,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the lessons as JSON: id, number, title, passed, total, exercises.")
    ] = False,
) -> None:
    """List the lessons in order with the exercises you have done."""
    if ctx.invoked_subcommand is not None:
        return
    from tutor.course import load_lessons, open_store
    from tutor.errors import TutorError

    try:
        all_lessons = load_lessons()
    except ValueError as exc:  # a lesson file that does not parse: the message names it
        raise TutorError(str(exc)) from None
    with open_store() as store:
        if store.notice:
            print(f"tutor: {store.notice}", file=sys.stderr)
        progress = store.course_progress(all_lessons)
        states = {lesson.id: store.exercise_states(lesson.id) for lesson in all_lessons}
        last = store.last_opened()
    if json_out:
        rows = []
        for lesson in all_lessons:
            exercises = []
            for ex in lesson.exercises:
                state = states[lesson.id].get(ex.id)
                passed, attempts = (state.passed, state.attempts) if state else (False, 0)
                exercises.append(
                    {"id": ex.id, "kind": ex.kind, "title": ex.title, "passed": passed, "attempts": attempts}
                )
            p = progress[lesson.id]
            rows.append(
                {
                    "id": lesson.id,
                    "number": lesson.number,
                    "title": lesson.title,
                    "passed": p.done,
                    "total": p.total,
                    "last_opened": bool(last and last[0] == lesson.id),
                    "exercises": exercises,
                }
            )
        print(json.dumps(rows, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="rnn-tutor course", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("lesson")
    table.add_column("done", justify="right")
    for lesson in all_lessons:
        p = progress[lesson.id]
        marker = " ◀ last opened" if last and last[0] == lesson.id else ""
        table.add_row(str(lesson.number), lesson.title + marker, f"{p.done}/{p.total}")
    Console().print(table)
    Console().print("Run [bold]tutor[/] to open the lessons, [bold]tutor check --list[/] for the code exercises.")


@app.command("check")
def check(
    paths: list[Path] = typer.Argument(None, help="Lesson files (default: the bundled lessons)."),
    parse_only: Annotated[
        bool, typer.Option("--parse-only", help="Only parse; do not run the code exercises' solutions and starters.")
    ] = False,
) -> None:
    """Check lesson files as their author: each parses, and each code exercise's solution passes
    its own checks while its starter fails them. Exits 1 if anything is wrong."""
    from tutor.course.loader import LESSON_FILE, load_lesson, load_lessons

    problems = 0
    if not paths:
        try:
            found = load_lessons()
        except ValueError as exc:  # the first bad file, named in the message
            from tutor.errors import TutorError

            raise TutorError(str(exc)) from None
        print(f"{len(found)} lessons parse cleanly")
        checked = [(lesson.path or Path(lesson.id), lesson) for lesson in found]
    else:
        checked = []
        for path in paths:
            if not LESSON_FILE.match(path.name):
                print(f"{path}: warning: a lesson folder ignores this file: lesson files are named NN-slug.md")
            try:
                lesson = load_lesson(path)
            except (ValueError, OSError) as exc:
                problems += 1
                message = str(exc)
                print(message if message.startswith(str(path)) else f"{path}: {message}")  # loader errors name the file
                continue
            problems += _clashes(path, lesson)
            checked.append((path, lesson))
    for path, lesson in checked:
        code = [ex for ex in lesson.exercises if ex.kind == "code"]
        found_problems = [] if parse_only else _run_code_exercises(code)
        problems += len(found_problems)
        for line in found_problems:
            print(f"{path}: {line}")
        if not found_problems:
            what = f"{len(lesson.exercises)} exercises"
            if code and not parse_only:
                what += f"; {len(code)} code: each solution passes, each starter fails"
            print(f"{path}: ok ({what})")
    if problems:
        raise typer.Exit(1)


def _clashes(path: Path, lesson: Lesson) -> int:
    """Exercise ids a lesson shares with other lessons of the course (ids must be unique)."""
    from tutor.course.loader import load_lessons

    try:
        course = load_lessons()
    except ValueError:
        return 0
    taken = {
        ex.id: other
        for other in course
        if other.id != lesson.id and (other.path is None or other.path.resolve() != path.resolve())
        for ex in other.exercises
    }
    clashes = [ex.id for ex in lesson.exercises if ex.id in taken]
    for ex_id in clashes:
        other = taken[ex_id]
        print(f"{path}: exercise id {ex_id!r} is already used by lesson {other.number} ({other.id}); ids are unique")
    return len(clashes)


def _run_code_exercises(exercises: list[Exercise]) -> list[str]:
    """Run each code exercise's solution (it must pass) and starter (it must fail)."""
    from concurrent.futures import ThreadPoolExecutor

    from tutor.course.checking import run_codes

    def both(ex: Exercise) -> list[CheckResult]:
        return run_codes(ex, [ex.solution, ex.starter])

    problems = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for ex, (solution, starter) in zip(exercises, pool.map(both, exercises), strict=True):
            if not solution.passed:
                problems.append(f"exercise {ex.id!r}: the solution fails its own checks: {solution.message}")
                problems += [f"    {line}" for line in solution.details[:6]]
            if starter.passed:
                problems.append(f"exercise {ex.id!r}: the starter passes as it is (it should fail the checks)")
            elif starter.message.startswith("line ") and "Error" in starter.message:
                problems.append(f"exercise {ex.id!r}: the starter crashes instead of failing: {starter.message}")
    return problems
