"""Losses: each returns the mean loss over the batch and its gradient ∂L/∂(prediction).

Cross-entropies also accept logits (the output layer's pre-activation z): with a sigmoid or
softmax output the model hands z to ``from_logits`` and skips the activation's derivative. That
is the numerically stable route: log σ(z) is computed as -log(1 + e^(-z)) without overflow, and
the gradient simplifies to σ(z) - y.
"""

from __future__ import annotations

import numpy as np

from .activations import log_sigmoid, sigmoid

Array = np.ndarray
_EPS = 1e-7  # how far probabilities are kept from 0 and 1 when no logits are available


class Loss:
    name = "loss"
    fuses_with: str | None = None  # the output activation whose logits this loss can take

    def __call__(self, y_true: Array, y_pred: Array) -> tuple[float, Array]:
        raise NotImplementedError

    def from_logits(self, y_true: Array, z: Array) -> tuple[float, Array]:
        raise NotImplementedError(f"{self.name} has no logits form")


class MeanSquaredError(Loss):
    """L = mean((y - ŷ)²): the lecture's R(θ) = ½ Σ (y - f(x))², averaged instead of halved."""

    name = "mean_squared_error"

    def __call__(self, y_true, y_pred):
        diff = y_pred - y_true
        return float(np.mean(diff * diff)), (2.0 / diff.size) * diff


class BinaryCrossentropy(Loss):
    """L = -mean(y log p + (1 - y) log(1 - p)), for outputs that are probabilities p = σ(z)."""

    name = "binary_crossentropy"
    fuses_with = "sigmoid"

    def __call__(self, y_true, y_pred):
        p = np.clip(y_pred, _EPS, 1 - _EPS)
        loss = -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
        grad = (p - y_true) / (p * (1 - p)) / p.size
        return float(loss), grad

    def from_logits(self, y_true, z):
        # log σ(z) and log(1 - σ(z)) = log σ(-z), both overflow-free
        loss = -np.mean(y_true * log_sigmoid(z) + (1 - y_true) * log_sigmoid(-z))
        return float(loss), (sigmoid(z) - y_true) / z.size


class CategoricalCrossentropy(Loss):
    """L = -mean over rows of Σ_k y_k log p_k, with one-hot (or soft) targets y."""

    name = "categorical_crossentropy"
    fuses_with = "softmax"

    def __call__(self, y_true, y_pred):
        p = np.clip(y_pred, _EPS, 1.0)
        rows = p.size // p.shape[-1]
        loss = -np.sum(y_true * np.log(p)) / rows
        return float(loss), -(y_true / p) / rows

    def from_logits(self, y_true, z):
        rows = z.size // z.shape[-1]
        shifted = z - z.max(axis=-1, keepdims=True)  # log Σ e^z, shifted so no term overflows
        log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        loss = -np.sum(y_true * log_p) / rows
        return float(loss), (np.exp(log_p) - y_true) / rows


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """The same with integer class labels instead of one-hot rows."""

    name = "sparse_categorical_crossentropy"

    @staticmethod
    def _one_hot(y_true, like):
        labels = np.asarray(y_true).reshape(like.shape[:-1])
        if not np.issubdtype(labels.dtype, np.integer):
            labels = labels.astype(np.int64)
        if labels.min() < 0 or labels.max() >= like.shape[-1]:
            raise ValueError(f"class labels must lie in [0, {like.shape[-1]})")
        onehot = np.zeros_like(like)
        np.put_along_axis(onehot, labels[..., None], 1.0, axis=-1)
        return onehot

    def __call__(self, y_true, y_pred):
        return super().__call__(self._one_hot(y_true, y_pred), y_pred)

    def from_logits(self, y_true, z):
        return super().from_logits(self._one_hot(y_true, z), z)


LOSSES = {
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
