"""`Switches`: stop and pause for a run, the one type the app flips and the run obeys."""

from __future__ import annotations

import threading
import time


class Switches:
    """Stop and pause, read by the run after every batch.

    The app holds one per run and flips it from the UI thread; the client passes each change
    on to the training process, whose own Switches the run reads. Thread-safe.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused
        self._running.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def reset(self) -> None:
        """A new run starts: not stopped, not paused."""
        self._stop.clear()
        self._running.set()

    def request_stop(self) -> None:
        """Stop after the current batch (a pause ends too, so the run can see it)."""
        self._stop.set()
        self._running.set()

    def toggle_pause(self) -> bool:
        """Pause, or resume a paused run; True if now paused."""
        if self._running.is_set():
            self._running.clear()
            return True
        self._running.set()
        return False

    def command(self, word: str) -> None:
        """Obey one command word: stop, pause or resume (anything else is ignored)."""
        if word == "pause":
            self._running.clear()
        elif word == "resume":
            self._running.set()
        elif word == "stop":
            self.request_stop()

    def word(self) -> str:
        """The command that tells another Switches to be in this state."""
        return "stop" if self.stopped else "pause" if self.paused else "resume"

    def wait_while_paused(self) -> float:
        """Block while paused; the seconds spent waiting."""
        if self._running.is_set():
            return 0.0
        started = time.perf_counter()
        self._running.wait()
        return time.perf_counter() - started
