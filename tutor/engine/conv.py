"""Conv1D: one small filter slid along the sequence, the same weights at every position.

x: (B, T, C) → y: (B, T′, F), with a kernel W of shape (k, C, F) and a bias b (F,), as Keras 3:

    yₜ = g( Σⱼ x_{t·s + j·d} · W[j] + b )      j = 0 … k−1   (s: strides, d: dilation_rate)

Each output step reads a window of k input steps (spread d apart); a filter that fires on a
pattern ("not good") fires on it wherever it occurs. ``padding``: "valid" reads only whole
windows (T′ = ⌊(T − (k−1)·d − 1)/s⌋ + 1); "same" pads zeros so that T′ = ⌈T/s⌉ (the extra zero,
if any, on the right, as Keras does); "causal" pads (k−1)·d zeros on the left, so step t reads
only steps ≤ t. Parameters: k·C·F + F.

The product is one matrix multiplication (im2col): the windows are laid out as the rows of a
(B·T′, k·C) matrix, multiplied by W reshaped to (k·C, F). The backward pass is the same product
transposed, then the k columns blocks added back onto the steps they came from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .activations import ACTIVATIONS, backward_activation, check_activation
from .layer import Array, Layer, Shape, as_float_array, check_size
from .registry import register

PADDINGS = ("valid", "same", "causal")


@register
class Conv1D(Layer):
    def __init__(
        self,
        filters: int,
        kernel_size: int | tuple[int] | list[int],
        strides: int | tuple[int] | list[int] = 1,
        padding: str = "valid",
        dilation_rate: int | tuple[int] | list[int] = 1,
        activation: str | None = None,
        use_bias: bool = True,
        input_dim: int | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if not use_bias:
            raise ValueError("Conv1D: use_bias=False is not implemented by the engine")
        self.filters = check_size(filters, "Conv1D: filters")
        self.kernel_size = check_size(_one(kernel_size, "kernel_size"), "Conv1D: kernel_size")
        self.strides = check_size(_one(strides, "strides"), "Conv1D: strides")
        self.dilation_rate = check_size(_one(dilation_rate, "dilation_rate"), "Conv1D: dilation_rate")
        if self.strides > 1 and self.dilation_rate > 1:
            raise ValueError("Conv1D: strides > 1 together with dilation_rate > 1 is not supported (as in Keras)")
        padding = str(padding).lower()
        if padding not in PADDINGS:
            raise ValueError(f"Conv1D: padding must be one of {', '.join(PADDINGS)}, got {padding!r}")
        self.padding = padding
        self.activation = check_activation(activation)
        self._g = ACTIVATIONS[self.activation][0]
        if input_dim is None and self.input_shape is not None:
            input_dim = self.input_shape[-1]
        self.input_dim = None if input_dim is None else check_size(input_dim, "Conv1D: input_dim")
        self._maybe_build(None if self.input_dim is None else (None, None, self.input_dim))

    # -- shapes ---------------------------------------------------------------------------
    @property
    def span(self) -> int:
        """How many input steps one window covers: (k − 1)·d + 1."""
        return (self.kernel_size - 1) * self.dilation_rate + 1

    def output_length(self, T: int) -> int:
        if self.padding == "same":
            return -(-T // self.strides)
        if self.padding == "causal":
            T += self.span - 1
        return max((T - self.span) // self.strides + 1, 0)

    def _pads(self, T: int) -> tuple[int, int]:
        """Zeros added before and after the sequence."""
        if self.padding == "valid":
            return 0, 0
        if self.padding == "causal":
            return self.span - 1, 0
        total = max((self.output_length(T) - 1) * self.strides + self.span - T, 0)
        return total // 2, total - total // 2

    def param_shapes(self, input_shape: Shape) -> dict[str, tuple[int, ...]]:
        if len(input_shape) != 3:
            raise ValueError(f"Conv1D reads (batch, steps, channels) inputs, got shape {input_shape}")
        C = input_shape[-1]
        if C is None:
            raise ValueError("Conv1D: the number of input channels is unknown; give input_dim")
        if self.input_dim is not None and C != self.input_dim:
            raise ValueError(f"Conv1D: expected {self.input_dim} input channels, got {C}")
        return {"W": (self.kernel_size, C, self.filters), "b": (self.filters,)}

    def build(self, input_shape: Shape) -> None:
        shapes = self.param_shapes(input_shape)
        k, C, F = shapes["W"]
        self.input_dim = C
        limit = np.sqrt(6.0 / (k * C + k * F))  # Keras' glorot_uniform: fans count the kernel's taps
        self._add_param("W", self._rng().uniform(-limit, limit, size=(k, C, F)).astype(self.dtype))
        self._add_param("b", np.zeros(F, self.dtype))
        self.built = True

    def _build_shape(self) -> Shape:
        return (None, None, self.input_dim)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        T = input_shape[1]
        return (input_shape[0], None if T is None else self.output_length(T), self.filters)

    def compute_mask(self, mask: Array | None) -> Array | None:
        return None  # as in Keras: a convolution mixes steps, so no padding mask goes on

    # -- computing ------------------------------------------------------------------------
    def forward(self, x: Any, training: bool = False, mask: Array | None = None) -> Array:
        x = as_float_array(x, self.dtype, "Conv1D input", (3,))
        if not self.built:
            self.build(x.shape)
        B, T, C = x.shape
        if C != self.input_dim:
            raise ValueError(f"Conv1D: expected {self.input_dim} input channels, got {C}")
        T_out = self.output_length(T)
        if T_out < 1:
            raise ValueError(
                f"Conv1D: a sequence of {T} steps is shorter than one window of {self.span} steps "
                "(use padding='same' or a smaller kernel)"
            )
        before, after = self._pads(T)
        xp = np.pad(x, ((0, 0), (before, after), (0, 0))) if before or after else x
        # windows (B, T_out, C, span) → taps (B, T_out, k, C) → rows of the im2col matrix
        windows = sliding_window_view(xp, self.span, axis=1)[:, :: self.strides][:, :T_out, :, :: self.dilation_rate]
        cols = np.ascontiguousarray(windows.transpose(0, 1, 3, 2)).reshape(B * T_out, -1)
        k, F = self.kernel_size, self.filters
        z = cols @ self.params["W"].reshape(k * C, F)
        z += self.params["b"]
        self.a = self._g(z)
        self.cols, self.xp_shape, self.T, self.before = cols, xp.shape, T, before
        out: Array = self.a.reshape(B, T_out, F)
        return out

    def backward(self, dy: Array) -> Array:
        k, C, F = self.params["W"].shape
        dz = backward_activation(self.activation, self.a, np.asarray(dy, self.dtype).reshape(-1, F))
        np.matmul(self.cols.T, dz, out=self.grads["W"].reshape(k * C, F))
        self.grads["b"][...] = dz.sum(axis=0)
        B, Tp, _ = self.xp_shape
        T_out = dz.shape[0] // B
        dcols = (dz @ self.params["W"].reshape(k * C, F).T).reshape(B, T_out, k, C)
        dxp = np.zeros(self.xp_shape, self.dtype)
        s, d = self.strides, self.dilation_rate
        for j in range(k):  # tap j of window t read step t·s + j·d: one strided add per tap
            start = j * d
            dxp[:, start : start + s * (T_out - 1) + 1 : s] += dcols[:, :, j]
        return dxp[:, self.before : self.before + self.T]

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "dilation_rate": self.dilation_rate,
            "activation": self.activation,
            "input_dim": self.input_dim,
        }


def _one(value: Any, what: str) -> Any:
    """Keras accepts an int or a one-element tuple for a 1-D size."""
    if isinstance(value, list | tuple):
        if len(value) != 1:
            raise ValueError(f"Conv1D: {what} must be one integer, got {value!r}")
        return value[0]
    return value
