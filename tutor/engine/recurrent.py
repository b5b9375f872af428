"""Recurrent layers: the shared machinery, and the simple RNN.

Notation (the lessons use the same symbols):
    x: (B, T, D)  inputs, batch first: B sequences of T steps of width D
    h: (B, H)     hidden state, H = units; h_0 = 0
    W: (D, kH)    input → gates      U: (H, kH)  hidden → gates      b: (kH,)
k is the number of gate blocks (1 for the simple RNN, 4 for the LSTM, 3 for the GRU); this is
Keras' single-bias layout, so parameter counts match Keras' summary table.

Speed: the input projection x_t·W + b does not depend on the previous step, so it is computed
for all steps with one matrix product before the time loop; the loop then only adds h_{t-1}·U
and applies the gates, in preallocated time-major buffers. After the backward loop the weight
gradients are one matrix product each over all steps.
"""

from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS, check_activation
from .initializers import glorot_uniform, orthogonal
from .layer import Array, Layer, Shape, as_float_array


def carry_state(s: Array, prev: Array, m: Array) -> None:
    """In place s ← prev + m ⊙ (s - prev): where m is 0 (a padded step) the state stays prev."""
    s -= prev
    s *= m
    s += prev


class Recurrent(Layer):
    """Shared parts: parameters W, U, b; masks; input dropout; per-step gradient norms."""

    gates = 1  # k: gate blocks stacked along the last axis of W, U and b

    def __init__(
        self,
        units: int,
        input_dim: int | None = None,
        return_sequences: bool = False,
        dropout: float = 0.0,
        name: str | None = None,
        dtype=np.float32,
        seed: int | None = None,
    ):
        super().__init__(name, dtype, seed)
        if int(units) < 1:
            raise ValueError(f"{type(self).__name__}: units must be a positive integer")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1), got {dropout!r}")
        self.units = int(units)
        self.input_dim = input_dim
        self.return_sequences = bool(return_sequences)
        self.dropout = float(dropout)
        self.step_grad_norms = np.zeros(0)
        self._drop_rng = None
        self._buffers: dict[str, Array] = {}
        if input_dim is not None:
            self.build((None, None, input_dim))

    # -- building -------------------------------------------------------------------------
    def build(self, input_shape: Shape) -> None:
        D = input_shape[-1]
        if D is None:
            raise ValueError(f"{type(self).__name__}: the input width is unknown; give input_dim")
        if self.input_dim is not None and D != self.input_dim:
            raise ValueError(f"{type(self).__name__}: expected input width {self.input_dim}, got {D}")
        self.input_dim = int(D)
        H, k = self.units, self.gates
        rng = self._rng()
        self._add_param("W", glorot_uniform(rng, (self.input_dim, k * H), self.dtype))
        # one orthogonal block per gate, as Keras initialises U
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
        return np.zeros(self.gates * self.units, self.dtype)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        B, T = input_shape[0], input_shape[1]
        return (B, T, self.units) if self.return_sequences else (B, self.units)

    def compute_mask(self, mask: Array | None) -> Array | None:
        return mask if self.return_sequences else None

    # -- the shared forward / backward frame ----------------------------------------------
    def forward(self, x, training: bool = False, mask: Array | None = None) -> Array:
        x = as_float_array(x, self.dtype, f"{type(self).__name__} input", (3,))
        if not self.built:
            self.build(x.shape)
        B, T, D = x.shape
        if D != self.input_dim:
            raise ValueError(f"{type(self).__name__}: expected inputs of width {self.input_dim}, got {D}")
        if T == 0:
            raise ValueError(f"{type(self).__name__}: sequences must have at least one step")
        # time-major copy, so every step's slice x_t is one contiguous (B, D) block
        xt = self._buffer("xt", (T, B, D))
        np.copyto(xt, x.transpose(1, 0, 2))
        self.keep = None
        if training and self.dropout > 0:
            if self._drop_rng is None:
                self._drop_rng = self._rng()
            # one dropout mask per sequence, the same at every step
            keep = self._drop_rng.random((1, B, D)) >= self.dropout
            self.keep = keep.astype(self.dtype) / (1.0 - self.dropout)
            xt *= self.keep
        self.m = None
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != (B, T):
                raise ValueError(f"mask: expected shape {(B, T)}, got {mask.shape}")
            self.m = np.ascontiguousarray(mask.T, dtype=self.dtype)[:, :, None]  # (T, B, 1)
        self.xt = xt
        Hs = self._forward(xt)  # (T + 1, B, H), Hs[0] = h_0
        self.Hs = Hs
        # copies: the state buffers are reused by the next call
        if self.return_sequences:
            y = Hs[1:] if self.m is None else Hs[1:] * self.m  # padded steps output 0
            return np.ascontiguousarray(y.transpose(1, 0, 2))
        return Hs[-1].copy()

    def backward(self, dy: Array) -> Array:
        T, B, H = self.Hs.shape[0] - 1, self.Hs.shape[1], self.units
        dy = np.asarray(dy, dtype=self.dtype)
        want = (B, T, H) if self.return_sequences else (B, H)
        if dy.shape != want:
            raise ValueError(f"{type(self).__name__}.backward: expected dy of shape {want}, got {dy.shape}")
        # DH[t] will hold ∂L/∂h_t (from the output at t and from step t+1): start with the outputs
        DH = self._buffer("DH", (T, B, H))
        if self.return_sequences:
            np.copyto(DH, dy.transpose(1, 0, 2))
            if self.m is not None:
                DH *= self.m
        else:
            DH[:-1] = 0.0
            DH[-1] = dy
        dX = self._backward(DH)  # (T, B, kH): ∂L/∂(x_t·W + b) for every step
        kH = self.gates * H
        Xf = self.xt.reshape(T * B, self.input_dim)
        dXf = dX.reshape(T * B, kH)
        np.matmul(Xf.T, dXf, out=self.grads["W"])
        self.grads["b"][...] = dXf.sum(axis=0)
        dx = (dXf @ self.params["W"].T).reshape(T, B, self.input_dim)
        if self.keep is not None:
            dx *= self.keep
        # batch mean of ‖∂L/∂h_t‖ per step, in one vectorised pass after the loop
        self.step_grad_norms = np.sqrt(np.einsum("tbh,tbh->tb", DH, DH)).mean(axis=1)
        return dx.transpose(1, 0, 2)

    def _forward(self, xt: Array) -> Array:
        raise NotImplementedError

    def _backward(self, DH: Array) -> Array:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "input_dim": self.input_dim,
            "return_sequences": self.return_sequences,
            "dropout": self.dropout,
        }


