"""Optimisers, with Keras 3's update rules and argument names.

Every optimiser takes ``learning_rate`` (``lr`` is kept as an alias) and at most one way of
clipping the gradients g before the step, as in Keras:
    clipnorm=c         each array separately:  g ← g · c / max(‖g‖, c)
    global_clipnorm=c  all arrays together:    g ← g · c / max(‖g‖_global, c),
                       ‖g‖_global = √(Σ over all arrays of Σ g²)
    clipvalue=c        each entry:             g ← clip(g, -c, c)
Clipping each array separately changes the direction of the step; clipping the global norm
only shortens it (the tutor's lessons and dashboard use ``global_clipnorm``).

``apply`` returns the global norm before clipping, which the dashboard plots. The state (the
moving averages) is kept per parameter and saved with the model, so training resumes exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]


def global_norm(grads: Sequence[Array]) -> float:
    return math.sqrt(sum(float(np.vdot(g, g)) for g in grads))


def clip_by_global_norm(grads: Sequence[Array], clipnorm: float | None) -> float:
    """Scale all gradients in place so their global norm is at most clipnorm (Keras'
    ``global_clipnorm``); returns the norm before clipping."""
    norm = global_norm(grads)
    if clipnorm is not None and norm > clipnorm:
        scale = clipnorm / norm
        for g in grads:
            g *= scale
    return norm


def clip_by_norm(g: Array, clipnorm: float) -> None:
    """Scale one gradient array in place so its norm is at most clipnorm (Keras' ``clipnorm``)."""
    norm = math.sqrt(float(np.vdot(g, g)))
    if norm > clipnorm:
        g *= clipnorm / norm


def _positive(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{what} must be a positive number, got {value!r}")
    if not float(value) > 0 or not math.isfinite(float(value)):
        raise ValueError(f"{what} must be a positive number, got {value!r}")
    return float(value)


def _fraction(value: Any, what: str, allow_zero: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{what} must be a number in [0, 1), got {value!r}")
    v = float(value)
    if not (0.0 <= v < 1.0) or (v == 0.0 and not allow_zero):
        raise ValueError(f"{what} must be in [0, 1), got {value!r}")
    return v


class Optimizer:
    name = "optimizer"
    default_lr = 0.01
    slots: tuple[str, ...] = ()  # the state arrays kept per parameter

    def __init__(
        self,
        learning_rate: float | None = None,
        clipnorm: float | None = None,
        global_clipnorm: float | None = None,
        clipvalue: float | None = None,
        lr: float | None = None,
    ):
        if lr is not None and learning_rate is not None and float(lr) != float(learning_rate):
            raise ValueError(f"give learning_rate or its alias lr, not both ({learning_rate!r} and {lr!r})")
        rate = learning_rate if learning_rate is not None else lr
        self.learning_rate = _positive(self.default_lr if rate is None else rate, "learning rate")
        self.clipnorm = _positive(clipnorm, "clipnorm")
        self.global_clipnorm = _positive(global_clipnorm, "global_clipnorm")
        self.clipvalue = _positive(clipvalue, "clipvalue")
        if sum(c is not None for c in (self.clipnorm, self.global_clipnorm, self.clipvalue)) > 1:
            raise ValueError("give at most one of clipnorm, global_clipnorm and clipvalue (as Keras requires)")
        self.state: dict[int, list[Array]] = {}  # parameter index → its slot arrays
        self._work: dict[int, Array] = {}  # scratch arrays, one per parameter
        self.iterations = 0

    @property
    def lr(self) -> float:
        """Alias of ``learning_rate``."""
        assert self.learning_rate is not None
        return self.learning_rate

    @lr.setter
    def lr(self, value: float) -> None:
        self.learning_rate = _positive(value, "learning rate")

    def apply(self, params: Sequence[Array], grads: Sequence[Array], keys: Sequence[int] | None = None) -> float:
        """One update step (gradients are clipped in place). ``keys`` name each parameter's
        state (its index in the model; by default its position here). Returns the global
        gradient norm before clipping."""
        norm = clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipnorm is not None:
            for g in grads:
                clip_by_norm(g, self.clipnorm)
        elif self.clipvalue is not None:
            for g in grads:
                np.clip(g, -self.clipvalue, self.clipvalue, out=g)
        self.iterations += 1
        for k, p, g in zip(keys if keys is not None else range(len(params)), params, grads, strict=True):
            if k not in self.state:
                self.state[k] = [np.zeros_like(p) for _ in self.slots]
            work = self._work.get(k)
            if work is None or work.shape != p.shape or work.dtype != p.dtype:
                work = self._work[k] = np.empty_like(p)
            self._update(p, g, self.state[k], work)
        return norm

    def _update(self, p: Array, g: Array, slots: list[Array], work: Array) -> None:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"name": self.name, "learning_rate": self.learning_rate}
        for key in ("clipnorm", "global_clipnorm", "clipvalue"):
            if getattr(self, key) is not None:
                config[key] = getattr(self, key)
        return config

    # -- saving and restoring the state -------------------------------------------------------
    def state_arrays(self) -> dict[str, Array]:
        """The slot arrays by ``"{parameter index}/{slot}"``, for the model file."""
        return {
            f"{k}/{name}": arr for k, slots in self.state.items() for name, arr in zip(self.slots, slots, strict=True)
        }

    def load_state(self, arrays: dict[str, Array], iterations: int, params: Sequence[Array]) -> None:
        """Put back a saved state; every slot must match its parameter's shape."""
        state: dict[int, list[Array]] = {}
        for key, arr in arrays.items():
            index, _, slot = key.partition("/")
            if not index.isdigit() or slot not in self.slots or int(index) >= len(params):
                raise ValueError(f"optimizer state entry {key!r} does not belong to this {self.name} optimizer")
            k = int(index)
            if arr.shape != params[k].shape:
                raise ValueError(f"optimizer state {key!r} has shape {arr.shape}, its parameter {params[k].shape}")
            state.setdefault(k, [np.zeros_like(params[k]) for _ in self.slots])[self.slots.index(slot)][...] = arr
        self.state = state
        self.iterations = int(iterations)


class SGD(Optimizer):
    """Gradient descent, with momentum μ (Keras 3's form):
        v ← μ·v - lr·g;   θ ← θ + v                 (plain θ ← θ - lr·g when μ = 0)
        with nesterov=True: θ ← θ + μ·v - lr·g
    PyTorch keeps v without the learning rate (v ← μ·v + g, θ ← θ - lr·v): the same steps while
    the learning rate stays fixed."""

    name = "sgd"
    default_lr = 0.01

    def __init__(
        self, learning_rate: float | None = None, momentum: float = 0.0, nesterov: bool = False, **kwargs: Any
    ):
        super().__init__(learning_rate, **kwargs)
        self.momentum = _fraction(momentum, "momentum")
        self.nesterov = bool(nesterov)
        self.slots = ("momentum",) if self.momentum else ()

    def _update(self, p: Array, g: Array, slots: list[Array], work: Array) -> None:
        lr = self.lr
        if not self.momentum:
            np.multiply(g, lr, out=work)
            p -= work
            return
        (v,) = slots
        v *= self.momentum
        np.multiply(g, lr, out=work)
        v -= work
        if self.nesterov:
            np.multiply(v, self.momentum, out=work)
            work -= g * lr
            p += work
        else:
            p += v

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "momentum": self.momentum}
        if self.nesterov:
            config["nesterov"] = True
        return config


class RMSprop(Optimizer):
    """Each weight gets its own step size, from a moving average of its squared gradient
    (Keras 3's form; ρ = 0.9, ε = 1e-7 by default):
        s ← ρ·s + (1 - ρ)·g²;   θ ← θ - lr·g / √(s + ε)
    With ``momentum`` μ > 0: v ← μ·v + lr·g / √(s + ε), θ ← θ - v. With ``centered=True`` the
    square's average is centred: √(s - ḡ² + ε), ḡ the moving average of g.
    PyTorch (and Keras before version 3) divide by √s + ε instead: with gradients near √ε ≈ 3e-4
    or smaller the two steps differ by up to about 3x."""

    name = "rmsprop"
    default_lr = 0.001

    def __init__(
        self,
        learning_rate: float | None = None,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs: Any,
    ):
        super().__init__(learning_rate, **kwargs)
        self.rho = _fraction(rho, "rho")
        self.momentum = _fraction(momentum, "momentum")
        self.epsilon = _positive(epsilon, "epsilon") or 1e-7
        self.centered = bool(centered)
        self.slots = ("velocity",) + (("momentum",) if self.momentum else ()) + (("average",) if self.centered else ())

    def _update(self, p: Array, g: Array, slots: list[Array], work: Array) -> None:
        s = slots[0]
        s *= self.rho
        np.multiply(g, g, out=work)
        work *= 1 - self.rho
        s += work
        if self.centered:
            avg = slots[-1]
            avg *= self.rho
            avg += (1 - self.rho) * g
            np.multiply(avg, avg, out=work)
            np.subtract(s, work, out=work)
            work += self.epsilon
        else:
            np.add(s, self.epsilon, out=work)
        np.sqrt(work, out=work)
        np.divide(g, work, out=work)
        work *= self.lr
        if self.momentum:
            v = slots[1]
            v *= self.momentum
            v += work
            p -= v
        else:
            p -= work

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
        if self.momentum:
            config["momentum"] = self.momentum
        if self.centered:
            config["centered"] = True
        return config


class Adam(Optimizer):
    """Momentum (m) and RMSprop (v) together, both corrected for their zero start (Kingma & Ba;
    Keras 3's form, ε outside the root as in the paper and PyTorch):
        m ← β₁·m + (1 - β₁)·g;   v ← β₂·v + (1 - β₂)·g²
        θ ← θ - lr·√(1 - β₂ᵗ)/(1 - β₁ᵗ) · m / (√v + ε)"""

    name = "adam"
    default_lr = 0.001
    slots = ("m", "v")

    def __init__(
        self,
        learning_rate: float | None = None,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs: Any,
    ):
        super().__init__(learning_rate, **kwargs)
        if amsgrad:
            raise ValueError("Adam: amsgrad is not implemented by the engine")
        self.beta_1, self.beta_2 = _fraction(beta_1, "beta_1"), _fraction(beta_2, "beta_2")
        self.epsilon = _positive(epsilon, "epsilon") or 1e-7

    def _update(self, p: Array, g: Array, slots: list[Array], work: Array) -> None:
        m, v = slots
        b1, b2, t = self.beta_1, self.beta_2, self.iterations
        m *= b1
        m += (1 - b1) * g
        v *= b2
        np.multiply(g, g, out=work)
        work *= 1 - b2
        v += work
        # lr_t folds both bias corrections into the step size (Kingma & Ba, section 2)
        lr_t = self.lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        np.sqrt(v, out=work)
        work += self.epsilon
        np.divide(m, work, out=work)
        work *= lr_t
        p -= work

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, RMSprop, Adam)}


