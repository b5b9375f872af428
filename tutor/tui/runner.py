"""One dashboard run, as its training process sees it: reports go out, stop and pause come in.

The dashboard trains in a child process (see `tutor.tui.training`) so that the UI thread and the
training never take turns on one GIL. This module is what that process runs, as
`python -m tutor.tui.runner`. It imports no Textual. The protocol, one JSON value per line:

- stdin: a run's config (a JSON object), then commands for it: `stop`, `pause`, `resume`; after
  its `done` report, the next config. The process stays up between runs, so data it has
  prepared (25,000 tokenised reviews) serves the next run too. End of file (the app has gone)
  means stop, and then exit.
- stdout: reports `[kind, fields]`, kind one of `batch`, `epoch`, `stage` and, last, `done`; the
  app turns each into the Textual message of that kind. Nothing else is written there.
"""

from __future__ import annotations

import json
import math
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import IO, Any

import numpy as np

from tutor.engine import Callback

Emit = Callable[[str, dict[str, Any]], None]

BATCH_REPORT_INTERVAL = 0.25  # seconds between batch progress reports


class Switches:
    """The stop and pause switches: the app flips them, the run reads them after every batch."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.running = threading.Event()  # cleared while paused
        self.running.set()

    def reset(self) -> None:
        """A new run starts: not stopped, not paused."""
        self.stop.clear()
        self.running.set()

    def command(self, word: str) -> None:
        """Obey one command from the app: stop, pause or resume."""
        if word == "pause":
            self.running.clear()
        elif word == "resume":
            self.running.set()
        elif word == "stop":
            self.stop.set()
            self.running.set()


class LiveCallback(Callback):
    """Reports a run through `emit` and obeys `switches` after every batch."""

    def __init__(self, emit: Emit, switches: Switches, batches: int, metric: str) -> None:
        self.emit = emit
        self.switches = switches
        self.batches = batches
        self.metric = metric
        self.epoch = 0
        self.paused_seconds = 0.0
        self.started = time.perf_counter()
        self.ended: float | None = None
        self.last_report = 0.0

    def seconds(self) -> float:
        """Training time so far, pauses excluded."""
        return time.perf_counter() - self.started - self.paused_seconds

    def fit_seconds(self) -> float:
        """The fit alone: from the first batch to the end of the last epoch, pauses excluded."""
        end = self.ended if self.ended is not None else time.perf_counter()
        return end - self.started - self.paused_seconds

    def on_train_begin(self, logs: Mapping[str, Any]) -> None:
        self.started = time.perf_counter()
        self.batches = int(logs.get("steps", self.batches))

    def on_train_end(self, logs: Mapping[str, Any]) -> None:
        self.ended = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, Any]) -> None:
        self.epoch = epoch

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        switches = self.switches
        if not switches.running.is_set():
            paused_at = time.perf_counter()
            switches.running.wait()
            self.paused_seconds += time.perf_counter() - paused_at
        if switches.stop.is_set():
            self.model.stop_training = True
        now = time.perf_counter()
        if now - self.last_report >= BATCH_REPORT_INTERVAL:
            self.last_report = now
            metric = logs.get(self.metric)
            self.emit(
                "batch",
                {
                    "epoch": self.epoch,
                    "batch": batch + 1,
                    "batches": self.batches,
                    "loss": float(logs["loss"]),
                    "metric": None if metric is None else float(metric),
                    "seconds": self.seconds(),
                },
            )

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        scalars = {k: float(v) for k, v in logs.items() if isinstance(v, int | float)}
        norms = {name: np.asarray(v, dtype=float).tolist() for name, v in logs.get("step_grad_norms", {}).items()}
        self.emit("epoch", {"epoch": epoch, "logs": scalars, "step_norms": norms, "seconds": self.seconds()})


def run(config: Mapping[str, Any], emit: Emit, switches: Switches) -> dict[str, Any]:
    """Load the task's data, train or fit the model, reporting through `emit`.

    Returns the fields of the final `done` report; never raises (an error is one of them).
    """
    from tutor.tui import tasks_bridge

    done: dict[str, Any] = {"config": dict(config)}
    started = time.perf_counter()
    callback: LiveCallback | None = None

    def progress(stage: Any) -> bool:
        """The task's stage reports go out; True asks the lasso path to stop."""
        emit("stage", {"stage": stage.name, "info": {"stage": stage.name, **stage.info}})
        return switches.stop.is_set()

    try:
        cfg = tasks_bridge.resolve(config)
        done.update(config=cfg, baseline=tasks_bridge.is_baseline(cfg), metric=tasks_bridge.TASKS[cfg["task"]].metric)
        from tutor.tasks.base import tell

        tell(progress, "data", task=cfg["task"])
        data = tasks_bridge.load_data(cfg)
        if switches.stop.is_set():
            done["stopped"] = True
        else:
            batch_size = int(cfg.get("batch_size") or 1)
            callback = LiveCallback(emit, switches, math.ceil(len(data.y_train) / batch_size), data.metric)
            result = tasks_bridge.run(cfg, data, [callback], progress)
            done["saved_model"] = keep_model(cfg, data, result)
            done.update(
                history={k: list(v) for k, v in result.history.items()},
                step_norms={
                    name: [np.asarray(row).tolist() for row in rows] for name, rows in result.step_grad_norms.items()
                },
                metrics=dict(result.metrics),
                diverged=result.diverged,
                stopped=switches.stop.is_set() or result.interrupted,
            )
    except Exception as exc:  # the app shows it as a notice with what to do, never a traceback
        done["error"] = str(exc) or type(exc).__name__
    if callback is not None and not done.get("baseline"):
        done["seconds"] = done["fit_seconds"] = callback.fit_seconds()
    else:
        done["seconds"] = time.perf_counter() - started
    return done


