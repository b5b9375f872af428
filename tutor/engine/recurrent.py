"""Recurrent layers: the shared machinery, and the simple RNN.

Notation (the lessons use the same symbols):
    x: (B, T, D)  inputs, batch first: B sequences of T steps of width D
    h: (B, H)     hidden state, H = units; h_0 = 0 unless an initial state is given
    W: (D, kH)    input → gates      U: (H, kH)  hidden → gates      b: (kH,)
k is the number of gate blocks (1 for the simple RNN, 4 for the LSTM, 3 for the GRU). This is
Keras 3's layout (kernel, recurrent_kernel, bias), so parameter counts match Keras' summary and
``get_weights()`` lists the same arrays in the same order.

Masks (Keras' semantics): at a padded step the state is carried over unchanged, and with
``return_sequences=True`` the output there repeats the last valid output (h_0 before the first
real step). ``zero_output_for_mask=True`` outputs zeros there instead (``Bidirectional`` sets
it, as Keras does). ``go_backwards=True`` reads the sequence from the end and returns its
outputs in that reading order.

Speed: the input projection x_t·W + b does not depend on the previous step, so it is one matrix
product for all steps before the time loop (the bias rides in it as an extra input column of
ones); the loop only adds h_{t-1}·U and applies the gates, in preallocated time-major buffers.
After the backward loop the weight gradients are one matrix product each over all steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import ACTIVATIONS, check_activation
from .initializers import glorot_uniform, orthogonal
from .layer import Array, Layer, Shape, as_float_array, check_rate, check_size
from .registry import register
from .threads import blas_threads, loop_threads


def flush_underflow(g: Array, work: Array, rowmax: Array, cutoff: float) -> None:
    """Set to exact zero the rows of g (B, H) whose largest magnitude is below ``cutoff``.

    Why: back-propagating through time multiplies ∂L/∂h by roughly the same factor at every
    step; when that factor is below 1 the gradient vanishes geometrically, and in floating point
    it does not stop at zero. It first falls below the smallest *normal* number (about 1.2e-38
    in float32) into the "subnormal" range, where x86 CPUs compute each operation in microcode,
    10 to 100 times slower. At T = 500 a few percent of a SimpleRNN's or GRU's gradients were
    subnormal and the backward pass ran several times slower than it should. Such a row can no
    longer change anything: the weight gradients sum it with values at least 2²³ times larger,
    so it is below the last bit of the sum. Zeroing rows once their largest entry is below
    ``cutoff`` = smallest normal / machine epsilon keeps every gradient the same to the last bit
    that can matter (and float64 gradient checks never come near it), and the vanished gradient
    is then exactly what the lessons say it is: zero.
    """
    np.abs(g, out=work)
    np.max(work, axis=1, out=rowmax)
    small = rowmax < cutoff
    if small.any():
        g[small] = 0.0


class Recurrent(Layer):
    """Shared parts: parameters W, U, b; masks; states; input dropout; per-step gradient norms."""

    gates = 1  # k: gate blocks stacked along the last axis of W, U and b
    state_names: tuple[str, ...] = ("h",)  # the states a step carries (the LSTM adds c)
    flush_every = 4  # how often (in steps) the backward loop flushes vanished rows; see flush_underflow

    def __init__(
        self,
        units: int,
        input_dim: int | None = None,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        zero_output_for_mask: bool = False,
        use_bias: bool = True,
        stateful: bool = False,
        unroll: bool = False,  # Keras' speed switch; the result is the same either way
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        cls = type(self).__name__
        if not use_bias or stateful:
            raise ValueError(f"{cls}: use_bias=False and stateful=True are not implemented by the engine")
        self.units = check_size(units, f"{cls}: units")
        if input_dim is None and self.input_shape is not None:
            input_dim = self.input_shape[-1]
        self.input_dim = None if input_dim is None else check_size(input_dim, f"{cls}: input_dim")
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.dropout = check_rate(dropout, f"{cls}: dropout")
        if check_rate(recurrent_dropout, f"{cls}: recurrent_dropout"):
            raise ValueError(f"{cls}: recurrent_dropout is not implemented by the engine (dropout on the inputs is)")
        self.step_grad_norms: Array = np.zeros(0)
        self._drop_rng: np.random.Generator | None = None
        self._buffers: dict[str, Array] = {}
        self._maybe_build(None if self.input_dim is None else (None, None, self.input_dim))

    # -- building -------------------------------------------------------------------------
    def bias_shape(self) -> tuple[int, ...]:
        return (self.gates * self.units,)

    def param_shapes(self, input_shape: Shape) -> dict[str, tuple[int, ...]]:
        D = input_shape[-1]
        name = type(self).__name__
        if D is None:
            raise ValueError(f"{name}: the input width is unknown; give input_dim or input_shape")
        if self.input_dim is not None and D != self.input_dim:
            raise ValueError(f"{name}: expected input width {self.input_dim}, got {D}")
        kH = self.gates * self.units
        return {"W": (D, kH), "U": (self.units, kH), "b": self.bias_shape()}

    def build(self, input_shape: Shape) -> None:
        shapes = self.param_shapes(input_shape)
        self.input_dim = shapes["W"][0]
        H, k = self.units, self.gates
        rng = self._rng()
        self._add_param("W", glorot_uniform(rng, shapes["W"], self.dtype))
        # one orthogonal block per gate
        self._add_param("U", np.concatenate([orthogonal(rng, (H, H), self.dtype) for _ in range(k)], 1))
        self._add_param("b", self._initial_bias())
        self.built = True

    def _build_shape(self) -> Shape:
        return (None, None, self.input_dim)

    def _buffer(self, name: str, shape: tuple[int, ...]) -> Array:
        """A work array kept across batches: reusing its memory spares the page faults a
        fresh array costs on first touch, which inside the time loop cost more than the maths."""
        buf = self._buffers.get(name)
        if buf is None or buf.shape != shape:
            buf = self._buffers[name] = np.empty(shape, self.dtype)
        return buf

    def _initial_bias(self) -> Array:
        return np.zeros(self.bias_shape(), self.dtype)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        B, T = input_shape[0], input_shape[1]
        return (B, T, self.units) if self.return_sequences else (B, self.units)

    def output_shapes(self, input_shapes: list[Shape]) -> list[Shape]:
        B = input_shapes[0][0]
        states: list[Shape] = [(B, self.units)] * len(self.state_names) if self.return_state else []
        return [self.compute_output_shape(input_shapes[0]), *states]

    def compute_mask(self, mask: Array | None) -> Array | None:
        return mask if self.return_sequences else None

    # -- randomness -----------------------------------------------------------------------
    def random_layers(self) -> list[Layer]:
        return [self]

    def set_rng(self, rng: np.random.Generator) -> None:
        self._drop_rng = rng

    # -- the shared forward / backward frame ----------------------------------------------
    def forward(
        self, x: Any, training: bool = False, mask: Array | None = None, initial_state: list[Array] | None = None
    ) -> Array:
        """The output sequence (B, T, H) or last output (B, H); see ``call`` for the states."""
        return self._run(x, training, mask, initial_state or [])[0]

    def call(
        self, inputs: list[Any], masks: list[Array | None], training: bool = False
    ) -> tuple[list[Array], list[Array | None]]:
        """inputs = [x, *initial states]; outputs = [y], plus the final states with ``return_state``."""
        mask = masks[0] if masks else None
        outputs = self._run(inputs[0], training, mask, list(inputs[1:]))
        if not self.return_state:
            outputs = outputs[:1]
        return outputs, [self.compute_mask(mask)] + [None] * (len(outputs) - 1)

    def _run(self, x: Any, training: bool, mask: Array | None, initial_state: list[Any]) -> list[Array]:
        name = type(self).__name__
        x = as_float_array(x, self.dtype, f"{name} input", (3,))
        if not self.built:
            self.build(x.shape)
        B, T, D = x.shape
        if D != self.input_dim:
            raise ValueError(f"{name}: expected inputs of width {self.input_dim}, got {D}")
        if T == 0:
            raise ValueError(f"{name}: sequences must have at least one step")
        if initial_state and len(initial_state) != len(self.state_names):
            raise ValueError(
                f"{name}: initial_state must be {len(self.state_names)} array(s), got {len(initial_state)}"
            )
        self.initial = [as_float_array(s, self.dtype, f"{name} initial_state", (2,)) for s in initial_state]
        for s in self.initial:
            if s.shape != (B, self.units):
                raise ValueError(f"{name}: an initial state must have shape {(B, self.units)}, got {s.shape}")
        # time-major copy, so every step's slice x_t is one contiguous (B, D) block, plus a
        # column of ones that carries the bias through the input product
        xt = self._buffer("xt", (T, B, D + 1))
        np.copyto(xt[:, :, :D], (x[:, ::-1] if self.go_backwards else x).transpose(1, 0, 2))
        xt[:, :, D] = 1.0
        self.keep: Array | None = None
        if training and self.dropout > 0:
            if self._drop_rng is None:
                self._drop_rng = self._rng()
            # one dropout mask per sequence, the same at every step
            keep = self._drop_rng.random((1, B, D)) >= self.dropout
            self.keep = keep.astype(self.dtype) / (1.0 - self.dropout)
            xt[:, :, :D] *= self.keep
        self.m: Array | None = None  # (T, B, 1): 1 at real steps
        self.pad: Array | None = None  # (T, B, 1) bool: True at padded steps
        self.padded_steps: list[bool] = []  # per step: does any row pad here?
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != (B, T):
                raise ValueError(f"mask: expected shape {(B, T)}, got {mask.shape}")
            real = (mask[:, ::-1] if self.go_backwards else mask).T.astype(bool)[:, :, None]
            if not real.all():
                self.m = np.ascontiguousarray(real, dtype=self.dtype)
                self.pad = ~real
                self.padded_steps = np.any(self.pad, axis=(1, 2)).tolist()
        self.xt = xt
        # the time loop's small products may run faster on fewer BLAS threads than the big ones
        self._loop_threads = loop_threads(B, self.units, self.gates)
        Hs = self._forward(xt)  # (T + 1, B, H), Hs[0] = h_0
        self.Hs = Hs
        # copies: the state buffers are reused by the next call
        if self.return_sequences:
            seq = Hs[1:]
            if self.zero_output_for_mask and self.m is not None:
                seq = seq * self.m
            y = np.ascontiguousarray(seq.transpose(1, 0, 2))
        else:
            y = Hs[-1].copy()
        return [y, *self._final_states()]

    def _final_states(self) -> list[Array]:
        return [self.Hs[-1].copy()]

    def _initial_states(self, Hs: Array) -> None:
        """Write h_0 into Hs[0] (zeros unless an initial state was given)."""
        if self.initial:
            Hs[0] = self.initial[0]
        else:
            Hs[0] = 0.0

    def backward(self, dy: Array) -> Array:
        dx = self.backward_all([dy])[0]
        assert dx is not None
        return dx

    def backward_all(self, dys: list[Array | None]) -> list[Array | None]:
        """∂L/∂x and ∂L/∂(each initial state) from ∂L/∂y and ∂L/∂(each returned state)."""
        T, B, H = self.Hs.shape[0] - 1, self.Hs.shape[1], self.units
        D = self.input_dim
        assert D is not None
        dy, dstates = dys[0], list(dys[1:])
        want = (B, T, H) if self.return_sequences else (B, H)
        if dy is not None:
            dy = np.asarray(dy, dtype=self.dtype)
            if dy.shape != want:
                raise ValueError(f"{type(self).__name__}.backward: expected dy of shape {want}, got {dy.shape}")
        # DH[t] will hold ∂L/∂h_t for t = 0..T (from the output at t and from step t+1)
        DH = self._buffer("DH", (T + 1, B, H))
        DH[0] = 0.0
        if dy is None:
            DH[1:] = 0.0
        elif self.return_sequences:
            np.copyto(DH[1:], dy.transpose(1, 0, 2))
            if self.zero_output_for_mask and self.m is not None:
                DH[1:] *= self.m  # the output at a padded step was a constant zero
        else:
            DH[1:-1] = 0.0
            DH[-1] = dy
        if dstates and dstates[0] is not None:
            DH[-1] += np.asarray(dstates[0], self.dtype)
        dX, dinitial = self._backward(DH, dstates[1:])  # dX: (T, B, kH) = ∂L/∂(x_t·W + b)
        kH = self.gates * H
        dXf = dX.reshape(T * B, kH)
        # one product gives ∂W and, from the column of ones, ∂b
        dWb = self.xt.reshape(T * B, D + 1).T @ dXf
        self.grads["W"][...] = dWb[:D]
        self._bias_grad(dWb[D])
        dx = (dXf @ self.params["W"].T).reshape(T, B, D)
        if self.keep is not None:
            dx *= self.keep
        # batch mean of ‖∂L/∂h_t‖ per step, in one vectorised pass after the loop
        G = DH[1:]
        self.step_grad_norms = np.sqrt(np.einsum("tbh,tbh->tb", G, G)).mean(axis=1)
        if self.go_backwards:
            self.step_grad_norms = self.step_grad_norms[::-1]
            dx = dx[::-1]
        grads: list[Array | None] = [dx.transpose(1, 0, 2)]
        return grads + (dinitial if self.initial else [])

    def _bias_grad(self, db: Array) -> None:
        self.grads["b"][...] = db

    def _input_weights(self, scale: Array | None = None) -> Array:
        """[W; b] (D + 1, kH), the bias as the last row, optionally scaled per column."""
        Wb = np.concatenate([self.params["W"], self.params["b"].reshape(-1, self.params["W"].shape[1])[:1]], 0)
        if scale is not None:
            Wb *= scale
        return Wb

    def _cutoff(self) -> float:
        info = np.finfo(self.dtype)
        return float(info.tiny / info.eps)

    def _forward(self, xt: Array) -> Array:
        raise NotImplementedError

    def _backward(self, DH: Array, dstates: list[Array | None]) -> tuple[Array, list[Array | None]]:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "units": self.units,
            "input_dim": self.input_dim,
            "return_sequences": self.return_sequences,
            "dropout": self.dropout,
        }
        for key in ("return_state", "go_backwards", "zero_output_for_mask"):
            if getattr(self, key):  # only when set, so older files' configs read the same
                config[key] = True
        return config


@register
class SimpleRNN(Recurrent):
    """h_t = g(x_t·W + h_{t-1}·U + b), with g = tanh (default) or relu.

    The lecture writes this A_l = g(w_0 + W X_l + U A_{l-1}); the slides call the same weights
    W_x (our W), W_s (our U). The output layer on top (Dense) holds β (the slides' W_y).
    """

    gates = 1

    def __init__(self, units: int, activation: str = "tanh", **kwargs: Any):
        self.activation = check_activation(activation, ("tanh", "relu"))
        self._g, self._dg = ACTIVATIONS[self.activation]
        super().__init__(units, **kwargs)

    def _forward(self, xt: Array) -> Array:
        T, B, D1 = xt.shape
        H, U, g = self.units, self.params["U"], self._g
        Hs = self._buffer("Hs", (T + 1, B, H))
        self._initial_states(Hs)
        # x_t·W + b for every t at once, written straight into the state buffer
        np.matmul(xt.reshape(T * B, D1), self._input_weights(), out=Hs[1:].reshape(T * B, H))
        tmp = self._buffer("tmp", (B, H))
        pad, padded = self.pad, self.padded_steps
        with blas_threads(self._loop_threads):
            for t in range(T):
                h = Hs[t + 1]
                np.dot(Hs[t], U, out=tmp)
                h += tmp
                g(h, out=h)
                if pad is not None and padded[t]:  # padded rows keep the previous state
                    np.copyto(h, Hs[t], where=pad[t])
        return Hs

    def _backward(self, DH: Array, dstates: list[Array | None]) -> tuple[Array, list[Array | None]]:
        T, B, H = DH.shape[0] - 1, DH.shape[1], DH.shape[2]
        Hs, tanh = self.Hs, self.activation == "tanh"
        pad, padded = self.pad, self.padded_steps
        # U^T as a C-contiguous copy: np.dot(..., out=) with a transposed view skips BLAS
        UT = np.ascontiguousarray(self.params["U"].T)
        dA = self._buffer("dA", (T, B, H))
        tmp = self._buffer("tmp", (B, H))
        work, rowmax, cutoff = self._buffer("work", (B, H)), self._buffer("rowmax", (B,)), self._cutoff()
        with blas_threads(self._loop_threads):
            for t in range(T - 1, -1, -1):
                h, da, dh, dprev = Hs[t + 1], dA[t], DH[t + 1], DH[t]
                # ∂L/∂(pre-activation) = ∂h ⊙ g'(a), with g' written through the output a
                if tanh:
                    np.multiply(h, h, out=da)
                    np.subtract(1.0, da, out=da)
                else:
                    np.greater(h, 0.0, out=da)
                da *= dh
                step_padded = pad is not None and padded[t]
                if step_padded:  # a padded row's activation was discarded: no gradient through it
                    np.copyto(da, 0.0, where=pad[t])  # type: ignore[index]
                np.dot(da, UT, out=tmp)
                dprev += tmp
                if step_padded:  # ... and its state was carried: ∂h passes straight back
                    np.add(dprev, dh, out=dprev, where=pad[t])  # type: ignore[index]
                if t % self.flush_every == 0:
                    flush_underflow(dprev, work, rowmax, cutoff)
        self.grads["U"][...] = Hs[:-1].reshape(T * B, H).T @ dA.reshape(T * B, H)
        return dA, [DH[0].copy()]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": self.activation}


def check_gate_activations(name: str, activation: str, recurrent_activation: str) -> None:
    """The LSTM and GRU use Keras' defaults, tanh and sigmoid; the engine implements only those."""
    if str(activation).lower() != "tanh" or str(recurrent_activation).lower() != "sigmoid":
        raise ValueError(
            f"{name}: only activation='tanh' with recurrent_activation='sigmoid' (Keras' defaults) are implemented"
        )
