"""Dropout: while training, zero each input with probability p and scale the rest by 1/(1-p).

Scaling during training ("inverted dropout") keeps the expected activation unchanged, so at
prediction time the layer is the identity.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layer import Array, Layer, check_rate
from .registry import register


@register
class Dropout(Layer):
    def __init__(self, rate: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.rate = check_rate(rate, "Dropout: rate")
        self.rng: np.random.Generator | None = None
        self.keep: Array | None = None

    def random_layers(self) -> list[Layer]:
        return [self]

    def set_rng(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def forward(self, x: Any, training: bool = False, mask: Array | None = None) -> Array:
        arr: Array = np.asarray(x)
        if not training or self.rate == 0.0:
            self.keep = None
            return arr
        if self.rng is None:
            self.rng = self._rng()
        keep: Array = (self.rng.random(arr.shape) >= self.rate).astype(arr.dtype) / (1.0 - self.rate)
        self.keep = keep
        out: Array = arr * keep
        return out

    def backward(self, dy: Array) -> Array:
        if self.keep is None:
            return dy
        out: Array = dy * self.keep
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate}
