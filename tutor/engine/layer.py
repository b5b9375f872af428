"""The layer interface every part of the engine follows.

A layer owns two dicts of NumPy arrays, ``params`` and ``grads`` (same keys, same shapes).
``forward(x, training)`` computes the output and keeps what the backward pass needs;
``backward(dy)`` takes ∂L/∂y, fills ``grads`` with ∂L/∂θ and returns ∂L/∂x.
Shapes are batch first: B is the batch size, T the number of time steps, D an input width.

Layers with several inputs or outputs (a recurrent layer given an initial state or returning
its state, ``Attention``, ``Concatenate``) also speak the list form, ``call`` and
``backward_all``; the single-tensor form is the list form with one entry. Calling a layer on
the symbolic tensors of ``Input`` wires a functional ``Model`` (see ``functional.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
Shape = tuple[int | None, ...]
MAX_SIZE = 2**31 - 1  # the largest width or count a config may give: beyond it, nothing fits in memory


def check_size(value: Any, what: str, minimum: int = 1) -> int:
    """An integer count (units, a vocabulary size) from a config, or a ValueError naming it.

    Accepts integral floats (``1e3`` in JSON), refuses booleans, fractions, infinities and sizes
    no machine could hold, before anything is allocated from them."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    if isinstance(value, float | np.floating) and (not math.isfinite(value) or value != int(value)):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    n = int(value)
    if n < minimum or n > MAX_SIZE:
        raise ValueError(f"{what} must be between {minimum} and {MAX_SIZE:,}, got {n:,}")
    return n


