"""The dashboard's training messages: each wraps a report of the training process.

The dashboard's thread worker calls `run_training`, which trains through
`tutor.training.client` and posts each report as it arrives, wrapped in a small Textual
message: `BatchProgress` at most a few times a second, `EpochDone` once per epoch,
`StageProgress` when a stage begins, `TrainingDone` at the end. Neither thread touches widgets;
the dashboard redraws on a timer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump

from tutor.training import client
from tutor.training.control import Switches
from tutor.training.protocol import BatchReport, DoneReport, EpochReport, Report, StageReport


class BatchProgress(Message):
    """Where the run is (throttled)."""

    def __init__(self, report: BatchReport) -> None:
        super().__init__()
        self.report = report


class EpochDone(Message):
    """One finished epoch."""

    def __init__(self, report: EpochReport) -> None:
        super().__init__()
        self.report = report


class StageProgress(Message):
    """A stage of the run began, or the lasso path took a step."""

    def __init__(self, report: StageReport) -> None:
        super().__init__()
        self.report = report


class TrainingDone(Message):
    """The run ended: finished, stopped, diverged or failed."""

    def __init__(self, report: DoneReport) -> None:
        super().__init__()
        self.report = report


def wrap(report: Report) -> Message:
    """The message that carries `report`."""
    if isinstance(report, BatchReport):
        return BatchProgress(report)
    if isinstance(report, EpochReport):
        return EpochDone(report)
    if isinstance(report, StageReport):
        return StageProgress(report)
    return TrainingDone(report)


def run_training(
    config: Mapping[str, Any], target: MessagePump, switches: Switches, cancelled: Callable[[], bool]
) -> None:
    """Train `config` (blocking: call it from a thread worker), posting every report to `target`."""

    def post(report: Report) -> None:
        target.post_message(wrap(report))

    done = client.train(config, switches, post, cancelled)
    target.post_message(TrainingDone(done))


def end_all_training() -> None:
    """The app is quitting: end every run and the training process now."""
    client.end_all()
