"""The reports a training run sends, as typed records, and the JSON lines that carry them.

The training process writes one line per report, ``[kind, fields]``; the app reads it back
into the same record (`decode`) and wraps it in a Textual message. A line that is not a report
of a known kind with exactly its fields is a `ProtocolError`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar


class ProtocolError(ValueError):
    """A line that is not a report."""


@dataclass(frozen=True)
class BatchReport:
    """Where the run is (sent a few times a second at most): epoch, batch, the latest losses."""

    kind: ClassVar[str] = "batch"
    epoch: int
    batch: int
    batches: int
    loss: float
    metric: float | None
    seconds: float
    # the loss of every batch since the last report, up to `batch` (all of one epoch): the
    # dashboard plots them, smoothed, as they arrive
    losses: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class EpochReport:
    """One finished epoch: its scalar logs and the mean gradient norm at every time step."""

    kind: ClassVar[str] = "epoch"
    epoch: int
    logs: dict[str, float]
    step_norms: dict[str, list[float]]
    seconds: float


@dataclass(frozen=True)
class StageReport:
    """A stage of the run began (data, train, evaluate, test) or the lasso path took a step."""

    kind: ClassVar[str] = "stage"
    stage: str
    info: dict[str, Any]


@dataclass(frozen=True)
class DoneReport:
    """The run ended: finished, stopped, diverged or failed (`error` is then set)."""

    kind: ClassVar[str] = "done"
    config: dict[str, Any]  # the settings the run used (resolved), or as sent if they were refused
    history: dict[str, list[float]] = field(default_factory=dict)
    step_norms: dict[str, list[list[float]]] = field(default_factory=dict)
    seconds: float = 0.0
    stopped: bool = False
    diverged: bool = False
    error: str = ""
    metrics: dict[str, float | int | None] = field(default_factory=dict)  # final figures (val_r2, ...)
    metric: str = "accuracy"  # "accuracy" or "r2"
    baseline: bool = False  # fitted in one go: no epochs, one final figure
    fit_seconds: float = 0.0  # the engine's fit alone (data preparation and scoring excluded)
    saved_model: str = ""  # where a trained sentiment model was kept for the playground
    sizes: dict[str, int] = field(default_factory=dict)  # examples the run trained and validated on

    @property
    def epochs(self) -> int:
        """Epochs trained."""
        return len(self.history.get("loss", []))

    @property
    def finished(self) -> bool:
        """Whether there is a result to keep: an epoch, or a baseline's figures."""
        return not self.error and bool(self.epochs or (self.baseline and self.metrics))


Report = BatchReport | EpochReport | StageReport | DoneReport
KINDS: dict[str, type[BatchReport] | type[EpochReport] | type[StageReport] | type[DoneReport]] = {
    cls.kind: cls for cls in (BatchReport, EpochReport, StageReport, DoneReport)
}


def encode(report: Report) -> str:
    """The report as one line of JSON (no newline); NaN and infinity as Python's json writes them."""
    return json.dumps([report.kind, asdict(report)])


def decode(line: str) -> Report:
    """The report a line holds; ProtocolError for anything else (a cut line, nonsense)."""
    try:
        kind, values = json.loads(line)
        cls = KINDS[kind]
        if not isinstance(values, dict) or set(values) - {f.name for f in fields(cls)}:
            raise ProtocolError(f"unexpected fields for a {kind} report")
        return cls(**values)
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(f"not a report: {line.strip()[:60]!r}") from exc
