"""The training process: runs the configs the app sends, reporting each as it goes.

Started by the app (`tutor.training.client`) as ``python -m tutor.training.process`` so that
drawing the app and training never take turns on one interpreter lock. It imports no Textual.
The protocol, one JSON value per line:

- stdin: a run's config (a JSON object), then commands for it: `stop`, `pause`, `resume`; after
  its `done` report, the next config. The process stays up between runs, so data it has
  prepared (25,000 tokenised reviews) serves the next run too. End of file (the app has gone)
  means stop, and then exit.
- stdout: reports (`tutor.training.protocol`): `batch`, `epoch`, `stage` and, last, `done`.
  Nothing else is written there.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from typing import IO, Any

import numpy as np

from tutor.engine import Callback
from tutor.errors import TutorError
from tutor.tasks.base import Stage, tell
from tutor.training.control import Switches
from tutor.training.protocol import BatchReport, DoneReport, EpochReport, Report, StageReport, encode

Emit = Callable[[Report], None]

BATCH_REPORT_INTERVAL = 0.25  # seconds between batch progress reports


class LiveCallback(Callback):
    """Reports a run through `emit` and obeys `switches` after every batch."""

    def __init__(self, emit: Emit, switches: Switches, metric: str) -> None:
        self.emit = emit
        self.switches = switches
        self.metric = metric
        self.batches = 0
        self.epoch = 0
        self.paused_seconds = 0.0
        self.started = time.perf_counter()
        self.ended: float | None = None
        self.last_report = 0.0
        self.losses: list[float] = []  # batch losses not yet reported
        self.last_batch = 0

    def seconds(self) -> float:
        """Training time so far, pauses excluded."""
        return time.perf_counter() - self.started - self.paused_seconds

    def fit_seconds(self) -> float:
        """The fit alone: from the first batch to the end of the last epoch, pauses excluded."""
        end = self.ended if self.ended is not None else time.perf_counter()
        return end - self.started - self.paused_seconds

    def on_train_begin(self, logs: Mapping[str, Any]) -> None:
        self.started = time.perf_counter()
        self.batches = int(logs.get("steps", 0))

    def on_train_end(self, logs: Mapping[str, Any]) -> None:
        self.ended = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any]) -> None:
        self.epoch = epoch

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        self.paused_seconds += self.switches.wait_while_paused()
        if self.switches.stopped:
            assert self.model is not None
            self.model.stop_training = True
        self.losses.append(float(logs["loss"]))
        self.last_batch = batch + 1
        now = time.perf_counter()
        if now - self.last_report >= BATCH_REPORT_INTERVAL:
            self.last_report = now
            metric = logs.get(self.metric)
            self.report_batches(float(logs["loss"]), None if metric is None else float(metric))

    def report_batches(self, loss: float, metric: float | None) -> None:
        """Send where the run is, with the losses of the batches since the last report."""
        losses, self.losses = self.losses, []
        self.emit(BatchReport(self.epoch, self.last_batch, self.batches, loss, metric, self.seconds(), losses))

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        if self.losses:  # the epoch's last batches: a report never spans two epochs
            self.report_batches(self.losses[-1], None)
        scalars = {k: float(v) for k, v in logs.items() if isinstance(v, int | float)}
        norms = {name: np.asarray(v, dtype=float).tolist() for name, v in logs.get("step_grad_norms", {}).items()}
        self.emit(EpochReport(epoch, scalars, norms, self.seconds()))


def run(config: Mapping[str, Any], emit: Emit, switches: Switches) -> DoneReport:
    """Resolve the config once, load the task's data, train or fit, reporting through `emit`.

    Returns the final report; never raises. A problem the learner can fix (a setting out of
    range, the IMDb data missing) is its `error`; anything else is a bug, reported as such with
    its traceback on stderr (the app keeps stderr to explain a failure).
    """
    from tutor.tasks import registry
    from tutor.training.saving import keep_for_playground

    started = time.perf_counter()
    callback: LiveCallback | None = None
    fields: dict[str, Any] = {"config": dict(config)}

    def progress(stage: Stage) -> bool:
        """The task's stage reports go out; True asks a lasso path to stop."""
        emit(StageReport(stage.name, {"stage": stage.name, **stage.info}))
        return switches.stopped

    try:
        cfg = registry.resolve(config)
        task = registry.get_task(cfg.task)
        fields.update(config=cfg.plain(), baseline=task.is_baseline(cfg.model), metric=task.metric)
        tell(progress, "data", task=cfg.task)
        data = task.load(cfg)
        if switches.stopped:
            fields["stopped"] = True
        else:
            callback = LiveCallback(emit, switches, data.metric)
            result = task.run(cfg, data, [callback], progress)
            fields.update(
                history={k: list(v) for k, v in result.history.items()},
                step_norms={
                    name: [np.asarray(row).tolist() for row in rows] for name, rows in result.step_grad_norms.items()
                },
                metrics=dict(result.metrics),
                diverged=result.diverged,
                stopped=switches.stopped or result.interrupted,
                sizes=dict(result.sizes),
                saved_model=keep_for_playground(task, result, data),
            )
    except TutorError as exc:
        fields["error"] = str(exc)
    except Exception as exc:  # a bug of ours: the app shows a notice, never a traceback
        traceback.print_exc(file=sys.stderr)
        fields["error"] = f"the run failed on an error the tutor did not expect ({type(exc).__name__}: {exc})"
    if callback is not None and not fields.get("baseline"):
        fields["seconds"] = fields["fit_seconds"] = callback.fit_seconds()
    else:
        fields["seconds"] = time.perf_counter() - started
    return DoneReport(**fields)


def listen(lines: IO[str], switches: Switches, configs: queue.Queue[dict[str, Any] | None]) -> None:
    """Queue each config and apply each command as they arrive; end of file means stop, then exit."""
    for line in lines:
        if line.startswith("{"):
            # Reset here, in stream order: a command sent for the previous run cannot reach this one
            switches.reset()
            configs.put(json.loads(line))
        else:
            switches.command(line.strip())
    switches.request_stop()
    configs.put(None)


def main() -> None:
    """Run each config sent on stdin, writing every report, `done` last."""
    # Reports own stdout. Anything else the process might print goes to stderr, which the app
    # keeps to explain a crash.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    switches = Switches()
    configs: queue.Queue[dict[str, Any] | None] = queue.Queue()
    threading.Thread(target=listen, args=(sys.stdin, switches, configs), daemon=True, name="commands").start()

    def emit(report: Report) -> None:
        try:
            out.write(encode(report) + "\n")
            out.flush()
        except OSError:  # the app is gone: stop at the next batch
            switches.request_stop()

    while (config := configs.get()) is not None:
        emit(run(config, emit, switches))


if __name__ == "__main__":
    main()
