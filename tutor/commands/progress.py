"""`tutor progress`: your progress per lesson, exports for a teacher, reset with a backup, a class table."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tutor.errors import TutorError

if TYPE_CHECKING:
    from tutor.course.access import Course

app = typer.Typer(help="Your progress per lesson; exports for a teacher; reset (with a backup); a class table.")


def _course() -> Course:
    """The course with its store; the store's notices go to stderr (stdout may be an export)."""
    from rich.console import Console

    from tutor.course.access import load_course

    course = load_course()
    if course.lessons_error:
        raise TutorError(course.lessons_error)
    err = Console(stderr=True, highlight=False)
    if course.notice:
        err.print(f"[yellow]{course.notice}[/]")
    course.set_reporter(lambda message: err.print(f"[yellow]{message}[/]"))
    return course


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise TutorError("--name needs a name or student id, e.g. --name 'Ann Smith'")
    if len(name) > 100:
        raise TutorError(f"--name is {len(name)} characters long: keep it under 100")
    return name


@app.callback(invoke_without_command=True)
def progress(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Export everything as JSON (for a teacher).")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Export one row per exercise as CSV (for a teacher).")] = False,
    name: Annotated[
        str | None, typer.Option("--name", help="Set the name or student id your exports carry (kept).")
    ] = None,
    path: Annotated[bool, typer.Option("--path", help="Print where your progress is kept, and stop.")] = False,
) -> None:
    """Show your progress per lesson (passed / total, last activity)."""
    if ctx.invoked_subcommand is not None:
        return
    if json_out and csv_out:
        raise TutorError("choose one of --json and --csv")
    if path:
        from tutor.course.access import load_course

        typer.echo(load_course().progress_path)
        return
    course = _course()
    if name is not None:
        name = _clean_name(name)
        if not course.set_student_name(name) or not course.saving:
            raise TutorError("your name was not saved (see the message above)")
        typer.echo(f"Your exports now carry the name: {name}", err=json_out or csv_out)
        if not (json_out or csv_out):
            return
    from tutor.course.report import progress_report, report_csv

    report = progress_report(course)
    if json_out:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    if csv_out:
        sys.stdout.write(report_csv(report))
        return
    _print_summary(course, report)


def _print_summary(course: Course, report: dict[str, object]) -> None:
    from rich.console import Console
    from rich.table import Table

    lessons = report["lessons"]
    assert isinstance(lessons, list)
    student = report["student"] or "(no name set: tutor progress --name 'Your Name')"
    table = Table(title=f"Progress of {student}", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("lesson")
    table.add_column("passed", justify="right")
    table.add_column("solutions seen", justify="right")
    table.add_column("last activity")
    for lesson in lessons:
        seen = sum(1 for e in lesson["exercises"] if e["solution_shown"])
        when = (lesson["last_activity"] or "")[:16].replace("T", " ")
        table.add_row(str(lesson["number"]), lesson["title"], f"{lesson['passed']}/{lesson['total']}", str(seen), when)
    console = Console()
    console.print(table)
    done = sum(lesson["passed"] for lesson in lessons)
    total = sum(lesson["total"] for lesson in lessons)
    console.print(f"{done} of {total} exercises passed. Kept in {course.progress_path}", highlight=False)


@app.command("reset")
def reset(
    lesson: Annotated[str | None, typer.Option("--lesson", help="Reset this lesson only (its id or number).")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Forget your progress (of one lesson, or all), after saving a backup beside it.

    Attempts, answers, reading positions and solutions seen are forgotten; saved training runs
    and your name are kept.
    """
    course = _course()
    target = None
    if lesson is not None:
        found = [x for x in course.lessons if lesson in (x.id, str(x.number))]
        if not found:
            known = ", ".join(f"{x.number} ({x.id})" for x in course.lessons)
            raise TutorError(f"no lesson {lesson!r}: the lessons are {known}")
        target = found[0]
    what = f"lesson {target.number} “{target.title}”" if target else "all lessons"
    if not yes:
        if not sys.stdin.isatty():
            raise TutorError(f"resetting {what} needs a confirmation: run it in a terminal, or add --yes")
        if not typer.confirm(f"Forget your progress in {what}? A backup is kept.", default=False):
            typer.echo("Nothing was reset.")
            raise typer.Exit(1)
    backup = course.reset_progress(target.id if target else None)
    typer.echo(f"Progress in {what} was reset. Backup: {backup}")
    typer.echo(f"(to undo: close the tutor and copy the backup over {course.progress_path})")


@app.command("merge")
def merge(
    files: Annotated[list[Path], typer.Argument(help="Students' exports (tutor progress --csv or --json).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the class table here (default: stdout).")
    ] = None,
) -> None:
    """Build one class table (CSV, one row per student) from students' exported files."""
    from tutor.course.report import merge_exports

    table = merge_exports(files)
    if out is None:
        sys.stdout.write(table)
    else:
        out.write_text(table, encoding="utf-8")
        typer.echo(f"class table of {len(files)} students written to {out}", err=True)
