"""Activation functions g and their derivatives, written in terms of the output a = g(z).

Expressing g' through a (σ' = a(1-a), tanh' = 1-a², relu' = [a > 0]) lets a layer keep only
its outputs for the backward pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
Activation = Callable[..., Array]


def sigmoid(z: Array, out: Array | None = None) -> Array:
    """σ(z) = 1 / (1 + e^(-z)) = exp(-log(1 + e^(-z))), without overflow for large |z|."""
    result: Array = np.exp(-np.logaddexp(0.0, -z))
    if out is not None:
        out[...] = result
        return out
    return result


def log_sigmoid(z: Array) -> Array:
    """log σ(z) = -log(1 + e^(-z)), exact where σ(z) itself would round to 0."""
    result: Array = -np.logaddexp(0.0, -z)
    return result


def tanh(z: Array, out: Array | None = None) -> Array:
    result: Array = np.tanh(z, out=out) if out is not None else np.tanh(z)
    return result


def relu(z: Array, out: Array | None = None) -> Array:
    result: Array = np.maximum(z, 0, out=out) if out is not None else np.maximum(z, 0)
    return result


def linear(z: Array, out: Array | None = None) -> Array:
    if out is None:
        return z
    out[...] = z
    return out


def softmax(z: Array, out: Array | None = None) -> Array:
    """Softmax over the last axis, shifted by the row maximum for stability."""
    e: Array = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    if out is not None:
        out[...] = e
        return out
    return e


def d_sigmoid(a: Array) -> Array:
    result: Array = a * (1 - a)
    return result


def d_tanh(a: Array) -> Array:
    result: Array = 1 - a * a
    return result


def d_relu(a: Array) -> Array:
    return (a > 0).astype(a.dtype)


def d_linear(a: Array) -> Array:
    return np.ones_like(a)


# name -> (g, g' as a function of a = g(z)); softmax's derivative is a Jacobian (see Dense)
ACTIVATIONS: dict[str, tuple[Activation, Activation | None]] = {
    "linear": (linear, d_linear),
    "sigmoid": (sigmoid, d_sigmoid),
    "tanh": (tanh, d_tanh),
    "relu": (relu, d_relu),
    "softmax": (softmax, None),
}


def backward_activation(name: str, a: Array, dy: Array) -> Array:
    """∂L/∂z from ∂L/∂a for a = g(z) over the last axis (softmax: its Jacobian-vector product)."""
    if name == "softmax":
        # dz = s ⊙ (dy - Σ dy ⊙ s)
        result: Array = a * (dy - (dy * a).sum(axis=-1, keepdims=True))
        return result
    if name == "linear":
        return dy
    dg = ACTIVATIONS[name][1]
    assert dg is not None
    out: Array = dy * dg(a)
    return out


def check_activation(name: str | None, allowed: tuple[str, ...] | None = None) -> str:
    """Normalise an activation name (None means linear) or raise a ValueError saying what exists."""
    key = "linear" if name is None else str(name).lower()
    choices = allowed or tuple(ACTIVATIONS)
    if key not in choices:
        raise ValueError(f"unknown activation {name!r}: expected one of {', '.join(choices)}")
    return key
