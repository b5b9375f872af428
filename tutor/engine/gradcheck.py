"""Finite-difference gradient checks, used by the tests and by the lessons' exercises.

Central differences: ∂f/∂θ_j ≈ (f(θ + ε e_j) - f(θ - ε e_j)) / 2ε, with an error of order ε².
Compare in float64: in float32 the rounding of f swamps the difference for small ε.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .layer import Layer

Array = np.ndarray


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


def _rngs(layer: Layer) -> dict[str, dict]:
    """The states of a layer's random generators, so every evaluation draws the same masks."""
    return {k: v.bit_generator.state for k, v in vars(layer).items() if isinstance(v, np.random.Generator)}


def gradcheck(
    layer: Layer,
    x,
    mask: Array | None = None,
    training: bool = False,
    eps: float = 1e-6,
    seed: int = 0,
) -> dict[str, float]:
    """Relative error of the layer's backward pass against finite differences, per parameter
    and for the input ("x"; not for integer ids). Use a float64 layer and small shapes.

    The scalar checked is L = Σ y ⊙ R with a fixed random R, so ∂L/∂y = R.
    """
    if layer.dtype != np.float64:
        raise ValueError("gradcheck needs a float64 layer (dtype=np.float64)")
    x = np.array(x, copy=True)
    y = layer.forward(x, training=training, mask=mask)
    if training:
        for attr in ("rng", "_drop_rng"):  # create the generators, then freeze their state
            if hasattr(layer, attr) and getattr(layer, attr) is None:
                setattr(layer, attr, np.random.default_rng(seed))
    states = _rngs(layer)

    def run() -> Array:
        for k, state in states.items():
            getattr(layer, k).bit_generator.state = state
        return layer.forward(x, training=training, mask=mask)

    y = run()
    R = np.random.default_rng(seed).standard_normal(y.shape)
    dx = layer.backward(R.copy())
    analytic = {k: g.copy() for k, g in layer.grads.items()}

    def loss() -> float:
        return float(np.sum(run() * R))

    errors = {k: relative_error(analytic[k], numerical_gradient(loss, p, eps)) for k, p in layer.params.items()}
    if dx is not None and np.issubdtype(x.dtype, np.floating):
        errors["x"] = relative_error(dx, numerical_gradient(loss, x, eps))
    return errors
