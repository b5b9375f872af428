"""Embedding: a learned lookup table. Row k of E is the vector of word id k.

ids: (B, T) integers in [0, V); E: (V, D); y = E[ids]: (B, T, D).
Looking up row k is the same as multiplying the one-hot row of k by E, without building it.
With ``mask_zero=True`` id 0 means padding: the mask (B, T) tells recurrent layers to skip it.

Pre-trained vectors (GloVe-style), as in Keras:
    Embedding(V, D, weights=[matrix], trainable=False)
    Embedding(V, D, embeddings_initializer=Constant(matrix))   # or the matrix itself
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .initializers import Constant, uniform
from .layer import Array, Layer, Shape, check_size
from .registry import register


@register
class Embedding(Layer):
    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        mask_zero: bool = False,
        embeddings_initializer: str | Constant | Array | list[Any] = "uniform",
        weights: list[Array] | None = None,
        input_length: int | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.input_dim = check_size(input_dim, "Embedding: input_dim")  # V, the vocabulary size
        self.output_dim = check_size(output_dim, "Embedding: output_dim")  # D, the embedding width
        self.mask_zero = bool(mask_zero)
        if input_length is not None:
            warnings.warn("Embedding: input_length is ignored (as in Keras 3): just remove it", stacklevel=2)
        if weights is not None:
            if not isinstance(weights, list | tuple) or len(weights) != 1:
                raise ValueError("Embedding: weights must be a list holding one (input_dim, output_dim) matrix")
            embeddings_initializer = Constant(weights[0])
        if isinstance(embeddings_initializer, np.ndarray | list):
            embeddings_initializer = Constant(embeddings_initializer)
        if isinstance(embeddings_initializer, Constant):
            value = np.asarray(embeddings_initializer.value)
            if value.shape != (self.input_dim, self.output_dim):
                raise ValueError(
                    f"Embedding: the given matrix has shape {value.shape}, "
                    f"expected ({self.input_dim}, {self.output_dim})"
                )
            if not np.issubdtype(value.dtype, np.number) or not np.isfinite(value).all():
                raise ValueError("Embedding: the given matrix must hold finite numbers")
        elif embeddings_initializer != "uniform":
            raise ValueError(
                f"Embedding: embeddings_initializer must be 'uniform' or a matrix, got {embeddings_initializer!r}"
            )
        self.initializer = embeddings_initializer
        self._maybe_build((None, None))

    def param_shapes(self, input_shape: Shape) -> dict[str, tuple[int, ...]]:
        return {"E": (self.input_dim, self.output_dim)}

    def build(self, input_shape: Shape) -> None:
        if not self.params:
            if isinstance(self.initializer, Constant):
                E = np.array(self.initializer.value, dtype=self.dtype)
            else:
                E = uniform(self._rng(), self.param_shapes(input_shape)["E"], self.dtype)
            self._add_param("E", E)
        self.built = True

    def reinitialize(self, seed: int | None) -> None:
        if isinstance(self.initializer, Constant):  # given vectors stay as given
            self.seed = seed
            return
        super().reinitialize(seed)

    def _build_shape(self) -> Shape:
        return (None, None)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*input_shape, self.output_dim)

    def forward(self, ids: Any, training: bool = False, mask: Array | None = None) -> Array:
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
        if not self.built:
            self.build((None, None))
        self.ids = ids
        self.mask = (ids != 0) if self.mask_zero else None
        out: Array = self.params["E"][ids]
        return out

    def compute_mask(self, mask: Array | None) -> Array | None:
        return self.mask

    def backward(self, dy: Array) -> None:
        if not self.trainable:  # frozen vectors: nothing to learn, and the input is data
            return None
        # y = onehot(ids)·E, so ∂E = onehot(ids)ᵀ·∂y: the rows of a word that occurs many times
        # add up. The one-hot matrix, one entry per row, is built directly as CSR (no sorting);
        # the sparse product is several times faster than np.add.at.
        import scipy.sparse as sp  # here, not at import: prediction never needs it

        n = self.ids.size
        onehot = sp.csr_matrix((np.ones(n, self.dtype), self.ids.ravel(), np.arange(n + 1)), shape=(n, self.input_dim))
        self.grads["E"][...] = onehot.T @ np.asarray(dy, self.dtype).reshape(n, self.output_dim)
        return None

    def get_config(self) -> dict[str, Any]:
        # a given matrix is saved as the layer's weights, not in the config
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "mask_zero": self.mask_zero,
        }
