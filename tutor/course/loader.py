"""Read lesson files (`lessons/NN-slug.md`): TOML front matter, Markdown prose, exercise blocks.

The format is documented in `lessons/README.md`. Every problem raises ValueError naming the file
(and the exercise) so a lesson author sees at once what to fix.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tutor.course.goals import validate_goal
from tutor.course.model import EXERCISE_KINDS, KNOWN_VIEWS, CodeTest, Exercise, Lesson, may_use

LESSON_FILE = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)\.md$")
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

_LESSON_KEYS = {"id", "number", "title", "summary", "views"}
_COMMON_KEYS = {"id", "kind", "title", "prompt", "hint", "solution", "explanation"}
_KIND_KEYS = {
    "quiz": {"choices", "items", "answer", "tolerance"},
    "code": {"starter", "function", "tests", "check", "allow"},
    "experiment": {"config", "editable", "goal", "goal_text"},
}
_TEST_KEYS = {"args", "kwargs", "expected", "rtol", "atol", "function", "name"}


def load_lessons(directory: Path | str | None = None) -> list[Lesson]:
    """All lessons in `directory` (default: the bundled `lessons/`), sorted by number."""
    from tutor.paths import lessons_dir

    folder = Path(directory) if directory is not None else lessons_dir()
    lessons = [load_lesson(p) for p in sorted(folder.glob("*.md")) if LESSON_FILE.match(p.name)]
    seen_ids: dict[str, Path] = {}
    seen_numbers: dict[int, Path] = {}
    for lesson in lessons:
        assert lesson.path is not None
        if lesson.id in seen_ids:
            raise ValueError(f"{lesson.path}: lesson id {lesson.id!r} also used by {seen_ids[lesson.id].name}")
        if lesson.number in seen_numbers:
            other = seen_numbers[lesson.number].name
            raise ValueError(f"{lesson.path}: lesson number {lesson.number} also used by {other}")
        seen_ids[lesson.id] = lesson.path
        seen_numbers[lesson.number] = lesson.path
    # exercise ids are unique across the course: `tutor check ID` names an exercise by its id alone
    seen_exercises: dict[str, Path] = {}
    for lesson in lessons:
        assert lesson.path is not None
        for ex in lesson.exercises:
            if ex.id in seen_exercises:
                other = seen_exercises[ex.id].name
                raise ValueError(f"{lesson.path}: exercise id {ex.id!r} is also used in {other}; ids are unique")
            seen_exercises[ex.id] = lesson.path
    return sorted(lessons, key=lambda lesson: lesson.number)


def load_lesson(path: Path | str) -> Lesson:
    """Parse one lesson file; ValueError names the file and the problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read lesson file ({exc})") from None
    try:
        return parse_lesson(text, path)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def parse_lesson(text: str, path: Path | None = None) -> Lesson:
    """Parse a lesson's text (ValueError without the file name; `load_lesson` adds it)."""
    front, body = _split_front_matter(text)
    meta = _toml(front, "front matter")
    _no_unknown(meta, _LESSON_KEYS, "front matter")
    lesson_id = _req_str(meta, "id", "front matter")
    if not _ID.match(lesson_id):
        raise ValueError(f"front matter: id {lesson_id!r} must be lower-case letters, digits, '-'")
    number = meta.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise ValueError("front matter: 'number' must be a non-negative integer")
    if path is not None:
        match = LESSON_FILE.match(path.name)
        if match and int(match.group(1)) != number:
            raise ValueError(f"front matter: number {number} does not match the file name")
    views = meta.get("views", [])
    if not isinstance(views, list) or not all(isinstance(v, str) for v in views):
        raise ValueError("front matter: 'views' must be a list of strings")
    unknown = sorted(set(views) - KNOWN_VIEWS)
    if unknown:
        raise ValueError(f"front matter: unknown view(s) {unknown}; known: {sorted(KNOWN_VIEWS)}")

    prose, blocks = _extract_exercises(body)
    exercises = [_parse_exercise(block, line, lesson_id) for line, block in blocks]
    ids = [ex.id for ex in exercises]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate exercise id(s) {dupes}")
    return Lesson(
        id=lesson_id,
        number=number,
        title=_req_str(meta, "title", "front matter"),
        summary=_req_str(meta, "summary", "front matter"),
        body_markdown=prose,
        exercises=tuple(exercises),
        views=tuple(views),
        path=path,
    )


