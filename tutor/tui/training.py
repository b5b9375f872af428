"""Training off the UI thread: engine callbacks adapted to small, throttled Textual messages.

The worker thread never touches widgets. It posts `BatchProgress` at most a few times a second,
`EpochDone` once per epoch, and `TrainingDone` at the end; the dashboard redraws on a timer.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from textual.message import Message
from textual.message_pump import MessagePump

from tutor.engine import Callback

# Every live run's control, so quitting the app can stop all of them at once.
_ACTIVE: set[RunControl] = set()
_ACTIVE_LOCK = threading.Lock()

BATCH_REPORT_INTERVAL = 0.25  # seconds between batch progress messages


class RunControl:
    """Stop and pause switches the UI flips and the training thread reads after every batch."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.running = threading.Event()  # cleared while paused
        self.running.set()
        self.paused_seconds = 0.0
        self.cancelled: Callable[[], bool] = lambda: False  # the worker's is_cancelled

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


def stop_all_training() -> None:
    """Ask every running training to stop after its current batch."""
    with _ACTIVE_LOCK:
        for control in _ACTIVE:
            control.request_stop()


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
class TrainingDone(Message):
    """The run ended: finished, stopped, diverged or failed (`error` is then set)."""

    config: dict[str, Any]
    history: dict[str, list[float]] = field(default_factory=dict)
    step_norms: dict[str, list[list[float]]] = field(default_factory=dict)
    seconds: float = 0.0
    stopped: bool = False
    diverged: bool = False
    error: str = ""


class LiveCallback(Callback):
    """Reports a run to `target` through messages and obeys `control` after every batch."""

    def __init__(self, target: MessagePump, control: RunControl, batches: int, metric: str) -> None:
        self.target = target
        self.control = control
        self.batches = batches
        self.metric = metric
        self.epoch = 0
        self.started = time.perf_counter()
        self.last_report = 0.0

    def seconds(self) -> float:
        """Training time so far, pauses excluded."""
        return time.perf_counter() - self.started - self.control.paused_seconds

    def on_train_begin(self, logs: Mapping[str, Any]) -> None:
        self.started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any]) -> None:
        self.epoch = epoch

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        control = self.control
        if not control.running.is_set():
            paused_at = time.perf_counter()
            control.running.wait()
            control.paused_seconds += time.perf_counter() - paused_at
        if control.stop.is_set() or control.cancelled():
            self.model.stop_training = True
        now = time.perf_counter()
        if now - self.last_report >= BATCH_REPORT_INTERVAL:
            self.last_report = now
            metric = logs.get(self.metric)
            self.target.post_message(
                BatchProgress(self.epoch, batch + 1, self.batches, float(logs["loss"]),
                              None if metric is None else float(metric), self.seconds())
            )

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        scalars = {k: float(v) for k, v in logs.items() if isinstance(v, int | float)}
        norms = {name: np.asarray(v, dtype=float).tolist()
                 for name, v in logs.get("step_grad_norms", {}).items()}
        self.target.post_message(EpochDone(epoch, scalars, norms, self.seconds()))


def run_training(config: Mapping[str, Any], target: MessagePump, control: RunControl) -> None:
    """Load the task, build the model and fit it, reporting to `target`; never raises."""
    from tutor.tui.tasks_bridge import load_task

    config = dict(config)
    done = TrainingDone(config)
    started = time.perf_counter()
    with control:
        try:
            data = load_task(config)
            model = data.build_model(config)
            batch_size = int(config["batch_size"])
            callback = LiveCallback(target, control, math.ceil(len(data.x_train) / batch_size),
                                    data.metric)
            history = model.fit(
                data.x_train, data.y_train, epochs=int(config["epochs"]), batch_size=batch_size,
                validation_data=(data.x_val, data.y_val), seed=int(config.get("seed", 0)),
                callbacks=[callback],
            )
            done.history = {k: list(v) for k, v in history.history.items()}
            done.step_norms = {name: [np.asarray(row).tolist() for row in rows]
                               for name, rows in history.step_grad_norms.items()}
            done.diverged = bool(getattr(history, "diverged", False))
            done.stopped = control.stop.is_set()
            done.seconds = callback.seconds()
        except Exception as exc:  # shown as a notice with what to do, never a traceback
            done.error = str(exc) or type(exc).__name__
            done.seconds = time.perf_counter() - started
    target.post_message(done)
