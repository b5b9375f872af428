"""`tutor lessons`: the course in a plain terminal (list with progress, check lesson files)."""

from __future__ import annotations

from pathlib import Path

import typer

from tutor.errors import TutorError

app = typer.Typer(help="The course's lessons: list them with your progress, or check lesson files.")


@app.callback(invoke_without_command=True)
def lessons(ctx: typer.Context) -> None:
    """List the lessons in order with the exercises you have done."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    from tutor.course.access import load_course

    course = load_course()
    if course.problem:
        raise TutorError(course.problem)
    err = Console(stderr=True)
    if course.notice:
        err.print(f"[yellow]{course.notice}[/]", highlight=False)
    course.set_reporter(lambda message: err.print(f"[yellow]{message}[/]", highlight=False))
    progress = course.course_progress()
    last = course.last_lesson_id()
    table = Table(title="rnn-tutor course", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("lesson")
    table.add_column("done", justify="right")
    for lesson in course.lessons:
        done, total = progress[lesson.id]
        marker = " ◀ last opened" if last == lesson.id else ""
        table.add_row(str(lesson.number), lesson.title + marker, f"{done}/{total}")
    Console().print(table)
    Console().print("Run [bold]tutor[/] to open the lessons.")


@app.command("check")
def check(paths: list[Path] = typer.Argument(None, help="Lesson files (default: the bundled lessons).")) -> None:
    """Parse lesson files and report the first problem in each (a linter for lesson authors)."""
    from tutor.course import load_lesson, load_lessons

    if not paths:
        found = load_lessons()  # raises ValueError naming the file on the first bad one
        print(f"{len(found)} lessons parse cleanly")
        return
    bad = 0
    for path in paths:
        try:
            lesson = load_lesson(path)
            print(f"{path}: ok ({len(lesson.exercises)} exercises)")
        except (ValueError, OSError) as exc:
            bad += 1
            message = str(exc)
            print(message if message.startswith(str(path)) else f"{path}: {message}")  # loader errors name the file
    if bad:
        raise typer.Exit(1)