def _split_front_matter(text: str) -> tuple[str, str]:
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != "+++":
        raise ValueError("must start with a '+++' line opening the TOML front matter")
    for i in range(1, len(lines)):
        if lines[i].strip() == "+++":
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    raise ValueError("front matter is not closed by a '+++' line")


def _extract_exercises(body: str) -> tuple[str, list[tuple[int, str]]]:
    """Split the body into prose and the TOML of its ```exercise blocks (with their lines)."""
    prose: list[str] = []
    blocks: list[tuple[int, str]] = []
    lines = body.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i].rstrip("\n"))
        if not match:
            prose.append(lines[i])
            i += 1
            continue
        fence, info = match.group("fence"), match.group("info")
        start = i
        i += 1
        content: list[str] = []
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                break
            content.append(lines[i])
            i += 1
        else:
            raise ValueError(f"body line {start + 1}: code fence {fence!r} is never closed")
        i += 1  # past the closing fence
        if info == "exercise":
            blocks.append((start + 1, "".join(content)))
        else:
            prose.extend(lines[start:i])
    return re.sub(r"\n{3,}", "\n\n", "".join(prose)).strip() + "\n", blocks


def _parse_exercise(block: str, line: int, lesson_id: str) -> Exercise:
    where = f"exercise block at body line {line}"
    data = _toml(block, where)
    ex_id = data.get("id")
    if isinstance(ex_id, str):
        where = f"exercise {ex_id!r}"
    kind = data.get("kind")
    if kind not in EXERCISE_KINDS:
        raise ValueError(f"{where}: 'kind' must be one of {list(EXERCISE_KINDS)}, not {kind!r}")
    _no_unknown(data, _COMMON_KEYS | _KIND_KEYS[kind], where)
    ex_id = _req_str(data, "id", where)
    if not _ID.match(ex_id):
        raise ValueError(f"{where}: id must be lower-case letters, digits and '-'")
    common: dict[str, Any] = dict(
        id=ex_id,
        lesson_id=lesson_id,
        kind=kind,
        title=_req_str(data, "title", where),
        prompt_markdown=_req_str(data, "prompt", where),
        hint=_req_str(data, "hint", where),
        solution=_req_str(data, "solution", where),
        explanation=_opt_str(data, "explanation", where),
    )
    if kind == "quiz":
        return Exercise(**common, **_quiz_fields(data, where))
    if kind == "code":
        fields = _code_fields(data, common["solution"], where)
        # every code exercise says what its code may use (the checker enforces it)
        common["prompt_markdown"] += f"\n\n*Your code may use {may_use(fields['allow'])}.*"
        return Exercise(**common, **fields)
    return Exercise(**common, **_experiment_fields(data, where))


