"""Weight initialisers, matching Keras' defaults so models start where the course's do."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]


def glorot_uniform(rng: np.random.Generator, shape: tuple[int, ...], dtype: npt.DTypeLike) -> Array:
    """U(-l, l) with l = √(6 / (fan_in + fan_out)): keeps activations' variance steady."""
    limit = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def orthogonal(rng: np.random.Generator, shape: tuple[int, int], dtype: npt.DTypeLike) -> Array:
    """A (semi-)orthogonal matrix: repeated multiplication by it neither shrinks nor grows h."""
    rows, cols = shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # make the decomposition unique, as Keras does
    if rows < cols:
        q = q.T
    return q[:rows, :cols].astype(dtype)


def uniform(rng: np.random.Generator, shape: tuple[int, ...], dtype: npt.DTypeLike, scale: float = 0.05) -> Array:
    return rng.uniform(-scale, scale, size=shape).astype(dtype)


class Constant:
    """A given array as the initial value (``keras.initializers.Constant``), e.g. GloVe vectors."""

    def __init__(self, value: Any):
        self.value = np.asarray(value)

    def __repr__(self) -> str:
        return f"Constant(array of shape {self.value.shape})"
