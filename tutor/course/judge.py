"""The trusted side of a code check: ``python -m tutor.course.judge``.

`tutor.course.checking.run_code` starts this process and writes the check on its stdin: the
learner's source (or several, judged one after the other), the exercise's test cases and
expected values, the lesson's `check` source, the limits, and a random nonce. This process
starts the learner's own process (`tutor.course.sandbox`), sends it the source, and then calls
the learner's functions there one by one: "call rnn_forward with these arrays" goes out as
data, the return value comes back as data (`tutor.course.wire`; no pickle), and every
comparison happens here. The lesson's ``check(f1, f2, ...)`` receives `LearnerFunction`
proxies that make those calls, so lesson checks read as if the functions were local (a check
may catch `LearnerError` to turn, say, a MemoryError into advice). The verdicts go back on this
process's stdout, tagged with the nonce; `run_code` accepts no other line. Before them, a check
may send the figures it draws (`plot`) on the same channel, one line each, as it goes.

What is isolated:
- the test inputs the learner has not been sent, the expected values, the check's source and
  the comparisons: they exist only in this process, which the learner's process cannot read
  (on Linux this process is marked undumpable, so /proc/<pid>/mem and /proc/<pid>/fd are
  closed to it, unless it runs as root) and whose verdict channel it does not hold;
- patching NumPy, printing, writing to any descriptor or exiting early in the learner's process
  changes nothing here: a learner's reply is only ever a value to judge, and a process that
  stops answering fails the check;
- the learner's process may not import `tutor` (or any third-party module but NumPy) unless
  the exercise allows it, nor open the package's and lessons' files (`tutor.course.sandbox`);
- limits: wall time (all calls together), CPU time, address space and file size (where the
  platform has them: the verdict says when the memory cap is not in force), output size, and
  the whole process tree is killed when a check ends, including children that started their
  own session (on Linux this process is their subreaper; see `tutor.course.proctree`).

What is not: the learner's code runs as the user, with the user's files, network and
processes. A learner set on breaking out can read the lesson files through a child process,
signal this process or the app, or fill the disk up to the file-size limit per file. This is a
local, single-user tool: the aim is honest checks and no accidental harm, not a jail for
hostile code.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tutor.course import proctree
from tutor.course.model import may_use

# NumPy and the codec are imported where first needed: the learner's process is started first,
# so the two interpreters load NumPy side by side.

CHECK_FILE = "<check>"
MAX_REPLY = 64 * 1024 * 1024  # bytes of one reply from the learner's process
OUTPUT_LIMIT = 4000  # characters of the learner's prints kept for feedback
STARTUP_SECONDS = 30.0  # for the learner's interpreter to start (not counted in its time limit)


# ---------------------------------------------------------------------------------- figures
# A check may draw what it measured: ``plot(...)`` keeps the figure for the verdict and, while the
# check runs, sends it at once on the verdict channel, so the app can draw a loss curve as it
# falls. Figures are plain data; the app and `tutor check` draw them (tutor.course.figures).

_live: dict[str, Any] = {"out": None, "nonce": None, "source": 0}  # where progress lines go (main)
_figures: dict[str, dict[str, Any]] = {}  # the current verdict's figures, by key, in first-drawn order
_notes: list[str] = []  # lines the check adds to the current verdict (`note`)


def note(text: str) -> None:
    """Add a line to this verdict's details, passed or not: what the check measured ("your
    backward and your finite differences agree to 3e-10")."""
    _notes.append(str(text))


