"""Losses: each returns the mean loss over the batch and its gradient ∂L/∂(prediction).

Cross-entropies also accept logits (the output layer's pre-activation z): with a sigmoid or
softmax output the model hands z to ``from_logits`` and skips the activation's derivative. That
is the numerically stable route: log σ(z) is computed as -log(1 + e^(-z)) without overflow, and
the gradient simplifies to σ(z) - y.

A padding mask (B, T) on a sequence output weights the positions as Keras does: the loss is the
mean over the real positions only (padded positions count 0, and do not dilute the mean).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .activations import log_sigmoid, sigmoid

Array = npt.NDArray[Any]
_EPS = 1e-7  # how far probabilities are kept from 0 and 1 when no logits are available


def _masked_mean(per_position: Array, grad: Array, mask: Array) -> tuple[float, Array]:
    """Mean of per-position losses over the real positions, and the gradient scaled to match.

    ``per_position`` has the mask's shape; ``grad`` is ∂(per-position loss)/∂(prediction)."""
    m = np.asarray(mask, per_position.dtype)
    valid = float(m.sum())
    w = m / valid if valid > 0 else m * 0.0
    return float(np.sum(per_position * w)), grad * w[..., None]


class Loss:
    name = "loss"
    fuses_with: str | None = None  # the output activation whose logits this loss can take

    def __call__(self, y_true: Array, y_pred: Array, mask: Array | None = None) -> tuple[float, Array]:
        if mask is not None and np.shape(mask) == y_pred.shape[:-1]:
            return _masked_mean(*self.per_position(y_true, y_pred), mask)
        return self.mean(y_true, y_pred)

    def from_logits(self, y_true: Array, z: Array, mask: Array | None = None) -> tuple[float, Array]:
        if mask is not None and np.shape(mask) == z.shape[:-1]:
            return _masked_mean(*self.per_position_logits(y_true, z), mask)
        return self.mean_logits(y_true, z)

    def mean(self, y_true: Array, y_pred: Array) -> tuple[float, Array]:
        raise NotImplementedError

    def mean_logits(self, y_true: Array, z: Array) -> tuple[float, Array]:
        raise NotImplementedError(f"{self.name} has no logits form")

    def per_position(self, y_true: Array, y_pred: Array) -> tuple[Array, Array]:
        """The loss at every position (all axes but the last) and its gradient, unreduced."""
        raise NotImplementedError

    def per_position_logits(self, y_true: Array, z: Array) -> tuple[Array, Array]:
        raise NotImplementedError(f"{self.name} has no logits form")


class MeanSquaredError(Loss):
    """L = mean((y - ŷ)²): the lecture's R(θ) = ½ Σ (y - f(x))², averaged instead of halved."""

    name = "mean_squared_error"

    def mean(self, y_true: Array, y_pred: Array) -> tuple[float, Array]:
        diff = y_pred - y_true
        return float(np.mean(diff * diff)), (2.0 / diff.size) * diff

    def per_position(self, y_true: Array, y_pred: Array) -> tuple[Array, Array]:
        diff = y_pred - y_true
        F = diff.shape[-1]
        return np.mean(diff * diff, axis=-1), (2.0 / F) * diff


class BinaryCrossentropy(Loss):
    """L = -mean(y log p + (1 - y) log(1 - p)), for outputs that are probabilities p = σ(z)."""

    name = "binary_crossentropy"
    fuses_with = "sigmoid"

    def mean(self, y_true: Array, y_pred: Array) -> tuple[float, Array]:
        p = np.clip(y_pred, _EPS, 1 - _EPS)
        loss = -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
        grad = (p - y_true) / (p * (1 - p)) / p.size
        return float(loss), grad

    def mean_logits(self, y_true: Array, z: Array) -> tuple[float, Array]:
        # log σ(z) and log(1 - σ(z)) = log σ(-z), both overflow-free
        loss = -np.mean(y_true * log_sigmoid(z) + (1 - y_true) * log_sigmoid(-z))
        return float(loss), (sigmoid(z) - y_true) / z.size

    def per_position(self, y_true: Array, y_pred: Array) -> tuple[Array, Array]:
        p = np.clip(y_pred, _EPS, 1 - _EPS)
        F = p.shape[-1]
        loss = -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p), axis=-1)
        return loss, (p - y_true) / (p * (1 - p)) / F

    def per_position_logits(self, y_true: Array, z: Array) -> tuple[Array, Array]:
        F = z.shape[-1]
        loss = -np.mean(y_true * log_sigmoid(z) + (1 - y_true) * log_sigmoid(-z), axis=-1)
        return loss, (sigmoid(z) - y_true) / F


