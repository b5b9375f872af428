"""Finite-difference gradient checks, used by the tests and by the lessons' exercises.

Central differences: ∂f/∂θ_j ≈ (f(θ + ε e_j) - f(θ - ε e_j)) / 2ε, with an error of order ε².
Compare in float64: in float32 the rounding of f swamps the difference for small ε.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .layer import Array, Layer


def numerical_gradient(f: Callable[[], float], x: Array, eps: float = 1e-6) -> Array:
    """∂f/∂x by central differences, where f() reads x (which is perturbed in place)."""
    grad = np.zeros(x.shape, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + eps
        up = f()
        flat[j] = old - eps
        down = f()
        flat[j] = old
        gflat[j] = (up - down) / (2 * eps)
    return grad


def relative_error(analytic: Array, numeric: Array) -> float:
    """‖a - n‖ / (‖a‖ + ‖n‖): scale-free, 0 when both vanish."""
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - n) / denom)


def gradcheck(
    layer: Layer,
    x: Any,
    mask: Any = None,
    training: bool = False,
    eps: float = 1e-6,
    seed: int = 0,
) -> dict[str, float]:
    """Relative error of the layer's backward pass against finite differences, per parameter
    and for the input ("x"; not for integer ids). Use a float64 layer and small shapes.

    For a layer with several inputs or outputs give ``x`` as a list (e.g. ``[x, h0, c0]`` for
    an LSTM with an initial state, ``[query, value]`` for Attention) and ``mask`` as a list of
    masks; the inputs are then reported as "x0", "x1", ...

    The scalar checked is L = Σ over outputs of Σ y ⊙ R with fixed random R, so ∂L/∂y = R.
    """
    if layer.dtype != np.float64:
        raise ValueError("gradcheck needs a float64 layer (dtype=np.float64)")
    many = isinstance(x, list)
    inputs = [np.array(a, copy=True) for a in (x if many else [x])]
    masks = list(mask) if isinstance(mask, list) else [mask] + [None] * (len(inputs) - 1)

    def run() -> list[Array]:
        # the same dropout draws at every evaluation: each random layer restarts its stream
        for sub in layer.random_layers():
            sub.set_rng(np.random.default_rng(seed))
        return layer.call(inputs, masks, training=training)[0]

    outputs = run()
    rng = np.random.default_rng(seed)
    Rs = [rng.standard_normal(y.shape) for y in outputs]
    dxs = layer.backward_all([R.copy() for R in Rs])
    analytic = {k: g.copy() for k, g in layer.grads.items()}

    def loss() -> float:
        return float(sum(np.sum(y * R) for y, R in zip(run(), Rs, strict=True)))

    errors = {k: relative_error(analytic[k], numerical_gradient(loss, p, eps)) for k, p in layer.params.items()}
    for i, (a, dx) in enumerate(zip(inputs, dxs, strict=True)):
        if dx is not None and np.issubdtype(a.dtype, np.floating):
            errors[f"x{i}" if many else "x"] = relative_error(dx, numerical_gradient(loss, a, eps))
    return errors