def plot(
    key: str,
    title: str,
    series: list[dict[str, Any]],
    *,
    log_y: bool = False,
    xlabel: str = "",
    caption: str = "",
) -> None:
    """Show a figure with this verdict (drawn again under the same `key`, it replaces the old one).

    `series`: dicts with "x" and "y" (lists of numbers), and optional "label", "color" (a Rich
    colour name) and "points" (markers instead of a line). Only what the check measured belongs
    here: a figure is part of the verdict, as trusted as its message.
    """
    figure: dict[str, Any] = {
        "key": str(key),
        "title": str(title),
        "series": [
            {
                "x": [float(v) for v in s["x"]],
                "y": [float(v) for v in s["y"]],
                "label": str(s.get("label", "")),
                "color": str(s.get("color", "")),
                "points": bool(s.get("points", False)),
            }
            for s in series
        ],
        "log_y": bool(log_y),
        "xlabel": str(xlabel),
        "caption": str(caption),
    }
    _figures[figure["key"]] = figure
    out = _live["out"]
    if out is not None:
        line = {"nonce": _live["nonce"], "progress": {"source": _live["source"], "figure": figure}}
        try:
            out.write(json.dumps(line, allow_nan=False, default=str).encode("utf-8") + b"\n")
            out.flush()
        except (OSError, ValueError):  # the app went away or a value is not finite: the verdict still has it
            pass


