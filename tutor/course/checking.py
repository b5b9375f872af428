"""Checking exercises: quiz answers and learner code.

Experiments are judged in `tutor.course.experiments`.

Every function returns a CheckResult and never raises for a learner's mistake, so the TUI can
show `message` (and `details`) as they are. Code is checked by a trusted process
(`tutor.course.judge`) that calls the learner's functions in a process of their own
(`tutor.course.sandbox`); `run_code` blocks while they work: call it from a thread worker.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tutor.course import proctree
from tutor.course.model import SOLUTION_AFTER_ATTEMPTS, CheckResult, CodeTest, Exercise


def can_show_solution(attempts: int, passed: bool = False, after: int | None = SOLUTION_AFTER_ATTEMPTS) -> bool:
    """Whether the reference solution may be shown: once passed, or after `after` attempts
    (an exercise's `solution_after_attempts`; None: only once passed)."""
    return passed or (after is not None and attempts >= after)


def solution_locked_text(after: int | None, attempts: int) -> str:
    """Why the solution is not shown yet, in the learner's words."""
    if after is None:
        return "The solution opens once you have passed this exercise (your teacher's choice)."
    if after <= 1:
        return "Try the exercise first: the solution opens after your first attempt."
    return f"The solution opens after {after} attempts ({attempts} so far): keep trying, the hint helps."


# ---------------------------------------------------------------------------------------- quiz


def check_quiz(exercise: Exercise, answer: str | int | float | Sequence[Any]) -> CheckResult:
    """Judge a quiz answer.

    choice quiz: an int is a 0-based choice index in the lesson's order (what the app passes,
    after mapping back from the learner's shuffled order); a string may be the choice's text,
    its letter (a, b, ...) or its 1-based number. sort quiz: a sequence with one choice per item,
    or a string like "1 2 2 3" / "a b b c". numeric quiz: a number or what `parse_number` reads,
    such as "0.25", "1/4", "1,280,000", "25%" or "0.25**10".
    """
    style = exercise.quiz_style
    if style == "choice":
        return _check_choice(exercise, answer)
    if style == "sort":
        return _check_sort(exercise, answer)
    if style == "numeric":
        return _check_numeric(exercise, answer)
    raise ValueError(f"exercise {exercise.id!r} is a {exercise.kind}, not a quiz")


def _resolve_choice(choices: Sequence[str], answer: Any) -> int | None:
    """The 0-based index the learner meant, or None if it names no choice."""
    if isinstance(answer, int) and not isinstance(answer, bool):
        return answer if 0 <= answer < len(choices) else None
    text = str(answer).strip()
    lowered = [c.strip().lower() for c in choices]
    if text.lower() in lowered:
        return lowered.index(text.lower())
    letter = text.lower().rstrip(").")
    if len(letter) == 1 and "a" <= letter <= "z":
        index = ord(letter) - ord("a")
        return index if index < len(choices) else None
    if letter.isdigit():
        index = int(letter) - 1
        return index if 0 <= index < len(choices) else None
    return None


def _quoted(choice: str) -> str:
    """A choice quoted inside a sentence: “It uses ReLU activations”."""
    return f"“{choice.strip()}”"


def _check_choice(exercise: Exercise, answer: Any) -> CheckResult:
    index = _resolve_choice(exercise.choices, answer)
    if index is None:
        return CheckResult(False, f"{_quoted(str(answer))} is not one of the choices: pick one of them.")
    chosen = _quoted(exercise.choices[index])
    if index == exercise.answer:
        return CheckResult(True, f"Right: {chosen}.", _explained(exercise))
    return CheckResult(False, f"Not this one: {chosen}. Think again and pick another.")


def _check_sort(exercise: Exercise, answer: Any) -> CheckResult:
    picks = re.split(r"[\s,;]+", answer.strip()) if isinstance(answer, str) else list(answer)
    picks = [p for p in picks if p != ""]
    expected = exercise.answer
    assert isinstance(expected, tuple)
    total = len(exercise.items)
    if len(picks) != total:
        return CheckResult(False, f"Give one choice for each of the {total} items ({len(picks)} given).")
    wrong: list[str] = []
    for item, pick, want in zip(exercise.items, picks, expected, strict=True):
        index = _resolve_choice(exercise.choices, pick)
        if index is None:
            return CheckResult(False, f"For {_quoted(item)}, {_quoted(str(pick))} is not one of the choices.")
        if index != want:
            wrong.append(f"• {item}: not {_quoted(exercise.choices[index])}")
    if not wrong:
        return CheckResult(True, f"Right: all {total} are where they belong.", _explained(exercise))
    right = total - len(wrong)
    return CheckResult(False, f"{right} of {total} are right. Look again at:", wrong)


MAX_EXPRESSION = 200  # characters of a typed number or sum: enough for any quiz, bounded work
MAX_EXPONENT = 1000  # |b| in a ** b: 0.25**10 is a quiz answer, 2**2**2**2**2 is not

_OPERATORS: dict[type[ast.AST], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
# "50 000 × 10 000 × 1.3%", "0.25^10", "2·3", "−2" written as a maths book would
_SYMBOLS = str.maketrans(
    {"×": "*", "·": "*", "⋅": "*", "÷": "/", "−": "-", "^": "**", " ": "", "_": "", "\u202f": "", "\u2009": ""}
)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # the commas of 1,280,000 (not of 0,25)
_TIMES_X = re.compile(r"(?<=[\d).])[xX](?=[\d(.])")  # 50000x10000
_PERCENT = re.compile(r"((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)%")  # 1.3% -> (1.3/100)


def parse_number(text: str | int | float) -> float:
    """A number a learner typed: '0.25', '1/4', '1,280,000', '1_280_000', '25%', '2.5e-1', or
    simple arithmetic on numbers such as '50000*10000*0.013', '0.25**10' or '(1 - 0.2)^49'.

    The arithmetic is read by walking its syntax tree (numbers, + - * / **, unary signs and
    parentheses; nothing else, so never eval), with a bounded exponent and length.
    Raises ValueError with a sentence for the learner.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    shown = str(text).strip()
    if len(shown) > MAX_EXPRESSION:
        raise ValueError(f"that is longer than {MAX_EXPRESSION} characters; type the number or a short sum")
    s = _THOUSANDS.sub("", shown.translate(_SYMBOLS))
    if re.fullmatch(r"[-+]?\d+,\d+", s):
        raise ValueError(f"{shown!r} has a comma: write decimals with a point, like 0.25")
    s = _PERCENT.sub(r"(\1/100)", _TIMES_X.sub("*", s))
    try:
        with warnings.catch_warnings():  # "1if1else2" warns about its literals before it is refused
            warnings.simplefilter("ignore")
            tree = ast.parse(s, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise ValueError(f"{shown!r} is not a number") from None
    try:
        value = _arithmetic(tree.body)
    except ZeroDivisionError:
        raise ValueError(f"{shown!r} divides by zero") from None
    except OverflowError:
        raise ValueError(f"{shown!r} is too large to be a quiz answer") from None
    except _NotArithmetic as exc:
        raise ValueError(f"{shown!r} {exc}") from None
    if not math.isfinite(value):
        raise ValueError(f"{shown!r} is too large to be a quiz answer")
    return value


class _NotArithmetic(Exception):
    """Something in a typed answer that is not a number or plain arithmetic (says what)."""


def _arithmetic(node: ast.AST) -> float:
    """The value of an expression tree made only of numbers and + - * / ** (see parse_number)."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, int | float) and not isinstance(node.value, bool):
            return float(node.value)
        raise _NotArithmetic("is not a number")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _arithmetic(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _arithmetic(node.left), _arithmetic(node.right)
        if isinstance(node.op, ast.Pow):
            if abs(right) > MAX_EXPONENT:
                raise _NotArithmetic(f"has a power above {MAX_EXPONENT}; no quiz answer needs one")
            if left < 0 and not right.is_integer():
                raise _NotArithmetic("takes a fractional power of a negative number")
        value = _OPERATORS[type(node.op)](left, right)
        if isinstance(value, complex):
            raise _NotArithmetic("is not a real number")
        return value
    raise _NotArithmetic("is not a number")


def _asks_for_count(exercise: Exercise) -> bool:
    """A numeric quiz whose answer is a count (of weights, entries, pairs): a whole number of 2 or more."""
    want = float(exercise.answer)  # type: ignore[arg-type]
    return want >= 2 and want.is_integer()


def _check_numeric(exercise: Exercise, answer: Any) -> CheckResult:
    try:
        value = parse_number(answer)
    except ValueError as exc:
        return CheckResult(False, f"{exc}: type a number such as 0.25, 1/4 or 0.5**2.")
    want = float(exercise.answer)  # type: ignore[arg-type]
    if abs(value - want) <= exercise.tolerance + 1e-12 * max(1.0, abs(want)):
        return CheckResult(True, f"Right: {_fmt(want)}.", _explained(exercise))
    message = f"{_fmt(value)} is {'too high' if value > want else 'too low'}."
    if _asks_for_count(exercise) and not value.is_integer():
        if 0 < abs(value) < 1:
            return CheckResult(
                False,
                f"{message} The question asks for a count, and {_fmt(value)} looks like a fraction"
                " or a share: multiply it by what it is a fraction of.",
            )
        return CheckResult(False, f"{message} The question asks for a count: a whole number.")
    return CheckResult(False, f"{message} Try again.")


def _fmt(x: float) -> str:
    """A number as a learner would write it: 6,500,000, 0.25, 9.53674e-07."""
    return f"{int(x):,}" if float(x).is_integer() and abs(x) >= 1000 else f"{x:.6g}"


def _explained(exercise: Exercise) -> list[str]:
    return [exercise.explanation] if exercise.explanation else []


# ---------------------------------------------------------------------------------------- code


FigureCallback = Callable[[dict[str, Any]], object]


def run_code(
    exercise: Exercise,
    source: str,
    timeout: float = 10.0,
    memory_mb: int = 1024,
    on_figure: FigureCallback | None = None,
) -> CheckResult:
    """Check the learner's source against the exercise's tests and check; never raises for it.

    Blocking (it waits for two child processes: the trusted checker, `tutor.course.judge`, and
    the learner's own process it starts): call it from a thread worker or a CLI command. Safe
    to call from several threads at once. `timeout` is the wall time the learner's code may
    take in all (its process's start-up is not counted); `memory_mb` caps its address space
    where the platform allows (the verdict's details say when it does not). `on_figure` is
    called (in this thread) with each figure the check draws while it runs, as plain data
    (see `tutor.course.judge.plot`); the verdict's `figures` hold the last of each.
    """
    return run_codes(exercise, [source], timeout=timeout, memory_mb=memory_mb, on_figure=on_figure)[0]


def run_codes(
    exercise: Exercise,
    sources: Sequence[str],
    timeout: float = 10.0,
    memory_mb: int = 1024,
    on_figure: FigureCallback | None = None,
) -> list[CheckResult]:
    """`run_code` for several sources (one verdict each), in one checker process: each source
    still runs in a learner process of its own. For lesson linting and tests."""
    if exercise.kind != "code":
        raise ValueError(f"exercise {exercise.id!r} is a {exercise.kind}, not a code exercise")
    spec = {
        "sources": list(sources),
        "functions": list(exercise.functions),
        "tests": [_test_spec(t) for t in exercise.tests],
        "check": exercise.check,
        "allow": list(exercise.allow),
        "timeout": timeout,
        "memory_mb": memory_mb,
        "cpu_seconds": timeout + 1,
    }
    return run_judge(spec, timeout=timeout, on_figure=on_figure)


def _test_spec(test: CodeTest) -> dict[str, Any]:
    return {
        "args": list(test.args),
        "kwargs": dict(test.kwargs),
        "expected": test.expected,
        "rtol": test.rtol,
        "atol": test.atol,
        "function": test.function,
        "name": test.name,
    }


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])  # so `-m tutor...` works from any cwd
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_judge(spec: dict[str, Any], timeout: float, on_figure: FigureCallback | None = None) -> list[CheckResult]:
    """Start the trusted checker with `spec`; its verdicts (from the one line with our nonce).

    Lines with our nonce that carry a figure (drawn by the check while it runs) go to
    `on_figure` as they arrive; every other line is ignored.
    """
    nonce = secrets.token_hex(16)
    count = len(spec["sources"])
    payload = json.dumps({**spec, "nonce": nonce}, default=str).encode("utf-8")
    with (
        tempfile.TemporaryDirectory(prefix="tutor-check-") as workdir,
        tempfile.TemporaryFile() as err,
    ):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tutor.course.judge"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=workdir,
            env=_child_env(),
            **proctree.popen_kwargs(),
        )
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            proctree.kill_tree(proc)

        watchdog = threading.Timer(count * (2 * timeout + 30) + 30, stop)
        watchdog.daemon = True
        watchdog.start()
        threading.Thread(target=_feed, args=(proc, payload), daemon=True).start()
        rest: list[bytes] = []  # the lines that are not figures: the verdicts among them
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                data = _ours(line, nonce)
                progress = data.get("progress") if data is not None else None
                if not isinstance(progress, dict):
                    rest.append(line)
                elif on_figure is not None and isinstance(progress.get("figure"), dict):
                    on_figure(progress["figure"])
            proc.wait()
        finally:
            watchdog.cancel()
            proctree.kill_tree(proc)
        if timed_out.is_set():
            message = "The checker itself took too long and was stopped (a problem of this exercise's check)."
            return [CheckResult(False, message)] * count
        err.seek(0)
        stderr = err.read(20000).decode("utf-8", "replace")
    return _verdicts(b"".join(rest), nonce, count, stderr)


