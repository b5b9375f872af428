"""Training an engine model for a task and scoring it: what every trainable task's run shares.

The engine's `fit` does the training; this module adds what the course's runs need around it:
a guard that stops a run whose loss blows up (and says so), the best epoch beside the last,
scoring a model stopped mid-epoch, and the test split when there is one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from tutor.engine import Callback
from tutor.tasks.base import Progress, RunConfig, RunResult, TaskData, finite, tell

if TYPE_CHECKING:
    from tutor.engine import Sequential

# A loss this many times its first batch's (or 1, if that is smaller) means the run diverged: a
# run that learns never climbs there, while one with a far too large learning rate gets there
# within a few batches and would otherwise report a finite but meaningless loss (say 1e29).
DIVERGENCE_FACTOR = 1000.0

Logs = dict[str, float]
Evaluate = Callable[["Sequential", Any, np.ndarray], Logs]
# (model, x, y, epochs, batch_size, validation, seed, callbacks) -> the engine's History
Fit = Callable[..., Any]


class DivergenceGuard(Callback):
    """Stops training once the loss is NaN, infinite or DIVERGENCE_FACTOR times its start."""

    def __init__(self) -> None:
        self.diverged = False
        self.limit: float | None = None

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        loss = float(logs["loss"])
        if self.limit is None and math.isfinite(loss):
            self.limit = DIVERGENCE_FACTOR * max(abs(loss), 1.0)
        if not math.isfinite(loss) or (self.limit is not None and loss > self.limit):
            self.diverged = True
            assert self.model is not None
            self.model.stop_training = True


def engine_evaluate(model: Sequential, x: Any, y: np.ndarray) -> Logs:
    """The engine's own `evaluate`, in batches of 256."""
    return dict(model.evaluate(x, y, batch_size=256, return_dict=True))


def engine_fit(
    model: Sequential,
    x: Any,
    y: np.ndarray,
    epochs: int,
    batch_size: int,
    validation: Callable[[], Logs],
    seed: int,
    callbacks: Sequence[Callback],
) -> Any:
    """The engine's own `fit`, in shuffled mini-batches."""
    return model.fit(
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=cast(Any, validation),  # a function is accepted, though the annotation names tuples
        seed=seed,
        callbacks=list(callbacks),
    )


def train_and_score(
    cfg: RunConfig,
    data: TaskData,
    model: Sequential,
    callbacks: Sequence[Callback] = (),
    progress: Progress | None = None,
    fit: Fit = engine_fit,
    evaluate: Evaluate = engine_evaluate,
    test_is_val: bool = False,
) -> RunResult:
    """Train `model` on the run's data and score it; `test_is_val` when the test part validates.

    Returns the final figures (``val_<metric>``, ``best_val_<metric>`` and ``best_epoch``,
    ``test_<metric>`` when a test part exists), the per-epoch history and the gradient norms.
    """
    started = time.perf_counter()
    guard = DivergenceGuard()
    metric = data.metric

    def validation() -> Logs:
        if guard.diverged:  # the weights may hold NaN now: there is nothing left to score
            return {"loss": math.nan, metric: math.nan}
        return evaluate(model, data.x_val, data.y_val)

    tell(progress, "train", epochs=int(cfg["epochs"]))
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows: the guard says so
        history = fit(
            model,
            data.x_train,
            data.y_train,
            int(cfg["epochs"]),
            int(cfg["batch_size"]),
            validation,
            int(cfg["seed"]),
            [guard, *callbacks],
        )
    diverged = guard.diverged or bool(getattr(history, "diverged", False))
    interrupted = bool(getattr(history, "interrupted", False))
    hist: dict[str, list[float]] = {k: [float(v) for v in values] for k, values in history.history.items()}
    metrics: dict[str, Any] = {}
    if not interrupted and f"val_{metric}" in hist:
        metrics.update({k: v[-1] for k, v in hist.items()})
    elif not diverged:  # stopped mid-epoch: score the model as it stands
        tell(progress, "evaluate")
        metrics.update({f"val_{k}": v for k, v in evaluate(model, data.x_val, data.y_val).items()})
    curve = hist.get(f"val_{metric}")
    if curve and np.isfinite(curve).any():  # the best epoch, as the course reads a validation curve's peak
        best = int(np.nanargmax(curve))
        metrics.update({f"best_val_{metric}": curve[best], "best_epoch": best + 1})
    if data.x_test is not None and not diverged:
        if test_is_val:
            metrics[f"test_{metric}"] = metrics.get(f"val_{metric}")
        else:
            tell(progress, "test")
            assert data.y_test is not None
            metrics.update({f"test_{k}": v for k, v in evaluate(model, data.x_test, data.y_test).items()})
    return RunResult(
        config=cfg,
        metric=metric,
        metrics=finite(metrics),
        history=hist,
        epochs=len(history.epoch),
        sizes=data.sizes(),
        seconds=time.perf_counter() - started,
        interrupted=interrupted,
        diverged=diverged,
        trained=model,
        step_grad_norms={k: list(v) for k, v in history.step_grad_norms.items()},
    )


def dense_model(weights: np.ndarray, intercept: float, activation: str | None, name: str) -> Sequential:
    """A one-layer engine model holding a fitted linear model, so it saves like any other."""
    from tutor.engine import Dense, Sequential

    model = Sequential([Dense(1, activation=activation, input_dim=len(weights))], name=name)
    model.set_weights([np.asarray(weights, np.float32).reshape(-1, 1), np.array([intercept], np.float32)])
    if activation == "sigmoid":
        model.compile("binary_crossentropy", "rmsprop", ["accuracy"])
    else:
        model.compile("mse", "rmsprop", ["r2"])
    return model


def clip(cfg: RunConfig) -> float | None:
    """The clipping norm for `compile` (0 in a form or lesson means "no clipping")."""
    value = float(cfg.get("clipnorm") or 0.0)
    return value if value > 0 else None


MAX_ACTIVATION_BYTES = 2_000_000_000


def check_activations(values: Mapping[str, Any], steps: int, inputs: int) -> None:
    """Refuse a recurrent run whose per-batch activations could not fit in memory.

    The engine keeps, for every step of a batch, the gates and states of the layer (about 8
    numbers per unit for an LSTM) and its inputs, in float32; SettingError if a batch would
    hold more than MAX_ACTIVATION_BYTES. Evaluation runs in batches of at least 256.
    """
    from tutor.tasks.settings import SizeError

    batch, units = max(int(values["batch_size"]), 256), int(values["units"])
    size = batch * steps * (8 * units + inputs) * 4
    if size > MAX_ACTIVATION_BYTES:
        raise SizeError(
            "units",
            f"a batch of {batch:,} sequences of {steps:,} steps through {units:,} units would hold about "
            f"{size / 1e9:.0f} GB (at most {MAX_ACTIVATION_BYTES / 1e9:.0f} GB): use fewer units, shorter "
            "sequences or smaller batches",
        )
