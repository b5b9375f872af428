"""Callbacks: how the TUI, `tutor train` and lessons watch (and stop) a training run.

``fit`` calls, in order: on_train_begin, then per epoch on_epoch_begin, on_batch_end after every
batch, on_epoch_end; finally on_train_end. Setting ``self.model.stop_training = True`` in any of
them stops training after the current batch.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .model import Model

Logs = dict[str, Any]


class Callback:
    model: Model | None = None

    def set_model(self, model: Model) -> None:
        self.model = model

    def _model(self) -> Model:
        if self.model is None:
            raise ValueError(f"{type(self).__name__} is used outside fit: it has no model")
        return self.model

    def on_train_begin(self, logs: Logs) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs) -> None: ...
    def on_batch_end(self, batch: int, logs: Logs) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs) -> None: ...
    def on_train_end(self, logs: Logs) -> None: ...


class History(Callback):
    """What ``fit`` returns: per-epoch logs as lists (``history.history["val_loss"][-1]``), the
    epochs run, per-step gradient norms, and how training ended.

    - ``history``: logged value name → one float per epoch (``loss``, metrics, ``val_...``,
      ``grad_norm``)
    - ``epoch``: the epoch numbers run (starting at ``initial_epoch``)
    - ``step_grad_norms``: recurrent layer name → one array per epoch, the mean ‖∂L/∂hₜ‖ per step
    - ``interrupted``: Ctrl-C ended training
    - ``diverged``: the loss became NaN or infinite, and training stopped
    - ``params``: what ``on_train_begin`` was told (epochs, steps per epoch, samples)
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.step_grad_norms: dict[str, list[np.ndarray[Any, Any]]] = {}
        self.epoch: list[int] = []
        self.interrupted = False
        self.diverged = False
        self.params: Logs = {}

    def on_train_begin(self, logs: Logs) -> None:
        self.params = dict(logs)

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            if key == "step_grad_norms":
                for name, norms in value.items():
                    self.step_grad_norms.setdefault(name, []).append(np.asarray(norms))
            elif isinstance(value, int | float):
                self.history.setdefault(key, []).append(float(value))


class _Monitor(Callback):
    """Tracks the best value of one logged quantity ('val_loss' by default)."""

    def __init__(self, monitor: str = "val_loss", mode: str = "auto"):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "min" if "loss" in monitor else "max"
        self.monitor, self.mode = monitor, mode
        self.best = math.inf if mode == "min" else -math.inf

    def _improved(self, logs: Logs) -> bool:
        value = logs.get(self.monitor)
        if value is None:
            raise ValueError(f"cannot monitor {self.monitor!r}: the logs have {sorted(logs)}")
        better = bool(value < self.best if self.mode == "min" else value > self.best)
        if better:
            self.best = float(value)
        return better


class EarlyStopping(_Monitor):
    """Stop when the monitored value has not improved for ``patience`` epochs; optionally put
    back the best weights seen."""

    def __init__(
        self, monitor: str = "val_loss", patience: int = 2, mode: str = "auto", restore_best_weights: bool = False
    ):
        super().__init__(monitor, mode)
        self.patience, self.restore = int(patience), bool(restore_best_weights)
        self.wait = 0
        self.best_weights: list[np.ndarray[Any, Any]] | None = None

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        if self._improved(logs):
            self.wait = 0
            if self.restore:
                self.best_weights = self._model().get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self._model().stop_training = True

    def on_train_end(self, logs: Logs) -> None:
        if self.restore and self.best_weights is not None:
            self._model().set_weights(self.best_weights)


class ModelCheckpoint(_Monitor):
    """Save the model to ``path`` whenever the monitored value improves (or every epoch)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        monitor: str = "val_loss",
        mode: str = "auto",
        save_best_only: bool = True,
        metadata: dict[str, Any] | None = None,
    ):
        super().__init__(monitor, mode)
        self.path, self.save_best_only, self.metadata = path, save_best_only, metadata
        self.saved_epoch: int | None = None

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        if self._improved(logs) or not self.save_best_only:
            self._model().save(self.path, metadata=self.metadata)
            self.saved_epoch = epoch


class LambdaCallback(Callback):
    """A callback from plain functions: ``LambdaCallback(on_batch_end=lambda b, logs: ...)``."""

    def __init__(self, **hooks: Any):
        for name, fn in hooks.items():
            if not hasattr(Callback, name):
                raise ValueError(f"unknown callback hook {name!r}")
            setattr(self, name, fn)
