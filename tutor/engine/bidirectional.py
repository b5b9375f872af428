"""Bidirectional: one recurrent layer reads the sequence forwards, a copy reads it backwards.

y = [h→ ; h←]: the two final states side by side, (B, 2H), or per step (B, T, 2H) with
``return_sequences`` (the backward outputs re-reversed so step t lines up with word t).
The backward copy has its own weights, initialised from a different seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layer import Array, Layer, Shape
from .recurrent import Recurrent


class Bidirectional(Layer):
    def __init__(self, layer: Recurrent | dict[str, Any], name: str | None = None, seed: int | None = None, **_):
        if isinstance(layer, dict):  # from a saved config
            from .model import LAYER_CLASSES

            layer = LAYER_CLASSES[layer["class"]](**layer["config"])
        if not isinstance(layer, Recurrent):
            raise ValueError(f"Bidirectional wraps a recurrent layer, got {type(layer).__name__}")
        super().__init__(name, layer.dtype, seed)
        self.forward_layer = layer
        config = layer.get_config()
        config.update(name=None, seed=None)
        self.backward_layer = type(layer)(**config)
        self.forward_layer.name, self.backward_layer.name = "forward", "backward"
        self.return_sequences = layer.return_sequences
        self.units = 2 * layer.units
        self._link()

    @property
    def step_grad_norms(self) -> Array:
        """Per-step gradient norms of the forward-reading layer."""
        return self.forward_layer.step_grad_norms

    def _link(self) -> None:
        """Expose both layers' arrays (the same objects) as this layer's params and grads."""
        self.params, self.grads = {}, {}
        for sub in (self.forward_layer, self.backward_layer):
            for key in sub.params:
                self.params[f"{sub.name}_{key}"] = sub.params[key]
                self.grads[f"{sub.name}_{key}"] = sub.grads[key]
        self.built = self.forward_layer.built

    def reinitialize(self, seed: int | None) -> None:
        self.seed = seed
        base = 0 if seed is None else seed
        self.forward_layer.reinitialize(base)
        self.backward_layer.reinitialize(base + 500)  # a different stream for the other reader
        self._link()

    def build(self, input_shape: Shape) -> None:
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(input_shape)
        self._link()

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        B, T = input_shape[0], input_shape[1]
        return (B, T, self.units) if self.return_sequences else (B, self.units)

    def compute_mask(self, mask: Array | None) -> Array | None:
        return mask if self.return_sequences else None

    def forward(self, x, training: bool = False, mask: Array | None = None) -> Array:
        x = np.asarray(x)
        for sub in (self.forward_layer, self.backward_layer):
            sub.return_sequences = self.return_sequences
        yf = self.forward_layer.forward(x, training, mask)
        if not self.built:
            self.build(x.shape)
        yb = self.backward_layer.forward(x[:, ::-1], training, None if mask is None else mask[:, ::-1])
        if self.return_sequences:
            yb = yb[:, ::-1]
        return np.concatenate([yf, yb], axis=-1)

    def backward(self, dy: Array) -> Array:
        H = self.forward_layer.units
        dyf, dyb = dy[..., :H], dy[..., H:]
        if self.return_sequences:
            dyb = dyb[:, ::-1]
        dx = self.forward_layer.backward(np.ascontiguousarray(dyf))
        dx = dx + self.backward_layer.backward(np.ascontiguousarray(dyb))[:, ::-1]
        return dx

    def get_config(self) -> dict[str, Any]:
        inner = self.forward_layer
        config = inner.get_config()
        config.update(name=None, seed=None)
        return {"name": self.name, "seed": self.seed, "layer": {"class": type(inner).__name__, "config": config}}