class CategoricalCrossentropy(Loss):
    """L = -mean over rows of Σ_k y_k log p_k, with one-hot (or soft) targets y."""

    name = "categorical_crossentropy"
    fuses_with = "softmax"

    def mean(self, y_true: Array, y_pred: Array) -> tuple[float, Array]:
        p = np.clip(y_pred, _EPS, 1.0)
        rows = p.size // p.shape[-1]
        loss = -np.sum(y_true * np.log(p)) / rows
        return float(loss), -(y_true / p) / rows

    def mean_logits(self, y_true: Array, z: Array) -> tuple[float, Array]:
        rows = z.size // z.shape[-1]
        log_p = _log_softmax(z)
        loss = -np.sum(y_true * log_p) / rows
        return float(loss), (np.exp(log_p) - y_true) / rows

    def per_position(self, y_true: Array, y_pred: Array) -> tuple[Array, Array]:
        p = np.clip(y_pred, _EPS, 1.0)
        return -np.sum(y_true * np.log(p), axis=-1), -(y_true / p)

    def per_position_logits(self, y_true: Array, z: Array) -> tuple[Array, Array]:
        log_p = _log_softmax(z)
        return -np.sum(y_true * log_p, axis=-1), np.exp(log_p) - y_true


def _log_softmax(z: Array) -> Array:
    shifted = z - z.max(axis=-1, keepdims=True)  # log Σ e^z, shifted so no term overflows
    out: Array = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return out


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """The same with integer class labels instead of one-hot rows."""

    name = "sparse_categorical_crossentropy"

    @staticmethod
    def _one_hot(y_true: Array, like: Array) -> Array:
        labels = np.asarray(y_true).reshape(like.shape[:-1])
        if not np.issubdtype(labels.dtype, np.integer):
            labels = labels.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= like.shape[-1]):
            raise ValueError(f"class labels must lie in [0, {like.shape[-1]})")
        onehot = np.zeros_like(like)
        np.put_along_axis(onehot, labels[..., None], 1.0, axis=-1)
        return onehot

    def mean(self, y_true: Array, y_pred: Array) -> tuple[float, Array]:
        return super().mean(self._one_hot(y_true, y_pred), y_pred)

    def mean_logits(self, y_true: Array, z: Array) -> tuple[float, Array]:
        return super().mean_logits(self._one_hot(y_true, z), z)

    def per_position(self, y_true: Array, y_pred: Array) -> tuple[Array, Array]:
        return super().per_position(self._one_hot(y_true, y_pred), y_pred)

    def per_position_logits(self, y_true: Array, z: Array) -> tuple[Array, Array]:
        return super().per_position_logits(self._one_hot(y_true, z), z)


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls
    for cls in (MeanSquaredError, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy)
}
ALIASES = {"mse": "mean_squared_error", "bce": "binary_crossentropy"}


def get_loss(loss: str | Loss) -> Loss:
    """A loss object from its name (Keras' names, plus 'mse' and 'bce')."""
    if isinstance(loss, Loss):
        return loss
    key = ALIASES.get(str(loss).lower(), str(loss).lower())
    if key not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}: expected one of {', '.join(LOSSES)}")
    return LOSSES[key]()
