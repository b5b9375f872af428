"""Long short-term memory (Hochreiter & Schmidhuber, 1997).

Gates, in Keras' order (the column blocks of W, U and b): input i, forget f, cell candidate c̃,
output o. With z_t = x_t·W + h_{t-1}·U + b split into four (B, H) blocks:
    i_t = σ(z_i)    f_t = σ(z_f)    c̃_t = tanh(z_c)    o_t = σ(z_o)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ c̃_t          (the cell state: the long memory)
    h_t = o_t ⊙ tanh(c_t)                    (the hidden state: what the layer shows)
Parameters: 4·(H·(D + H) + H).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from .layer import Array
from .recurrent import Recurrent, carry_state


class LSTM(Recurrent):
    gates = 4

    def __init__(self, units: int, unit_forget_bias: bool = True, **kwargs):
        self.unit_forget_bias = bool(unit_forget_bias)
        super().__init__(units, **kwargs)

    def _initial_bias(self) -> Array:
        b = np.zeros(4 * self.units, self.dtype)
        if self.unit_forget_bias:
            b[self.units : 2 * self.units] = 1.0  # start by remembering, as Keras does
        return b

    def _forward(self, xt: Array) -> Array:
        T, B, _ = xt.shape
        H, U, m = self.units, self.params["U"], self.m
        A = np.empty((T, B, 4 * H), self.dtype)  # gate activations [i, f, c̃, o] per step
        np.matmul(xt.reshape(T * B, -1), self.params["W"], out=A.reshape(T * B, 4 * H))
        A += self.params["b"]
        Hs = np.zeros((T + 1, B, H), self.dtype)
        C = np.zeros((T + 1, B, H), self.dtype)
        TC = np.empty((T, B, H), self.dtype)  # tanh(c_t) before masking, for the backward pass
        hu = np.empty((B, 4 * H), self.dtype)
        ig = np.empty((B, H), self.dtype)
        for t in range(T):
            a = A[t]
            np.dot(Hs[t], U, out=hu)
            a += hu  # z_t
            expit(a[:, : 2 * H], out=a[:, : 2 * H])  # i, f
            np.tanh(a[:, 2 * H : 3 * H], out=a[:, 2 * H : 3 * H])  # c̃
            expit(a[:, 3 * H :], out=a[:, 3 * H :])  # o
            c = C[t + 1]
            np.multiply(a[:, H : 2 * H], C[t], out=c)  # f ⊙ c_{t-1}
            np.multiply(a[:, :H], a[:, 2 * H : 3 * H], out=ig)  # i ⊙ c̃
            c += ig
            np.tanh(c, out=TC[t])
            h = Hs[t + 1]
            np.multiply(a[:, 3 * H :], TC[t], out=h)
            if m is not None:  # padded step: carry both states over unchanged
                carry_state(c, C[t], m[t])
                carry_state(h, Hs[t], m[t])
        self.A, self.C, self.TC = A, C, TC
        return Hs

    def _backward(self, DH: Array) -> Array:
        T, B, H = DH.shape
        # U^T as a C-contiguous copy: np.dot(..., out=) with a transposed view skips BLAS (~100x slower)
        A, C, TC, m, UT = self.A, self.C, self.TC, self.m, np.ascontiguousarray(self.params["U"].T)
        i, f, g, o = (A[:, :, k * H : (k + 1) * H] for k in range(4))
        # Everything that does not depend on the backward recursion, for all steps at once:
        #   ∂z_o = ∂h ⊙ Ko,   ∂c += ∂h ⊙ Kc,   [∂z_i, ∂z_f, ∂z_c] = ∂c ⊙ K3,   ∂c_{t-1} = ∂c ⊙ f
        Ko = TC * o * (1 - o)
        Kc = o * (1 - TC * TC)
        K3 = np.empty((T, B, 3, H), self.dtype)
        K3[:, :, 0] = g * i * (1 - i)
        K3[:, :, 1] = C[:-1] * f * (1 - f)
        K3[:, :, 2] = i * (1 - g * g)
        F = np.ascontiguousarray(f)
        if m is not None:  # a padded step's new cell value was discarded
            Ko *= m
            Kc *= m
            K3 *= m[:, :, :, None]
        dZ = np.empty((T, B, 4 * H), self.dtype)
        dZ4 = dZ.reshape(T, B, 4, H)
        dc = np.zeros((B, H), self.dtype)  # ∂L/∂c_t, carried back through time
        dcn = np.empty((B, H), self.dtype)
        tmp = np.empty((B, H), self.dtype)
        for t in range(T - 1, -1, -1):
            dh = DH[t]
            np.multiply(dh, Ko[t], out=dZ4[t, :, 3])  # ∂z_o
            np.multiply(dh, Kc[t], out=dcn)
            dcn += dc if m is None else dc * m[t]  # ∂L/∂c_t through the new cell value
            np.multiply(dcn[:, None, :], K3[t], out=dZ4[t, :, :3])  # ∂z_i, ∂z_f, ∂z_c
            if m is not None:
                dc *= 1.0 - m[t]  # a padded step passes ∂c straight back
                dc += dcn * F[t]
            else:
                np.multiply(dcn, F[t], out=dc)
            if t > 0:
                np.dot(dZ[t], UT, out=tmp)
                if m is not None:
                    tmp += dh * (1.0 - m[t])
                DH[t - 1] += tmp
        Hs = self.Hs
        self.grads["U"][...] = Hs[:-1].reshape(T * B, H).T @ dZ.reshape(T * B, 4 * H)
        return dZ

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}
