"""Every lesson file: it parses; quiz answers check; code solutions pass and starters fail;
experiments are valid. Also the complete example in lessons/README.md."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import pytest

from tutor import paths
from tutor.course import Exercise, check_quiz, load_lessons, parse_lesson
from tutor.course.checking import run_code, run_codes
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


# Numbers as a solution writes them: 6,500,000, 9.54e-7, −2, 1/1,048,576 (a superscript power
# such as 0.8⁴⁹ ends the number before it); a rounding is marked "≈", "~" or "about", also in words.
_NUMBER = r"[−-]?\d[\d,]*(?:\.\d+)?(?:e[−-]?\d+)?(?:/\d[\d,]*)?"
_ROUNDED = re.compile(rf"(?:≈|~|\babout|\broughly)\s*({_NUMBER})")
_WORDS = {"a millionth": 1e-6, "a thousandth": 1e-3, "a hundredth": 1e-2, "a half": 0.5, "a quarter": 0.25}


def _clean(number: str) -> str:
    return number.rstrip(",")


@pytest.mark.parametrize("ex", [ex for ex in _ids("quiz") if ex.quiz_style == "numeric"], ids=_name)
def test_a_numeric_quiz_accepts_its_own_solutions_wording(ex: Exercise):
    """The solution states the answer in a form that passes, and every rounding it gives
    ("≈ 9.54e-7", "about a millionth") passes the quiz's tolerance too."""
    stated = [_clean(m.group()) for m in re.finditer(_NUMBER, ex.solution)]
    assert any(check_quiz(ex, text).passed for text in stated), f"the solution of {_name(ex)} never states its answer"
    rounded = [_clean(m.group(1)) for m in _ROUNDED.finditer(ex.solution)]
    rounded += [repr(value) for words, value in _WORDS.items() if re.search(rf"(?:≈|~|about)\s*{words}", ex.solution)]
    for text in rounded:
        result = check_quiz(ex, text)
        assert result.passed, f"{text!r} (the solution's own rounding) is rejected: {result.message}"


def test_the_solution_wording_check_sees_roundings_in_words():
    vanishing = next(ex for ex in _ids("quiz") if ex.id == "vanishing-factor")
    assert "about a millionth" in vanishing.solution and check_quiz(vanishing, "1e-6").passed


def _run_both(ex: Exercise):
    return run_codes(ex, [ex.solution, ex.starter])


def test_code_solutions_pass_and_starters_fail():
    exercises = _ids("code")
    assert exercises
    with ThreadPoolExecutor(max_workers=3) as pool:  # each exercise is a checker process
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


@pytest.mark.parametrize("ex", [ex for ex in _ids("quiz") if ex.quiz_style == "sort"], ids=_name)
def test_a_sort_quiz_speaks_of_its_lists_not_of_numbered_answers(ex: Exercise):
    """The app answers a sort quiz with one list per item: no "answer like 1 2 1 2", no **1** labels."""
    for text in (ex.prompt_markdown, ex.solution):
        assert not re.search(r"answer like|\*\*\d\*\*|`\d( \d)+`|^\d( \d)+\b", text, re.I | re.M), text


def test_lesson_4_names_the_first_wrong_step_not_the_worst():
    # every state is off, more so the later the step: the learner must look at step 0 first
    ex = next(e for e in _ids("code") if e.function == "rnn_step" and "rnn_forward" in e.functions)
    drifting = ex.solution.replace("states[:, t, :] = h", "states[:, t, :] = h + 0.01 * (t + 1)")
    assert drifting != ex.solution
    result = run_code(ex, drifting)
    assert not result.passed and "first at t = 0" in result.message + " ".join(result.details)


