"""The layer interface every part of the engine follows.

A layer owns two dicts of NumPy arrays, ``params`` and ``grads`` (same keys, same shapes).
``forward(x, training)`` computes the output and keeps what the backward pass needs;
``backward(dy)`` takes ∂L/∂y, fills ``grads`` with ∂L/∂θ and returns ∂L/∂x.
Shapes are batch first: B is the batch size, T the number of time steps, D an input width.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray
Shape = tuple[int | None, ...]


class Layer:
    """Base class: parameters, gradients, lazy building and a JSON-able config."""

    def __init__(self, name: str | None = None, dtype=np.float32, seed: int | None = None):
        self.name = name
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        self.seed = seed
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self.built = False

    # -- building -------------------------------------------------------------------------
    def build(self, input_shape: Shape) -> None:
        """Create the parameters for inputs of this shape (batch axis first, may be None)."""
        self.built = True

    def reinitialize(self, seed: int | None) -> None:
        """Draw fresh initial parameters from ``seed`` (a model gives each layer its own)."""
        self.seed = seed
        if self.params:
            shape = {k: v.shape for k, v in self.params.items()}
            self.params.clear()
            self.grads.clear()
            self.built = False
            self.build(self._build_shape())
            assert {k: v.shape for k, v in self.params.items()} == shape

    def _build_shape(self) -> Shape:
        """The input shape this layer was built for (for rebuilding it)."""
        return (None, getattr(self, "input_dim", None))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed)

    def _add_param(self, key: str, value: Array) -> None:
        self.params[key] = np.ascontiguousarray(value, dtype=self.dtype)
        self.grads[key] = np.zeros_like(self.params[key])

    # -- computing ------------------------------------------------------------------------
    def forward(self, x, training: bool = False, mask: Array | None = None):
        raise NotImplementedError

    def backward(self, dy: Array) -> Array | None:
        raise NotImplementedError

    def compute_mask(self, mask: Array | None) -> Array | None:
        """The padding mask (B, T) to hand to the next layer: passed through by default."""
        return mask

    # -- describing -----------------------------------------------------------------------
    def count_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "dtype": self.dtype.name, "seed": self.seed}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def is_sparse(x) -> bool:
    """A scipy.sparse matrix, told without importing SciPy (the quick paths never load it)."""
    return type(x).__module__.startswith("scipy.sparse")


def as_float_array(x, dtype, what: str, ndim: tuple[int, ...]) -> Array:
    """Check rank and finiteness of a float input and cast it to the layer's dtype."""
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except Exception as exc:  # ragged lists and the like
            raise ValueError(f"{what}: expected a numeric array, got {type(x).__name__}") from exc
    if x.ndim not in ndim:
        want = " or ".join(f"{n}-D" for n in ndim)
        raise ValueError(f"{what}: expected a {want} array, got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"{what}: expected real numbers, got dtype {x.dtype}")
    x = x.astype(dtype, copy=False)
    if not np.isfinite(x).all():
        raise ValueError(f"{what}: input contains NaN or infinity")
    return x
