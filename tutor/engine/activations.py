"""Activation functions g and their derivatives, written in terms of the output a = g(z).

Expressing g' through a (σ' = a(1-a), tanh' = 1-a², relu' = [a > 0]) lets a layer keep only
its outputs for the backward pass.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray


def sigmoid(z: Array, out: Array | None = None) -> Array:
    """σ(z) = 1 / (1 + e^(-z)) = exp(-log(1 + e^(-z))), without overflow for large |z|."""
    result = np.exp(-np.logaddexp(0.0, -z))
    if out is not None:
        out[...] = result
        return out
    return result


def log_sigmoid(z: Array) -> Array:
    """log σ(z) = -log(1 + e^(-z)), exact where σ(z) itself would round to 0."""
    return -np.logaddexp(0.0, -z)


def tanh(z: Array, out: Array | None = None) -> Array:
    return np.tanh(z, out=out) if out is not None else np.tanh(z)


def relu(z: Array, out: Array | None = None) -> Array:
    return np.maximum(z, 0, out=out) if out is not None else np.maximum(z, 0)


def linear(z: Array, out: Array | None = None) -> Array:
    if out is None:
        return z
    out[...] = z
    return out


def softmax(z: Array, out: Array | None = None) -> Array:
    """Softmax over the last axis, shifted by the row maximum for stability."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    if out is not None:
        out[...] = e
        return out
    return e


def d_sigmoid(a: Array) -> Array:
    return a * (1 - a)


def d_tanh(a: Array) -> Array:
    return 1 - a * a


def d_relu(a: Array) -> Array:
    return (a > 0).astype(a.dtype)


def d_linear(a: Array) -> Array:
    return np.ones_like(a)


# name -> (g, g' as a function of a = g(z)); softmax's derivative is a Jacobian (see Dense)
ACTIVATIONS: dict[str, tuple[Callable, Callable | None]] = {
    "linear": (linear, d_linear),
    "sigmoid": (sigmoid, d_sigmoid),
    "tanh": (tanh, d_tanh),
    "relu": (relu, d_relu),
    "softmax": (softmax, None),
}


def check_activation(name: str | None, allowed: tuple[str, ...] | None = None) -> str:
    """Normalise an activation name (None means linear) or raise a ValueError saying what exists."""
    key = "linear" if name is None else str(name).lower()
    choices = allowed or tuple(ACTIVATIONS)
    if key not in choices:
        raise ValueError(f"unknown activation {name!r}: expected one of {', '.join(choices)}")
    return key
