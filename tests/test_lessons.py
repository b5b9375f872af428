"""Every lesson file: it parses; quiz answers check; code solutions pass and starters fail;
experiments are valid. Also the complete example in lessons/README.md."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import pytest

from tutor import paths
from tutor.course import Exercise, check_quiz, load_lessons, parse_lesson, run_code
from tutor.course.experiments import validate_config
from tutor.course.goals import validate_goal

LESSON_FILES = sorted(p for p in paths.lessons_dir().glob("*.md") if p.name != "README.md")


def _readme_example():
    text = (paths.lessons_dir() / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^`````markdown\n(.*?)^`````$", text, re.S | re.M)
    assert match, "lessons/README.md lost its complete example"
    return parse_lesson(match.group(1))


@cache
def _all_exercises() -> tuple[Exercise, ...]:
    lessons = [*load_lessons(), _readme_example()]
    return tuple(ex for lesson in lessons for ex in lesson.exercises)


def _ids(kind: str) -> list[Exercise]:
    return [ex for ex in _all_exercises() if ex.kind == kind]


def _name(ex: Exercise) -> str:
    return f"{ex.lesson_id}/{ex.id}"


def test_every_lesson_file_is_a_lesson():
    names = [p.name for p in LESSON_FILES]
    assert names, "no lessons found"
    lessons = load_lessons()
    assert [lesson.path.name for lesson in lessons] == names  # no .md file silently skipped
    for lesson in lessons:
        assert lesson.exercises, f"{lesson.path.name} has no exercise"
        assert lesson.body_markdown.strip()


def test_readme_example_parses():
    example = _readme_example()
    assert {ex.kind for ex in example.exercises} == {"quiz", "code", "experiment"}


@pytest.mark.parametrize("ex", _ids("quiz"), ids=_name)
def test_quiz_answer_is_right_and_a_wrong_one_is_not(ex: Exercise):
    style = ex.quiz_style
    if style == "choice":
        assert check_quiz(ex, ex.answer).passed
        assert check_quiz(ex, ex.choices[ex.answer]).passed
        wrong = (ex.answer + 1) % len(ex.choices)
        assert not check_quiz(ex, wrong).passed
    elif style == "sort":
        right = list(ex.answer)
        assert check_quiz(ex, right).passed
        assert check_quiz(ex, " ".join(str(i + 1) for i in right)).passed
        wrong = [(right[0] + 1) % len(ex.choices), *right[1:]]
        assert not check_quiz(ex, wrong).passed
    else:
        assert check_quiz(ex, repr(ex.answer)).passed
        off = abs(ex.answer) * 0.5 + ex.tolerance + 1
        assert not check_quiz(ex, ex.answer + off).passed
    for text in (ex.hint, ex.solution, ex.prompt_markdown):
        assert text.strip()


def _run_both(ex: Exercise):
    return run_code(ex, ex.solution), run_code(ex, ex.starter)


def test_code_solutions_pass_and_starters_fail():
    exercises = _ids("code")
    assert exercises
    with ThreadPoolExecutor(max_workers=4) as pool:  # each run is its own process
        results = list(pool.map(_run_both, exercises))
    problems = []
    for ex, (solution, starter) in zip(exercises, results, strict=True):
        if not solution.passed:
            problems.append(f"{_name(ex)}: solution fails: {solution.message} {solution.details}")
        if starter.passed:
            problems.append(f"{_name(ex)}: the starter passes as it is")
        elif "line" in starter.message and "Error" in starter.message:
            # a starter should fail on the task, not crash on a typo of its own
            problems.append(f"{_name(ex)}: the starter crashes: {starter.message}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("ex", _ids("experiment"), ids=_name)
def test_experiments_are_valid(ex: Exercise):
    validate_config(ex.config)
    validate_goal(ex.goal)
    assert set(ex.editable) <= set(ex.config)
    assert ex.goal_text.strip()
    # the task registry (which the dashboard runs presets through) must accept the combination
    from tutor.tasks.registry import resolve

    resolve(dict(ex.config), strict=True)


def test_lesson_4_names_the_first_wrong_step_not_the_worst():
    # every state is off, more so the later the step: the learner must look at step 0 first
    ex = next(e for e in _ids("code") if e.function == "rnn_step" and "rnn_forward" in e.functions)
    drifting = ex.solution.replace("states[:, t, :] = h", "states[:, t, :] = h + 0.01 * (t + 1)")
    assert drifting != ex.solution
    result = run_code(ex, drifting)
    assert not result.passed and "first at step t = 0" in result.message + " ".join(result.details)
