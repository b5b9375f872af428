"""The learner's process: it defines the learner's functions and answers calls, nothing more.

The checker (`tutor.course.judge`, a separate process that holds the tests, the expected values
and the lesson's check) starts this file as a script, ``python -P .../sandbox.py``, so nothing
of `tutor` is imported here. Over the process's original stdin/stdout it then speaks a JSON-lines
protocol (values encoded by `tutor.course.wire`: data only, never pickle):

    checker -> {"op": "load", "source": ...}                        <- {"ok": true, "defined": [...]}
    checker -> {"op": "call", "id": 3, "function": ..., "args": [...], "kwargs": {...}}
            <- {"id": 3, "ok": true, "value": ..., "changed": {...}}   (or "ok": false and an "error")

Before any learner code runs, this process:

- moves the protocol to private descriptors and points fd 0 at /dev/null and fd 1 at fd 2 (a
  file the checker reads only for crash reports); Python-level prints are kept, bounded, and sent
  back as "out" with each reply, to be shown as "Your code printed:";
- caps its address space, CPU time and file size where the platform allows (`apply_limits`)
  and reports which limits are in force;
- installs an import guard: code written by the learner may import Python's standard library,
  NumPy and what the exercise allows (e.g. ``tutor.engine``), nothing else; libraries it imports
  may import what they need;
- installs an audit hook that refuses to open files of the `tutor` package and the lesson files
  (where the tests and the checks are written), except the allowed modules' own files.

These guards keep a check honest for a learner who takes a shortcut; they are not a jail (see
`tutor.course.judge` for what is and is not isolated).
"""

from __future__ import annotations

import builtins
import io
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING or __package__:
    from tutor.course import wire
else:  # run as a script: load the codec by path, so `tutor` stays unimported in this process
    import importlib.util

    _spec = importlib.util.spec_from_file_location("_tutor_wire", os.path.join(os.path.dirname(__file__), "wire.py"))
    assert _spec is not None and _spec.loader is not None
    wire = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(wire)

LEARNER_FILE = "<your code>"
OUTPUT_LIMIT = 4000  # characters of the learner's prints sent back
BASE_MODULES = ("numpy",)  # beyond the standard library, every exercise may use these
_OWN_FILES = {__file__, wire.__file__}  # this process's own machinery: neither learner nor library


