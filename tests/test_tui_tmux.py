"""Smoke test in a real terminal: tmux runs `tutor` at 80x24; tour, map, a lesson, ctrl+q exits 0, and back."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

TUTOR = Path(sys.executable).with_name("tutor")

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def capture(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=False
    ).stdout


def wait_for_text(session: str, text: str, polls: int = 300) -> str:
    """Poll the pane until `text` shows (bounded number of polls, 0.1 s apart)."""
    screen = ""
    for _ in range(polls):
        screen = capture(session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the pane shows:\n{screen}")


def _start(session: str, home: Path, status: Path) -> None:
    command = f"TUTOR_HOME={shlex.quote(str(home))} {shlex.quote(str(TUTOR))}; echo $? > {shlex.quote(str(status))}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True)


def _wait_for_exit(status: Path) -> str:
    for _ in range(300):
        if status.exists() and status.read_text().strip():
            break
        time.sleep(0.1)
    return status.read_text().strip()


def test_tutor_opens_map_then_a_lesson_and_quits_cleanly_then_reopens_that_lesson(tmp_path):
    if not TUTOR.exists():
        pytest.skip(f"no tutor script next to {sys.executable}")
    session = f"tutor-smoke-{uuid.uuid4().hex[:8]}"
    home, status = tmp_path / "home", tmp_path / "status"
    _start(session, home, status)
    try:
        wait_for_text(session, "Tour 1/4")  # the first start shows the tour over the map
        subprocess.run(["tmux", "send-keys", "-t", session, "Escape"], check=True)
        for _ in range(100):  # the map shows through the tour: wait for the tour to close
            if "Tour 1/4" not in capture(session):
                break
            time.sleep(0.1)
        screen = capture(session)
        assert "Tour" not in screen and "Exercises passed" in screen and "1." in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
        wait_for_text(session, "Lesson 1 of")
        wait_for_text(session, "^r Check")  # the lesson's footer
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
        assert _wait_for_exit(status) == "0"
        status.unlink()
        _start(session, home, status)  # the next session opens on that lesson, without the tour
        wait_for_text(session, "Lesson 1 of")
        assert "Tour" not in capture(session)
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
        assert _wait_for_exit(status) == "0"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
