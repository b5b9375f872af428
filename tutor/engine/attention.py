"""Attention (Luong's dot-product attention, as ``keras.layers.Attention``) and Concatenate.

Inputs [query q (B, Tq, D), value v (B, Tv, Dv)], or [q, v, key k (B, Tv, D)] (k = v if not
given). For every query step, a softmax over the value steps says where to look:
    S = q·kᵀ  (B, Tq, Tv), times a learned scalar with ``use_scale=True``
    A = softmax(S) over the value steps      (the attention weights; ``attention_scores``)
    y = A·v   (B, Tq, Dv)
Masks, as in Keras: padded value steps get S - 10⁹ (a weight of 0); the output at a padded
query step is 0, and the query's mask is the output's mask. ``use_causal_mask=True`` (given to
the constructor here, to the call in Keras) stops step i from looking at steps after i.

In an encoder-decoder the decoder's states are the queries and the encoder's states the values:
each output word gets its own summary of the input sentence (see ``functional.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import softmax
from .layer import Array, Layer, Shape, as_float_array, check_rate
from .registry import register

_PADDED = 1.0e9  # Keras' shift for padded value steps: exp(-1e9) is exactly 0


@register
class Attention(Layer):
    def __init__(
        self,
        use_scale: bool = False,
        score_mode: str = "dot",
        dropout: float = 0.0,
        use_causal_mask: bool = False,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if score_mode != "dot":
            raise ValueError("Attention: only score_mode='dot' (Luong's, Keras' default) is implemented")
        self.use_scale = bool(use_scale)
        self.dropout = check_rate(dropout, "Attention: dropout")
        self.use_causal_mask = bool(use_causal_mask)
        self.rng: np.random.Generator | None = None
        self.attention_scores: Array | None = None  # A after the last forward pass, (B, Tq, Tv)
        if self.use_scale:
            self._maybe_build(())

    def param_shapes(self, input_shape: Shape) -> dict[str, tuple[int, ...]]:
        return {"scale": ()} if self.use_scale else {}

    def build(self, input_shape: Shape) -> None:
        if self.use_scale and not self.params:
            self._add_param("scale", np.ones((), self.dtype))
        self.built = True

    def _build_shape(self) -> Shape:
        return ()

    def random_layers(self) -> list[Layer]:
        return [self] if self.dropout > 0 else []

    def set_rng(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def output_shapes(self, input_shapes: list[Shape]) -> list[Shape]:
        self._check_shapes(input_shapes)
        q, v = input_shapes[0], input_shapes[1]
        return [(*q[:-1], v[-1])]

    def _check_shapes(self, shapes: list[Shape]) -> None:
        if not 2 <= len(shapes) <= 3:
            raise ValueError(f"Attention takes [query, value] or [query, value, key], got {len(shapes)} inputs")
        if any(len(s) != 3 for s in shapes):
            raise ValueError(f"Attention: every input must be (B, T, D), got shapes {shapes}")
        q, v = shapes[0], shapes[1]
        k = shapes[2] if len(shapes) > 2 else v
        if q[-1] is not None and k[-1] is not None and q[-1] != k[-1]:
            raise ValueError(f"Attention: the query width {q[-1]} must equal the key width {k[-1]}")
        if k[1] is not None and v[1] is not None and k[1] != v[1]:
            raise ValueError(f"Attention: key and value must have the same number of steps, got {k[1]} and {v[1]}")

    def forward(self, x: Any, training: bool = False, mask: Array | None = None) -> Array:
        if not isinstance(x, list | tuple):
            raise ValueError("Attention is called on a list: [query, value] or [query, value, key]")
        masks: list[Array | None] = list(mask) if isinstance(mask, list | tuple) else [None] * len(x)
        return self.call(list(x), masks, training)[0][0]

    def compute_mask(self, mask: Any) -> Array | None:
        return mask[0] if isinstance(mask, list | tuple) and mask else None

    def call(
        self, inputs: list[Any], masks: list[Array | None], training: bool = False
    ) -> tuple[list[Array], list[Array | None]]:
        arrays = [as_float_array(a, self.dtype, "Attention input", (3,)) for a in inputs]
        self._check_shapes([a.shape for a in arrays])
        if not self.built:
            self.build(())
        q, v = arrays[0], arrays[1]
        k = arrays[2] if len(arrays) > 2 else v
        B, Tq, Tv = q.shape[0], q.shape[1], v.shape[1]
        if k.shape[0] != B or v.shape[0] != B:
            raise ValueError("Attention: query, value and key must have the same batch size")
        q_mask = masks[0] if masks else None
        v_mask = masks[1] if len(masks) > 1 else None
        raw = q @ k.transpose(0, 2, 1)  # (B, Tq, Tv)
        S = raw * self.params["scale"] if self.use_scale else raw.copy()
        allowed = None if v_mask is None else np.asarray(v_mask, bool).reshape(B, 1, Tv)
        if self.use_causal_mask:
            causal = np.tril(np.ones((Tq, Tv), bool))[None]
            allowed = causal if allowed is None else allowed & causal
        if allowed is not None:
            S -= _PADDED * ~allowed
        A = softmax(S)
        Ad = A
        self.keep: Array | None = None
        if training and self.dropout > 0:
            if self.rng is None:
                self.rng = self._rng()
            self.keep = (self.rng.random(A.shape) >= self.dropout).astype(self.dtype) / (1.0 - self.dropout)
            Ad = A * self.keep
        y = Ad @ v
        self.q_real = None if q_mask is None else np.asarray(q_mask, bool).reshape(B, Tq, 1)
        if self.q_real is not None:
            y *= self.q_real
        self._cache = (q, v, k, raw, A, Ad, len(arrays))
        self.attention_scores = A
        return [y], [None if q_mask is None else np.asarray(q_mask)]

    def backward(self, dy: Array) -> Array | None:
        raise ValueError("Attention has several inputs: use backward_all([dy])")

    def backward_all(self, dys: list[Array | None]) -> list[Array | None]:
        q, v, k, raw, A, Ad, n = self._cache
        dy = dys[0]
        if dy is None:
            dy = np.zeros((q.shape[0], q.shape[1], v.shape[2]), self.dtype)
        dy = np.asarray(dy, self.dtype)
        if self.q_real is not None:
            dy = dy * self.q_real
        dv = Ad.transpose(0, 2, 1) @ dy  # y = A·v
        dA = dy @ v.transpose(0, 2, 1)
        if self.keep is not None:
            dA *= self.keep
        # softmax's Jacobian-vector product, row by row: dS = A ⊙ (dA - Σ dA ⊙ A)
        dS = A * (dA - (dA * A).sum(axis=-1, keepdims=True))
        if self.use_scale:
            self.grads["scale"][...] = (dS * raw).sum()
            dS = dS * self.params["scale"]
        dq = dS @ k
        dk = dS.transpose(0, 2, 1) @ q
        if n == 2:  # the key was the value
            return [dq, dv + dk]
        return [dq, dv, dk]

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "use_scale": self.use_scale, "dropout": self.dropout}
        if self.use_causal_mask:
            config["use_causal_mask"] = True
        return config


@register
class Concatenate(Layer):
    """Inputs side by side along ``axis`` (the last by default), as ``keras.layers.Concatenate``.

    Masks, as in Keras: a step is real in the output where it is real in every masked input."""

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"Concatenate: axis must be an integer, got {axis!r}")
        self.axis = axis

    def output_shapes(self, input_shapes: list[Shape]) -> list[Shape]:
        if len(input_shapes) < 2:
            raise ValueError("Concatenate takes a list of at least two inputs")
        ranks = {len(s) for s in input_shapes}
        if len(ranks) != 1:
            raise ValueError(f"Concatenate: the inputs must have the same rank, got shapes {input_shapes}")
        axis = self.axis % len(input_shapes[0])
        out = list(input_shapes[0])
        for s in input_shapes[1:]:
            for i, (a, b) in enumerate(zip(out, s, strict=True)):
                if i != axis and a is not None and b is not None and a != b:
                    raise ValueError(f"Concatenate: shapes {input_shapes} differ outside axis {self.axis}")
        sizes = [s[axis] for s in input_shapes]
        out[axis] = None if any(n is None for n in sizes) else sum(n for n in sizes if n is not None)
        return [tuple(out)]

    def forward(self, x: Any, training: bool = False, mask: Array | None = None) -> Array:
        if not isinstance(x, list | tuple):
            raise ValueError("Concatenate is called on a list of arrays")
        return self.call(list(x), [None] * len(x), training)[0][0]

    def call(
        self, inputs: list[Any], masks: list[Array | None], training: bool = False
    ) -> tuple[list[Array], list[Array | None]]:
        arrays = [np.asarray(a) for a in inputs]
        self.output_shapes([a.shape for a in arrays])
        self._sizes = [a.shape[self.axis] for a in arrays]
        y = np.concatenate(arrays, axis=self.axis)
        given = [np.asarray(m, bool) for m in masks if m is not None]
        mask = None
        if given:
            mask = given[0]
            for m in given[1:]:
                mask = mask & m
        return [y], [mask]

    def backward(self, dy: Array) -> Array | None:
        raise ValueError("Concatenate has several inputs: use backward_all([dy])")

    def backward_all(self, dys: list[Array | None]) -> list[Array | None]:
        dy = dys[0]
        if dy is None:
            return [None] * len(self._sizes)
        cuts = np.cumsum(self._sizes)[:-1]
        return list(np.split(dy, cuts, axis=self.axis))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}
