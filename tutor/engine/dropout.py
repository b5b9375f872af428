"""Dropout: while training, zero each input with probability p and scale the rest by 1/(1-p).

Scaling during training ("inverted dropout") keeps the expected activation unchanged, so at
prediction time the layer is the identity.
"""

from __future__ import annotations

import numpy as np

from .layer import Array, Layer


class Dropout(Layer):
    def __init__(self, rate: float, name: str | None = None, dtype=np.float32, seed: int | None = None):
        super().__init__(name, dtype, seed)
        if not 0.0 <= float(rate) < 1.0:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.rng = None

    def forward(self, x, training: bool = False, mask: Array | None = None) -> Array:
        x = np.asarray(x)
        if not training or self.rate == 0.0:
            self.keep = None
            return x
        if self.rng is None:
            self.rng = self._rng()
        self.keep = (self.rng.random(x.shape) >= self.rate).astype(x.dtype) / (1.0 - self.rate)
        return x * self.keep

    def backward(self, dy: Array) -> Array:
        return dy if self.keep is None else dy * self.keep

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate}