class _BoundedText(io.StringIO):
    """A stdout/stderr stand-in that keeps only the first few thousand characters."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0  # how much of the text has gone back to the checker already

    def write(self, s: str) -> int:
        room = OUTPUT_LIMIT - self.tell()
        if room > 0:
            super().write(s[:room])
        return len(s)

    def fresh(self) -> str:
        """The text written since the last call."""
        text = self.getvalue()[self.sent :]
        self.sent += len(text)
        return text


# -------------------------------------------------------------------------------------- limits


def apply_limits(memory_mb: int, cpu_seconds: float, file_mb: int) -> dict[str, bool]:
    """Cap address space, CPU time and file size where the platform allows; say which apply."""
    applied = {"memory": False, "cpu": False, "file_size": False}
    try:
        import resource
    except ImportError:  # Windows: the checker's wall-clock limit still applies
        return applied
    wanted = [
        ("memory", getattr(resource, "RLIMIT_AS", None), memory_mb * 1024 * 1024),
        ("cpu", getattr(resource, "RLIMIT_CPU", None), int(cpu_seconds) + 1),
        ("file_size", getattr(resource, "RLIMIT_FSIZE", None), file_mb * 1024 * 1024),
    ]
    for name, which, soft in wanted:
        if which is None:
            continue
        try:
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                soft = min(soft, hard)
            # CPU: the soft limit sends SIGXCPU; the hard one (a second later) SIGKILL
            new_hard = soft + 1 if name == "cpu" else soft
            if hard != resource.RLIM_INFINITY:
                new_hard = min(new_hard, hard)
            resource.setrlimit(which, (soft, new_hard))
            applied[name] = resource.getrlimit(which)[0] == soft
        except (ValueError, OSError):  # e.g. RLIMIT_AS cannot be set on some systems
            pass
    if sys.platform == "darwin":
        applied["memory"] = False  # macOS accepts an address-space limit but does not enforce it
    return applied


# -------------------------------------------------------------------------------- import guard


def _real(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def _under(path: str, roots: Sequence[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


class ImportGuard(MetaPathFinder):
    """Refuses imports the learner's own code makes of modules the exercise does not allow.

    Who imports is read from the stack: the nearest frame that is neither the import machinery
    nor the standard library decides. Learner code (or anything else that is not an allowed
    library) is refused; an allowed library importing its own dependencies is not.
    """

    def __init__(self, allowed: Sequence[str], library_paths: Sequence[str], may_use: str) -> None:
        self.allowed = tuple(allowed)
        self.may_use = may_use
        self.parents = {name.rsplit(".", k)[0] for name in self.allowed for k in range(1, name.count(".") + 1)}
        self.library_paths = [_real(p) for p in library_paths]
        import sysconfig

        paths = sysconfig.get_paths()
        self.stdlib_paths = [_real(paths[k]) for k in ("stdlib", "platstdlib") if k in paths]

    def allows(self, fullname: str) -> bool:
        """Whether learner code may import this module by name."""
        top = fullname.partition(".")[0]
        if top in sys.stdlib_module_names and top != "tutor":
            return True
        if fullname in self.parents:
            return True
        return any(fullname == name or fullname.startswith(name + ".") for name in self.allowed)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if self.allows(fullname):
            return None  # let the ordinary finders look for it
        learner, requested = self._importer(fullname)
        if not learner:
            return None
        raise ImportError(blocked_import_message(requested, self.may_use), name=fullname)

    def _importer(self, fullname: str) -> tuple[bool, str]:
        """(whether learner code is importing, the module it asked for: `tutor.engine` rather
        than the parent package `tutor` that is imported first)."""
        requested = fullname
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename.startswith("<frozen ") or filename in _OWN_FILES:
                name = frame.f_locals.get("name") if filename.startswith("<frozen importlib") else None
                if isinstance(name, str) and name.startswith(fullname + "."):
                    requested = name
                frame = frame.f_back
                continue
            real = _real(filename)
            if _under(real, self.library_paths):
                return False, requested
            if not _under(real, self.stdlib_paths):
                return True, requested
            frame = frame.f_back
        return False, requested


def blocked_import_message(fullname: str, may_use: str) -> str:
    """What the learner reads when an import is refused."""
    return f"this exercise asks you to write it yourself; `{fullname}` is not available here (you may use {may_use})"


def _install_file_guard(guarded: Sequence[str], readable: Sequence[str]) -> None:
    """An audit hook that refuses to open the checker's files (the package and the lessons)."""
    guarded = [_real(p) for p in guarded]
    readable = [_real(p) for p in readable]
    busy = False

    def hook(event: str, args: tuple[Any, ...]) -> None:
        nonlocal busy
        if event != "open" or busy or not args or not isinstance(args[0], str | bytes):
            return
        busy = True
        try:
            path = args[0].decode(errors="replace") if isinstance(args[0], bytes) else args[0]
            real = _real(path)
            if _under(real, guarded) and not _under(real, readable):
                raise PermissionError(f"the checker's files are not open to exercise code: {path}")
        finally:
            busy = False

    sys.addaudithook(hook)


# ------------------------------------------------------------------------------------ feedback


def describe_exception(exc: BaseException, source: str) -> tuple[str, list[str]]:
    """One line naming the learner's line and the error, plus the source line as detail."""
    name = type(exc).__name__
    if isinstance(exc, SyntaxError) and exc.filename == LEARNER_FILE:
        details: list[str] = []
        if exc.text:
            details.append("    " + exc.text.rstrip("\n"))
            if exc.offset:
                indent = len(exc.text) - len(exc.text.lstrip())
                details.append("    " + " " * (max(exc.offset - 1, indent)) + "^")
        return f"line {exc.lineno}: {name}: {exc.msg}", details
    frames = traceback.extract_tb(exc.__traceback__)
    learner = [f for f in frames if f.filename == LEARNER_FILE]
    text = str(exc)
    if len(text) > 500:
        text = text[:497] + "..."
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
    return label, []


# ------------------------------------------------------------------------------------- serving


