"""Metrics accumulated over an epoch: each ``update`` returns the batch value, ``result`` the
value over everything seen since ``reset``."""

from __future__ import annotations

import numpy as np

Array = np.ndarray


class Metric:
    name = "metric"

    def reset(self) -> None:
        self.total, self.count = 0.0, 0

    def __init__(self):
        self.reset()

    def _batch(self, y_true: Array, y_pred: Array) -> tuple[float, int]:
        raise NotImplementedError

    def update(self, y_true: Array, y_pred: Array) -> float:
        value, count = self._batch(y_true, y_pred)
        self.total += value * count
        self.count += count
        return value

    def result(self) -> float:
        return self.total / self.count if self.count else float("nan")


class Accuracy(Metric):
    """Share of correct labels: p > 0.5 for one output, the arg-max for several."""

    name = "accuracy"

    def _batch(self, y_true, y_pred):
        if y_pred.shape[-1] == 1:
            correct = (y_pred > 0.5) == (y_true > 0.5)
        else:
            labels = y_true.argmax(-1) if y_true.shape == y_pred.shape else y_true.reshape(y_pred.shape[:-1])
            correct = y_pred.argmax(-1) == labels
        return float(np.mean(correct)), correct.size


class MeanAbsoluteError(Metric):
    name = "mae"

    def _batch(self, y_true, y_pred):
        return float(np.mean(np.abs(y_pred - y_true))), y_pred.size


class R2(Metric):
    """R² = 1 - RSS/TSS, from running sums so the epoch value is exact, not a batch average."""

    name = "r2"

    def reset(self) -> None:
        self.n = 0
        self.sum_y = self.sum_y2 = self.rss = 0.0

    def update(self, y_true, y_pred):
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


def r2_score(y_true: Array, y_pred: Array) -> float:
    """1 - RSS/TSS: the share of the variance of y that the predictions explain."""
    y, p = np.ravel(y_true).astype(np.float64), np.ravel(y_pred).astype(np.float64)
    tss = ((y - y.mean()) ** 2).sum()
    return float(1.0 - ((y - p) ** 2).sum() / tss) if tss > 0 else float("nan")


METRICS = {cls.name: cls for cls in (Accuracy, MeanAbsoluteError, R2)}
ALIASES = {"acc": "accuracy", "mean_absolute_error": "mae", "r2_score": "r2"}


def get_metric(name: str) -> Metric:
    key = ALIASES.get(str(name).lower(), str(name).lower())
    if key not in METRICS:
        raise ValueError(f"unknown metric {name!r}: expected one of {', '.join(METRICS)}")
    return METRICS[key]()