class Stop(BaseException):
    """The check cannot go on (timeout, the learner's process died, a broken reply)."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details or [])


class LearnerError(Exception):
    """The learner's function raised: `message` names the learner's line and the error."""

    def __init__(self, message: str, details: list[str], type_name: str) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.type_name = type_name


class Learner:
    """The learner's process, seen from the trusted side: load source, call functions."""

    live: set[int] = set()  # pids of the learner processes this process has started and not yet ended

    def __init__(self, spec: dict[str, Any], sole_child: bool = False) -> None:
        self.timeout = float(spec.get("timeout", 10.0))
        self.memory_mb = int(spec.get("memory_mb", 1024))
        self.budget = self.timeout  # wall seconds left for the learner's code
        self.sole_child = sole_child
        self.output = ""
        self.limits: dict[str, bool] = {}
        self._next_id = 0
        self._workdir = tempfile.TemporaryDirectory(prefix="tutor-code-")
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            learner_command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=self._workdir.name,
            env=learner_env(),
            **proctree.popen_kwargs(),
        )
        Learner.live.add(self.proc.pid)
        self._replies: queue.Queue[bytes | None] = queue.Queue()
        self._outbox: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._write, daemon=True).start()
        allow = [str(n) for n in spec.get("allow", [])]
        hello = {
            "memory_mb": self.memory_mb,
            "cpu_seconds": float(spec.get("cpu_seconds", self.timeout + 1)),
            "file_mb": 16,
            "allow": allow,
            "may_use": may_use(allow),
            "library_paths": library_paths(allow),
            "guarded_paths": guarded_paths() + [str(p) for p in spec.get("guarded_paths", [])],
        }
        self._outbox.put(json.dumps(hello).encode("utf-8") + b"\n")

    # -- the two pipe threads: blocking reads and writes never stall the clock ---------------
    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            try:
                line = stream.readline(MAX_REPLY + 1)
            except (OSError, ValueError):
                line = b""
            if not line:
                self._replies.put(None)
                return
            if not line.endswith(b"\n"):  # longer than MAX_REPLY (or cut off by the process's end)
                self._replies.put(line[:0] if len(line) > MAX_REPLY else None)
                return
            self._replies.put(line)

    def _write(self) -> None:
        stream = self.proc.stdin
        assert stream is not None
        while (data := self._outbox.get()) is not None:
            try:
                stream.write(data)
                stream.flush()
            except (OSError, ValueError):
                return

    # -- requests -----------------------------------------------------------------------------
    def wait_ready(self) -> None:
        reply = self._receive(STARTUP_SECONDS + self.timeout, counted=False)
        if not reply.get("ready"):
            raise Stop("The checker could not start a process for your code.", self._stderr_tail())
        self.limits = {str(k): bool(v) for k, v in dict(reply.get("limits", {})).items()}

    def _receive(self, seconds: float, counted: bool = True) -> dict[str, Any]:
        start = time.monotonic()
        try:
            line = self._replies.get(timeout=max(seconds, 0.0))
        except queue.Empty:
            raise Stop(
                f"Your code took longer than {self.timeout:g} s (an infinite loop?).",
                ["Check that every loop ends, e.g. that a while-condition eventually becomes false."],
            ) from None
        finally:
            if counted:
                self.budget -= time.monotonic() - start
        if line is None:
            raise self._gone()
        if not line:
            raise Stop(f"Your function's result is larger than {MAX_REPLY // 2**20} MB of data.")
        from tutor.course import wire

        try:
            reply = wire.loads(line)
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise Stop(
                "Your code wrote something on the checker's channel that is not an answer.",
                ["Print with print(); do not write to the process's file descriptors."],
            )
        out = reply.get("out")
        if isinstance(out, str) and len(self.output) < OUTPUT_LIMIT:
            self.output += out[: OUTPUT_LIMIT - len(self.output)]
        return reply

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        from tutor.course import wire

        self._next_id += 1
        message["id"] = self._next_id
        self._outbox.put(wire.dumps(message))
        reply = self._receive(self.budget)
        if reply.get("id") != self._next_id:
            raise Stop(
                "Your code wrote something on the checker's channel that is not an answer.",
                ["Print with print(); do not write to the process's file descriptors."],
            )
        if not reply.get("ok"):
            error = reply.get("error")
            error = error if isinstance(error, dict) else {}
            details = error.get("details")
            raise LearnerError(
                str(error.get("message") or "Your code failed."),
                [str(d) for d in details] if isinstance(details, list) else [],
                str(error.get("type", "")),
            )
        return reply

    def load(self, source: str) -> list[str]:
        """Run the learner's source there; the names it defined."""
        defined = self.request({"op": "load", "source": source}).get("defined", [])
        return [str(name) for name in defined] if isinstance(defined, list) else []

    def call(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Call the learner's function with these values; its return value, decoded here.

        Arguments the function changed in place are changed here too, as with a local call.
        """
        from tutor.course import wire

        reply = self.request(
            {
                "op": "call",
                "function": function,
                "args": [wire.encode(a) for a in args],
                "kwargs": {k: wire.encode(v) for k, v in kwargs.items()},
            }
        )
        try:
            value = wire.decode(reply.get("value"))
            changed = reply.get("changed") or {}
            for key, data in changed.items() if isinstance(changed, dict) else []:
                target = args[int(key)] if key.isdigit() and int(key) < len(args) else kwargs.get(key)
                _mirror(target, wire.decode(data))
        except (ValueError, TypeError, RecursionError) as exc:
            raise Stop(f"Your function's result could not be read: {exc}.") from None
        return value

    # -- the end ------------------------------------------------------------------------------
    def _gone(self) -> Stop:
        try:
            code = self.proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            code = None
        stderr = self._stderr_text()
        limit = f"{self.memory_mb} MB"
        if code is not None and code < 0:
            import signal

            sig = -code
            if sig == getattr(signal, "SIGXCPU", -1):
                return Stop("Your code used too much CPU time (an infinite loop?).")
            if sig == getattr(signal, "SIGKILL", -1):
                return Stop(f"Your code was stopped: probably out of memory ({limit}).")
            name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
            return Stop(f"Your code crashed the Python process ({name}).", _tail(stderr))
        if "MemoryError" in stderr:
            return Stop(f"Your code ran out of memory (the limit is {limit}).")
        status = "" if code is None else f" (exit status {code})"
        return Stop(
            f"Your code ended its process{status} before the checks finished; did it call os._exit()?",
            _tail(stderr),
        )

    def _stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read(20000).decode("utf-8", "replace")

    def _stderr_tail(self) -> list[str]:
        return _tail(self._stderr_text())

    def close(self) -> None:
        self._outbox.put(None)
        Learner.live.discard(self.proc.pid)
        proctree.kill_tree(self.proc, sole_child=self.sole_child, spare=Learner.live)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        self._stderr.close()
        self._workdir.cleanup()


class LearnerFunction:
    """What a lesson's ``check`` receives: calling it calls the learner's function remotely."""

    def __init__(self, learner: Learner, name: str) -> None:
        self._learner = learner
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        value = self._learner.call(self.__name__, args, kwargs)
        if value is None:
            raise AssertionError(
                f"{call_text(self.__name__, args, kwargs)} returned None (is a `return` line missing?)"
            )
        return value

    def __repr__(self) -> str:
        return f"<your function {self.__name__}>"


def _mirror(target: Any, new: Any) -> None:
    """Make `target` hold what `new` holds, in place (where its type allows)."""
    import numpy as np

    if isinstance(target, np.ndarray) and isinstance(new, np.ndarray) and target.shape == new.shape:
        try:
            np.copyto(target, new, casting="unsafe")
        except (TypeError, ValueError):
            pass
    elif isinstance(target, list) and isinstance(new, list):
        if len(target) == len(new):
            for k, item in enumerate(new):
                if isinstance(target[k], np.ndarray | list | dict) and type(item) is type(target[k]):
                    _mirror(target[k], item)
                else:
                    target[k] = item
        else:
            target[:] = new
    elif isinstance(target, dict) and isinstance(new, dict):
        target.clear()
        target.update(new)
    elif isinstance(target, set) and isinstance(new, set):
        target.clear()
        target.update(new)


# ------------------------------------------------------------------------------ where things are


def learner_command() -> list[str]:
    """The learner's interpreter: the sandbox run as a script, without its folder on sys.path."""
    return [sys.executable, "-P", str(Path(__file__).with_name("sandbox.py"))]


def learner_env() -> dict[str, str]:
    """The environment of the learner's process: the user's, minus the tutor's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"  # one thread: less memory under the address-space limit, no oversubscription
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONSTARTUP", None)
    return env


def _package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def guarded_paths() -> list[str]:
    """Files the learner's code may not open: the package (checks, engine), the lessons, and a
    teacher's lesson folder (``TUTOR_LESSONS``), which hold the solutions and the checks."""
    paths = [str(_package_dir())]
    from tutor.paths import lessons_dir, teacher_lessons_dir

    try:
        paths.append(str(lessons_dir().resolve()))
    except FileNotFoundError:
        pass
    teacher = teacher_lessons_dir()
    if teacher is not None:
        paths.append(str(teacher.resolve()))
    return paths


def library_paths(allowed: list[str]) -> list[str]:
    """Where the allowed modules' files are (readable, and free to import what they need)."""
    import importlib.util

    package = _package_dir()
    out: list[str] = []
    for name in allowed:
        top, _, rest = name.partition(".")
        if top == "tutor":
            out += [str(package / "__init__.py"), str(package / "__pycache__")]
            if rest:
                target = package.joinpath(*rest.split("."))
                out.append(str(target) if target.is_dir() else str(target.with_suffix(".py")))
            else:
                out.append(str(package))
            continue
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            spec = None
        if spec is not None:
            out += list(spec.submodule_search_locations or ([spec.origin] if spec.origin else []))
    return out


# ---------------------------------------------------------------------------------- the verdict


def short(value: Any, limit: int = 90) -> str:
    """A compact one-line rendering of a value for feedback."""
    import numpy as np

    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, threshold=8, edgeitems=3, separator=", ")
        if value.size > 8 or len(text) > limit:
            text = f"array of shape {value.shape}"
    else:
        try:
            text = repr(value)
        except Exception:  # noqa: BLE001
            text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def call_text(name: str, args: tuple[Any, ...] | list[Any], kwargs: dict[str, Any]) -> str:
    shown = [short(a, 40) for a in args] + [f"{k}={short(v, 40)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(shown)})"


def _arg(value: Any) -> Any:
    """Numeric (nested) lists from a lesson file become float arrays; other values stay."""
    import numpy as np

    if isinstance(value, list):
        try:
            return np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return value
    return value


def compare(result: Any, expected: Any, rtol: float, atol: float) -> str:
    """Empty if `result` matches `expected`; otherwise why not."""
    import numpy as np

    if result is None:
        return "returned None (is a `return` line missing?)"
    numeric = isinstance(expected, int | float | list) and not isinstance(expected, bool)
    if not numeric:
        return "" if result == expected else f"returned {short(result)}, expected {short(expected)}"
    try:
        want = np.asarray(expected, dtype=float)
    except ValueError:  # ragged, e.g. a pair (X, y) of different shapes: compare part by part
        if not isinstance(result, list | tuple) or len(result) != len(expected):
            return f"returned {short(result)}, expected {len(expected)} parts"
        for k, (part, want_part) in enumerate(zip(result, expected, strict=True)):
            problem = compare(part, want_part, rtol, atol)
            if problem:
                return f"part {k + 1} {problem}"
        return ""
    try:
        got = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        return f"returned {short(result)}, expected numbers like {short(want)}"
    if got.shape != want.shape:
        return f"returned shape {got.shape}, expected shape {want.shape}"
    if not np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True):
        return f"returned {short(got)}, expected {short(want)}"
    return ""


