"""The lessons a learner is given: the bundled course, a teacher's folder, and its manifest.

A teacher's folder (``TUTOR_LESSONS=DIR``, or ``--lessons DIR``) holds lessons of the teacher's
own (``NN-slug.md`` files in the format of lessons/README.md) and optionally a manifest,
``course.toml``, that chooses and orders the course's lessons and the teacher's by id, and sets
after how many attempts reference solutions unlock. Without a folder the course is the bundled
lessons, as they are.

Lessons are numbered by their place in the course (1, 2, ...), so the numbers a learner sees
follow the manifest's order. Progress is kept by lesson id and exercise id: a teacher's ids may
not reuse the course's (any bundled lesson's, chosen or not), and a clash is an error.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from tutor.course.loader import LESSON_FILE, load_lessons
from tutor.course.model import SOLUTION_AFTER_ATTEMPTS, Lesson
from tutor.paths import LESSONS_ENV, teacher_lessons_dir

MANIFEST = "course.toml"
NEVER = "never"  # a manifest's unlock count meaning "only once passed"

_MANIFEST_KEYS = {"lessons", "solutions"}
_SOLUTION_KEYS = {"after_attempts", "lessons"}


@dataclass(frozen=True)
class Manifest:
    """A teacher's ``course.toml``: which lessons, in which order, and when solutions unlock."""

    path: Path
    lessons: tuple[str, ...] | None = None  # lesson ids in order; None: every lesson, by number
    solution_after_attempts: int | None = SOLUTION_AFTER_ATTEMPTS  # None: only once passed
    lesson_solution_after_attempts: Mapping[str, int | None] = field(default_factory=lambda: MappingProxyType({}))

    def unlock_after(self, lesson_id: str) -> int | None:
        """Attempts after which this lesson's solutions unlock (None: only once passed)."""
        return self.lesson_solution_after_attempts.get(lesson_id, self.solution_after_attempts)


@dataclass(frozen=True)
class Syllabus:
    """The course as a learner gets it, and where its lessons came from."""

    lessons: tuple[Lesson, ...]  # in order, numbered 1, 2, ... with the manifest's unlock counts
    bundled: tuple[Lesson, ...]  # every lesson of the course, as its files number them
    own: tuple[Lesson, ...] = ()  # every lesson in the teacher's folder, chosen or not
    folder: Path | None = None
    manifest: Manifest | None = None

    @property
    def unchosen(self) -> tuple[Lesson, ...]:
        """The teacher's lessons the manifest leaves out (learners do not see them)."""
        chosen = {lesson.id for lesson in self.lessons}
        return tuple(lesson for lesson in self.own if lesson.id not in chosen)

    def is_own(self, lesson: Lesson) -> bool:
        """Whether a lesson comes from the teacher's folder."""
        return any(lesson.id == own.id for own in self.own)


def use_teacher_folder(folder: Path | str) -> Path:
    """Make `folder` this process's (and its children's) teacher folder: ``--lessons DIR``."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ValueError(f"--lessons {folder}: {'not a folder' if path.exists() else 'no such folder'}")
    path = path.resolve()
    os.environ[LESSONS_ENV] = str(path)
    return path


def course_lessons(folder: Path | str | None = None) -> list[Lesson]:
    """The lessons a learner gets, in order (see `load_syllabus`)."""
    return list(load_syllabus(folder).lessons)


def load_syllabus(folder: Path | str | None = None) -> Syllabus:
    """The bundled lessons, with the teacher's `folder` (default: ``TUTOR_LESSONS``) if any.

    ValueError, naming the file, for a lesson that does not parse, an id the course already
    uses, or a manifest that names a lesson nobody has.
    """
    bundled = tuple(load_lessons())
    if folder is None:
        folder = teacher_lessons_dir()
        if folder is None:
            return Syllabus(lessons=_numbered(bundled, None), bundled=bundled)
        where = f"{LESSONS_ENV}={folder}"
    else:
        folder = Path(folder)
        where = str(folder)
    if not folder.is_dir():
        raise ValueError(f"{where}: {'not a folder' if folder.exists() else 'no such folder'}")
    own = tuple(load_lessons(folder))
    _no_clashes(own, bundled)
    manifest_path = folder / MANIFEST
    manifest = read_manifest(manifest_path) if manifest_path.is_file() else None
    if manifest is not None and manifest.lessons is not None:
        by_id = {lesson.id: lesson for lesson in (*bundled, *own)}
        chosen = tuple(by_id[lesson_id] for lesson_id in manifest.lessons if _known(lesson_id, by_id, manifest))
    else:
        chosen = _by_number(bundled, own)
    if manifest is not None:
        chosen_ids = {lesson.id for lesson in chosen}
        for lesson_id in manifest.lesson_solution_after_attempts:
            if lesson_id not in chosen_ids:
                raise ValueError(
                    f"{manifest.path}: [solutions.lessons] names {lesson_id!r}, which is not a lesson of this course"
                    + _suggestion(lesson_id, chosen_ids)
                )
    return Syllabus(lessons=_numbered(chosen, manifest), bundled=bundled, own=own, folder=folder, manifest=manifest)


def read_manifest(path: Path) -> Manifest:
    """Parse a ``course.toml``; ValueError naming the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: invalid TOML ({exc})") from None
    unknown = sorted(set(data) - _MANIFEST_KEYS)
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {unknown}; allowed: {sorted(_MANIFEST_KEYS)}")
    lessons = data.get("lessons")
    if lessons is not None:
        if not isinstance(lessons, list) or not all(isinstance(x, str) for x in lessons):
            raise ValueError(f"{path}: 'lessons' must be a list of lesson ids, e.g. lessons = [\"sequences\", ...]")
        if not lessons:
            raise ValueError(f"{path}: 'lessons' is empty: list the lessons of this course by id")
        repeated = sorted({x for x in lessons if lessons.count(x) > 1})
        if repeated:
            raise ValueError(f"{path}: 'lessons' lists {repeated} more than once")
    solutions = data.get("solutions", {})
    if not isinstance(solutions, dict):
        raise ValueError(f"{path}: 'solutions' must be a table: [solutions]")
    unknown = sorted(set(solutions) - _SOLUTION_KEYS)
    if unknown:
        raise ValueError(f"{path}: [solutions]: unknown key(s) {unknown}; allowed: {sorted(_SOLUTION_KEYS)}")
    after = _unlock_count(solutions.get("after_attempts", SOLUTION_AFTER_ATTEMPTS), path, "after_attempts")
    per_lesson = solutions.get("lessons", {})
    if not isinstance(per_lesson, dict):
        raise ValueError(f"{path}: [solutions.lessons] must be a table: lesson id = attempts")
    return Manifest(
        path=path,
        lessons=tuple(lessons) if lessons is not None else None,
        solution_after_attempts=after,
        lesson_solution_after_attempts=MappingProxyType(
            {lesson_id: _unlock_count(value, path, f"lessons.{lesson_id}") for lesson_id, value in per_lesson.items()}
        ),
    )


