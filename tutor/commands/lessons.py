"""`tutor lessons`: the course in a plain terminal (list with progress, check lesson files)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tutor.errors import TutorError

if TYPE_CHECKING:
    from tutor.course.model import CheckResult, Exercise, Lesson

app = typer.Typer(
    help="The course's lessons: list them with your progress, check lesson files, start a teacher's lesson folder."
)

LessonsOption = Annotated[
    Path | None,
    typer.Option(
        "--lessons",
        metavar="DIR",
        show_default=False,
        help="A teacher's lesson folder: extra lessons, and a course.toml choosing the lessons (as TUTOR_LESSONS).",
    ),
]


def use_lessons_option(folder: Path | None) -> None:
    """Apply `--lessons DIR` to this process and the checkers it starts; a bad folder is a usage error."""
    if folder is None:
        return
    from tutor.course.syllabus import use_teacher_folder

    try:
        use_teacher_folder(folder)
    except ValueError as exc:
        print(f"tutor: error: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None


@app.callback(invoke_without_command=True)
def lessons(
    ctx: typer.Context,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the lessons as JSON: id, number, title, passed, total, exercises.")
    ] = False,
    folder: LessonsOption = None,
) -> None:
    """List the lessons in order with the exercises you have done."""
    use_lessons_option(folder)
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console

    from tutor.course.access import load_course

    course = load_course()  # the course a learner gets (TUTOR_LESSONS included), and the store
    if course.lessons_error:
        raise TutorError(course.lessons_error)
    err = Console(stderr=True)
    if course.notice:
        err.print(f"[yellow]{course.notice}[/]", highlight=False)
    course.set_reporter(lambda message: err.print(f"[yellow]{message}[/]", highlight=False))
    progress = course.course_progress()
    last = course.last_lesson_id()
    if json_out:
        rows = []
        for lesson in course.lessons:
            exercises = []
            for ex in lesson.exercises:
                state = course.state(ex)
                row = {"id": ex.id, "kind": ex.kind, "title": ex.title}
                exercises.append(row | {"passed": state.passed, "attempts": state.attempts})
            done, total = progress[lesson.id]
            rows.append(
                {
                    "id": lesson.id,
                    "number": lesson.number,
                    "title": lesson.title,
                    "passed": done,
                    "total": total,
                    "last_opened": last == lesson.id,
                    "exercises": exercises,
                }
            )
        print(json.dumps(rows, ensure_ascii=False))
        return
    from rich.table import Table

    table = Table(title="rnn-tutor course", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("lesson")
    table.add_column("done", justify="right")
    for lesson in course.lessons:
        done, total = progress[lesson.id]
        marker = " ◀ last opened" if last == lesson.id else ""
        table.add_row(str(lesson.number), lesson.title + marker, f"{done}/{total}")
    Console().print(table)
    Console().print("Run [bold]tutor[/] to open the lessons, [bold]tutor check --list[/] for the code exercises.")


@app.command("check")
def check(
    paths: list[Path] = typer.Argument(
        None, help="Lesson files, or a teacher's lesson folder (default: the course, with TUTOR_LESSONS if set)."
    ),
    parse_only: Annotated[
        bool, typer.Option("--parse-only", help="Only parse; do not run the code exercises' solutions and starters.")
    ] = False,
) -> None:
    """Check lesson files as their author: each parses, its ids are new to the course, and each
    code exercise's solution passes its own checks while its starter fails them. A folder is
    checked as a teacher's lesson folder: its lessons and its course.toml. Exits 1 if anything is
    wrong."""
    from tutor.course.loader import LESSON_FILE, load_lesson, load_lessons
    from tutor.course.syllabus import course_lessons
    from tutor.paths import lessons_dir, teacher_lessons_dir

    problems = 0
    checked: list[tuple[Path, Lesson]] = []
    if not paths:
        try:
            found = course_lessons()
        except ValueError as exc:  # the first bad file, named in the message
            from tutor.errors import TutorError

            raise TutorError(str(exc)) from None
        folder = teacher_lessons_dir()
        print(f"{len(found)} lessons parse cleanly" + (f" (the course with {folder})" if folder else ""))
        checked = [(lesson.path or Path(lesson.id), lesson) for lesson in found]
    for path in paths or []:
        if path.is_dir() and path.resolve() == lessons_dir().resolve():  # the course's own folder
            found = load_lessons()
            print(f"{path}: {len(found)} lessons parse cleanly")
            checked += [(lesson.path or Path(lesson.id), lesson) for lesson in found]
            continue
        if path.is_dir():
            folder_problems, folder_lessons = _check_folder(path)
            problems += folder_problems
            checked += folder_lessons
            continue
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


def _check_folder(folder: Path) -> tuple[int, list[tuple[Path, Lesson]]]:
    """A teacher's lesson folder: files it would ignore, each lesson, ids, course.toml, the result."""
    from tutor.course.loader import LESSON_FILE, load_lesson
    from tutor.course.syllabus import MANIFEST, ignored_files, load_syllabus

    for path, why in ignored_files(folder):
        print(f"{path}: warning: the lesson folder ignores this file: {why}")
    problems = 0
    parsed: list[tuple[Path, Lesson]] = []
    for path in sorted(folder.glob("*.md")):
        if not LESSON_FILE.match(path.name):
            continue
        try:
            parsed.append((path, load_lesson(path)))
        except ValueError as exc:
            problems += 1
            print(exc)
    if problems:  # the folder as a whole fails on the same files
        return problems, parsed
    try:
        syllabus = load_syllabus(folder)
    except ValueError as exc:
        print(exc)
        return 1, parsed
    for lesson in syllabus.unchosen:
        print(f"{lesson.path}: warning: {MANIFEST} does not choose it, so students do not see it")
    if not parsed and syllabus.manifest is None:
        print(f"{folder}: warning: no lesson files (NN-slug.md) and no {MANIFEST}: students get the course as it is")
    manifest = syllabus.manifest
    unlock = "after 1 attempt"
    if manifest is not None:
        unlock = _unlock_words(manifest.solution_after_attempts)
        exceptions = ", ".join(
            f"{lesson_id}: {_unlock_words(n)}" for lesson_id, n in manifest.lesson_solution_after_attempts.items()
        )
        unlock += f" ({exceptions})" if exceptions else ""
    print(f"{folder}: ok: students get {len(syllabus.lessons)} lessons; solutions unlock {unlock}:")
    width = max(len(lesson.id) for lesson in syllabus.lessons)
    for lesson in syllabus.lessons:
        mine = "  (yours)" if syllabus.is_own(lesson) else ""
        print(f"  {lesson.number:>2}. {lesson.id:<{width}}  {lesson.title}{mine}")
    return 0, parsed


