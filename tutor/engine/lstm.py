"""Long short-term memory (Hochreiter & Schmidhuber, 1997).

Gates, in Keras' order (the column blocks of W, U and b): input i, forget f, cell candidate c̃,
output o. With z_t = x_t·W + h_{t-1}·U + b split into four (B, H) blocks:
    i_t = σ(z_i)    f_t = σ(z_f)    c̃_t = tanh(z_c)    o_t = σ(z_o)
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ c̃_t          (the cell state: the long memory)
    h_t = o_t ⊙ tanh(c_t)                    (the hidden state: what the layer shows)
Parameters: 4·(H·(D + H) + H). The states are [h, c] (``return_state``, ``initial_state``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layer import Array
from .recurrent import Recurrent, check_gate_activations, flush_underflow
from .registry import register
from .threads import blas_threads


@register
class LSTM(Recurrent):
    gates = 4
    state_names = ("h", "c")

    def __init__(
        self,
        units: int,
        unit_forget_bias: bool = True,
        activation: str = "tanh",
        recurrent_activation: str = "sigmoid",
        **kwargs: Any,
    ):
        check_gate_activations("LSTM", activation, recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        super().__init__(units, **kwargs)

    def _initial_bias(self) -> Array:
        b = np.zeros(4 * self.units, self.dtype)
        if self.unit_forget_bias:
            b[self.units : 2 * self.units] = 1.0  # start by remembering, as Keras does
        return b

    def _gate_scale(self) -> tuple[Array, Array]:
        """Per column: s = ½ on the sigmoid gates (i, f, o), 1 on c̃; and the shift 1 - s.

        σ(z) = ½ + ½·tanh(z/2), so with the sigmoid columns of W, U and b halved, one tanh over
        a step's whole gate row gives every gate: σ = s·tanh(s·z) + (1 - s). (NumPy's tanh is
        vectorised and several times faster than scipy's expit.)"""
        H = self.units
        s = np.full(4 * H, 0.5, self.dtype)
        s[2 * H : 3 * H] = 1.0
        return s, 1.0 - s

    def _forward(self, xt: Array) -> Array:
        T, B, D1 = xt.shape
        H = self.units
        pad, padded = self.pad, self.padded_steps
        s, shift = self._gate_scale()
        Us = self.params["U"] * s  # hoisted: the scaled weights, once per batch
        A = self._buffer("A", (T, B, 4 * H))  # gate activations [i, f, c̃, o] per step
        np.matmul(xt.reshape(T * B, D1), self._input_weights(s), out=A.reshape(T * B, 4 * H))
        Hs = self._buffer("Hs", (T + 1, B, H))
        C = self._buffer("C", (T + 1, B, H))
        self._initial_states(Hs)
        C[0] = self.initial[1] if self.initial else 0.0
        TC = self._buffer("TC", (T, B, H))  # tanh(c_t), for the backward pass
        hu = self._buffer("hu", (B, 4 * H))
        ig = self._buffer("ig", (B, H))
        with blas_threads(self._loop_threads):
            for t in range(T):
                a = A[t]
                np.dot(Hs[t], Us, out=hu)
                a += hu  # s ⊙ z_t
                np.tanh(a, out=a)
                a *= s
                a += shift  # i, f, o = σ(z); c̃ = tanh(z)
                c = C[t + 1]
                np.multiply(a[:, H : 2 * H], C[t], out=c)  # f ⊙ c_{t-1}
                np.multiply(a[:, :H], a[:, 2 * H : 3 * H], out=ig)  # i ⊙ c̃
                c += ig
                np.tanh(c, out=TC[t])
                h = Hs[t + 1]
                np.multiply(a[:, 3 * H :], TC[t], out=h)
                if pad is not None and padded[t]:  # padded rows carry both states over unchanged
                    np.copyto(c, C[t], where=pad[t])
                    np.copyto(h, Hs[t], where=pad[t])
        self.A, self.C, self.TC = A, C, TC
        return Hs

    def _final_states(self) -> list[Array]:
        return [self.Hs[-1].copy(), self.C[-1].copy()]

    def _backward(self, DH: Array, dstates: list[Array | None]) -> tuple[Array, list[Array | None]]:
        T, B, H = DH.shape[0] - 1, DH.shape[1], DH.shape[2]
        A, C, TC = self.A, self.C, self.TC
        pad, padded = self.pad, self.padded_steps
        real = None if self.m is None else self.m.astype(bool)
        # U^T as a C-contiguous copy: np.dot(..., out=) with a transposed view skips BLAS
        UT = np.ascontiguousarray(self.params["U"].T)
        dZ = self._buffer("dZ", (T, B, 4 * H))
        dc = self._buffer("dc", (B, H))  # ∂L/∂c_t, carried back through time
        dc[...] = 0.0 if not dstates or dstates[0] is None else dstates[0]
        dcn = self._buffer("dcn", (B, H))
        tmp = self._buffer("tmp", (B, H))
        work, rowmax, cutoff = self._buffer("work", (B, H)), self._buffer("rowmax", (B,)), self._cutoff()
        # The gate derivatives are formed step by step on (B, 4H) rows that stay in cache:
        # precomputing them for all steps at once is memory-bound and measured slower.
        with blas_threads(self._loop_threads):
            for t in range(T - 1, -1, -1):
                a, d, tc, dh, dprev = A[t], dZ[t], TC[t], DH[t + 1], DH[t]
                i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
                di, df, dg, do = d[:, :H], d[:, H : 2 * H], d[:, 2 * H : 3 * H], d[:, 3 * H :]
                np.subtract(1.0, a, out=d)
                d *= a  # σ'(z) = σ(1 - σ) for i, f, o (the c̃ block is redone below)
                do *= tc
                do *= dh  # ∂z_o = ∂h ⊙ tanh(c) ⊙ σ'(z_o)
                np.multiply(tc, tc, out=dcn)
                np.subtract(1.0, dcn, out=dcn)
                dcn *= o
                dcn *= dh
                dcn += dc  # ∂L/∂c_t: through h_t and from step t+1
                di *= g  # c̃ ⊙ σ'(z_i)
                df *= C[t]  # c_{t-1} ⊙ σ'(z_f)
                np.multiply(g, g, out=dg)
                np.subtract(1.0, dg, out=dg)
                dg *= i  # i ⊙ (1 - c̃²)
                d.reshape(B, 4, H)[:, :3] *= dcn[:, None, :]  # [∂z_i, ∂z_f, ∂z_c̃], times ∂c_t
                step_padded = pad is not None and padded[t]
                if step_padded:
                    # a padded row's step was discarded: no gate gradients, and both states were
                    # carried, so ∂c and ∂h pass straight back
                    np.copyto(d, 0.0, where=pad[t])  # type: ignore[index]
                    np.multiply(dcn, f, out=dc, where=real[t])  # type: ignore[index]
                else:
                    np.multiply(dcn, f, out=dc)  # ∂c_{t-1} = ∂c_t ⊙ f
                np.dot(d, UT, out=tmp)
                dprev += tmp
                if step_padded:
                    np.add(dprev, dh, out=dprev, where=pad[t])  # type: ignore[index]
                if t % self.flush_every == 0:
                    flush_underflow(dprev, work, rowmax, cutoff)
                    flush_underflow(dc, work, rowmax, cutoff)
        self.grads["U"][...] = self.Hs[:-1].reshape(T * B, H).T @ dZ.reshape(T * B, 4 * H)
        return dZ, [DH[0].copy(), dc.copy()]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}
