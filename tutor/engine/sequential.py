"""Sequential: a stack of layers, each feeding the next, in Keras' style.

    model = Sequential([Embedding(10000, 32), LSTM(32), Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=128, epochs=5, validation_data=(xv, yv))

The padding mask travels from layer to layer (an ``Embedding`` with ``mask_zero=True`` starts
it; a recurrent layer without ``return_sequences`` ends it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .bidirectional import Bidirectional
from .dense import Dense
from .embedding import Embedding
from .functional import SymbolicTensor
from .layer import Array, Layer, Shape
from .model import Model
from .pooling import GlobalAveragePooling1D
from .recurrent import Recurrent


class Sequential(Model):
    def __init__(self, layers: Iterable[Layer | SymbolicTensor] | None = None, name: str = "sequential", seed: int = 0):
        super().__init__(name=name, seed=seed)
        self._declared_shape: Shape | None = None  # from an Input given first, as in Keras
        for layer in layers or []:
            self.add(layer)

    # -- assembling -----------------------------------------------------------------------
    def add(self, layer: Layer | SymbolicTensor) -> None:
        if isinstance(layer, SymbolicTensor):
            if layer.node is not None or self.layers or self._declared_shape is not None:
                raise ValueError("Sequential: only an Input(shape=...) given first declares the input shape")
            self._declared_shape = layer.shape
            return
        if not isinstance(layer, Layer):
            raise ValueError(f"Sequential takes engine layers, got {type(layer).__name__}")
        self._adopt(layer)
        if self._known_input_shape() is not None:
            self.build()  # as soon as shapes are known, so summary() and counts work at once

    def _known_input_shape(self) -> Shape | None:
        first = self.layers[0] if self.layers else None
        if first is None:
            return None
        if self._declared_shape is not None:
            return self._declared_shape
        if first.input_shape is not None and not isinstance(first, Embedding):
            return first.input_shape
        if isinstance(first, Embedding):
            return (None, None)
        if isinstance(first, Recurrent | Bidirectional) and first.input_dim is not None:
            return (None, None, first.input_dim)
        if isinstance(first, Dense) and first.input_dim is not None:
            return (None, first.input_dim)
        return None

    def _input_shape(self) -> Shape:
        shape = self._known_input_shape()
        if shape is None:
            raise ValueError(
                "the model's input shape is unknown: give the first layer input_dim or input_shape, "
                "or call build(input_shape) or fit first"
            )
        return shape

    def build(self, input_shape: Shape | None = None) -> None:
        """Build every layer for inputs of ``input_shape`` (batch axis first)."""
        self._shapes(input_shape)

    def _shapes(self, input_shape: Shape | None = None) -> list[Shape]:
        shape = tuple(input_shape) if input_shape is not None else self._input_shape()
        shapes = []
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
            shape = layer.compute_output_shape(shape)
            shapes.append(shape)
        return shapes

    def _layer_shapes(self) -> list[tuple[Layer, Shape]]:
        return list(zip(self.layers, self._shapes(), strict=True))

    # -- computing ------------------------------------------------------------------------
    def _as_inputs(self, x: Any) -> list[Any]:
        return [x]

    def _restructure(self, xs: list[Any]) -> Any:
        return xs[0]

    def _run(self, xs: list[Any], training: bool) -> tuple[list[Array], list[Array | None]]:
        x, mask = xs[0], None
        if not self.layers:
            raise ValueError("the model has no layers")
        for layer in self.layers:
            x = layer.forward(x, training=training, mask=mask)
            mask = layer.compute_mask(mask)
        return [x], [mask]

    def _backprop(self, dy: Array, fused: bool) -> None:
        layers = self.layers
        if fused:
            last = layers[-1]
            assert isinstance(last, Dense)
            dy = last.backward_logits(dy)  # type: ignore[assignment]
            layers = layers[:-1]
        self.backward(dy, layers)

    def backward(self, dy: Array | None, layers: list[Layer] | None = None) -> None:
        for layer in reversed(self.layers if layers is None else layers):
            if dy is None:
                break
            dy = layer.backward(dy)

    def forward(self, x: Any, training: bool = False) -> Array:
        return self._run([x], training)[0][0]

    __call__ = forward

    def _output_layer(self) -> Layer:
        if not self.layers:
            raise ValueError("the model has no layers")
        return self.layers[-1]

    def predict_steps(self, x: Any, batch_size: int = 256) -> Array:
        """The output after every time step, (B, T, out): what the model would answer if the
        sequence stopped there, i.e. how its prediction evolves as it reads."""
        recurrent = [i for i, layer in enumerate(self.layers) if isinstance(layer, Recurrent | Bidirectional)]
        if not recurrent or isinstance(self.layers[recurrent[-1]], Bidirectional):
            raise ValueError("predict_steps needs a model whose last recurrent layer reads forwards only")
        last = self.layers[recurrent[-1]]
        assert isinstance(last, Recurrent)
        if last.go_backwards:
            raise ValueError("predict_steps needs a model whose last recurrent layer reads forwards only")
        pools = [layer for layer in self.layers[recurrent[-1] :] if isinstance(layer, GlobalAveragePooling1D)]
        saved = last.return_sequences
        try:
            if pools:  # the states already go to a mean: take the running mean instead
                for pool in pools:
                    pool.running = True
            else:
                last.return_sequences = True
            out: Array = self.predict(x, batch_size)
            return out
        finally:
            last.return_sequences = saved
            for pool in pools:
                pool.running = False