def _unlock_words(after: int | None) -> str:
    if after is None:
        return "only once passed"
    if after == 0:
        return "from the start"
    return f"after {after} attempt{'s' if after != 1 else ''}"


@app.command("init")
def init(
    folder: Annotated[Path, typer.Argument(help="The folder to create (or an empty one).", show_default=False)],
) -> None:
    """Start a teacher's lesson folder: an example lesson to copy (a quiz, a code exercise, an
    experiment) and a course.toml that chooses and orders the lessons students get."""
    import shutil

    from tutor.errors import TutorError
    from tutor.paths import lessons_dir

    source = lessons_dir() / "examples"
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise TutorError(f"{folder} exists and is not an empty folder: nothing was written")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sorted(source.iterdir()):
        if src.is_file():
            shutil.copyfile(src, folder / src.name)
            written.append(src.name)
    print(f"Created {folder} with {', '.join(written)}. Next:")
    print(f"  tutor lessons check {folder}    check it: each lesson, the ids, course.toml, the solutions")
    print(f"  tutor --lessons {folder}        the course as students get it (or set TUTOR_LESSONS={folder})")
    print(f"The lesson format and a walk-through: {lessons_dir() / 'README.md'}")


def _clashes(path: Path, lesson: Lesson) -> int:
    """Ids a lesson shares with the course's lessons or the other lessons in its folder."""
    from tutor.course.loader import LESSON_FILE, load_lesson, load_lessons
    from tutor.paths import lessons_dir

    here = path.resolve()
    try:
        others = [other for other in load_lessons() if other.path is None or other.path.resolve() != here]
    except ValueError:
        others = []
    if here.parent != lessons_dir().resolve():  # a teacher's folder: its other lessons count too
        for sibling in sorted(here.parent.glob("*.md")):
            if sibling.resolve() != here and LESSON_FILE.match(sibling.name):
                try:
                    others.append(load_lesson(sibling))
                except ValueError:
                    pass  # that file's own problem, reported when it is checked
    # a copy of a course lesson (same file name, same id) is that lesson being edited, not a clash
    others = [o for o in others if not (o.id == lesson.id and o.path is not None and o.path.name == path.name)]
    clashes = 0
    for other in others:
        if other.id == lesson.id:
            clashes += 1
            print(f"{path}: lesson id {lesson.id!r} is already used by {_where(other)}; progress is kept by lesson id")
    taken = {ex.id: other for other in others for ex in other.exercises}
    for ex in lesson.exercises:
        if ex.id in taken:
            clashes += 1
            print(f"{path}: exercise id {ex.id!r} is already used by {_where(taken[ex.id])}; ids are unique")
    return clashes


def _where(lesson: Lesson) -> str:
    name = lesson.path.name if lesson.path is not None else lesson.id
    return f"lesson {lesson.number} ({lesson.id}, {name})"


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