class SimpleRNN(Recurrent):
    """h_t = g(x_t·W + h_{t-1}·U + b), with g = tanh (default) or relu.

    The lecture writes this A_l = g(w_0 + W X_l + U A_{l-1}); the slides call the same weights
    W_x (our W), W_s (our U). The output layer on top (Dense) holds β (the slides' W_y).
    """

    gates = 1

    def __init__(self, units: int, activation: str = "tanh", **kwargs):
        self.activation = check_activation(activation, ("tanh", "relu"))
        self._g, self._dg = ACTIVATIONS[self.activation]
        super().__init__(units, **kwargs)

    def _forward(self, xt: Array) -> Array:
        T, B, _ = xt.shape
        H, U, m, g = self.units, self.params["U"], self.m, self._g
        Hs = self._buffer("Hs", (T + 1, B, H))
        Hs[0] = 0.0
        # x_t·W + b for every t at once, written straight into the state buffer
        np.matmul(xt.reshape(T * B, -1), self.params["W"], out=Hs[1:].reshape(T * B, H))
        Hs[1:] += self.params["b"]
        tmp = self._buffer("tmp", (B, H))
        for t in range(T):
            h = Hs[t + 1]
            np.dot(Hs[t], U, out=tmp)
            h += tmp
            g(h, out=h)
            if m is not None:  # padded step: keep the previous state
                carry_state(h, Hs[t], m[t])
        return Hs

    def _backward(self, DH: Array) -> Array:
        T, B, H = DH.shape
        Hs, m, tanh = self.Hs, self.m, self.activation == "tanh"
        # U^T as a C-contiguous copy: np.dot(..., out=) with a transposed view skips BLAS
        UT = np.ascontiguousarray(self.params["U"].T)
        dA = self._buffer("dA", (T, B, H))
        tmp = self._buffer("tmp", (B, H))
        for t in range(T - 1, -1, -1):
            h, da, dh = Hs[t + 1], dA[t], DH[t]
            # ∂L/∂(pre-activation) = ∂h ⊙ g'(a), with g' written through the output a
            if tanh:
                np.multiply(h, h, out=da)
                np.subtract(1.0, da, out=da)
            else:
                da[...] = self._dg(h)
            da *= dh
            if m is not None:  # the activation's output at a padded step was discarded
                da *= m[t]
            if t > 0:
                np.dot(da, UT, out=tmp)
                if m is not None:  # a padded step hands its gradient straight back
                    tmp += dh * (1.0 - m[t])
                DH[t - 1] += tmp
        self.grads["U"][...] = Hs[:-1].reshape(T * B, H).T @ dA.reshape(T * B, H)
        return dA

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": self.activation}
