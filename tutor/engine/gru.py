"""Gated recurrent unit (Cho et al., 2014), in Keras 3's default form: ``reset_after=True``,
with an input bias and a recurrent bias (``b`` has shape (2, 3H): row 0 input, row 1 recurrent).

Gates, in Keras' order (the column blocks of W, U and each bias row): update z, reset r,
candidate n. With x_t·W + b₀ = [xz, xr, xn] and h_{t-1}·U + b₁ = [uz, ur, un]:
    z_t = σ(xz + uz)      r_t = σ(xr + ur)
    n_t = tanh(xn + r_t ⊙ un)                 (the reset gate scales the recurrent part)
    h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ n_t      (z = 1 keeps the old state)
Parameters: 3·(H·(D + H) + 2H). Applying r after the product lets h_{t-1}·U be one product;
this is also what cuDNN and PyTorch compute (PyTorch orders the gates r, z, n).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layer import Array
from .recurrent import Recurrent, check_gate_activations, flush_underflow
from .registry import register
from .threads import blas_threads


@register
class GRU(Recurrent):
    gates = 3

    def __init__(
        self,
        units: int,
        activation: str = "tanh",
        recurrent_activation: str = "sigmoid",
        reset_after: bool = True,
        **kwargs: Any,
    ):
        check_gate_activations("GRU", activation, recurrent_activation)
        if not reset_after:
            raise ValueError("GRU: only reset_after=True (Keras 3's default) is implemented")
        super().__init__(units, **kwargs)

    def bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units)

    def _gate_scale(self) -> Array:
        """s = ½ on the z and r columns: σ(z) = ½ + ½·tanh(z/2), so with those columns of W, U
        and b halved the gates are a tanh and a shift (NumPy's tanh is vectorised; scipy's
        expit is several times slower)."""
        s = np.ones(3 * self.units, self.dtype)
        s[: 2 * self.units] = 0.5
        return s

    def _input_weights(self, scale: Array | None = None) -> Array:
        """[W; b₀ + b₁ on the z, r columns] (D + 1, 3H): the recurrent biases of z and r only add
        to the input side, so they ride in the input product; un keeps its own b₁."""
        H = self.units
        b = self.params["b"]
        row = b[0].copy()
        row[: 2 * H] += b[1, : 2 * H]
        Wb = np.concatenate([self.params["W"], row[None]], 0)
        if scale is not None:
            Wb *= scale
        return Wb

    def _forward(self, xt: Array) -> Array:
        T, B, D1 = xt.shape
        H = self.units
        pad, padded = self.pad, self.padded_steps
        s = self._gate_scale()
        Us = self.params["U"] * s
        bn = self.params["b"][1, 2 * H :]  # the recurrent bias of the candidate, inside r ⊙ (·)
        A = self._buffer("A", (T, B, 3 * H))  # x_t·W + b, then the activations [z, r, n]
        np.matmul(xt.reshape(T * B, D1), self._input_weights(s), out=A.reshape(T * B, 3 * H))
        HU = self._buffer("HU", (T, B, 3 * H))  # h_{t-1}·U + b₁ per step (un is kept for the backward pass)
        Hs = self._buffer("Hs", (T + 1, B, H))
        self._initial_states(Hs)
        tmp = self._buffer("tmp", (B, H))
        with blas_threads(self._loop_threads):
            for t in range(T):
                a, hu = A[t], HU[t]
                np.dot(Hs[t], Us, out=hu)
                zr = a[:, : 2 * H]
                zr += hu[:, : 2 * H]
                np.tanh(zr, out=zr)
                zr *= 0.5
                zr += 0.5  # z, r
                un = hu[:, 2 * H :]
                un += bn
                n = a[:, 2 * H :]
                np.multiply(a[:, H : 2 * H], un, out=tmp)  # r ⊙ un
                n += tmp
                np.tanh(n, out=n)
                h = Hs[t + 1]
                np.subtract(Hs[t], n, out=h)  # h = n + z ⊙ (h_{t-1} - n)
                h *= a[:, :H]
                h += n
                if pad is not None and padded[t]:  # padded rows keep the previous state
                    np.copyto(h, Hs[t], where=pad[t])
        self.A, self.HU = A, HU
        return Hs

    def _backward(self, DH: Array, dstates: list[Array | None]) -> tuple[Array, list[Array | None]]:
        T, B, H = DH.shape[0] - 1, DH.shape[1], DH.shape[2]
        A, HU, Hs = self.A, self.HU, self.Hs
        pad, padded = self.pad, self.padded_steps
        # U^T as a C-contiguous copy: np.dot(..., out=) with a transposed view skips BLAS
        UT = np.ascontiguousarray(self.params["U"].T)
        dX = self._buffer("dX", (T, B, 3 * H))  # ∂L/∂(x_t·W + b₀)
        dU = self._buffer("dU", (T, B, 3 * H))  # ∂L/∂(h_{t-1}·U + b₁)
        omz = self._buffer("omz", (B, H))
        tmp = self._buffer("tmp", (B, H))
        work, rowmax, cutoff = self._buffer("work", (B, H)), self._buffer("rowmax", (B,)), self._cutoff()
        # gate derivatives step by step, on rows that stay in cache (see LSTM._backward)
        with blas_threads(self._loop_threads):
            for t in range(T - 1, -1, -1):
                a, dx, du, dh, hp, dprev = A[t], dX[t], dU[t], DH[t + 1], Hs[t], DH[t]
                z, r, n, un = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :], HU[t][:, 2 * H :]
                dxz, dxr, dxn = dx[:, :H], dx[:, H : 2 * H], dx[:, 2 * H :]
                np.subtract(1.0, z, out=omz)
                np.multiply(n, n, out=dxn)
                np.subtract(1.0, dxn, out=dxn)
                dxn *= omz
                dxn *= dh  # ∂xn = ∂h ⊙ (1 - z) ⊙ (1 - n²)
                np.subtract(hp, n, out=dxz)
                dxz *= dh
                dxz *= omz
                dxz *= z  # ∂xz = ∂h ⊙ (h_{t-1} - n) ⊙ z(1 - z)
                np.subtract(1.0, r, out=dxr)
                dxr *= r
                dxr *= un
                dxr *= dxn  # ∂xr = ∂xn ⊙ un ⊙ r(1 - r)
                step_padded = pad is not None and padded[t]
                if step_padded:  # a padded row's step was discarded: no gate gradients
                    np.copyto(dx, 0.0, where=pad[t])  # type: ignore[index]
                du[:, : 2 * H] = dx[:, : 2 * H]
                np.multiply(dxn, r, out=du[:, 2 * H :])  # ∂un = ∂xn ⊙ r
                np.dot(du, UT, out=tmp)
                dprev += tmp
                np.multiply(dh, z, out=tmp)  # h_t = z ⊙ h_{t-1} + ...
                if step_padded:  # ... and a carried state passes ∂h straight back
                    np.copyto(tmp, dh, where=pad[t])  # type: ignore[index]
                dprev += tmp
                if t % self.flush_every == 0:
                    flush_underflow(dprev, work, rowmax, cutoff)
        self.grads["U"][...] = Hs[:-1].reshape(T * B, H).T @ dU.reshape(T * B, 3 * H)
        self._dun_sum = dU[:, :, 2 * H :].sum(axis=(0, 1))
        return dX, [DH[0].copy()]

    def _bias_grad(self, db: Array) -> None:
        H = self.units
        g = self.grads["b"]
        g[0] = db
        g[1, : 2 * H] = db[: 2 * H]  # z and r see b₀ and b₁ alike
        g[1, 2 * H :] = self._dun_sum