def _quiz_fields(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    choices = _str_list(data, "choices", where)
    items = _str_list(data, "items", where)
    answer = data.get("answer")
    if items and not choices:
        raise ValueError(f"{where}: a sorting quiz ('items') needs 'choices' to sort them into")
    if "tolerance" in data and (choices or items):
        raise ValueError(f"{where}: 'tolerance' is for numeric quizzes only")
    if items:
        if not isinstance(answer, list) or len(answer) != len(items):
            raise ValueError(f"{where}: 'answer' must list one choice per item ({len(items)})")
        indices = tuple(_choice_index(a, choices, where) for a in answer)
        return dict(choices=tuple(choices), items=tuple(items), answer=indices)
    if choices:
        if len(choices) < 2:
            raise ValueError(f"{where}: a multiple-choice quiz needs at least two choices")
        return dict(choices=tuple(choices), answer=_choice_index(answer, choices, where))
    if not isinstance(answer, int | float) or isinstance(answer, bool):
        raise ValueError(f"{where}: a numeric quiz needs a number 'answer' (or give 'choices')")
    tolerance = data.get("tolerance", 0.0)
    if not isinstance(tolerance, int | float) or tolerance < 0:
        raise ValueError(f"{where}: 'tolerance' must be a non-negative number")
    return dict(answer=answer, tolerance=float(tolerance))


def _choice_index(answer: Any, choices: list[str], where: str) -> int:
    """A 0-based index, or a choice's exact text, as an index into `choices`."""
    if isinstance(answer, int) and not isinstance(answer, bool):
        if 0 <= answer < len(choices):
            return answer
        raise ValueError(f"{where}: answer index {answer} is outside 0..{len(choices) - 1}")
    if isinstance(answer, str) and answer in choices:
        return choices.index(answer)
    raise ValueError(f"{where}: answer {answer!r} is neither a choice index nor a choice's text")


def _code_fields(data: Mapping[str, Any], solution: str, where: str) -> dict[str, Any]:
    starter = _req_str(data, "starter", where)
    function = data.get("function")
    if isinstance(function, str):
        functions = [function]
    elif isinstance(function, list) and function and all(isinstance(f, str) for f in function):
        functions = list(function)
    else:
        raise ValueError(f"{where}: 'function' must name the function(s) the learner defines")
    for name in functions:
        if not name.isidentifier():
            raise ValueError(f"{where}: function name {name!r} is not a Python identifier")
    raw_tests = data.get("tests", [])
    if not isinstance(raw_tests, list) or not all(isinstance(t, dict) for t in raw_tests):
        raise ValueError(f"{where}: 'tests' must be an array of tables ([[tests]])")
    tests = tuple(_code_test(t, functions, f"{where}, test {n + 1}") for n, t in enumerate(raw_tests))
    check = _opt_str(data, "check", where)
    if not tests and not check:
        raise ValueError(f"{where}: a code exercise needs 'tests', a 'check', or both")
    for label, source in (("starter", starter), ("solution", solution), ("check", check)):
        try:
            tree = ast.parse(source, filename=f"<{label}>")
        except SyntaxError as exc:
            raise ValueError(f"{where}: {label} has a syntax error on line {exc.lineno}: {exc.msg}") from None
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        if label == "check" and source and "check" not in defined:
            raise ValueError(f"{where}: 'check' must define a function check({', '.join(functions)})")
        if label == "solution" and not set(functions) <= defined:
            missing = sorted(set(functions) - defined)
            raise ValueError(f"{where}: the solution does not define {missing}")
    allow = _str_list(data, "allow", where)
    for name in allow:
        if not all(part.isidentifier() for part in name.split(".")):
            raise ValueError(f"{where}: 'allow' entry {name!r} is not a module name")
    return dict(starter=starter, functions=tuple(functions), tests=tests, check=check, allow=tuple(allow))


def _code_test(raw: Mapping[str, Any], functions: list[str], where: str) -> CodeTest:
    _no_unknown(raw, _TEST_KEYS, where)
    if "expected" not in raw:
        raise ValueError(f"{where}: needs 'expected'")
    args = raw.get("args", [])
    kwargs = raw.get("kwargs", {})
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise ValueError(f"{where}: 'args' must be an array and 'kwargs' a table")
    function = raw.get("function", functions[0])
    if function not in functions:
        raise ValueError(f"{where}: function {function!r} is not one of {functions}")
    return CodeTest(
        args=tuple(args),
        kwargs=MappingProxyType(dict(kwargs)),
        expected=raw["expected"],
        rtol=float(raw.get("rtol", 1e-5)),
        atol=float(raw.get("atol", 1e-8)),
        function=function,
        name=str(raw.get("name", "")),
    )


def _experiment_fields(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    from tutor.course.experiments import validate_config, validate_editable

    config = data.get("config")
    if not isinstance(config, dict):
        raise ValueError(f"{where}: needs a [config] table (task, model, units, ...)")
    try:
        validate_config(config)
    except ValueError as exc:
        raise ValueError(f"{where}: config: {exc}") from None
    editable = _str_list(data, "editable", where)
    stray = sorted(set(editable) - set(config))
    if stray:
        raise ValueError(f"{where}: editable key(s) {stray} are not in the config")
    try:
        validate_editable(config, editable)
    except ValueError as exc:
        raise ValueError(f"{where}: editable: {exc}") from None
    goal = _req_str(data, "goal", where)
    try:
        validate_goal(goal)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return dict(
        config=MappingProxyType(dict(config)),
        editable=tuple(editable),
        goal=goal,
        goal_text=_req_str(data, "goal_text", where),
    )


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{where}: invalid TOML ({exc})") from None


def _no_unknown(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _req_str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: '{key}' must be a non-empty string")
    return value.strip("\n")


def _opt_str(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"{where}: '{key}' must be a string")
    return value.strip("\n")


def _str_list(data: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: '{key}' must be a list of strings")
    return value
