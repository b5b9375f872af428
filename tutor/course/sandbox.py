"""The child process that runs a learner's code: `python -m tutor.course.sandbox`.

It reads a JSON spec on stdin (source, function names, test cases, trusted check source, limits),
limits its own memory, CPU time and file size, runs the learner's code and then the checks, and
writes one JSON result on the original stdout. The learner's own prints are captured apart, so
they cannot corrupt the result. This protects the app from mistakes (loops, crashes, memory
hogs); it is not a security boundary against hostile code.
"""

from __future__ import annotations

import io
import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

LEARNER_FILE = "<your code>"
CHECK_FILE = "<check>"
_OUTPUT_LIMIT = 4000  # characters of the learner's prints sent back


class _BoundedText(io.StringIO):
    """A stdout/stderr stand-in that keeps only the first few thousand characters."""

    def write(self, s: str) -> int:
        room = _OUTPUT_LIMIT - self.tell()
        if room > 0:
            super().write(s[:room])
        return len(s)


def _apply_limits(memory_mb: int, cpu_seconds: float) -> None:
    """Cap address space, CPU time and file size (Linux / macOS; skipped where unsupported)."""
    try:
        import resource
    except ImportError:  # Windows: the parent's wall-clock timeout still applies
        return
    limits = [
        (getattr(resource, "RLIMIT_AS", None), memory_mb * 1024 * 1024),
        (getattr(resource, "RLIMIT_CPU", None), int(cpu_seconds) + 1),
        (getattr(resource, "RLIMIT_FSIZE", None), 16 * 1024 * 1024),
    ]
    for which, soft in limits:
        if which is None:
            continue
        try:
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
            # CPU: the soft limit sends SIGXCPU; the hard one (a second later) SIGKILL
            new_hard = soft + 1 if which == resource.RLIMIT_CPU else soft
            if hard != resource.RLIM_INFINITY:
                new_hard = min(new_hard, hard)
            resource.setrlimit(which, (soft, new_hard))
        except (ValueError, OSError):  # e.g. RLIMIT_AS is unsupported on macOS
            pass


def _short(value: Any, limit: int = 90) -> str:
    """A compact one-line rendering of a value for feedback."""
    import numpy as np

    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, threshold=8, edgeitems=3, separator=", ")
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _arg(value: Any) -> Any:
    """Numeric (nested) lists from a lesson file become float arrays; other values stay."""
    import numpy as np

    if isinstance(value, list):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return value
        return arr
    return value


def describe_exception(exc: BaseException, source: str) -> tuple[str, list[str]]:
    """One line naming the learner's line and the error, plus the source line as detail."""
    name = type(exc).__name__
    if isinstance(exc, SyntaxError) and exc.filename == LEARNER_FILE:
        details = []
        if exc.text:
            details.append("    " + exc.text.rstrip("\n"))
            if exc.offset:
                indent = len(exc.text) - len(exc.text.lstrip())
                details.append("    " + " " * (max(exc.offset - 1, indent)) + "^")
        return f"line {exc.lineno}: {name}: {exc.msg}", details
    frames = traceback.extract_tb(exc.__traceback__)
    learner = [f for f in frames if f.filename == LEARNER_FILE]
    text = str(exc)
    if isinstance(exc, MemoryError):
        text = text or "ran out of memory"
    label = f"{name}: {text}" if text else name
    if learner:
        frame = learner[-1]
        lines = source.splitlines()
        details = []
        if frame.lineno and 0 < frame.lineno <= len(lines):
            details.append("    " + lines[frame.lineno - 1].strip())
        if frame.name != "<module>":
            details.append(f"(in {frame.name})")
        return f"line {frame.lineno}: {label}", details
    checker = [f for f in frames if f.filename == CHECK_FILE]
    if checker:
        return f"the checker stumbled on your result: {label}", []
    return label, []


def _compare(result: Any, expected: Any, rtol: float, atol: float) -> str:
    """Empty if `result` matches `expected`; otherwise why not."""
    import numpy as np

    numeric = isinstance(expected, int | float | list) and not isinstance(expected, bool)
    if not numeric:
        return "" if result == expected else f"returned {_short(result)}, expected {_short(expected)}"
    if result is None:
        return "returned None (is a `return` line missing?)"
    try:
        want = np.asarray(expected, dtype=float)
    except ValueError:  # ragged, e.g. a pair (X, y) of different shapes: compare part by part
        if not isinstance(result, list | tuple) or len(result) != len(expected):
            return f"returned {_short(result)}, expected {len(expected)} parts"
        for k, (part, want_part) in enumerate(zip(result, expected, strict=True)):
            problem = _compare(part, want_part, rtol, atol)
            if problem:
                return f"part {k + 1} {problem}"
        return ""
    try:
        got = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        return f"returned {_short(result)}, expected numbers like {_short(want)}"
    if got.shape != want.shape:
        return f"returned shape {got.shape}, expected shape {want.shape}"
    if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        return f"returned {_short(got)}, expected {_short(want)}"
    return ""