def _tail(text: str, lines: int = 6) -> list[str]:
    return [line for line in text.strip().splitlines()[-lines:] if line.strip()]


def _counted(k: int, total: int) -> str:
    return "The check" if total == 1 else f"Check {k} of {total}"


def summarize(failures: list[tuple[int, str]], total: int) -> dict[str, Any]:
    """One wording for every code verdict: failures are (check number, what went wrong)."""
    if not failures:
        message = "The 1 check passed." if total == 1 else f"All {total} checks passed."
        return {"passed": True, "message": message, "details": []}
    (k, first), rest = failures[0], failures[1:]
    if not rest:
        return {"passed": False, "message": f"{_counted(k, total)} failed: {first}", "details": []}
    details = [f"Check {j}: {text}" for j, text in rest]
    return {
        "passed": False,
        "message": f"{len(failures)} of {total} checks failed. Check {k}: {first}",
        "details": details,
    }


def _fail(message: str, details: list[str] | None = None) -> dict[str, Any]:
    return {"passed": False, "message": message, "details": list(details or [])}


def _check_trouble(exc: BaseException) -> str:
    name = type(exc).__name__
    label = f"{name}: {exc}" if str(exc) else name
    frames = traceback.extract_tb(exc.__traceback__)
    if any(f.filename == CHECK_FILE for f in frames):
        return f"the checker stumbled on your result: {label}"
    return label


