"""Optimisers: update every parameter in place from its gradient, after optional clipping of
the global gradient norm ‖g‖ = √(Σ over all parameters of Σ g²)."""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray


def global_norm(grads: list[Array]) -> float:
    return math.sqrt(sum(float(np.vdot(g, g)) for g in grads))


def clip_by_global_norm(grads: list[Array], clipnorm: float) -> float:
    """Scale all gradients in place so their global norm is at most clipnorm; returns the
    norm before clipping."""
    norm = global_norm(grads)
    if clipnorm is not None and norm > clipnorm:
        scale = clipnorm / (norm + 1e-12)
        for g in grads:
            g *= scale
    return norm


class Optimizer:
    name = "optimizer"
    default_lr = 0.01

    def __init__(self, lr: float | None = None, clipnorm: float | None = None):
        self.lr = float(self.default_lr if lr is None else lr)
        if not self.lr > 0 or not math.isfinite(self.lr):
            raise ValueError(f"learning rate must be a positive number, got {lr!r}")
        if clipnorm is not None and not float(clipnorm) > 0:
            raise ValueError(f"clipnorm must be positive, got {clipnorm!r}")
        self.clipnorm = None if clipnorm is None else float(clipnorm)
        self.state: dict[int, tuple[Array, ...]] = {}
        self.iterations = 0

    def apply(self, params: list[Array], grads: list[Array]) -> float:
        """One update step. Returns the global gradient norm (before clipping)."""
        norm = clip_by_global_norm(grads, self.clipnorm)
        self.iterations += 1
        for k, (p, g) in enumerate(zip(params, grads, strict=True)):
            self._update(k, p, g)
        return norm

    def _update(self, k: int, p: Array, g: Array) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": self.name, "lr": self.lr, "clipnorm": self.clipnorm}


class SGD(Optimizer):
    """v ← μ·v - ρ·g;  θ ← θ + v   (plain gradient descent when μ = 0)."""

    name = "sgd"

    def __init__(self, lr: float | None = None, momentum: float = 0.0, clipnorm: float | None = None):
        super().__init__(lr, clipnorm)
        self.momentum = float(momentum)

    def _update(self, k, p, g):
        if self.momentum == 0.0:
            p -= self.lr * g
            return
        if k not in self.state:
            self.state[k] = (np.zeros_like(p),)
        (v,) = self.state[k]
        v *= self.momentum
        v -= self.lr * g
        p += v

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum}


class RMSprop(Optimizer):
    """s ← ρ·s + (1-ρ)·g²;  θ ← θ - lr·g / (√s + ε): each weight gets its own step size."""

    name = "rmsprop"
    default_lr = 0.001

    def __init__(self, lr=None, rho: float = 0.9, epsilon: float = 1e-7, clipnorm=None):
        super().__init__(lr, clipnorm)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _update(self, k, p, g):
        if k not in self.state:
            self.state[k] = (np.zeros_like(p), np.empty_like(p))
        s, tmp = self.state[k]
        s *= self.rho
        np.multiply(g, g, out=tmp)
        tmp *= 1 - self.rho
        s += tmp
        np.sqrt(s, out=tmp)
        tmp += self.epsilon
        np.divide(g, tmp, out=tmp)
        tmp *= self.lr
        p -= tmp

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Momentum (m) and RMSprop (v) together, both bias-corrected for their zero start."""

    name = "adam"
    default_lr = 0.001

    def __init__(self, lr=None, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, clipnorm=None):
        super().__init__(lr, clipnorm)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _update(self, k, p, g):
        if k not in self.state:
            self.state[k] = (np.zeros_like(p), np.zeros_like(p), np.empty_like(p))
        m, v, tmp = self.state[k]
        b1, b2, t = self.beta_1, self.beta_2, self.iterations
        m *= b1
        m += (1 - b1) * g
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        v += tmp
        # lr_t folds both bias corrections into the step size (Kingma & Ba, section 2)
        lr_t = self.lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        np.sqrt(v, out=tmp)
        tmp += self.epsilon
        np.divide(m, tmp, out=tmp)
        tmp *= lr_t
        p -= tmp

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


OPTIMIZERS = {cls.name: cls for cls in (SGD, RMSprop, Adam)}


def get_optimizer(optimizer: str | Optimizer, lr: float | None = None, clipnorm: float | None = None) -> Optimizer:
    """An optimiser object from its name ('sgd', 'rmsprop', 'adam') or as given."""
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            optimizer.lr = float(lr)
        if clipnorm is not None:
            optimizer.clipnorm = float(clipnorm)
        return optimizer
    key = str(optimizer).lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}: expected one of {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[key](lr=lr, clipnorm=clipnorm)