def _unlock_count(value: object, path: Path, key: str) -> int | None:
    if value == NEVER:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f'{path}: [solutions] {key} must be a number of attempts (0 or more) or "never", not {value!r}'
        )
    return value


def _known(lesson_id: str, by_id: Mapping[str, Lesson], manifest: Manifest) -> bool:
    if lesson_id in by_id:
        return True
    hint = _suggestion(lesson_id, set(by_id)) or f"; the lesson ids are: {', '.join(by_id)}"
    raise ValueError(
        f"{manifest.path}: 'lessons' names {lesson_id!r}, which is neither a lesson of the course "
        f"nor one in {manifest.path.parent}{hint}"
    )


def _suggestion(name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f": did you mean {close[0]!r}?" if close else ""


def _no_clashes(own: tuple[Lesson, ...], bundled: tuple[Lesson, ...]) -> None:
    """A teacher's lesson and exercise ids must be new: progress is kept under them."""
    course_lesson = {lesson.id: lesson for lesson in bundled}
    course_exercise = {ex.id: lesson for lesson in bundled for ex in lesson.exercises}
    for lesson in own:
        if lesson.id in course_lesson:
            other = course_lesson[lesson.id]
            raise ValueError(
                f"{lesson.path}: lesson id {lesson.id!r} is the course's lesson {other.number} ({_name(other)}); "
                "progress is kept by lesson id: give yours an id of its own"
            )
        for ex in lesson.exercises:
            if ex.id in course_exercise:
                other = course_exercise[ex.id]
                raise ValueError(
                    f"{lesson.path}: exercise id {ex.id!r} is also used in the course's lesson {other.number} "
                    f"({_name(other)}); exercise ids are unique: give yours an id of its own"
                )


def _by_number(bundled: tuple[Lesson, ...], own: tuple[Lesson, ...]) -> tuple[Lesson, ...]:
    """Without a manifest's list: every lesson, by the numbers of their files."""
    taken = {lesson.number: lesson for lesson in bundled}
    for lesson in own:
        if lesson.number in taken:
            other = taken[lesson.number]
            first_free = max(taken) + 1
            raise ValueError(
                f"{lesson.path}: lesson number {lesson.number} is also the course's lesson {_name(other)}: "
                f"number yours {first_free} or more, or choose the order in {MANIFEST}"
            )
    return tuple(sorted((*bundled, *own), key=lambda lesson: lesson.number))


def _numbered(lessons: tuple[Lesson, ...], manifest: Manifest | None) -> tuple[Lesson, ...]:
    """Number the lessons by their place, and give their exercises the manifest's unlock counts."""
    out = []
    for place, lesson in enumerate(lessons, 1):
        exercises = lesson.exercises
        if manifest is not None:
            after = manifest.unlock_after(lesson.id)
            exercises = tuple(dataclasses.replace(ex, solution_after_attempts=after) for ex in exercises)
        if place != lesson.number or exercises is not lesson.exercises:
            lesson = dataclasses.replace(lesson, number=place, exercises=exercises)
        out.append(lesson)
    return tuple(out)


def _name(lesson: Lesson) -> str:
    return lesson.path.name if lesson.path is not None else lesson.id


def ignored_files(folder: Path) -> list[tuple[Path, str]]:
    """Files in a lesson folder that look meant for it but that it ignores, with the reason."""
    out: list[tuple[Path, str]] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        if path.suffix.lower() == ".md" and not LESSON_FILE.match(path.name) and path.name.lower() != "readme.md":
            out.append((path, "lesson files are named NN-slug.md (e.g. 17-moving-average.md)"))
        elif path.suffix.lower() == ".toml" and path.name != MANIFEST:
            out.append((path, f"the manifest is named {MANIFEST}"))
    return out
