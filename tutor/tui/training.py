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
POLL_INTERVAL = 0.1  # seconds between the worker's looks at its run and the stop switch
STOP_GRACE = 1.0  # seconds the worker still waits for a stopped run before leaving it behind


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


class LiveCallback(Callback):
    """Reports a run to `target` through messages and obeys `control` after every batch."""

    def __init__(self, target: MessagePump, control: RunControl, batches: int, metric: str) -> None:
        self.target = target
        self.control = control
        self.batches = batches
        self.metric = metric
        self.epoch = 0
        self.started = time.perf_counter()
        self.ended: float | None = None
        self.last_report = 0.0

    def seconds(self) -> float:
        """Training time so far, pauses excluded."""
        return time.perf_counter() - self.started - self.control.paused_seconds

    def fit_seconds(self) -> float:
        """The fit alone: from the first batch to the end of the last epoch, pauses excluded."""
        end = self.ended if self.ended is not None else time.perf_counter()
        return end - self.started - self.control.paused_seconds

    def on_train_begin(self, logs: Mapping[str, Any]) -> None:
        self.started = time.perf_counter()
        self.batches = int(logs.get("steps", self.batches))

    def on_train_end(self, logs: Mapping[str, Any]) -> None:
        self.ended = time.perf_counter()

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
    """Run `config` in a daemon thread and wait for it; give up waiting soon after a stop.

    The run itself stops within a batch, but preparing data (reading 25,000 reviews) or scoring
    a test split cannot be interrupted: waiting for those would hold the app open on quit. The
    daemon thread then finishes, or dies with the process, on its own; it reports by messages.
    """
    runner = threading.Thread(target=_run, args=(dict(config), target, control), daemon=True,
                              name="tutor-training")
    runner.start()
    while runner.is_alive():
        runner.join(POLL_INTERVAL)
        if control.stop.is_set() or control.cancelled():
            runner.join(STOP_GRACE)
            return


def _run(config: dict[str, Any], target: MessagePump, control: RunControl) -> None:
    """Load the task's data, train or fit the model, and report to `target`; never raises."""
    from tutor.tui import tasks_bridge

    done = TrainingDone(config)
    started = time.perf_counter()
    callback: LiveCallback | None = None

    def progress(info: dict[str, Any]) -> bool:
        """The registry's stage reports become messages; True asks the lasso path to stop."""
        target.post_message(StageProgress(str(info.get("stage", "")), dict(info)))
        return control.stop.is_set() or control.cancelled()

    with control:
        try:
            cfg = tasks_bridge.resolve(config)
            done.config, done.baseline = cfg, tasks_bridge.is_baseline(cfg)
            done.metric = tasks_bridge.TASKS[cfg["task"]].metric
            progress({"stage": "data", "task": cfg["task"]})
            data = tasks_bridge.load_data(cfg)
            if control.stop.is_set() or control.cancelled():
                done.stopped = True
            else:
                batch_size = int(cfg.get("batch_size") or 1)
                callback = LiveCallback(target, control, math.ceil(len(data.y_train) / batch_size), data.metric)
                result = tasks_bridge.run(cfg, data, [callback], progress)
                done.history = {k: list(v) for k, v in result["history"].items()}
                done.step_norms = {name: [np.asarray(row).tolist() for row in rows]
                                   for name, rows in (result.get("step_grad_norms") or {}).items()}
                done.metrics = dict(result["metrics"])
                done.diverged = bool(result["diverged"])
                done.stopped = control.stop.is_set() or bool(result["interrupted"])
        except Exception as exc:  # shown as a notice with what to do, never a traceback
            done.error = str(exc) or type(exc).__name__
        if callback is not None and not done.baseline:
            done.seconds = done.fit_seconds = callback.fit_seconds()
        else:
            done.seconds = time.perf_counter() - started
    target.post_message(done)
