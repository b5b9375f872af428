"""Training in a thread worker: engine callbacks adapted to small, throttled Textual messages."""

from __future__ import annotations

import threading

# Every live run's stop flag, so quitting the app can stop all of them at once.
_ACTIVE: set[threading.Event] = set()
_ACTIVE_LOCK = threading.Lock()


def stop_all_training() -> None:
    """Ask every running training to stop after its current batch."""
    with _ACTIVE_LOCK:
        for flag in _ACTIVE:
            flag.set()