class Server:
    """Holds the learner's namespace and answers the checker's requests."""

    def __init__(self, out: BinaryIO, captured: _BoundedText, memory_mb: int) -> None:
        self.out = out
        self.captured = captured
        self.memory_mb = memory_mb
        self.source = ""
        self.namespace: dict[str, Any] = {}
        self.reserve: bytearray | None = bytearray(2 * 1024 * 1024)  # room to report a MemoryError

    def send(self, message: dict[str, Any]) -> None:
        message["out"] = self.captured.fresh()
        self.out.write(wire.dumps(message))
        self.out.flush()

    def error(self, exc: BaseException) -> dict[str, Any]:
        if isinstance(exc, MemoryError):
            self.reserve = None
        details: list[str] = []
        if isinstance(exc, SystemExit):
            message = "Your code called exit(); define the function(s) instead."
        else:
            message, details = describe_exception(exc, self.source)
        if isinstance(exc, MemoryError):
            details.append(f"The memory limit for exercise code is {self.memory_mb} MB.")
        if self.reserve is None:
            try:
                self.reserve = bytearray(2 * 1024 * 1024)
            except MemoryError:
                pass
        return {"ok": False, "error": {"type": type(exc).__name__, "message": message, "details": details}}

    def load(self, source: str) -> dict[str, Any]:
        self.source = source
        self.namespace = {"__name__": "__learner__", "__builtins__": builtins}
        try:
            exec(compile(source, LEARNER_FILE, "exec"), self.namespace)
        except BaseException as exc:  # noqa: BLE001 - every learner error becomes feedback
            self.namespace = {}  # frees what a memory hog built before the message is made
            return self.error(exc)
        defined = sorted(k for k, v in self.namespace.items() if callable(v) and not k.startswith("__"))
        return {"ok": True, "defined": defined}

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        fn: Callable[..., Any] | None = self.namespace.get(str(request.get("function")))
        if not callable(fn):
            return {"ok": False, "error": {"type": "", "message": f"{request.get('function')}() is not defined."}}
        raw_args, raw_kwargs = request.get("args", []), request.get("kwargs", {})
        if not isinstance(raw_args, list) or not isinstance(raw_kwargs, dict):
            raise ValueError("a call needs a list of arguments and an object of keyword arguments")
        args = [wire.decode(a) for a in raw_args]
        kwargs = {str(k): wire.decode(v) for k, v in raw_kwargs.items()}
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            return self.error(exc)
        try:
            value = wire.encode(result)
            changed: dict[str, Any] = {}  # arguments the function changed in place, to mirror them
            for n, arg in enumerate(args):
                encoded = wire.encode(arg)
                if encoded != raw_args[n]:
                    changed[str(n)] = encoded
            for key, arg in kwargs.items():
                encoded = wire.encode(arg)
                if encoded != raw_kwargs[key]:
                    changed[key] = encoded
        except BaseException as exc:  # noqa: BLE001 - e.g. a learner __repr__ that raises
            reply = self.error(exc)
            reply["error"]["message"] = f"your function's result could not be sent back: {reply['error']['message']}"
            return reply
        return {"ok": True, "value": value, "changed": changed}

    def handle(self, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict):
            raise ValueError("a request must be an object")
        op = request.get("op")
        if op == "load":
            reply = self.load(str(request.get("source", "")))
        elif op == "call":
            reply = self.call(request)
        else:
            raise ValueError(f"unknown request {op!r}")
        reply["id"] = request.get("id")
        return reply


def main() -> None:
    """Entry point: set up the channel, limits and guards, then serve requests until EOF."""
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)  # stray writes to fd 1 land beside stderr, never on the protocol
    hello = wire.loads(proto_in.readline())
    import numpy  # noqa: F401 - before the memory limit, so the limit is for the learner's data

    memory_mb = int(hello.get("memory_mb", 1024))
    limits = apply_limits(memory_mb, float(hello.get("cpu_seconds", 10)), int(hello.get("file_mb", 16)))
    allowed = [str(n) for n in hello.get("allow", [])]
    library_paths = [p for name in (*BASE_MODULES, *allowed) for p in _module_paths(name)]
    library_paths += [str(p) for p in hello.get("library_paths", [])]
    may_use = str(hello.get("may_use") or "Python's standard library and NumPy")
    sys.meta_path.insert(0, ImportGuard([*BASE_MODULES, *allowed], library_paths, may_use))
    _install_file_guard(hello.get("guarded_paths", []), library_paths)
    captured = _BoundedText()
    sys.stdout = sys.stderr = captured
    sys.stdin = io.StringIO("")
    server = Server(proto_out, captured, memory_mb)
    server.send({"ready": True, "limits": limits})
    del hello
    while True:
        line = proto_in.readline()
        if not line:
            return
        try:
            reply = server.handle(wire.loads(line))
        except (ValueError, TypeError) as exc:
            reply = {"ok": False, "error": {"type": "ProtocolError", "message": f"bad request: {exc}"}}
        server.send(reply)


def _module_paths(name: str) -> list[str]:
    """Where an already-imported module's files live (so its own imports are not refused)."""
    module = sys.modules.get(name)
    if module is None:
        return []
    return [str(p) for p in getattr(module, "__path__", [])]


if __name__ == "__main__":
    main()