def check_rate(value: Any, what: str) -> float:
    """A probability in [0, 1), as dropout rates are."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{what} must be a number in [0, 1), got {value!r}")
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"{what} must be in [0, 1), got {value!r}")
    return float(value)


class Layer:
    """Base class: parameters, gradients, lazy building and a JSON-able config.

    Keyword arguments every layer takes, as in Keras: ``name``, ``dtype`` (float32 or float64),
    ``seed`` (its initial weights and dropout draws), ``trainable`` (False freezes the weights:
    the optimiser skips them) and ``input_shape`` (the shape of one sample, without the batch
    axis, on the first layer of a model).
    """

    def __init__(
        self,
        name: str | None = None,
        dtype: npt.DTypeLike = np.float32,
        seed: int | None = None,
        trainable: bool = True,
        input_shape: Sequence[int | None] | None = None,
        _defer_build: bool = False,
    ):
        if name is not None and not isinstance(name, str):
            raise ValueError(f"a layer name must be a string, got {name!r}")
        self.name = name
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        if seed is not None:
            seed = check_size(seed, "seed", minimum=0)
        self.seed = seed
        self.trainable = bool(trainable)
        self.input_shape: Shape | None = None
        if input_shape is not None:
            if not isinstance(input_shape, list | tuple):
                raise ValueError(f"input_shape must be a tuple, got {input_shape!r}")
            dims = [None if s is None else check_size(s, "input_shape entries") for s in input_shape]
            self.input_shape = (None, *dims)
        # a model being loaded builds its layers only once the stored shapes have been checked
        self._defer_build = bool(_defer_build)
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self.built = False

    # -- building -------------------------------------------------------------------------
    def param_shapes(self, input_shape: Shape) -> dict[str, tuple[int, ...]]:
        """The shape of every parameter for inputs of ``input_shape``, computed without
        allocating anything (a saved model's stored arrays are checked against it)."""
        return {}

    def build(self, input_shape: Shape) -> None:
        """Create the parameters for inputs of this shape (batch axis first, may be None)."""
        self.built = True

    def _maybe_build(self, input_shape: Shape | None) -> None:
        """Build at construction when the input shape is known (so counts work at once)."""
        if input_shape is not None and not self._defer_build:
            self.build(input_shape)

    def reinitialize(self, seed: int | None) -> None:
        """Draw fresh initial parameters from ``seed`` (a model gives each layer its own)."""
        self.seed = seed
        if self.params:
            shape = {k: v.shape for k, v in self.params.items()}
            self.params.clear()
            self.grads.clear()
            self.built = False
            self.build(self._build_shape())
            assert {k: v.shape for k, v in self.params.items()} == shape

    def _build_shape(self) -> Shape:
        """The input shape this layer was built for (for rebuilding it)."""
        return (None, getattr(self, "input_dim", None))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed)

    def _add_param(self, key: str, value: Array) -> None:
        self.params[key] = np.asarray(value, dtype=self.dtype, order="C")  # (0-d stays 0-d)
        self.grads[key] = np.zeros_like(self.params[key])

    # -- randomness -----------------------------------------------------------------------
    def random_layers(self) -> list[Layer]:
        """The layers (this one, or those inside it) that draw random numbers while training."""
        return []

    def set_rng(self, rng: np.random.Generator) -> None:
        """Use ``rng`` for the random draws of training (dropout masks); ``fit`` hands each
        random layer its own generator derived from the fit seed."""

    # -- computing ------------------------------------------------------------------------
    def forward(self, x: Any, training: bool = False, mask: Array | None = None) -> Array:
        raise NotImplementedError

    def backward(self, dy: Array) -> Array | None:
        raise NotImplementedError

    def compute_mask(self, mask: Array | None) -> Array | None:
        """The padding mask (B, T) to hand to the next layer: passed through by default."""
        return mask

    # the list form: several inputs (e.g. a sequence and initial states), several outputs
    def call(
        self, inputs: list[Any], masks: list[Array | None], training: bool = False
    ) -> tuple[list[Array], list[Array | None]]:
        """Outputs and their masks for a list of inputs (one input and one output by default)."""
        if len(inputs) != 1:
            raise ValueError(f"{type(self).__name__} takes one input, got {len(inputs)}")
        y = self.forward(inputs[0], training=training, mask=masks[0] if masks else None)
        return [y], [self.compute_mask(masks[0] if masks else None)]

    def backward_all(self, dys: list[Array | None]) -> list[Array | None]:
        """∂L/∂(each input) from ∂L/∂(each output); None stands for a zero gradient."""
        (dy,) = dys
        if dy is None:
            raise ValueError(f"{type(self).__name__}: no gradient reaches its output")
        return [self.backward(dy)]

    def output_shapes(self, input_shapes: list[Shape]) -> list[Shape]:
        """The shapes of ``call``'s outputs (the list form of ``compute_output_shape``)."""
        return [self.compute_output_shape(input_shapes[0])]

    def __call__(
        self,
        inputs: Any,
        initial_state: Any = None,
        training: bool = False,
        mask: Array | None = None,
    ) -> Any:
        """Keras-style call: on arrays it computes (inference unless ``training``); on the
        symbolic tensors of ``Input`` it records the call for a functional ``Model``."""
        many = isinstance(inputs, list | tuple)
        flat = list(inputs) if many else [inputs]
        states = (
            []
            if initial_state is None
            else (list(initial_state) if isinstance(initial_state, list | tuple) else [initial_state])
        )
        from .functional import SymbolicTensor, symbolic_call

        if any(isinstance(t, SymbolicTensor) for t in flat + states):
            return symbolic_call(self, flat, states)
        masks: list[Array | None] = [mask] + [None] * (len(flat) + len(states) - 1)
        outputs, _ = self.call(flat + states, masks, training=training)
        return outputs[0] if len(outputs) == 1 else outputs

    # -- describing -----------------------------------------------------------------------
    def count_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"name": self.name, "dtype": self.dtype.name, "seed": self.seed}
        if not self.trainable:
            config["trainable"] = False
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        """A layer from ``get_config``'s dict, not yet built (``build`` allocates the weights)."""
        return cls(**config, _defer_build=True)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


def is_sparse(x: Any) -> bool:
    """A scipy.sparse matrix, told without importing SciPy (the quick paths never load it)."""
    return type(x).__module__.startswith("scipy.sparse")


def as_float_array(x: Any, dtype: npt.DTypeLike, what: str, ndim: tuple[int, ...]) -> Array:
    """Check rank and finiteness of a float input and cast it to the layer's dtype."""
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except Exception as exc:  # ragged lists and the like
            raise ValueError(f"{what}: expected a numeric array, got {type(x).__name__}") from exc
    if x.ndim not in ndim:
        want = " or ".join(f"{n}-D" for n in ndim)
        raise ValueError(f"{what}: expected a {want} array, got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"{what}: expected real numbers, got dtype {x.dtype}")
    out: Array = x.astype(dtype, copy=False)
    if not np.isfinite(out).all():
        raise ValueError(f"{what}: input contains NaN or infinity")
    return out
