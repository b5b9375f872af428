"""Gated recurrent unit (Cho et al., 2014), in the "reset after" form of cuDNN, PyTorch and
Keras 2+, with one bias vector.

Gates, in Keras' order (the column blocks of W, U and b): update z, reset r, candidate n.
With x_t·W + b = [xz, xr, xn] and h_{t-1}·U = [uz, ur, un]:
    z_t = σ(xz + uz)      r_t = σ(xr + ur)
    n_t = tanh(xn + r_t ⊙ un)                 (the reset gate scales the recurrent part)
    h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ n_t      (z = 1 keeps the old state)
Parameters: 3·(H·(D + H) + H). Applying r after the product lets h_{t-1}·U be one product.
"""

from __future__ import annotations

import numpy as np

from .layer import Array
from .recurrent import Recurrent, carry_state


class GRU(Recurrent):
    gates = 3

    def _forward(self, xt: Array) -> Array:
        T, B, _ = xt.shape
        H, m = self.units, self.m
        # σ(z) = ½ + ½·tanh(z/2): with the z and r columns of W, U and b halved, the gates are a
        # tanh and a shift (NumPy's tanh is vectorised, scipy's expit is several times slower)
        s = np.ones(3 * H, self.dtype)
        s[: 2 * H] = 0.5
        Us = self.params["U"] * s
        A = self._buffer("A", (T, B, 3 * H))  # x_t·W + b, then the activations [z, r, n]
        np.matmul(xt.reshape(T * B, -1), self.params["W"] * s, out=A.reshape(T * B, 3 * H))
        A += self.params["b"] * s
        HU = self._buffer("HU", (T, B, 3 * H))  # h_{t-1}·U per step (un is kept for the backward pass)
        Hs = self._buffer("Hs", (T + 1, B, H))
        Hs[0] = 0.0
        tmp = self._buffer("tmp", (B, H))
        for t in range(T):
            a, hu = A[t], HU[t]
            np.dot(Hs[t], Us, out=hu)
            zr = a[:, : 2 * H]
            zr += hu[:, : 2 * H]
            np.tanh(zr, out=zr)
            zr *= 0.5
            zr += 0.5  # z, r
            n = a[:, 2 * H :]
            np.multiply(a[:, H : 2 * H], hu[:, 2 * H :], out=tmp)  # r ⊙ un
            n += tmp
            np.tanh(n, out=n)
            h = Hs[t + 1]
            np.subtract(Hs[t], n, out=h)  # h = n + z ⊙ (h_{t-1} - n)
            h *= a[:, :H]
            h += n
            if m is not None:
                carry_state(h, Hs[t], m[t])
        self.A, self.HU = A, HU
        return Hs

    def _backward(self, DH: Array) -> Array:
        T, B, H = DH.shape
        A, HU, Hs, m = self.A, self.HU, self.Hs, self.m
        # U^T as a C-contiguous copy: np.dot(..., out=) with a transposed view skips BLAS
        UT = np.ascontiguousarray(self.params["U"].T)
        dX = self._buffer("dX", (T, B, 3 * H))  # ∂L/∂(x_t·W + b)
        dU = self._buffer("dU", (T, B, 3 * H))  # ∂L/∂(h_{t-1}·U)
        omz = self._buffer("omz", (B, H))
        tmp = self._buffer("tmp", (B, H))
        # gate derivatives step by step, on rows that stay in cache (see LSTM._backward)
        for t in range(T - 1, -1, -1):
            a, dx, du, dh, hp = A[t], dX[t], dU[t], DH[t], Hs[t]
            z, r, n, un = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :], HU[t][:, 2 * H :]
            dxz, dxr, dxn = dx[:, :H], dx[:, H : 2 * H], dx[:, 2 * H :]
            dhn = dh if m is None else dh * m[t]  # a padded step's new state was discarded
            np.subtract(1.0, z, out=omz)
            np.multiply(n, n, out=dxn)
            np.subtract(1.0, dxn, out=dxn)
            dxn *= omz
            dxn *= dhn  # ∂xn = ∂h ⊙ (1 - z) ⊙ (1 - n²)
            np.subtract(hp, n, out=dxz)
            dxz *= dhn
            dxz *= omz
            dxz *= z  # ∂xz = ∂h ⊙ (h_{t-1} - n) ⊙ z(1 - z)
            np.subtract(1.0, r, out=dxr)
            dxr *= r
            dxr *= un
            dxr *= dxn  # ∂xr = ∂xn ⊙ un ⊙ r(1 - r)
            du[:, : 2 * H] = dx[:, : 2 * H]
            np.multiply(dxn, r, out=du[:, 2 * H :])  # ∂un = ∂xn ⊙ r
            if t > 0:
                np.dot(du, UT, out=tmp)
                DH[t - 1] += tmp
                np.multiply(dhn, z, out=tmp)  # h_t = z ⊙ h_{t-1} + ...
                if m is not None:
                    tmp += dh * (1.0 - m[t])  # a padded step passes ∂h straight back
                DH[t - 1] += tmp
        self.grads["U"][...] = Hs[:-1].reshape(T * B, H).T @ dU.reshape(T * B, 3 * H)
        return dX