# Every lesson and exercise id the course has shipped. Progress, code drafts and "continue" are
# stored under these ids (never under a lesson's number), so lessons may be renumbered and
# reordered, but an id that disappears takes a learner's work with it. Add new ids as they ship.
SHIPPED_IDS = {
    "sequences": ("sort-architectures", "bag-of-words", "why-not-mlp"),
    "bag-of-words": ("nonzero-count", "csr-indptr", "build-csr", "blissfully", "bow-lasso", "bow-mlp"),
    "word-embeddings": ("lookup-is-matmul", "neighbours-analogies", "embedding-size", "why-embed"),
    "recurrent-network": ("rnn-forward", "count-rnn-params", "length-and-params", "which-outputs"),
    "activations": ("sigmoid-max-slope", "tanh-max-slope", "vanishing-factor", "derivatives"),
    "fitting": ("two-gradients", "overshoot", "which-loss", "lr-too-small", "lr-too-large"),
    "vanishing-gradients": (
        "power-of-a-factor",
        "backprop-norms",
        "clip-global-norm",
        "what-clipping-fixes",
        "watch-it-vanish",
        "lstm-remembers",
    ),
    "lstm": ("which-gate", "lstm-step", "lstm-params", "table-total", "build-the-table"),
    "sentiment": ("pad-or-truncate", "islr-model-size", "why-rnn-loses", "train-on-reviews"),
    "nyse-forecasting": ("count-pairs", "make-pairs", "fit-ar", "rnn-vs-ar", "beat-the-rnn"),
    "considerations": ("occams-razor", "purpose", "count-the-razor", "seq2seq", "atari"),
}


def test_no_shipped_lesson_or_exercise_id_is_lost():
    course = {lesson.id: {ex.id for ex in lesson.exercises} for lesson in load_lessons()}
    for lesson_id, exercise_ids in SHIPPED_IDS.items():
        assert lesson_id in course, f"lesson id {lesson_id!r} is gone: its learners' progress is lost"
        lost = set(exercise_ids) - course[lesson_id]
        assert not lost, f"lesson {lesson_id!r} lost exercise ids {sorted(lost)}: their progress is lost"


def test_activations_come_before_fitting():
    # fitting (backpropagation) multiplies by g′ and speaks of saturated units: lesson 5 defines them
    order = [lesson.id for lesson in load_lessons()]
    assert order.index("activations") < order.index("fitting") < order.index("vanishing-gradients")


# an operator between spaces, outside code blocks: where a renderer may break a formula in two
_BREAKABLE_FORMULA = re.compile(r"[^\s`]+ [−=·+×<>→≈≤≥] [^\s`]+")


def _prose_parts(ex: Exercise) -> dict[str, str]:
    parts = {"prompt": ex.prompt_markdown, "hint": ex.hint, "explanation": ex.explanation}
    if ex.kind != "code":  # a code exercise's solution is Python, shown in the editor
        parts["solution"] = ex.solution
    return parts


def test_the_fitting_lesson_keeps_its_formulas_whole():
    """The lesson view and the exercises wrap prose at spaces, code spans included (seen at 80 and
    100 columns: "−(y −⏎f)"); formulas sit in code blocks, or are written without spaces."""
    lesson = next(le for le in load_lessons() if le.id == "fitting")
    texts = {"prose": lesson.body_markdown}
    for ex in lesson.exercises:
        texts.update({f"{ex.id} {part}": text for part, text in _prose_parts(ex).items()})
    found = []
    for where, text in texts.items():
        outside = re.sub(r"(?ms)^(`{3,}|~{3,}).*?^\1", "", text)
        found += [f"{where}: {m.group()!r}" for m in _BREAKABLE_FORMULA.finditer(outside)]
        # one notation per symbol: wₖⱼ, zₖ, xⱼ as in the formulas, not w_kj, z_k, x_j beside them
        found += [f"{where}: {m.group()!r}" for m in re.finditer(r"\b[wxzβ]_[a-z0-9]+", text)]
    assert not found, "\n".join(found)
    # p is the number of inputs; the dropout rate is φ (ISLR2's letter), a predicted probability ŷ
    assert "dropout rate" in lesson.body_markdown and "1/(1−φ)" in lesson.body_markdown
    assert not re.search(r"probability p\b|Dropout\(p\)|output p\b", lesson.body_markdown)
