"""Quizzes that teach: nothing the learner reads before a quiz states its answer, and the right
choice does not stand out by its length.

What a learner has read when a quiz comes up: the lesson's whole prose (the app shows it above
every exercise, wherever the exercise block sits in the file), the prompts of the exercises before
it, and the quiz's own prompt and hint. Answers shown after an exercise is passed (solutions and
explanations) may of course state it.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from tutor.course import Exercise, Lesson, load_lessons

# A number as the lessons write it: 6,500,000 · 6.5e6 · 0.00000095 · −2 · 1/4 · 6.5 million.
# A minus counts only where it cannot be a subtraction or a subscript (t−2 is "t minus 2").
_NUMBER = re.compile(
    r"(?<![\w.)\]])(?P<sign>[−-])?(?P<num>\d[\d,]*(?:\.\d+)?(?:e[−-]?\d+)?)(?:/(?P<den>\d[\d,]*))?"
    r"(?:\s+(?P<word>thousand|million|billion)\b)?",
    re.I,
)
_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


def _significant(written: str) -> int:
    """Significant digits of a written number (6,500,000 and 0.0065 have two; 205 has three)."""
    mantissa = re.split(r"[eE/]", written.replace(",", ""))[0]
    digits = re.sub(r"\D", "", mantissa).lstrip("0")
    if "." not in mantissa:
        digits = digits.rstrip("0")
    return max(len(digits), 1)


def numbers_in(text: str) -> list[tuple[str, float, int]]:
    """Every number written in `text`: as written, its value, its significant digits."""
    out = []
    for m in _NUMBER.finditer(text):
        digits = m.group("num").rstrip(",").replace(",", "").replace("−", "-")
        try:
            value = float(digits)
            if m.group("den"):
                value /= float(m.group("den").replace(",", ""))
        except (ValueError, ZeroDivisionError):
            continue
        if m.group("word"):
            value *= _WORDS[m.group("word").lower()]
        if m.group("sign"):
            value = -value
        out.append((m.group().strip(), value, 1 if m.group("den") else _significant(m.group("num"))))
    return out


def gives_away(value: float, digits: int, ex: Exercise) -> bool:
    """Whether a stated number is an answer the quiz accepts, or the answer rounded (0.000018 for
    0.8⁴⁹ = 1.78e-5 gives it away; 6,051 does not give away 6,041)."""
    answer = float(ex.answer)
    if abs(value - answer) <= max(float(ex.tolerance or 0.0), 1e-12 * abs(answer)):
        return True
    return digits >= 2 and value == pytest.approx(float(f"{answer:.{digits - 1}e}"), rel=1e-9)


@cache
def _course() -> tuple[Lesson, ...]:
    return tuple(load_lessons())


def _quizzes(style: str) -> list[tuple[Lesson, Exercise]]:
    return [(lesson, ex) for lesson in _course() for ex in lesson.exercises if ex.quiz_style == style]


def read_before(lesson: Lesson, ex: Exercise) -> dict[str, str]:
    """What the learner has read when the quiz comes up, by where it is."""
    shown = {"the lesson's prose": lesson.body_markdown}
    for earlier in lesson.exercises[: lesson.exercises.index(ex)]:
        shown[f"the prompt of {earlier.id}"] = earlier.prompt_markdown
    shown["its prompt"] = ex.prompt_markdown
    shown["its hint"] = ex.hint
    return shown


def _name(item: tuple[Lesson, Exercise]) -> str:
    return f"{item[0].id}/{item[1].id}"


@pytest.mark.parametrize("item", _quizzes("numeric"), ids=_name)
def test_no_numeric_answer_is_stated_before_its_quiz(item):
    lesson, ex = item
    found = [
        f"{where} says {written!r}"
        for where, text in read_before(lesson, ex).items()
        for written, value, digits in numbers_in(text)
        if gives_away(value, digits, ex)
    ]
    assert not found, f"{ex.id} asks for {ex.answer}, but " + "; ".join(found)


def test_the_number_fields_example_answers_no_quiz():
    from tutor.tui.widgets.exercises import NUMBER_PLACEHOLDER  # shown in every numeric quiz's field

    for _, ex in _quizzes("numeric"):
        found = [written for written, value, digits in numbers_in(NUMBER_PLACEHOLDER) if gives_away(value, digits, ex)]
        assert not found, f"the number field's placeholder shows {found}, the answer of {ex.id}"


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[*_`]", "", text).lower().split())


@pytest.mark.parametrize("item", _quizzes("choice"), ids=_name)
def test_no_right_choice_is_quoted_before_its_quiz(item):
    lesson, ex = item
    right = _normal(ex.choices[ex.answer])
    if len(right.split()) < 2:
        pytest.skip(f"a one-word choice ({right!r}) is too common to look for in prose")
    quoted = [where for where, text in read_before(lesson, ex).items() if right in _normal(text)]
    assert not quoted, f"{ex.id}'s right choice {right!r} is written in {', '.join(quoted)}"


def test_the_right_choice_is_not_the_longest_as_a_rule():
    """The right answer was the longest option in 8 of 11 choice quizzes: length gave it away."""
    quizzes = [ex for _, ex in _quizzes("choice")]
    assert len(quizzes) >= 6
    longest, shortest = [], []
    for ex in quizzes:
        right = len(ex.choices[ex.answer])
        others = [len(c) for i, c in enumerate(ex.choices) if i != ex.answer]
        if right > max(others):
            longest.append(ex.id)
        if right < min(others):
            shortest.append(ex.id)
        # nor far longer than every wrong choice, where it is the longest
        assert right <= 1.25 * max(others) + 4, f"{ex.id}: the right choice is far longer than the others"
    assert len(longest) <= len(quizzes) // 3, f"the right choice is the longest in {longest}"
    assert len(shortest) <= len(quizzes) // 3, f"the right choice is the shortest in {shortest}"


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("about 6.5 million stored values", [6.5e6]),
        ("6,500,000 or 6.5e6", [6.5e6, 6.5e6]),
        ("σ′(0) = ½ · ½ = 0.25", [0.0, 0.25]),
        ("0.75 −2 −2 4", [0.75, -2, -2, 4]),
        ("x_{t−2}, θ = 1 − 0.75", [2, 1, 0.75]),
        ("1/1,048,576 ≈ 9.54e-7", [1 / 1048576, 9.54e-7]),
        ("the same 205 weights.", [205]),
    ],
)
def test_numbers_are_read_as_the_lessons_write_them(text, values):
    assert [v for _, v, _ in numbers_in(text)] == pytest.approx(values)


def test_a_rounding_gives_an_answer_away_and_a_neighbour_does_not():
    power = Exercise(id="p", lesson_id="l", kind="quiz", title="", prompt_markdown="", hint="", solution="",
                     answer=0.8**49, tolerance=5e-7)  # fmt: skip
    count = Exercise(id="c", lesson_id="l", kind="quiz", title="", prompt_markdown="", hint="", solution="",
                     answer=6041)  # fmt: skip
    found = [(w, gives_away(v, d, power)) for w, v, d in numbers_in("0.000018 and 1.8e-5, but 0.00002 and 2e-5")]
    assert found == [("0.000018", True), ("1.8e-5", True), ("0.00002", False), ("2e-5", False)]
    assert [gives_away(v, d, count) for _, v, d in numbers_in("6,041 6041 6,051 6,046 6,000")] == [
        True, True, False, False, False
    ]  # fmt: skip
