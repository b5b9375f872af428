"""Metrics accumulated over an epoch: each ``update`` returns the batch value, ``result`` the
value over everything seen since ``reset``.

A metric is logged under the name it was asked for, as in Keras: ``metrics=["acc"]`` gives
``acc`` and ``val_acc``, ``metrics=["accuracy"]`` gives ``accuracy`` and ``val_accuracy``. A
padding mask on a sequence output restricts a metric to the real positions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]


class Metric:
    name = "metric"

    def __init__(self, name: str | None = None):
        if name is not None:
            self.name = name
        self.reset()

    def reset(self) -> None:
        self.total, self.count = 0.0, 0.0

    def _values(self, y_true: Array, y_pred: Array) -> Array:
        """The metric's value at every position (all axes but the last)."""
        raise NotImplementedError

    def update(self, y_true: Array, y_pred: Array, mask: Array | None = None) -> float:
        values = self._values(y_true, y_pred)
        if mask is not None and np.shape(mask) == values.shape:
            w = np.asarray(mask, np.float64)
            value_sum, count = float(np.sum(values * w)), float(w.sum())
        else:
            value_sum, count = float(np.sum(values)), float(values.size)
        self.total += value_sum
        self.count += count
        return value_sum / count if count else float("nan")

    def result(self) -> float:
        return self.total / self.count if self.count else float("nan")


class Accuracy(Metric):
    """Share of correct labels: p > 0.5 for one output, the arg-max for several."""

    name = "accuracy"

    def _values(self, y_true: Array, y_pred: Array) -> Array:
        if y_pred.shape[-1] == 1:
            correct = (y_pred > 0.5) == (y_true > 0.5)
            return np.asarray(correct.reshape(y_pred.shape[:-1]), np.float64)
        labels = y_true.argmax(-1) if y_true.shape == y_pred.shape else y_true.reshape(y_pred.shape[:-1])
        return np.asarray(y_pred.argmax(-1) == labels, np.float64)


class MeanAbsoluteError(Metric):
    name = "mae"

    def _values(self, y_true: Array, y_pred: Array) -> Array:
        values: Array = np.mean(np.abs(y_pred - y_true), axis=-1)
        return values


class R2(Metric):
    """R² = 1 - RSS/TSS, from running sums so the epoch value is exact, not a batch average."""

    name = "r2"

    def reset(self) -> None:
        self.n = 0
        self.sum_y = self.sum_y2 = self.rss = 0.0

    def update(self, y_true: Array, y_pred: Array, mask: Array | None = None) -> float:
        y, p = y_true.astype(np.float64).ravel(), y_pred.astype(np.float64).ravel()
        self.n += y.size
        self.sum_y += y.sum()
        self.sum_y2 += (y * y).sum()
        self.rss += ((y - p) ** 2).sum()
        return r2_score(y, p)

    def result(self) -> float:
        if self.n == 0:
            return float("nan")
        tss = self.sum_y2 - self.sum_y**2 / self.n
        return 1.0 - self.rss / tss if tss > 0 else float("nan")


class Perplexity(Metric):
    """exp of the mean cross-entropy −log p(target), over every position seen: the number of
    equally likely choices the model is as unsure as (1 = certain and right; V = a uniform guess).

    Reads probabilities (a softmax output) and integer targets, or one-hot rows; as KerasHub's
    ``Perplexity``, the epoch value is exp of the mean over all positions, not a mean of batch values.
    """

    name = "perplexity"
    _EPS = 1e-7  # as the cross-entropy's clip, so exp(loss) and this agree

    def _values(self, y_true: Array, y_pred: Array) -> Array:
        if y_true.shape == y_pred.shape and y_pred.shape[-1] > 1:
            p = np.sum(y_true * y_pred, axis=-1)
        else:
            labels = np.asarray(y_true).reshape(y_pred.shape[:-1]).astype(np.int64)
            p = np.take_along_axis(y_pred, labels[..., None], axis=-1)[..., 0]
        values: Array = -np.log(np.clip(p.astype(np.float64), self._EPS, 1.0))
        return values

    def update(self, y_true: Array, y_pred: Array, mask: Array | None = None) -> float:
        return float(np.exp(min(super().update(y_true, y_pred, mask), 700.0)))

    def result(self) -> float:
        return float(np.exp(min(super().result(), 700.0))) if self.count else float("nan")


def r2_score(y_true: Array, y_pred: Array) -> float:
    """1 - RSS/TSS: the share of the variance of y that the predictions explain."""
    y, p = np.ravel(y_true).astype(np.float64), np.ravel(y_pred).astype(np.float64)
    tss = ((y - y.mean()) ** 2).sum()
    return float(1.0 - ((y - p) ** 2).sum() / tss) if tss > 0 else float("nan")


METRICS: dict[str, type[Metric]] = {cls.name: cls for cls in (Accuracy, MeanAbsoluteError, R2, Perplexity)}
ALIASES = {"acc": "accuracy", "mean_absolute_error": "mae", "r2_score": "r2"}


def get_metric(name: str) -> Metric:
    """A metric by Keras' name or alias; it logs under the name given."""
    if not isinstance(name, str):
        raise ValueError(f"a metric is given by name, got {name!r}")
    key = ALIASES.get(name.lower(), name.lower())
    if key not in METRICS:
        raise ValueError(f"unknown metric {name!r}: expected one of {', '.join([*METRICS, *ALIASES])}")
    return METRICS[key](name=name)