def run_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the learner's source and the checks in this process; return the result dict."""
    source: str = spec["source"]
    functions: list[str] = spec["functions"]
    namespace: dict[str, Any] = {"__name__": "__learner__", "__builtins__": __builtins__}
    try:
        code = compile(source, LEARNER_FILE, "exec")
        exec(code, namespace)
    except SystemExit:
        return _fail("Your code called exit(); define the function(s) instead.")
    except BaseException as exc:  # noqa: BLE001 - every learner error becomes feedback
        namespace.clear()  # frees what a memory hog built before we format the message
        message, details = describe_exception(exc, source)
        return _fail(message, details + _memory_note(exc, spec))

    missing = [name for name in functions if not callable(namespace.get(name))]
    if missing:
        names = ", ".join(f"{n}()" for n in missing)
        return _fail(f"Your code does not define {names}.", ["Keep the def line from the starter."])
    fns: dict[str, Callable[..., Any]] = {name: namespace[name] for name in functions}

    failures: list[str] = []
    tests = spec.get("tests", [])
    for n, test in enumerate(tests, start=1):
        name = test.get("function") or functions[0]
        args = [_arg(a) for a in test.get("args", [])]
        kwargs = {k: _arg(v) for k, v in test.get("kwargs", {}).items()}
        shown = ", ".join([_short(a, 40) for a in args] + [f"{k}={_short(v, 40)}" for k, v in kwargs.items()])
        label = test.get("name") or f"test {n}"
        call = f"{name}({shown})"
        try:
            result = fns[name](*args, **kwargs)
        except SystemExit:
            return _fail(f"{call} called exit().")
        except BaseException as exc:  # noqa: BLE001
            message, details = describe_exception(exc, source)
            note = _memory_note(exc, spec)
            return _fail(message, [*details, f"while running {label}: {call}", *note])
        problem = _compare(result, test.get("expected"), test.get("rtol", 1e-5), test.get("atol", 1e-8))
        if problem:
            failures.append(f"{label}: {call} {problem}")
    if failures:
        count = f"{len(failures)} of {len(tests)} tests failed"
        return _fail(f"{count}: {failures[0]}", failures[1:])

    check_source = spec.get("check") or ""
    if check_source:
        check_ns: dict[str, Any] = {"__name__": "__check__"}
        try:
            exec(compile(check_source, CHECK_FILE, "exec"), check_ns)
        except Exception as exc:  # a bug in the lesson file, not the learner's fault
            return _fail(f"This exercise's checker is broken ({type(exc).__name__}: {exc}).")
        try:
            check_ns["check"](*[fns[name] for name in functions])
        except AssertionError as exc:
            return _fail(str(exc) or "The check failed.")
        except SystemExit:
            return _fail("Your code called exit() while being checked.")
        except BaseException as exc:  # noqa: BLE001
            message, details = describe_exception(exc, source)
            return _fail(message, details)
    total = len(tests) + (1 if check_source else 0)
    message = "The 1 check passed." if total == 1 else f"All {total} checks passed."
    return {"passed": True, "message": message, "details": []}


def _memory_note(exc: BaseException, spec: dict[str, Any]) -> list[str]:
    if isinstance(exc, MemoryError):
        return [f"The memory limit for exercise code is {spec.get('memory_mb', 1024)} MB."]
    return []


def _fail(message: str, details: list[str] | None = None) -> dict[str, Any]:
    return {"passed": False, "message": message, "details": list(details or [])}


def main() -> None:
    """Entry point of the child process: JSON spec on stdin, JSON result on stdout."""
    result_fd = os.dup(1)  # the result channel; fd 1 then points at stderr for stray writes
    os.dup2(2, 1)
    spec = json.loads(sys.stdin.read())
    import numpy  # noqa: F401 - imported before the memory limit so the limit is for the learner

    _apply_limits(int(spec.get("memory_mb", 1024)), float(spec.get("cpu_seconds", 10)))
    reserve = bytearray(2 * 1024 * 1024)  # freed if memory runs out, to have room to report
    captured = _BoundedText()
    sys.stdout = sys.stderr = captured
    try:
        result = run_spec(spec)
    except MemoryError:
        del reserve
        result = _fail(f"Ran out of memory (the limit is {spec.get('memory_mb', 1024)} MB).")
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    result["output"] = captured.getvalue()
    with os.fdopen(result_fd, "w", encoding="utf-8") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