def get_optimizer(
    optimizer: str | Optimizer, lr: float | None = None, global_clipnorm: float | None = None
) -> Optimizer:
    """An optimiser object from its name ('sgd', 'rmsprop', 'adam') or as given; ``lr`` and
    ``global_clipnorm``, when given, override its own."""
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            optimizer.lr = float(lr)
        if global_clipnorm is not None:
            if optimizer.clipnorm is not None or optimizer.clipvalue is not None:
                raise ValueError("give at most one of clipnorm, global_clipnorm and clipvalue (as Keras requires)")
            optimizer.global_clipnorm = _positive(global_clipnorm, "global_clipnorm")
        return optimizer
    key = str(optimizer).lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}: expected one of {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[key](learning_rate=lr, global_clipnorm=global_clipnorm)


def optimizer_from_config(config: Any) -> Optimizer:
    """An optimiser from ``get_config``'s dict; a ValueError naming any unknown keyword."""
    if not isinstance(config, dict) or not isinstance(config.get("name"), str):
        raise ValueError("the optimizer entry must be a dict with a name")
    config = dict(config)
    name = config.pop("name")
    cls = OPTIMIZERS.get(name)
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}: expected one of {', '.join(OPTIMIZERS)}")
    if "lr" in config and "learning_rate" not in config:  # files written before the rename
        config["learning_rate"] = config.pop("lr")
    try:
        return cls(**config)
    except TypeError as exc:
        raise ValueError(f"{name} optimizer: bad config ({exc})") from None
