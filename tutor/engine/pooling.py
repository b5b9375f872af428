"""GlobalAveragePooling1D: the mean of a sequence over its (unpadded) time steps.

x: (B, T, D) and mask (B, T) → y: (B, D) = Σ_t m_t x_t / Σ_t m_t.
Reading a review through an LSTM and averaging its hidden states uses every step's state, not
only the last one, so the gradient reaches early words directly.

With ``running=True`` the output is the running mean after each step, (B, T, D): the value the
layer would give if the sequence stopped there (``Sequential.predict_steps`` uses this).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layer import Array, Layer, Shape, as_float_array
from .registry import register


@register
class GlobalAveragePooling1D(Layer):
    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.running = False

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], input_shape[-1])

    def compute_mask(self, mask: Array | None) -> Array | None:
        return mask if self.running else None

    def forward(self, x: Any, training: bool = False, mask: Array | None = None) -> Array:
        x = as_float_array(x, self.dtype, "GlobalAveragePooling1D input", (3,))
        B, T, _ = x.shape
        m = np.ones((B, T, 1), self.dtype) if mask is None else np.asarray(mask, self.dtype)[:, :, None]
        self.m, self.shape = m, x.shape
        if self.running:
            # a fully padded prefix has no steps yet: its mean is taken as 0
            out: Array = np.cumsum(x * m, axis=1) / np.maximum(np.cumsum(m, axis=1), 1.0)
            return out
        self.count = np.maximum(m.sum(axis=1), 1.0)  # (B, 1)
        mean: Array = (x * m).sum(axis=1) / self.count
        return mean

    def backward(self, dy: Array) -> Array:
        if self.running:
            raise ValueError("GlobalAveragePooling1D: no backward pass in running mode")
        grad: Array = (dy / self.count)[:, None, :] * self.m
        return grad


@register
class GlobalMaxPooling1D(Layer):
    """The largest value of each channel over the time steps: x (B, T, D) → y (B, D).

    After a convolution, "did this filter fire anywhere in the sequence?". As in Keras, a
    padding mask is not used (pad with values that do not fire, or mask before pooling)."""

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], input_shape[-1])

    def compute_mask(self, mask: Array | None) -> Array | None:
        return None

    def forward(self, x: Any, training: bool = False, mask: Array | None = None) -> Array:
        x = as_float_array(x, self.dtype, "GlobalMaxPooling1D input", (3,))
        self.where = x.argmax(axis=1)  # (B, D): the step that won, per channel
        self.shape = x.shape
        out: Array = np.take_along_axis(x, self.where[:, None, :], axis=1)[:, 0]
        return out

    def backward(self, dy: Array) -> Array:
        grad: Array = np.zeros(self.shape, self.dtype)
        np.put_along_axis(grad, self.where[:, None, :], np.asarray(dy, self.dtype)[:, None, :], axis=1)
        return grad