def judge(spec: dict[str, Any], sole_child: bool = False, learner: Learner | None = None) -> dict[str, Any]:
    """Run one check: the learner's source in its own process (`learner`, if already started
    for this spec), the tests and the check here."""
    functions = [str(f) for f in spec.get("functions", [])]
    tests = list(spec.get("tests", []))
    check_source = str(spec.get("check") or "")
    total = len(tests) + (1 if check_source else 0)
    if learner is None:
        learner = Learner(spec, sole_child=sole_child)  # it starts while the check below is compiled
    _figures.clear()
    _notes.clear()
    try:
        check: Callable[..., Any] | None = None
        if check_source:
            namespace: dict[str, Any] = {"__name__": "__check__"}
            try:
                exec(compile(check_source, CHECK_FILE, "exec"), namespace)
                check = namespace["check"]
            except Exception as exc:  # a bug in the lesson file, not the learner's fault
                return _fail(f"This exercise's checker is broken ({type(exc).__name__}: {exc}).")
        verdict = _run(learner, str(spec.get("source", "")), functions, tests, check, total)
    except Stop as stop:
        verdict = _fail(stop.message, stop.details)
    finally:
        learner.close()
    verdict["output"] = learner.output
    verdict["limits"] = learner.limits
    verdict["figures"] = list(_figures.values())
    verdict["details"] = [*_notes, *verdict["details"]]
    if learner.limits and not learner.limits.get("memory", False):
        verdict["details"].append(
            f"(This platform does not let the checker cap memory: the {learner.memory_mb} MB limit was not applied.)"
        )
    return verdict


