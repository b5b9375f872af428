"""Start a child process in its own group, and end it with everything it started.

Portable by design: where `os.killpg` and `signal.SIGKILL` exist (Linux, macOS) the child gets
its own session, and ending it kills the whole process group; on Linux, every descendant found
under /proc is killed too, which reaches children that left the group with setsid(). With
`set_subreaper()` (Linux) orphaned descendants are re-parented to the caller instead of to init,
so even a grandchild whose parent has exited is still found. Elsewhere (Windows) the child gets
its own process group and is ended with `Popen.kill()`; what it started may outlive it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36


def has_process_groups() -> bool:
    """Whether this platform can signal a whole process group (POSIX)."""
    return hasattr(os, "killpg") and hasattr(os, "setsid") and hasattr(signal, "SIGKILL")


def popen_kwargs() -> dict[str, Any]:
    """Keyword arguments for `subprocess.Popen` that put the child in a group of its own."""
    if has_process_groups():
        return {"start_new_session": True}
    flag = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
    return {"creationflags": flag} if flag else {}


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def set_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux); True if it worked."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def set_undumpable() -> bool:
    """Forbid other processes of the same user to read this one's memory and descriptors under
    /proc (Linux; ptrace is refused too); True if it worked."""
    return _prctl(_PR_SET_DUMPABLE, 0)


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (Linux, from /proc; empty elsewhere)."""
    proc = Path("/proc")
    if not sys.platform.startswith("linux") or not proc.is_dir():
        return []
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(
    proc: subprocess.Popen[bytes], wait: float = 2.0, sole_child: bool = False, spare: Collection[int] = ()
) -> None:
    """End `proc`, its process group and (Linux) every descendant of it.

    `sole_child`: the caller is a subreaper (`set_subreaper`) and every process below it belongs
    to `proc`'s tree (orphans included), except the processes in `spare` (other children it
    started, which have not run anything of their own yet): all of them are killed and reaped.
    Without it, only what is still below `proc` or in its group is reached.
    """
    if proc.poll() is not None and not sole_child:
        return  # ended and reaped: its pid (and group id) may already belong to someone else
    if not has_process_groups():
        try:
            proc.terminate()  # TerminateProcess on Windows (the same as kill())
        except OSError:
            pass
        _wait(proc, wait / 2)
        if proc.poll() is None:
            try:
                proc.kill()
            except (OSError, AttributeError):  # AttributeError: a POSIX without SIGKILL
                pass
            _wait(proc, wait / 2)
        return
    deadline = time.monotonic() + wait
    # Stop the group first, so nothing in it forks between the look at /proc and the kill.
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
    while True:
        below = descendants(proc.pid) + (descendants(os.getpid()) if sole_child else [])
        below = [p for p in dict.fromkeys(below) if p != proc.pid and p not in spare]
        for pid in below:
            _signal(pid, signal.SIGSTOP)
        for pid in below:
            _signal(pid, signal.SIGKILL)
        if proc.poll() is None:
            _signal(proc.pid, signal.SIGKILL)
        if sole_child:
            _reap_orphans(proc.pid, spare)
        if not below or time.monotonic() > deadline:
            break
        time.sleep(0.005)
    _wait(proc, max(0.0, deadline - time.monotonic()))
    while time.monotonic() < deadline:  # the group is gone once every member is reaped
        try:
            os.killpg(proc.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        if sole_child:
            _reap_orphans(proc.pid, spare)
        time.sleep(0.005)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _reap_orphans(keep: int, spare: Collection[int]) -> None:
    """Collect exited children re-parented to us as a subreaper (not `keep` or `spare`: their
    Popen objects reap them)."""
    if not hasattr(os, "waitpid") or not hasattr(os, "WNOHANG"):
        return
    for pid in _zombie_children():
        if pid == keep or pid in spare:
            continue
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def _zombie_children() -> list[int]:
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    me = os.getpid()
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] == "Z" and int(fields[1]) == me:
            found.append(int(entry.name))
    return found


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> None:
    try:
        proc.wait(timeout=max(timeout, 0.05))
    except subprocess.TimeoutExpired:
        pass
