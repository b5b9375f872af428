"""Checking exercises: quiz answers, learner code, experiment goals.

Every function returns a CheckResult and never raises for a learner's mistake, so the TUI can
show `message` (and `details`) as they are. Code is checked by a trusted process
(`tutor.course.judge`) that calls the learner's functions in a process of their own
(`tutor.course.sandbox`); `run_code` blocks while they work: call it from a thread worker.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from tutor.course import proctree
from tutor.course.goals import NAMED_GOALS, evaluate_goal, final_values, goal_names
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

    choice quiz: an int is a 0-based choice index (what a radio list gives); a string may be the
    choice's text, its letter (a, b, ...) or its 1-based number. sort quiz: a sequence with one
    choice per item, or a string like "1 2 2 3" / "a b b c". numeric quiz: a number or a string
    such as "0.25", "1/4", "1,280,000" or "25%".
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


def _check_choice(exercise: Exercise, answer: Any) -> CheckResult:
    index = _resolve_choice(exercise.choices, answer)
    if index is None:
        return CheckResult(False, f"{answer!r} is not one of the choices: pick one of them.")
    if index == exercise.answer:
        return CheckResult(True, f"Right: {exercise.choices[index]}.", _explained(exercise))
    return CheckResult(False, f"Not quite: {exercise.choices[index]} is not it. Try again.")


def _check_sort(exercise: Exercise, answer: Any) -> CheckResult:
    picks = re.split(r"[\s,;]+", answer.strip()) if isinstance(answer, str) else list(answer)
    picks = [p for p in picks if p != ""]
    expected = exercise.answer
    assert isinstance(expected, tuple)
    if len(picks) != len(exercise.items):
        return CheckResult(
            False,
            f"Give one choice for each of the {len(exercise.items)} items ({len(picks)} given).",
        )
    wrong: list[str] = []
    for n, (item, pick, want) in enumerate(zip(exercise.items, picks, expected, strict=True), 1):
        index = _resolve_choice(exercise.choices, pick)
        if index is None:
            return CheckResult(False, f"Item {n} ({item}): {pick!r} is not one of the choices.")
        if index != want:
            wrong.append(f"{item}: not {exercise.choices[index]}")
    if not wrong:
        return CheckResult(True, f"Right: all {len(exercise.items)} sorted correctly.", _explained(exercise))
    right = len(exercise.items) - len(wrong)
    return CheckResult(False, f"{right} of {len(exercise.items)} right. Look again at:", wrong)


def parse_number(text: str | int | float) -> float:
    """A number a learner typed: '0.25', '1/4', '1,280,000', '1_280_000', '25%', '2.5e-1'."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    s = str(text).strip().replace(",", "").replace("_", "").replace(" ", "")
    scale = 1.0
    if s.endswith("%"):
        s, scale = s[:-1], 0.01
    try:
        value = float(Fraction(s)) if "/" in s else float(s)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{str(text).strip()!r} is not a number") from None
    return value * scale


def _check_numeric(exercise: Exercise, answer: Any) -> CheckResult:
    try:
        value = parse_number(answer)
    except ValueError as exc:
        return CheckResult(False, f"{exc}: type a number such as 0.25 or 1/4.")
    want = float(exercise.answer)  # type: ignore[arg-type]
    if math.isfinite(value) and abs(value - want) <= exercise.tolerance + 1e-12 * max(1.0, abs(want)):
        return CheckResult(True, f"Right: {_fmt(want)}.", _explained(exercise))
    direction = "too high" if value > want else "too low"
    return CheckResult(False, f"{_fmt(value)} is {direction}. Try again.")


def _fmt(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() and abs(x) >= 1000 else f"{x:g}"


def _explained(exercise: Exercise) -> list[str]:
    return [exercise.explanation] if exercise.explanation else []


# ---------------------------------------------------------------------------------------- code


def run_code(exercise: Exercise, source: str, timeout: float = 10.0, memory_mb: int = 1024) -> CheckResult:
    """Check the learner's source against the exercise's tests and check; never raises for it.

    Blocking (it waits for two child processes: the trusted checker, `tutor.course.judge`, and
    the learner's own process it starts): call it from a thread worker or a CLI command. Safe
    to call from several threads at once. `timeout` is the wall time the learner's code may
    take in all (its process's start-up is not counted); `memory_mb` caps its address space
    where the platform allows (the verdict's details say when it does not).
    """
    return run_codes(exercise, [source], timeout=timeout, memory_mb=memory_mb)[0]


def run_codes(
    exercise: Exercise, sources: Sequence[str], timeout: float = 10.0, memory_mb: int = 1024
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
    return run_judge(spec, timeout=timeout)


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


def run_judge(spec: dict[str, Any], timeout: float) -> list[CheckResult]:
    """Start the trusted checker with `spec`; its verdicts (from the one line with our nonce)."""
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
        try:
            out, _ = proc.communicate(payload, timeout=count * (2 * timeout + 30) + 30)
        except subprocess.TimeoutExpired:
            proctree.kill_tree(proc)
            message = "The checker itself took too long and was stopped (a problem of this exercise's check)."
            return [CheckResult(False, message)] * count
        finally:
            proctree.kill_tree(proc)
        err.seek(0)
        stderr = err.read(20000).decode("utf-8", "replace")
    return _verdicts(out, nonce, count, stderr)


def _verdicts(out: bytes, nonce: str, count: int, stderr: str) -> list[CheckResult]:
    found = []
    for line in out.splitlines():
        try:
            data = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and data.get("nonce") == nonce:
            found.append(data)
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
    return CheckResult(bool(data.get("passed")), str(data.get("message", "")), details)


# ---------------------------------------------------------------------------------- experiment


def check_experiment(exercise: Exercise, logs: Mapping[str, Any]) -> CheckResult:
    """Judge a finished run by the exercise's goal; `logs` maps metric names to final values.

    Per-epoch lists are accepted: their last element counts. A named goal (see
    `tutor.course.goals.NAMED_GOALS`) receives the logs as they are.
    """
    if exercise.kind != "experiment":
        raise ValueError(f"exercise {exercise.id!r} is a {exercise.kind}, not an experiment")
    goal = exercise.goal.strip()
    if goal in NAMED_GOALS:
        return NAMED_GOALS[goal](logs)
    try:
        reached = evaluate_goal(goal, logs)
    except KeyError as exc:
        return CheckResult(False, f"The run did not report {exc.args[0]!r}, which the goal needs.")
    except (TypeError, ZeroDivisionError, ValueError) as exc:
        return CheckResult(False, f"The goal could not be evaluated on this run ({exc}).")
    shown = ", ".join(
        f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}"
        for k, v in final_values(logs).items()
        if k in goal_names(goal)
    )
    if reached:
        return CheckResult(True, f"Goal reached: {exercise.goal_text}", [shown] if shown else [])
    return CheckResult(False, f"Not yet: {exercise.goal_text}", [f"This run: {shown}"] if shown else [])