def _run(
    learner: Learner,
    source: str,
    functions: list[str],
    tests: list[dict[str, Any]],
    check: Callable[..., Any] | None,
    total: int,
) -> dict[str, Any]:
    learner.wait_ready()
    try:
        defined = learner.load(source)
    except LearnerError as exc:
        return _fail(exc.message, exc.details)
    missing = [name for name in functions if name not in defined]
    if missing:
        names = ", ".join(f"{n}()" for n in missing)
        return _fail(f"Your code does not define {names}.", ["Keep the def line from the starter."])

    failures: list[tuple[int, str]] = []
    for k, test in enumerate(tests, start=1):
        name = str(test.get("function") or functions[0])
        args = tuple(_arg(a) for a in test.get("args", []))
        kwargs = {str(key): _arg(v) for key, v in dict(test.get("kwargs", {})).items()}
        call = call_text(name, args, kwargs)
        label = str(test.get("name") or "")
        try:
            result = learner.call(name, args, kwargs)
        except LearnerError as exc:
            where = f"while running {_counted(k, total).lower()}" + (f" ({label})" if label else "")
            return _fail(exc.message, [*exc.details, f"{where}: {call}"])
        problem = compare(result, test.get("expected"), float(test.get("rtol", 1e-5)), float(test.get("atol", 1e-8)))
        if problem:
            failures.append((k, f"{label + ': ' if label else ''}{call} {problem}"))

    if check is not None:
        proxies = [LearnerFunction(learner, name) for name in functions]
        try:
            check(*proxies)
        except AssertionError as exc:
            failures.append((total, str(exc) or "the check found a mistake."))
        except LearnerError as exc:
            return _fail(exc.message, [*exc.details, f"while running {_counted(total, total).lower()}"])
        except Exception as exc:  # noqa: BLE001 - the check tripped over an unexpected result
            failures.append((total, _check_trouble(exc)))
    return summarize(failures, total)


def main() -> None:
    """Entry point: the check as JSON on stdin, one line of verdicts (with the nonce) on stdout.

    The spec's "sources" are judged one after the other, each in a learner process of its own.
    """
    verdict_fd = os.dup(1)
    os.dup2(2, 1)  # the check's own prints must not reach the verdict channel
    proctree.set_undumpable()
    sole_child = proctree.set_subreaper()
    spec = json.loads(sys.stdin.buffer.read())
    out = os.fdopen(verdict_fd, "wb")
    _live.update(out=out, nonce=spec.get("nonce"))
    verdicts = []
    sources = [str(source) for source in spec.get("sources", [])]
    following: Learner | None = None
    for k, source in enumerate(sources):
        _live["source"] = k
        try:
            learner, following = following, None
            if learner is None:
                learner = Learner(spec, sole_child=sole_child)
            if k + 1 < len(sources):
                following = Learner(spec, sole_child=sole_child)  # it starts while this one is judged
            verdict = judge({**spec, "source": source}, sole_child=sole_child, learner=learner)
        except Exception as exc:  # noqa: BLE001 - the machinery failed: say so, as a verdict
            verdict = _fail(f"The checker failed: {type(exc).__name__}: {exc}", _tail(traceback.format_exc()))
        verdicts.append(verdict)
    _live["out"] = None
    with out:
        out.write(json.dumps({"nonce": spec.get("nonce"), "verdicts": verdicts}, default=str).encode("utf-8") + b"\n")


if __name__ == "__main__":
    # Run the module's own copy, not this __main__ one: a check that imports LearnerError from
    # tutor.course.judge must catch the very class the calls raise.
    from tutor.course.judge import main as _main

    _main()
