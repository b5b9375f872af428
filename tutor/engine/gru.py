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
from scipy.special import expit

from .layer import Array
from .recurrent import Recurrent, carry_state


class GRU(Recurrent):
    gates = 3

    def _forward(self, xt: Array) -> Array:
        T, B, _ = xt.shape
        H, U, m = self.units, self.params["U"], self.m
        A = np.empty((T, B, 3 * H), self.dtype)  # x_t·W + b, then the activations [z, r, n]
        np.matmul(xt.reshape(T * B, -1), self.params["W"], out=A.reshape(T * B, 3 * H))
        A += self.params["b"]
        HU = np.empty((T, B, 3 * H), self.dtype)  # h_{t-1}·U per step, kept for the backward pass
        Hs = np.zeros((T + 1, B, H), self.dtype)
        tmp = np.empty((B, H), self.dtype)
        for t in range(T):
            a, hu = A[t], HU[t]
            np.dot(Hs[t], U, out=hu)
            zr = a[:, : 2 * H]
            zr += hu[:, : 2 * H]
            expit(zr, out=zr)
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
        # U^T as a C-contiguous copy: np.dot(..., out=) with a transposed view skips BLAS (~100x slower)
        A, HU, Hs, m, UT = self.A, self.HU, self.Hs, self.m, np.ascontiguousarray(self.params["U"].T)
        z, r, n = (A[:, :, k * H : (k + 1) * H] for k in range(3))
        un = HU[:, :, 2 * H :]
        # Factors independent of the backward recursion, for all steps at once:
        #   ∂xn = ∂h ⊙ Kn,  ∂xz = ∂h ⊙ Kz,  ∂xr = ∂xn ⊙ Kr,  ∂un = ∂xn ⊙ r,  ∂h_{t-1} += ∂h ⊙ z
        Kn = (1 - z) * (1 - n * n)
        Kz = (Hs[:-1] - n) * z * (1 - z)
        Kr = un * r * (1 - r)
        R = np.ascontiguousarray(r)
        Z = np.ascontiguousarray(z)
        if m is not None:  # a padded step's new state was discarded; its old one passes through
            Kn *= m
            Kz *= m
            Z = Z * m + (1.0 - m)
        dX = np.empty((T, B, 3 * H), self.dtype)  # ∂L/∂(x_t·W + b)
        dU = np.empty((T, B, 3 * H), self.dtype)  # ∂L/∂(h_{t-1}·U)
        tmp = np.empty((B, H), self.dtype)
        for t in range(T - 1, -1, -1):
            dh, dx, du = DH[t], dX[t], dU[t]
            np.multiply(dh, Kz[t], out=dx[:, :H])
            np.multiply(dh, Kn[t], out=dx[:, 2 * H :])
            np.multiply(dx[:, 2 * H :], Kr[t], out=dx[:, H : 2 * H])
            du[:, : 2 * H] = dx[:, : 2 * H]
            np.multiply(dx[:, 2 * H :], R[t], out=du[:, 2 * H :])
            if t > 0:
                np.multiply(dh, Z[t], out=tmp)
                DH[t - 1] += tmp
                np.dot(du, UT, out=tmp)
                DH[t - 1] += tmp
        self.grads["U"][...] = Hs[:-1].reshape(T * B, H).T @ dU.reshape(T * B, 3 * H)
        return dX
