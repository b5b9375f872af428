"""Checking exercises: quiz answers and learner code (in a sandboxed child process).

Experiments are judged in `tutor.course.experiments`.

Every function returns a CheckResult and never raises for a learner's mistake, so the TUI can
show `message` (and `details`) as they are. `run_code` blocks: call it from a thread worker.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from tutor.course.model import CheckResult, CodeTest, Exercise

SOLUTION_AFTER_ATTEMPTS = 1  # the reference solution unlocks after this many attempts


def can_show_solution(attempts: int, passed: bool = False) -> bool:
    """Whether the reference solution may be shown: after an attempt, or once passed."""
    return passed or attempts >= SOLUTION_AFTER_ATTEMPTS


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
    """Run the learner's source against the exercise's tests and check in a child process."""
    if exercise.kind != "code":
        raise ValueError(f"exercise {exercise.id!r} is a {exercise.kind}, not a code exercise")
    spec = {
        "source": source,
        "functions": list(exercise.functions),
        "tests": [_test_spec(t) for t in exercise.tests],
        "check": exercise.check,
        "memory_mb": memory_mb,
        "cpu_seconds": timeout + 1,
    }
    return run_in_sandbox(spec, timeout=timeout, memory_mb=memory_mb)


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
        env[var] = "1"  # one thread: less memory under the address-space limit, no oversubscription
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_in_sandbox(spec: dict[str, Any], timeout: float, memory_mb: int) -> CheckResult:
    """Start the sandbox process with `spec`, wait at most `timeout` s, and read its verdict."""
    with (
        tempfile.TemporaryDirectory(prefix="tutor-code-") as workdir,
        tempfile.TemporaryFile() as err,
    ):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tutor.course.sandbox"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=workdir,
            env=_child_env(),
            start_new_session=True,  # its own process group, so a timeout can end all of it
        )
        timed_out = False
        try:
            out, _ = proc.communicate(json.dumps(spec).encode("utf-8"), timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc.pid)
            out, _ = proc.communicate()
        finally:
            _kill_group(proc.pid)  # anything the learner's code started in the background
        err.seek(0)
        stderr = err.read(20000).decode("utf-8", "replace")
    if timed_out:
        return CheckResult(
            False,
            f"Your code took longer than {timeout:g} s (an infinite loop?).",
            ["Check that every loop ends, e.g. that a while-condition eventually becomes false."],
        )
    return _verdict(proc.returncode, out, stderr, memory_mb)


def _kill_group(pid: int, wait: float = 1.0) -> None:
    """SIGKILL the learner's whole process group, and wait (briefly) until it is gone: the
    signal is delivered asynchronously, and a grandchild may outlive the call by a moment."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)  # still any process in the group (zombies awaiting their reaper too)?
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.01)


def _verdict(returncode: int, out: bytes, stderr: str, memory_mb: int) -> CheckResult:
    try:
        data = json.loads(out.decode("utf-8")) if out.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if isinstance(data, dict) and "passed" in data:
        details = [str(d) for d in data.get("details", [])]
        output = str(data.get("output", "")).rstrip()
        if output:
            details += ["Your code printed:", *("  " + line for line in output.splitlines()[:20])]
        return CheckResult(bool(data["passed"]), str(data.get("message", "")), details)
    if returncode < 0:
        sig = -returncode
        if sig == getattr(signal, "SIGXCPU", -1):
            return CheckResult(False, "Your code used too much CPU time (an infinite loop?).")
        if sig == signal.SIGKILL:
            return CheckResult(False, f"Your code was stopped: probably out of memory ({memory_mb} MB).")
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return CheckResult(False, f"Your code crashed the Python process ({name}).", _tail(stderr))
    if "MemoryError" in stderr:
        return CheckResult(False, f"Your code ran out of memory (the limit is {memory_mb} MB).")
    return CheckResult(
        False,
        f"Your code stopped without a result (exit status {returncode}); did it call os._exit()?",
        _tail(stderr),
    )


def _tail(stderr: str, lines: int = 6) -> list[str]:
    return [line for line in stderr.strip().splitlines()[-lines:] if line.strip()]
