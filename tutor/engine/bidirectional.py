"""Bidirectional: one recurrent layer reads the sequence forwards, a copy reads it backwards.

y = [h→ ; h←]: the two final states side by side, (B, 2H), or per step (B, T, 2H) with
``return_sequences`` (the backward outputs re-reversed so step t lines up with word t).
``merge_mode`` 'sum', 'ave' or 'mul' combines them instead of concatenating, as in Keras.
The backward copy has its own weights, initialised from a different seed; it is the same layer
with ``go_backwards=True``. With ``return_sequences`` both readers output zeros at padded steps
(Keras' Bidirectional sets ``zero_output_for_mask`` on both; a plain layer repeats its last
output there). With ``return_state`` the outputs are [y, forward states..., backward states...].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layer import Array, Layer, Shape
from .recurrent import Recurrent
from .registry import layer_from_config, register

MERGE_MODES = ("concat", "sum", "ave", "mul")


@register
class Bidirectional(Layer):
    def __init__(self, layer: Recurrent | dict[str, Any], merge_mode: str = "concat", **kwargs: Any):
        defer = bool(kwargs.get("_defer_build", False))
        if isinstance(layer, dict):  # from a saved config
            inner = layer_from_config(layer) if defer else _built(layer)
        else:
            inner = layer
        if not isinstance(inner, Recurrent):
            raise ValueError(f"Bidirectional wraps a recurrent layer, got {type(inner).__name__}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {', '.join(MERGE_MODES)}, got {merge_mode!r}")
        if "dtype" not in kwargs:
            kwargs["dtype"] = inner.dtype
        super().__init__(**kwargs)
        self.merge_mode = merge_mode
        config = inner.get_config()
        config.update(name="forward", seed=inner.seed, zero_output_for_mask=inner.return_sequences, go_backwards=False)
        self.forward_layer = _recurrent(type(inner).from_config(config))
        config.update(name="backward", seed=None, go_backwards=True)
        self.backward_layer = _recurrent(type(inner).from_config(config))
        if inner.built and not defer:
            self.forward_layer.build(inner._build_shape())
            for key, value in inner.params.items():  # the wrapped layer's weights read forwards
                self.forward_layer.params[key][...] = value
            self.backward_layer.build(inner._build_shape())
        self.return_sequences = inner.return_sequences
        self.return_state = inner.return_state
        self.units = (2 if merge_mode == "concat" else 1) * inner.units
        self._link()

    @property
    def input_dim(self) -> int | None:
        return self.forward_layer.input_dim

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
        self.built = self.forward_layer.built and self.backward_layer.built

    def random_layers(self) -> list[Layer]:
        return [self.forward_layer, self.backward_layer]

    def reinitialize(self, seed: int | None) -> None:
        self.seed = seed
        base = 0 if seed is None else seed
        self.forward_layer.reinitialize(base)
        self.backward_layer.reinitialize(base + 500)  # a different stream for the other reader
        self._link()

    def param_shapes(self, input_shape: Shape) -> dict[str, tuple[int, ...]]:
        return {
            f"{sub.name}_{key}": shape
            for sub in (self.forward_layer, self.backward_layer)
            for key, shape in sub.param_shapes(input_shape).items()
        }

    def build(self, input_shape: Shape) -> None:
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(input_shape)
        self._link()

    def _build_shape(self) -> Shape:
        return self.forward_layer._build_shape()

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        B, T = input_shape[0], input_shape[1]
        return (B, T, self.units) if self.return_sequences else (B, self.units)

    def output_shapes(self, input_shapes: list[Shape]) -> list[Shape]:
        states = self.forward_layer.output_shapes(input_shapes)[1:]
        return [self.compute_output_shape(input_shapes[0]), *states, *states]

    def compute_mask(self, mask: Array | None) -> Array | None:
        return mask if self.return_sequences else None

    def forward(self, x: Any, training: bool = False, mask: Array | None = None) -> Array:
        return self.call([x], [mask], training)[0][0]

    def call(
        self, inputs: list[Any], masks: list[Array | None], training: bool = False
    ) -> tuple[list[Array], list[Array | None]]:
        x, states = inputs[0], list(inputs[1:])
        mask = masks[0] if masks else None
        if states and len(states) % 2:
            raise ValueError("Bidirectional: initial_state must hold the forward states, then the backward ones")
        half = len(states) // 2
        f_out, _ = self.forward_layer.call([x, *states[:half]], [mask], training)
        b_out, _ = self.backward_layer.call([x, *states[half:]], [mask], training)
        if not self.built:
            self._link()
        yf, yb = f_out[0], b_out[0]
        if self.return_sequences:
            yb = yb[:, ::-1]  # the backward reader's outputs come in its reading order
        self._yf, self._yb = yf, yb
        if self.merge_mode == "concat":
            y = np.concatenate([yf, yb], axis=-1)
        elif self.merge_mode == "sum":
            y = yf + yb
        elif self.merge_mode == "ave":
            y = (yf + yb) / 2
        else:
            y = yf * yb
        outputs = [y, *f_out[1:], *b_out[1:]] if self.return_state else [y]
        return outputs, [self.compute_mask(mask)] + [None] * (len(outputs) - 1)

    def backward(self, dy: Array) -> Array:
        dx = self.backward_all([dy])[0]
        assert dx is not None
        return dx

    def backward_all(self, dys: list[Array | None]) -> list[Array | None]:
        dy = dys[0]
        H = self.forward_layer.units
        if dy is None:
            dyf = dyb = None
        elif self.merge_mode == "concat":
            dyf, dyb = dy[..., :H], dy[..., H:]
        elif self.merge_mode == "sum":
            dyf = dyb = dy
        elif self.merge_mode == "ave":
            dyf = dyb = dy / 2
        else:
            dyf, dyb = dy * self._yb, dy * self._yf
        if dyb is not None and self.return_sequences:
            dyb = dyb[:, ::-1]
        n = len(self.forward_layer.state_names) if self.return_state else 0
        f_states, b_states = list(dys[1 : 1 + n]), list(dys[1 + n :])
        gf = self.forward_layer.backward_all([_contiguous(dyf), *f_states])
        gb = self.backward_layer.backward_all([_contiguous(dyb), *b_states])
        dxf, dxb = gf[0], gb[0]
        assert dxf is not None and dxb is not None
        return [dxf + dxb, *gf[1:], *gb[1:]]

    def get_config(self) -> dict[str, Any]:
        inner = self.forward_layer
        config = inner.get_config()
        config.update(name=None, seed=None)
        for key in ("go_backwards", "zero_output_for_mask"):
            config.pop(key, None)
        out = {"name": self.name, "seed": self.seed, "layer": {"class": type(inner).__name__, "config": config}}
        if self.merge_mode != "concat":
            out["merge_mode"] = self.merge_mode
        if not self.trainable:
            out["trainable"] = False
        return out


def _built(spec: dict[str, Any]) -> Layer:
    layer = layer_from_config(spec)
    if isinstance(layer, Recurrent) and layer.input_dim is not None:
        layer.build(layer._build_shape())
    return layer


def _recurrent(layer: Layer) -> Recurrent:
    assert isinstance(layer, Recurrent)
    return layer


def _contiguous(a: Array | None) -> Array | None:
    return None if a is None else np.ascontiguousarray(a)
