"""Fault injection for the progress-store tests: tiny or read-only file systems, locks, injected errors.

Real faults where the machine allows them (a tmpfs mounted by root), simulated ones otherwise,
so the tests run everywhere and are as real as the machine permits.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
# TUTOR_TEST_NO_MOUNT=1 runs the simulated faults even where a tmpfs could be mounted
CAN_MOUNT = IS_ROOT and not os.environ.get("TUTOR_TEST_NO_MOUNT")


def _run(*args: str) -> bool:
    try:
        return subprocess.run(args, capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@contextlib.contextmanager
def tmpfs(folder: Path, size_kb: int) -> Iterator[Path | None]:
    """A tmpfs of ``size_kb`` mounted at ``folder`` (None when this machine cannot mount one)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not CAN_MOUNT or not _run("mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "tmpfs", str(folder)):
        yield None
        return
    try:
        yield folder
    finally:
        if not _run("umount", str(folder)):
            _run("umount", "-l", str(folder))


def remount(folder: Path, mode: str) -> bool:
    """Remount a tmpfs from `tmpfs` read-only ("ro") or writable again ("rw")."""
    return _run("mount", "-o", f"remount,{mode}", str(folder))


def fill(folder: Path) -> Path:
    """Fill the file system holding ``folder`` to the last byte; return the filler file."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 16, 4096, 1):  # big blocks, then whatever still fits
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


def sqlite_error(code: int, message: str) -> sqlite3.OperationalError:
    """An OperationalError as SQLite raises it, with its result code."""
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    return exc


class FailingConnection:
    """A connection whose writes fail with a SQLite error while ``failing`` is set (reads still work)."""

    def __init__(self, conn: sqlite3.Connection, code: int, message: str) -> None:
        self._conn = conn
        self.code, self.message = code, message
        self.failing = True

    def execute(self, sql: str, *args: Any) -> Any:
        if self.failing and sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COMMIT")):
            raise sqlite_error(self.code, self.message)
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)
