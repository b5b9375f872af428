"""Training off the UI: a child process trains, a thread worker relays its reports as messages.

The dashboard's thread worker calls `run_training`, which starts the run in a separate process
(`tutor.tui.runner`) and turns each report that arrives over the pipe into a small Textual
message: `BatchProgress` at most a few times a second, `EpochDone` once per epoch, `StageProgress`
when a stage begins, `TrainingDone` at the end. Neither thread touches widgets; the dashboard
redraws on a timer.

Why a process: a training thread in the app's process shares its GIL with the UI, and every
repaint then pauses training. Measured with `tutor bench tui`, a thread trained at 0.80 of
headless speed; in its own process the run measured 0.91 to 0.95 (quiet machine). A process can
also always be ended, even while it reads data that cannot be interrupted."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from textual.message import Message
from textual.message_pump import MessagePump

# Every live run's control, so quitting the app can stop all of them at once.
_ACTIVE: set[RunControl] = set()
_ACTIVE_LOCK = threading.Lock()

# The training process: a fresh interpreter (forking a process that has threads is unsafe).
CHILD_COMMAND = [sys.executable, "-m", "tutor.tui.runner"]
POLL_INTERVAL = 0.05  # seconds between the worker's looks at the stop and pause switches
STOP_GRACE = 1.0  # seconds a stopped run has to report before its process is ended


class RunControl:
    """Stop and pause switches the UI flips; the worker passes them on to the training process."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.running = threading.Event()  # cleared while paused
        self.running.set()
        self.cancelled: Callable[[], bool] = lambda: False  # the worker's is_cancelled
        self.process: subprocess.Popen[str] | None = None  # the training process, while it runs

    def __enter__(self) -> RunControl:
        with _ACTIVE_LOCK:
            _ACTIVE.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with _ACTIVE_LOCK:
            _ACTIVE.discard(self)

    def request_stop(self) -> None:
        """Stop after the current batch (also ends a pause)."""
        self.stop.set()
        self.running.set()

    def toggle_pause(self) -> bool:
        """Pause or resume; True if now paused."""
        if self.running.is_set():
            self.running.clear()
            return True
        self.running.set()
        return False


def end_all_training() -> None:
    """The app is quitting: end every training process now (a run being quit is not kept)."""
    with _ACTIVE_LOCK:
        for control in _ACTIVE:
            control.request_stop()
            if control.process is not None:
                control.process.kill()


@dataclass
class BatchProgress(Message):
    """Where the run is (throttled): epoch and batch, the latest batch loss and metric."""

    epoch: int
    batch: int
    batches: int
    loss: float
    metric: float | None
    seconds: float


@dataclass
class EpochDone(Message):
    """One finished epoch: its scalar logs and the mean gradient norm at every time step."""

    epoch: int
    logs: dict[str, float]
    step_norms: dict[str, list[float]]
    seconds: float


@dataclass
class StageProgress(Message):
    """A stage of the run began (data, train, evaluate, test) or the lasso path took a step."""

    stage: str
    info: dict[str, Any]


@dataclass
class TrainingDone(Message):
    """The run ended: finished, stopped, diverged or failed (`error` is then set)."""

    config: dict[str, Any]
    history: dict[str, list[float]] = field(default_factory=dict)
    step_norms: dict[str, list[list[float]]] = field(default_factory=dict)
    seconds: float = 0.0
    stopped: bool = False
    diverged: bool = False
    error: str = ""
    metrics: dict[str, float | None] = field(default_factory=dict)  # final figures (val_r2, test_accuracy...)
    metric: str = "accuracy"  # "accuracy" or "r2"
    baseline: bool = False  # fitted in one go: no epochs, one final figure
    fit_seconds: float = 0.0  # the engine's fit alone (data preparation and scoring excluded)



MESSAGES: dict[str, type[Message]] = {
    "batch": BatchProgress, "epoch": EpochDone, "stage": StageProgress, "done": TrainingDone,
}


def run_training(config: Mapping[str, Any], target: MessagePump, control: RunControl) -> None:
    """Train `config` in a child process, posting its reports to `target`; return when it ends.

    A stop is passed on to the run, which stops after its current batch (or lasso step), scores
    what it has and reports. Quitting the app (the worker cancelled) or stopping while the data is
    read does not wait for work that cannot be interrupted (reading 25,000 reviews, scoring a
    test split): the process then has STOP_GRACE to report before it is ended.
    """
    config = dict(config)
    with control:
        done = _relay(config, target, control)
    target.post_message(done)


def _relay(config: dict[str, Any], target: MessagePump, control: RunControl) -> TrainingDone:
    """Start the training process and post its reports until the last one; that one is returned."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errors:
        try:
            process = subprocess.Popen(CHILD_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=errors, text=True, encoding="utf-8")
        except OSError as exc:
            return TrainingDone(config, error=f"could not start the training process: {exc}")
        control.process = process
        reports: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_read, args=(process.stdout, reports), daemon=True, name="reports").start()
        deadline: float | None = None
        try:
            _send(process, json.dumps(config))
            fitting = False  # the data is read: a stop now ends the run soon (within a batch)
            sent = (False, True)  # the (stop, running) the process was last told
            while True:
                if control.cancelled():
                    control.request_stop()
                state = (control.stop.is_set(), control.running.is_set())
                if state != sent:
                    _send(process, "stop" if state[0] else "resume" if state[1] else "pause")
                    sent = state
                if deadline is None and state[0] and (control.cancelled() or not fitting):
                    deadline = time.monotonic() + STOP_GRACE
                try:
                    line = reports.get(timeout=POLL_INTERVAL)
                except queue.Empty:
                    if deadline is not None and time.monotonic() > deadline:
                        return TrainingDone(config, stopped=True)
                    continue
                if not line:
                    break  # end of file: the process ended without its last report
                kind, fields = json.loads(line)
                message = MESSAGES[kind](**fields)
                if kind == "done":
                    return message
                fitting = fitting or kind != "stage" or fields["stage"] != "data"
                target.post_message(message)
        finally:
            _end(process, wait=deadline is None)
        errors.seek(0)
        last = [line.strip() for line in errors if line.strip()][-1:]
    why = last[0] if last else f"exit code {process.returncode}"
    return TrainingDone(config, error=f"the training process ended unexpectedly ({why}); start it again, "
                                      "and if it recurs try a smaller model or less data")


def _read(stream: IO[str], reports: queue.Queue[str]) -> None:
    """Queue each report line of the training process; an empty string marks the end."""
    for line in stream:
        reports.put(line)
    reports.put("")


def _send(process: subprocess.Popen[str], line: str) -> None:
    """One line to the training process (gone already: its end is handled by the reader)."""
    try:
        assert process.stdin is not None
        process.stdin.write(line + "\n")
        process.stdin.flush()
    except OSError:
        pass


def _end(process: subprocess.Popen[str], wait: bool) -> None:
    """Reap the training process: let it exit if it is finishing, end it otherwise."""
    try:
        if process.stdin is not None:
            process.stdin.close()  # end of file: the process stops if it has not yet
    except OSError:
        pass
    try:
        process.wait(STOP_GRACE if wait else 0.01)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
