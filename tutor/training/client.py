"""The app's side of the training process: start it, send it runs and switches, read its reports.

`train(config, switches, post)` sends one run to the training process (started on the first
run and kept for the next, so the data it prepared is reused), passes every change of
`switches` on, hands each report to `post` as it arrives and returns the final `DoneReport`.
It blocks: the app calls it from a thread worker. No Textual here; the app wraps the reports.

Why a process: a training thread in the app's process shares its GIL with the UI, and every
repaint then pauses training. Measured with `tutor bench tui`, a thread trained at 0.80 of
headless speed; in its own process the run measured 0.91 to 0.95 (quiet machine). A process can
also always be ended, even while it reads data that cannot be interrupted.
"""

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
from typing import IO, Any

from tutor.training.control import Switches
from tutor.training.protocol import DoneReport, ProtocolError, Report, StageReport, decode

# The training process: a fresh interpreter (forking a process that has threads is unsafe).
CHILD_COMMAND = [sys.executable, "-m", "tutor.training.process"]
POLL_INTERVAL = 0.05  # seconds between looks at the switches
STOP_GRACE = 1.0  # seconds a stopped run has to report before its process is ended


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def child_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The training process's environment: the app's, with NumPy's BLAS leaving a core to the app
    unless the learner chose a thread count. (With a BLAS thread on every core, the app kept half
    a core while a run trained, and keys took twice as long: `tutor bench tui`. The small models
    of the lessons train no slower on one thread.)"""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    threads = str(max(1, cores - 1))
    return {**{var: threads for var in BLAS_THREADS}, **environ, "PYTHONIOENCODING": "utf-8"}


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
            env=child_environ(self.environ),
        )
        self.reports: queue.Queue[str] = queue.Queue()
        assert self.process.stdout is not None
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
# Every run under way, so quitting the app can end all of them at once.
_ACTIVE: dict[Switches, Trainer | None] = {}
_ACTIVE_LOCK = threading.Lock()


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


def active_runs() -> int:
    """How many runs are under way."""
    with _ACTIVE_LOCK:
        return len(_ACTIVE)


def end_all() -> None:
    """The app is quitting: end every run now (a run being quit is not kept), and the process."""
    with _ACTIVE_LOCK:
        for switches, trainer in _ACTIVE.items():
            switches.request_stop()
            if trainer is not None:
                trainer.process.kill()
    end_training_process()


def end_training_process() -> None:
    """The app is closing: end the training process, busy or idle."""
    _discard_trainer()


def train(
    config: Mapping[str, Any],
    switches: Switches,
    post: Callable[[Report], None],
    cancelled: Callable[[], bool] = lambda: False,
) -> DoneReport:
    """Train `config` in the training process, handing each report to `post`; the final one back.

    A stop is passed on to the run, which stops after its current batch (or lasso step), scores
    what it has and reports. A cancelled caller (the app quitting) or a stop while the data is
    read does not wait for work that cannot be interrupted (reading 25,000 reviews, scoring a
    test split): the process then has STOP_GRACE to report before it is ended. Whatever goes
    wrong, a DoneReport comes back (with `error` set).
    """
    config = dict(config)
    with _ACTIVE_LOCK:
        _ACTIVE[switches] = None
    try:
        return _relay(config, switches, post, cancelled)
    except Exception as exc:  # a bug of ours must not leave the app "training" for ever
        _discard_trainer()
        return DoneReport(config, error=f"the training run failed: {exc or type(exc).__name__}")
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.pop(switches, None)


def _relay(
    config: dict[str, Any], switches: Switches, post: Callable[[Report], None], cancelled: Callable[[], bool]
) -> DoneReport:
    try:
        trainer = _trainer()
    except OSError as exc:
        return DoneReport(config, error=f"could not start the training process: {exc}")
    with _ACTIVE_LOCK:
        _ACTIVE[switches] = trainer
    trainer.send(json.dumps(config, allow_nan=False))
    fitting = False  # the data is read: a stop now ends the run soon (within a batch)
    deadline: float | None = None
    sent = "resume"  # the state the process was last told
    while True:
        if cancelled():
            switches.request_stop()
        state = switches.word()
        if state != sent:
            trainer.send(state)
            sent = state
        if deadline is None and switches.stopped and (cancelled() or not fitting):
            deadline = time.monotonic() + STOP_GRACE
        try:
            line = trainer.reports.get(timeout=POLL_INTERVAL)
        except queue.Empty:
            if deadline is not None and time.monotonic() > deadline:
                _discard_trainer()  # still busy (reading data): end it rather than wait
                return DoneReport(config, stopped=True)
            continue
        try:
            report = decode(line)
        except ProtocolError:  # end of output, a line cut short, or nonsense
            try:
                trainer.process.wait(STOP_GRACE)  # a crash ends the process; nonsense leaves it running
                what = f"ended unexpectedly ({trainer.why_it_ended()})"
            except subprocess.TimeoutExpired:
                what = f"sent a report the app cannot read ({line.strip()[:60]})"
            _discard_trainer()
            return DoneReport(
                config,
                error=f"the training process {what}; start it again, and if it recurs try a smaller model or less data",
            )
        if isinstance(report, DoneReport):
            return report
        fitting = fitting or not (isinstance(report, StageReport) and report.stage == "data")
        post(report)


def _read(stream: IO[str], reports: queue.Queue[str]) -> None:
    """Queue each report line of the training process; an empty string marks the end."""
    for line in stream:
        reports.put(line)
    reports.put("")