def _feed(proc: subprocess.Popen[bytes], payload: bytes) -> None:
    """Write the spec to the checker's stdin (in a thread: it may be larger than a pipe holds)."""
    stream = proc.stdin
    assert stream is not None
    try:
        stream.write(payload)
        stream.close()
    except OSError:  # the checker ended early; its verdict (or its absence) says why
        pass


def _ours(line: bytes, nonce: str) -> dict[str, Any] | None:
    """A line of the checker's channel as data, if it carries our nonce."""
    try:
        data = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("nonce") == nonce else None


def _verdicts(out: bytes, nonce: str, count: int, stderr: str) -> list[CheckResult]:
    found = [data for line in out.splitlines() if (data := _ours(line, nonce)) is not None]
    verdicts = found[0].get("verdicts") if len(found) == 1 else None
    if not isinstance(verdicts, list) or len(verdicts) != count:
        tail = [line for line in stderr.strip().splitlines()[-6:] if line.strip()]
        return [CheckResult(False, "The checker stopped without a verdict.", tail)] * count
    return [_result(v if isinstance(v, dict) else {}) for v in verdicts]


def _result(data: dict[str, Any]) -> CheckResult:
    details = [str(d) for d in data.get("details", [])]
    output = str(data.get("output", "")).rstrip()
    if output:
        details += ["Your code printed:", *("  " + line for line in output.splitlines()[:20])]
    figures = [f for f in data.get("figures", []) if isinstance(f, dict)]
    return CheckResult(bool(data.get("passed")), str(data.get("message", "")), details, figures)
