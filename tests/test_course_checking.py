"""Lesson parsing, quiz checks and experiment goals (code checks: test_course_sandbox.py)."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from tutor.course import (
    CodeTest,
    Exercise,
    can_show_solution,
    check_experiment,
    check_quiz,
    load_lessons,
    parse_lesson,
    parse_number,
    run_code,
)
from tutor.course.goals import validate_goal

LESSON = textwrap.dedent(
    '''
    +++
    id = "demo"
    number = 3
    title = "Demo"
    summary = "A lesson used by the tests."
    views = ["activations"]
    +++

    # Demo

    Some prose.

    ```python
    print("an ordinary code block stays in the prose")
    ```

    ````exercise
    id = "pick"
    kind = "quiz"
    title = "Pick one"
    prompt = """
    Which is largest?

    ```
    a code block inside the prompt
    ```
    """
    choices = ["0.25", "0.5", "1"]
    answer = "1"
    hint = "Think."
    solution = "1 is largest."
    explanation = "Because."
    ````

    More prose.

    ~~~exercise
    id = "sort"
    kind = "quiz"
    title = "Sort"
    prompt = "Sort them."
    items = ["captioning", "sentiment", "translation"]
    choices = ["one-to-many", "many-to-one", "many-to-many"]
    answer = [0, "many-to-one", 2]
    hint = "Look at the output."
    solution = "As listed."
    ~~~

    ```exercise
    id = "number"
    kind = "quiz"
    title = "A number"
    prompt = "How many?"
    answer = 1280000
    tolerance = 0.5
    hint = "10,000 x 128."
    solution = "1,280,000"
    ```

    ```exercise
    id = "run"
    kind = "experiment"
    title = "Train"
    prompt = "Train it."
    config = { task = "long_dependency", model = "LSTM", units = 16, seq_len = 20, lr = 0.01 }
    editable = ["units", "seq_len"]
    goal = "val_accuracy >= 0.8 and epochs <= 10"
    goal_text = "validation accuracy of at least 0.8 within 10 epochs"
    hint = "More units."
    solution = "units = 32"
    ```
    '''
).lstrip()


@pytest.fixture
def lesson():
    return parse_lesson(LESSON)


def test_lesson_parses(lesson):
    assert (lesson.id, lesson.number, lesson.views) == ("demo", 3, ("activations",))
    assert [ex.id for ex in lesson.exercises] == ["pick", "sort", "number", "run"]
    assert "an ordinary code block" in lesson.body_markdown
    assert "More prose." in lesson.body_markdown
    assert "exercise" not in lesson.body_markdown
    pick = lesson.exercise("pick")
    assert pick.answer == 2 and pick.quiz_style == "choice"
    assert "a code block inside the prompt" in pick.prompt_markdown
    assert lesson.exercise("sort").answer == (0, 1, 2)
    assert lesson.exercise("run").config["units"] == 16


@pytest.mark.parametrize("answer", [2, "1", "c", "C)", "3"])
def test_choice_quiz_right(lesson, answer):
    result = check_quiz(lesson.exercise("pick"), answer)
    assert result.passed, result
    assert result.details == ["Because."]


@pytest.mark.parametrize("answer", [0, "0.5", "a", "2"])
def test_choice_quiz_wrong(lesson, answer):
    result = check_quiz(lesson.exercise("pick"), answer)
    assert not result.passed
    assert result.message.startswith("Not this one: “")


def test_choice_quiz_verdicts_quote_the_choice_in_a_sentence(lesson):
    pick = lesson.exercise("pick")
    assert check_quiz(pick, 0).message == "Not this one: “0.25”. Think again and pick another."
    assert check_quiz(pick, 2).message == "Right: “1”."


def test_choice_quiz_nonsense_is_not_a_wrong_attempt_message(lesson):
    assert "not one of the choices" in check_quiz(lesson.exercise("pick"), "zebra").message


@pytest.mark.parametrize("answer", ["1 2 3", "a, b, c", [0, 1, 2], "one-to-many many-to-one 3"])
def test_sort_quiz_right(lesson, answer):
    assert check_quiz(lesson.exercise("sort"), answer).passed


def test_sort_quiz_names_the_wrong_items(lesson):
    result = check_quiz(lesson.exercise("sort"), "1 3 3")
    assert not result.passed
    assert result.message == "2 of 3 are right. Look again at:"
    assert result.details == ["• sentiment: not “many-to-many”"]
    assert "one choice for each" in check_quiz(lesson.exercise("sort"), "1 2").message


@pytest.mark.parametrize("answer", ["1280000", "1,280,000", "1_280_000", 1280000.4, "1.28e6"])
def test_numeric_quiz_right(lesson, answer):
    assert check_quiz(lesson.exercise("number"), answer).passed


def test_numeric_quiz_wrong_and_unparsable(lesson):
    assert "too low" in check_quiz(lesson.exercise("number"), "1279999").message
    assert "not a number" in check_quiz(lesson.exercise("number"), "lots").message


def test_parse_number_forms():
    assert parse_number("1/4") == 0.25
    assert parse_number("25%") == 0.25
    assert parse_number(" 2.5e-1 ") == 0.25
    with pytest.raises(ValueError):
        parse_number("1/0")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("50000*10000*0.013", 6.5e6),
        ("50,000 × 10,000 × 1.3%", 6.5e6),
        ("50000 x 10000 x 0.013", 6.5e6),
        ("0.25**10", 0.25**10),
        ("0.25^10", 0.25**10),
        ("(1 - 0.2)**49", 0.8**49),
        ("−2 * (3 + 1)", -8.0),
        ("1 − 0.75·4·1", -2.0),
        ("-(2**-1)", -0.5),
        ("1/1,048,576", 1 / 1048576),
    ],
)
def test_parse_number_reads_simple_arithmetic(text, value):
    assert parse_number(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("__import__('os').system('true')", "not a number"),
        ("open('/etc/passwd')", "not a number"),
        ("x * 2", "not a number"),
        ("[1, 2]", "not a number"),
        ("1 if 1 else 2", "not a number"),
        ("2**2**2**2**2", "power above"),
        ("10**10000", "power above"),
        ("1e308 * 10", "too large"),
        ("(-8)**(1/3)", "fractional power"),
        ("1/0", "divides by zero"),
        ("0,25", "decimals with a point"),
        ("(" * 150 + "1" + ")" * 150, "longer than"),
        ("True", "not a number"),
    ],
)
def test_parse_number_refuses_everything_but_plain_arithmetic(text, says):
    with pytest.raises(ValueError, match=says):
        parse_number(text)


def test_parse_number_never_evaluates_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for text in ("__import__('pathlib').Path('made').touch()", "().__class__.__base__", "print(1)"):
        with pytest.raises(ValueError):
            parse_number(text)
    assert not (tmp_path / "made").exists()


def _numeric(answer, tolerance=0.0) -> Exercise:
    return Exercise(
        id="n",
        lesson_id="t",
        kind="quiz",
        title="n",
        prompt_markdown="How many?",
        hint="h",
        solution="s",
        answer=answer,
        tolerance=tolerance,
    )


def test_a_fraction_where_a_count_is_asked_gets_a_hint():
    count = _numeric(6500000, tolerance=100000)
    result = check_quiz(count, "0.013")
    assert not result.passed
    assert "asks for a count" in result.message and "fraction" in result.message
    assert "whole number" in check_quiz(_numeric(205), "204.5").message
    assert "count" not in check_quiz(_numeric(205), "204").message  # a wrong count is just wrong
    assert check_quiz(count, "50000*10000*1.3%").passed
    # not a count: a factor or a position, where a fraction is a fair wrong answer
    assert "count" not in check_quiz(_numeric(0.25, 0.001), "0.5").message
    assert "count" not in check_quiz(_numeric(-2, 0.001), "0.5").message


def test_numeric_verdicts_show_the_number_as_typed_not_rounded_away():
    assert check_quiz(_numeric(2080), "2080.5").message.startswith("2080.5 is too high.")
    assert check_quiz(_numeric(9.5367431640625e-07, 5e-8), "0.25**9").message.startswith("3.8147e-06 is too high")


def test_passed_checks_are_counted_in_proper_english():
    double = Exercise(
        id="double",
        lesson_id="test",
        kind="code",
        title="Double",
        prompt_markdown="Double it.",
        hint="2 * x",
        solution="def double(x):\n    return 2 * x\n",
        functions=("double",),
        tests=(CodeTest(args=(3.0,), expected=6.0),),
    )
    result = run_code(double, double.solution, timeout=5)
    assert result.passed and result.message == "The 1 check passed."
    twice = replace(double, tests=(CodeTest(args=(3.0,), expected=6.0), CodeTest(args=(1.0,), expected=2.0)))
    assert run_code(twice, double.solution, timeout=5).message == "All 2 checks passed."


def test_solution_only_after_an_attempt():
    assert not can_show_solution(0)
    assert can_show_solution(1)
    assert can_show_solution(0, passed=True)


def test_experiment_goal(lesson):
    run = lesson.exercise("run")
    good = check_experiment(run, {"val_accuracy": [0.5, 0.85], "epochs": 8})
    assert good.passed and good.details == ["val_accuracy = 0.85, epochs = 8"]
    bad = check_experiment(run, {"val_accuracy": [0.5, 0.7], "epochs": 8})
    assert not bad.passed and bad.message.startswith("Not yet")
    missing = check_experiment(run, {"epochs": 8})
    assert not missing.passed and "val_accuracy" in missing.message


@pytest.mark.parametrize(
    "goal",
    ["__import__('os')", "val_loss.real > 1", "f(x) > 1", "x[0] > 1", "'a' == x", "lambda: 1"],
)
def test_goals_reject_anything_but_simple_expressions(goal):
    with pytest.raises(ValueError):
        validate_goal(goal)


def test_named_goal_gradient_vanishes():
    from tutor.course.goals import NAMED_GOALS

    check = NAMED_GOALS["gradient_vanishes"]
    assert check({"step_grad_norms": [[1.0, 1.0], [1e-5, 0.1]]}).passed
    assert not check({"step_grad_norms": [[0.5, 1.0]]}).passed
    assert not check({}).passed


@pytest.mark.parametrize(
    "change, problem",
    [
        (("number = 3", "number = 4"), "does not match the file name"),
        (('views = ["activations"]', 'views = ["nope"]'), "unknown view"),
        (('answer = "1"', 'answer = "7"'), "exercise 'pick': answer '7'"),
        (('kind = "experiment"', 'kind = "essay"'), "'kind' must be one of"),
        (("units = 16", "unitz = 16"), "unitz is not a setting of the long_dependency task"),
        (("val_accuracy >= 0.8", "open('x') >= 0.8"), "Call"),
        (("+++\n\n# Demo", "\n# Demo"), "front matter is not closed"),
        (('id = "sort"', 'id = "pick"'), "duplicate exercise id"),
        (('summary = "A lesson', "summary = A lesson"), "invalid TOML"),
    ],
)
def test_malformed_lessons_name_file_and_problem(tmp_path: Path, change, problem):
    old, new = change
    assert old in LESSON
    (tmp_path / "03-demo.md").write_text(LESSON.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_lessons(tmp_path)
    assert "03-demo.md" in str(info.value)
    assert problem in str(info.value)


def test_load_lessons_sorts_by_number_and_skips_other_files(tmp_path: Path):
    (tmp_path / "03-demo.md").write_text(LESSON, encoding="utf-8")
    first = LESSON.replace('id = "demo"', 'id = "first"').replace("number = 3", "number = 1")
    for ex_id in ("pick", "sort", "number", "run"):  # exercise ids are unique across the course
        first = first.replace(f'id = "{ex_id}"', f'id = "first-{ex_id}"')
    (tmp_path / "01-first.md").write_text(first, encoding="utf-8")
    (tmp_path / "README.md").write_text("not a lesson", encoding="utf-8")
    assert [lesson.id for lesson in load_lessons(tmp_path)] == ["first", "demo"]


def test_course_layer_does_not_import_textual():
    import subprocess
    import sys

    code = "import sys, tutor.course; assert 'textual' not in sys.modules, 'textual imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
