"""Dense: y = g(x·W + b), applied to the last axis.

x: (B, D) or (B, T, D) (then the same weights act at every step); W: (D, H); b: (H,).
A 2-D ``scipy.sparse`` input is accepted (a bag-of-words matrix): x·W stays sparse × dense.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import ACTIVATIONS, backward_activation, check_activation
from .initializers import glorot_uniform
from .layer import Array, Layer, Shape, as_float_array, check_size, is_sparse
from .registry import register


@register
class Dense(Layer):
    def __init__(
        self,
        units: int,
        activation: str | None = None,
        input_dim: int | None = None,
        use_bias: bool = True,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if not use_bias:
            raise ValueError("Dense: use_bias=False is not implemented by the engine")
        self.units = check_size(units, "Dense: units")
        self.activation = check_activation(activation)
        if input_dim is None and self.input_shape is not None:
            input_dim = self.input_shape[-1]
        self.input_dim = None if input_dim is None else check_size(input_dim, "Dense: input_dim")
        self._g = ACTIVATIONS[self.activation][0]
        self._maybe_build(None if self.input_dim is None else (None, self.input_dim))

    def param_shapes(self, input_shape: Shape) -> dict[str, tuple[int, ...]]:
        D = input_shape[-1]
        if D is None:
            raise ValueError("Dense: the input width is unknown; give input_dim")
        if self.input_dim is not None and D != self.input_dim:
            raise ValueError(f"Dense: expected input width {self.input_dim}, got {D}")
        return {"W": (D, self.units), "b": (self.units,)}

    def build(self, input_shape: Shape) -> None:
        shapes = self.param_shapes(input_shape)
        self.input_dim = shapes["W"][0]
        self._add_param("W", glorot_uniform(self._rng(), shapes["W"], self.dtype))
        self._add_param("b", np.zeros(self.units, self.dtype))
        self.built = True

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*input_shape[:-1], self.units)

    def forward(self, x: Any, training: bool = False, mask: Array | None = None) -> Array:
        self._sparse = is_sparse(x)
        if self._sparse:
            if x.ndim != 2:
                raise ValueError(f"Dense: sparse input must be 2-D, got shape {x.shape}")
            x = x.astype(self.dtype, copy=False).tocsr()
        else:
            x = as_float_array(x, self.dtype, "Dense input", (2, 3))
        if not self.built:
            self.build(x.shape)
        if x.shape[-1] != self.input_dim:
            raise ValueError(f"Dense: expected input width {self.input_dim}, got {x.shape[-1]}")
        self.x = x
        W, b = self.params["W"], self.params["b"]
        if self._sparse:
            z = np.asarray(x @ W)
        else:
            z = x.reshape(-1, self.input_dim) @ W
        z += b
        self.z = z  # logits, kept for losses that fuse with the activation
        self.a = self._g(z)
        out: Array = self.a.reshape(*x.shape[:-1], self.units)
        return out

    def backward(self, dy: Array) -> Array | None:
        dz = backward_activation(self.activation, self.a, dy.reshape(-1, self.units))
        return self.backward_logits(dz)

    def backward_logits(self, dz: Array) -> Array | None:
        """Backward from ∂L/∂z (the pre-activation), used when the loss fuses with g."""
        dz = np.asarray(dz, dtype=self.dtype).reshape(-1, self.units)
        x = self.x
        if self._sparse:
            self.grads["W"][...] = np.asarray(x.T @ dz)
        else:
            np.matmul(x.reshape(-1, self.input_dim).T, dz, out=self.grads["W"])
        self.grads["b"][...] = dz.sum(axis=0)
        if self._sparse:
            return None  # the input of a sparse first layer is data: nothing to pass back
        return (dz @ self.params["W"].T).reshape(x.shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation,
            "input_dim": self.input_dim,
        }
