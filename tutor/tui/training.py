"""Training off the UI: a child process trains, a thread worker relays its reports as messages.

The dashboard's thread worker calls `run_training`, which sends the run to a separate process
(`tutor.tui.runner`, started on the first run and kept for the next, so the data it prepared
is reused) and turns each report that arrives over the pipe into a small Textual
message: `BatchProgress` at most a few times a second, `EpochDone` once per epoch, `StageProgress`
when a stage begins, `TrainingDone` at the end. Neither thread touches widgets; the dashboard
redraws on a timer.

Why a process: a training thread in the app's process shares its GIL with the UI, and every
repaint then pauses training. Measured with `tutor bench tui`, a thread trained at 0.80 of
headless speed; in its own process the run measured 0.91 to 0.95 (quiet machine). A process can
also always be ended, even while it reads data that cannot be interrupted."""

from __future__ import annotations

import json
import os
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
    """The app is quitting: end the training now (a run being quit is not kept)."""
    with _ACTIVE_LOCK:
        for control in _ACTIVE:
            control.request_stop()
            if control.process is not None:
                control.process.kill()
    end_training_process()


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
    saved_model: str = ""  # where a trained sentiment model was kept for the playground


MESSAGES: dict[str, type[Message]] = {
    "batch": BatchProgress,
    "epoch": EpochDone,
    "stage": StageProgress,
    "done": TrainingDone,
}


def run_training(config: Mapping[str, Any], target: MessagePump, control: RunControl) -> None:
    """Train `config` in the training process, posting its reports to `target`; return when it ends.

    A stop is passed on to the run, which stops after its current batch (or lasso step), scores
    what it has and reports. Quitting the app (the worker cancelled) or stopping while the data is
    read does not wait for work that cannot be interrupted (reading 25,000 reviews, scoring a
    test split): the process then has STOP_GRACE to report before it is ended. Whatever goes
    wrong, `target` gets a `TrainingDone`.
    """
    config = dict(config)
    with control:
        try:
            done = _relay(config, target, control)
        except Exception as exc:  # a bug of ours must not leave the dashboard "training" for ever
            _discard_trainer()
            done = TrainingDone(config, error=f"the training run failed: {exc or type(exc).__name__}")
    target.post_message(done)


class Trainer:
    """The training process and the thread that queues its report lines (kept between runs)."""

    def __init__(self) -> None:
        self.command = list(CHILD_COMMAND)
        self.environ = dict(os.environ)  # the process sees the app's environment as it was here
        self.errors = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
        self.process = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
            encoding="utf-8",
            env={**self.environ, "PYTHONIOENCODING": "utf-8"},
        )
        self.reports: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_read, args=(self.process.stdout, self.reports), daemon=True, name="reports").start()

    def usable(self) -> bool:
        """Still running, and started with the command and environment a run would get now."""
        return self.process.poll() is None and self.command == CHILD_COMMAND and self.environ == dict(os.environ)

    def send(self, line: str) -> None:
        """One line to the process (gone already: the reader sees its end)."""
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        except OSError:
            pass

    def why_it_ended(self) -> str:
        """What ended the process, for the learner: a signal, or its last error line."""
        code = self.process.returncode
        if code is not None and code < 0:
            return f"killed by signal {-code}, often for lack of memory"
        try:
            self.errors.seek(0)
            # a traceback's or warning's source lines are indented; the message is not
            lines = [line.rstrip() for line in self.errors if line.strip() and not line[0].isspace()]
        except ValueError:  # closed: the app is closing the process
            lines = []
        return lines[-1] if lines else f"exit code {code}"

    def end(self, wait: float = 0.0) -> None:
        """End the process: end of input lets it exit; after `wait` seconds it is killed."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(wait or 0.01)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def close(self, wait: float = 0.0) -> None:
        """End the process and let go of its error file."""
        self.end(wait)
        self.errors.close()


_TRAINER: Trainer | None = None
_TRAINER_LOCK = threading.Lock()


def _trainer() -> Trainer:
    """The training process, started (or restarted) if there is none fit to use."""
    global _TRAINER
    with _TRAINER_LOCK:
        if _TRAINER is not None and not _TRAINER.usable():
            _TRAINER.close()
            _TRAINER = None
        if _TRAINER is None:
            _TRAINER = Trainer()
        return _TRAINER


def _discard_trainer(wait: float = 0.0) -> None:
    """End the training process (the next run starts a fresh one)."""
    global _TRAINER
    with _TRAINER_LOCK:
        trainer, _TRAINER = _TRAINER, None
    if trainer is not None:
        trainer.close(wait)


def _relay(config: dict[str, Any], target: MessagePump, control: RunControl) -> TrainingDone:
    """Send the run to the training process and post its reports; the last one is returned."""
    try:
        trainer = _trainer()
    except OSError as exc:
        return TrainingDone(config, error=f"could not start the training process: {exc}")
    control.process = trainer.process
    trainer.send(json.dumps(config, allow_nan=False))
    fitting = False  # the data is read: a stop now ends the run soon (within a batch)
    deadline: float | None = None
    sent = (False, True)  # the (stop, running) the process was last told
    while True:
        if control.cancelled():
            control.request_stop()
        state = (control.stop.is_set(), control.running.is_set())
        if state != sent:
            trainer.send("stop" if state[0] else "resume" if state[1] else "pause")
            sent = state
        if deadline is None and state[0] and (control.cancelled() or not fitting):
            deadline = time.monotonic() + STOP_GRACE
        try:
            line = trainer.reports.get(timeout=POLL_INTERVAL)
        except queue.Empty:
            if deadline is not None and time.monotonic() > deadline:
                _discard_trainer()  # still busy (reading data): end it rather than wait
                return TrainingDone(config, stopped=True)
            continue
        try:
            kind, fields = json.loads(line)
            message = MESSAGES[kind](**fields)
        except (ValueError, KeyError, TypeError):  # end of output, a line cut short, or nonsense
            try:
                trainer.process.wait(STOP_GRACE)  # a crash ends the process; nonsense leaves it running
                what = f"ended unexpectedly ({trainer.why_it_ended()})"
            except subprocess.TimeoutExpired:
                what = f"sent a report the app cannot read ({line.strip()[:60]})"
            _discard_trainer()
            return TrainingDone(
                config,
                error=f"the training process {what}; start it again, and if it recurs try a smaller model or less data",
            )
        if kind == "done":
            return message
        fitting = fitting or kind != "stage" or fields["stage"] != "data"
        target.post_message(message)


def end_training_process() -> None:
    """The app is closing: end the training process, busy or idle."""
    _discard_trainer()


def _read(stream: IO[str], reports: queue.Queue[str]) -> None:
    """Queue each report line of the training process; an empty string marks the end."""
    for line in stream:
        reports.put(line)
    reports.put("")
