"""Embedding: a learned lookup table. Row k of E is the vector of word id k.

ids: (B, T) integers in [0, V); E: (V, D); y = E[ids]: (B, T, D).
Looking up row k is the same as multiplying the one-hot row of k by E, without building it.
With ``mask_zero=True`` id 0 means padding: the mask (B, T) tells recurrent layers to skip it.
"""

from __future__ import annotations

import numpy as np

from .initializers import uniform
from .layer import Array, Layer, Shape


class Embedding(Layer):
    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        mask_zero: bool = False,
        name: str | None = None,
        dtype=np.float32,
        seed: int | None = None,
    ):
        super().__init__(name, dtype, seed)
        if int(input_dim) < 1 or int(output_dim) < 1:
            raise ValueError("Embedding: input_dim and output_dim must be positive integers")
        self.input_dim = int(input_dim)  # V, the vocabulary size
        self.output_dim = int(output_dim)  # D, the embedding width
        self.mask_zero = bool(mask_zero)
        self.build((None, None))

    def build(self, input_shape: Shape) -> None:
        if not self.params:
            E = uniform(self._rng(), (self.input_dim, self.output_dim), self.dtype)
            self._add_param("E", E)
        self.built = True

    def _build_shape(self) -> Shape:
        return (None, None)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*input_shape, self.output_dim)

    def forward(self, ids, training: bool = False, mask: Array | None = None) -> Array:
        ids = np.asarray(ids)
        if ids.ndim != 2:
            raise ValueError(f"Embedding: expected word ids of shape (B, T), got {ids.shape}")
        if not np.issubdtype(ids.dtype, np.integer):
            if not np.issubdtype(ids.dtype, np.floating) or not np.all(ids == np.round(ids)):
                raise ValueError(f"Embedding: expected integer word ids, got dtype {ids.dtype}")
            ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            raise ValueError(
                f"Embedding: word ids must lie in [0, {self.input_dim}), got values from {ids.min()} to {ids.max()}"
            )
        self.ids = ids
        self.mask = (ids != 0) if self.mask_zero else None
        return self.params["E"][ids]

    def compute_mask(self, mask: Array | None) -> Array | None:
        return self.mask

    def backward(self, dy: Array) -> None:
        # y = onehot(ids)·E, so ∂E = onehot(ids)ᵀ·∂y: the rows of a word that occurs many times
        # add up. The one-hot matrix, one entry per row, is built directly as CSR (no sorting);
        # the sparse product is several times faster than np.add.at.
        import scipy.sparse as sp  # here, not at import: prediction never needs it

        n = self.ids.size
        onehot = sp.csr_matrix((np.ones(n, self.dtype), self.ids.ravel(), np.arange(n + 1)), shape=(n, self.input_dim))
        self.grads["E"][...] = onehot.T @ np.asarray(dy, self.dtype).reshape(n, self.output_dim)
        return None

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "mask_zero": self.mask_zero,
        }