def keep_model(cfg: Mapping[str, Any], data: Any, result: Any) -> str:
    """Save a trained sentiment model where the playground finds it; its path, or "" if none.

    A run that failed to learn (diverged) or that has nothing to save is not kept; a full disk
    costs the learner the file, not the run.
    """
    from tutor import paths
    from tutor.tasks import registry

    trained = result.trained
    if cfg["task"] not in ("imdb", "imdb_bow") or trained is None or result.diverged:
        return ""
    metrics = {k: v for k, v in result.metrics.items() if v is not None}
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{cfg['model']}"
    if cfg.get("units") and cfg["model"] != "lasso":
        name += f"-{cfg['units']}u"
    try:
        folder = paths.models_dir()
        folder.mkdir(parents=True, exist_ok=True)
        task = registry.get_task(cfg["task"])
        meta = task.metadata(result.config, data)
        trained.save(folder / f"{name}.npz", metadata={**meta, **metrics})
    except OSError:
        return ""
    return str(folder / f"{name}.npz")


def listen(lines: IO[str], switches: Switches, configs: queue.Queue[dict[str, Any] | None]) -> None:
    """Queue each config and apply each command as they arrive; end of file means stop, then exit."""
    for line in lines:
        if line.startswith("{"):
            # Reset here, in stream order: a command sent for the previous run cannot reach this one
            switches.reset()
            configs.put(json.loads(line))
        else:
            switches.command(line.strip())
    switches.command("stop")
    configs.put(None)


def main() -> None:
    """The training process: run each config it is sent, writing every report, `done` last."""
    # Reports own stdout. Anything else the process might print (numpy's overflow warning on a
    # diverging run) goes to stderr, which the app keeps to explain a crash.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    switches = Switches()
    configs: queue.Queue[dict[str, Any] | None] = queue.Queue()
    threading.Thread(target=listen, args=(sys.stdin, switches, configs), daemon=True, name="commands").start()

    def emit(kind: str, fields: dict[str, Any]) -> None:
        try:
            out.write(json.dumps([kind, fields]) + "\n")
            out.flush()
        except OSError:  # the app is gone: stop at the next batch
            switches.command("stop")

    while (config := configs.get()) is not None:
        emit("done", run(config, emit, switches))


if __name__ == "__main__":
    main()
