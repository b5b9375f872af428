"""The one place a trained model is written: `tutor train --out`, its checkpoints, the dashboard.

A model file holds the weights and, as metadata, what `tutor predict` and the playground need
to use it (the task's `metadata`: vocabulary, input kind, lag) and the run's final figures.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.engine import Callback
from tutor.errors import TutorError

if TYPE_CHECKING:
    from tutor.engine import Model
    from tutor.tasks.base import RunResult, Task, TaskData


def check_destination(path: Path) -> Path:
    """`path` (expanded) if a model can be written there; TutorError saying why not otherwise.

    Checked before training, so a long run does not end in "cannot save": the name must end in
    .npz, the folder must exist and take a new file (tried, not guessed from permission bits,
    which root ignores), and an existing file must be one that can be replaced.
    """
    path = path.expanduser()
    if path.suffix != ".npz":
        raise TutorError(f"--out must name a .npz file, got {path}")
    folder = path.parent
    if not folder.is_dir():
        raise TutorError(f"cannot save to {path}: the folder {folder} does not exist")
    if path.is_dir():
        raise TutorError(f"cannot save to {path}: it is a folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise TutorError(f"cannot save to {path}: the file is read-only")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tutor-check-", suffix=".tmp"):
            pass
    except OSError as exc:
        raise TutorError(f"cannot save to {path}: {exc.strerror or exc}") from None
    return path


def save_model(model: Model, path: Path, metadata: Mapping[str, Any], metrics: Mapping[str, Any] = {}) -> Path:
    """Write `model` with its metadata and final figures (non-finite figures left out)."""
    figures = {k: v for k, v in metrics.items() if isinstance(v, int | float) and math.isfinite(v)}
    model.save(path, metadata={**metadata, **figures})
    return path


class BestCheckpoint(Callback):
    """Saves the model whenever `monitor` (a validation figure, higher is better) improves.

    So with `tutor train --out` the best epoch so far is on disk whatever ends the run.
    """

    def __init__(self, path: Path, monitor: str, metadata: Mapping[str, Any]) -> None:
        self.path, self.monitor, self.metadata = path, monitor, dict(metadata)
        self.best = -math.inf
        self.saved_epoch: int | None = None

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any]) -> None:
        value = logs.get(self.monitor)
        if value is not None and math.isfinite(value) and value > self.best:
            self.best = float(value)
            assert self.model is not None
            save_model(self.model, self.path, {**self.metadata, "epochs_trained": epoch + 1}, {self.monitor: value})
            self.saved_epoch = epoch


def keep_for_playground(task: Task, result: RunResult, data: TaskData) -> str:
    """Save a run's model where the playground finds it; its path, or "" if none was kept.

    Only tasks whose models the playground reads keep theirs; a run that diverged, or a full
    disk, keeps nothing (the run itself is not lost).
    """
    from tutor import paths

    trained = result.trained
    if not task.keeps_models or trained is None or result.diverged:
        return ""
    cfg = result.config
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{cfg.model}"
    if cfg.get("units") and not task.is_baseline(cfg.model):
        name += f"-{cfg['units']}u"
    try:
        folder = paths.models_dir()
        folder.mkdir(parents=True, exist_ok=True)
        meta = {**task.metadata(cfg, data), "epochs_trained": result.epochs, "stopped": result.interrupted}
        return str(save_model(trained, folder / f"{name}.npz", meta, result.metrics))
    except OSError:
        return ""


def model_metadata(path: Path) -> dict[str, Any]:
    """A saved model's metadata (task, model, config, final figures) without loading its weights.

    Reads the one member of the .npz that holds it; {} for a file that is not a model.
    """
    import json
    import zipfile

    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            config = json.loads(str(data["__config__"]))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError):
        return {}
    meta = config.get("metadata") if isinstance(config, dict) else None
    return meta if isinstance(meta, dict) else {}
