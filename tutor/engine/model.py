"""Model: layers wired into a graph, trained with a loss and an optimiser, in Keras 3's style.

    x = Input(shape=(None,))
    y = Dense(1, activation="sigmoid")(LSTM(32)(Embedding(10000, 32)(x)))
    model = Model(x, y)
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=128, epochs=5, validation_data=(xv, yv))
    loss, acc = model.evaluate(xv, yv)

``Sequential`` (``sequential.py``) is the same with the layers in a row. Training is
``fit`` → one epoch at a time (``_fit_epoch``) → one batch at a time (``train_on_batch``): a
forward pass, the loss and its gradient (``_loss``), the backward pass, one optimiser step.
Saving is in ``saving.py``: one ``.npz`` file, weights and optimiser state as arrays, the rest as
JSON (no pickle anywhere).
"""

from __future__ import annotations

import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .callbacks import Callback, History, Logs
from .dense import Dense
from .functional import Node, SymbolicTensor, graph_inputs, graph_nodes
from .layer import Array, Layer, Shape
from .losses import Loss, get_loss
from .metrics import Metric, get_metric
from .optimizers import Optimizer, get_optimizer

if TYPE_CHECKING:
    import os
    from pathlib import Path

Batches = Callable[[np.random.Generator], Iterable[tuple[Any, Any]]]


def snake_name(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def num_samples(x: Any) -> int:
    return int(x.shape[0]) if hasattr(x, "shape") else len(x)


class Model:
    """A functional model: ``Model(inputs, outputs)`` on the symbolic tensors of ``Input``.

    ``inputs`` and ``outputs`` are one tensor, a list, or a dict by name; arrays are then passed
    the same way (one array, a list in the same order, or a dict by the same names). Training
    (``fit``) needs a single output; ``predict`` returns a list for several.
    """

    def __init__(
        self,
        inputs: SymbolicTensor | Sequence[SymbolicTensor] | Mapping[str, SymbolicTensor] | None = None,
        outputs: SymbolicTensor | Sequence[SymbolicTensor] | Mapping[str, SymbolicTensor] | None = None,
        name: str = "model",
        seed: int = 0,
    ):
        self.name = str(name)
        self.seed = int(seed)
        self.layers: list[Layer] = []
        self.loss: Loss | None = None
        self.optimizer: Optimizer | None = None
        self.metrics: list[Metric] = []
        self.stop_training = False
        self.metadata: dict[str, Any] = {}
        self._fit_rng: np.random.Generator | None = None  # the shuffling stream, kept to resume
        self._nodes: list[Node] = []
        self._inputs: list[SymbolicTensor] = []
        self._outputs: list[SymbolicTensor] = []
        self.input_names: list[str] = []
        self.output_names: list[str] = []
        self._single_input = self._single_output = True
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("Model needs both inputs and outputs")
            self._wire(inputs, outputs)

    # -- assembling -----------------------------------------------------------------------
    def _wire(self, inputs: Any, outputs: Any) -> None:
        ins, in_names, self._single_input = _named(inputs, "inputs")
        outs, names, self._single_output = _named(outputs, "outputs")
        for t in ins:
            if t.node is not None:
                raise ValueError(f"Model inputs must come from Input(...), got the output {t!r}")
        self._nodes = graph_nodes(outs)
        needed = graph_inputs(self._nodes, outs)
        missing = [t for t in needed if all(t is not i for i in ins)]
        if missing:
            raise ValueError(f"the outputs depend on inputs not given to Model: {missing}")
        self._inputs, self._outputs = ins, outs
        layers: list[Layer] = []
        for node in self._nodes:
            if any(node.layer is seen for seen in layers):
                raise ValueError(
                    f"layer {node.layer.name or type(node.layer).__name__} is called twice in one model: "
                    "the engine keeps one forward pass per layer for its backward pass (build a second "
                    "model on the same layers instead)"
                )
            layers.append(node.layer)
        for layer in layers:
            self._adopt(layer)
        self.input_names = [
            n if n is not None else (t.name or f"input_{i}") for i, (n, t) in enumerate(zip(in_names, ins, strict=True))
        ]
        self.output_names = [
            n if n is not None else str(t.node.layer.name if t.node is not None else f"output_{i}")
            for i, (n, t) in enumerate(zip(names, outs, strict=True))
        ]

    def _adopt(self, layer: Layer) -> None:
        """Name a new layer uniquely and give it its own seed, derived from the model's."""
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__} takes engine layers, got {type(layer).__name__}")
        taken = {lay.name for lay in self.layers}
        if layer.name is None:
            base = snake_name(type(layer).__name__)
            layer.name = (
                base
                if base not in taken
                else next(f"{base}_{k}" for k in range(1, len(taken) + 2) if f"{base}_{k}" not in taken)
            )
        elif layer.name in taken:
            raise ValueError(f"two layers are named {layer.name!r}: layer names must be unique in a model")
        if layer.seed is None:
            # each layer its own reproducible stream, derived from the model's seed
            layer.reinitialize(self.seed * 1000 + len(self.layers))
        self.layers.append(layer)

    @property
    def built(self) -> bool:
        return bool(self.layers) and all(layer.built for layer in self.layers)

    def build(self, input_shape: Shape | None = None) -> None:
        """Nothing to do for a functional model: its layers were built when they were called."""

    # -- weights --------------------------------------------------------------------------
    def _params(self) -> list[tuple[Layer, str, Array]]:
        """Every parameter, in Keras' ``get_weights`` order: layer by layer, each layer's own order."""
        return [(layer, key, value) for layer in self.layers for key, value in layer.params.items()]

    def _trainable(self) -> tuple[list[Array], list[Array], list[int]]:
        """The trainable parameters, their gradients, and their indices among all parameters."""
        params, grads, keys = [], [], []
        for k, (layer, key, value) in enumerate(self._params()):
            if layer.trainable:
                params.append(value)
                grads.append(layer.grads[key])
                keys.append(k)
        return params, grads, keys

    def count_params(self) -> int:
        if not self.built:
            self.build()
        return sum(layer.count_params() for layer in self.layers)

    def get_weights(self) -> list[Array]:
        if not self.built:
            self.build()
        return [p.copy() for _, _, p in self._params()]

    def set_weights(self, weights: Sequence[Array]) -> None:
        """Put in weights from ``get_weights`` (of this model, or of the same model built in Keras)."""
        if not self.built:
            self.build()
        params = [p for _, _, p in self._params()]
        if len(weights) != len(params):
            raise ValueError(f"expected {len(params)} weight arrays, got {len(weights)}")
        for p, w in zip(params, weights, strict=True):
            if p.shape != np.shape(w):
                raise ValueError(f"weight shape mismatch: expected {p.shape}, got {np.shape(w)}")
            p[...] = w

    def summary(self, print_fn: Callable[[str], Any] | None = print) -> str:
        """A Keras-style table of layers, output shapes and parameter counts."""
        rows = [(layer, shape) for layer, shape in self._layer_shapes()]
        fmt = "{:<34}{:<26}{:>12}"
        rule = "─" * 72
        lines = [f'Model: "{self.name}"', rule, fmt.format("Layer (type)", "Output Shape", "Param #"), "═" * 72]
        for layer, shape in rows:
            out = "(" + ", ".join("None" if s is None else str(s) for s in shape) + ")"
            lines.append(fmt.format(f"{layer.name} ({type(layer).__name__})", out, f"{layer.count_params():,}"))
        total = self.count_params()
        frozen = sum(layer.count_params() for layer in self.layers if not layer.trainable)
        lines += [
            rule,
            f"Total params: {total:,}",
            f"Trainable params: {total - frozen:,}",
            f"Non-trainable params: {frozen:,}",
        ]
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text

    def _layer_shapes(self) -> list[tuple[Layer, Shape]]:
        return [(node.layer, node.outputs[0].shape) for node in self._nodes]

    # -- computing ------------------------------------------------------------------------
    def _as_inputs(self, x: Any) -> list[Any]:
        """The input arrays in the order of ``self._inputs`` (from one array, a list or a dict)."""
        n = len(self._inputs)
        if isinstance(x, Mapping):
            missing = [name for name in self.input_names if name not in x]
            if missing:
                raise ValueError(f"missing inputs {missing}: the model's inputs are {self.input_names}")
            return [x[name] for name in self.input_names]
        if isinstance(x, list | tuple) and (n > 1 or not self._single_input):
            if len(x) != n:
                raise ValueError(f"the model has {n} inputs ({', '.join(self.input_names)}), got {len(x)} arrays")
            return list(x)
        if n != 1:
            raise ValueError(f"the model has {n} inputs ({', '.join(self.input_names)}): pass a list or a dict")
        return [x]

    def _run(self, xs: list[Any], training: bool) -> tuple[list[Array], list[Array | None]]:
        """All outputs and their masks for the input arrays ``xs``."""
        values: dict[int, Any] = {t.id: x for t, x in zip(self._inputs, xs, strict=True)}
        masks: dict[int, Array | None] = {t.id: None for t in self._inputs}
        for node in self._nodes:
            in_masks = [masks[t.id] for t in node.inputs]
            if node.states:
                # as Keras 3 does: a call given initial_state gets no mask, but its output keeps
                # the sequence's mask (see functional.py)
                outs, _ = node.layer.call([values[t.id] for t in node.inputs], [None] * len(in_masks), training)
                out_masks = [node.layer.compute_mask(in_masks[0])] + [None] * (len(outs) - 1)
            else:
                outs, out_masks = node.layer.call([values[t.id] for t in node.inputs], in_masks, training)
            for t, out, mask in zip(node.outputs, outs, out_masks, strict=True):
                values[t.id], masks[t.id] = out, mask
        return [values[t.id] for t in self._outputs], [masks[t.id] for t in self._outputs]

    def _backprop(self, dy: Array, fused: bool) -> None:
        """Back-propagate ∂L/∂(the single output), or ∂L/∂z of a fused output layer."""
        grads: dict[int, Array] = {}
        nodes = self._nodes
        out = self._outputs[0]
        assert out.node is not None
        if fused:
            dense = out.node.layer
            assert isinstance(dense, Dense)
            dx = dense.backward_logits(dy)
            if dx is not None:
                grads[out.node.inputs[0].id] = dx
            nodes = [n for n in nodes if n is not out.node]
        else:
            grads[out.id] = dy
        for node in reversed(nodes):
            douts: list[Array | None] = [grads.pop(t.id, None) for t in node.outputs]
            if all(d is None for d in douts):  # nothing reaches this call: its gradients are zero
                for g in node.layer.grads.values():
                    g[...] = 0.0
                continue
            for t, d in zip(node.inputs, node.layer.backward_all(douts), strict=True):
                if d is not None and t.node is not None:
                    grads[t.id] = d if t.id not in grads else grads[t.id] + d

    def forward(self, x: Any, training: bool = False) -> Any:
        outs, _ = self._run(self._as_inputs(x), training)
        return outs[0] if self._single_output else outs

    __call__ = forward

    def _output_layer(self) -> Layer:
        node = self._outputs[0].node
        if node is None:
            raise ValueError("the model's output is one of its inputs: there is nothing to train")
        return node.layer

    # -- training -------------------------------------------------------------------------
    def compile(
        self,
        loss: str | Loss = "mse",
        optimizer: str | Optimizer = "rmsprop",
        metrics: Iterable[str] | None = None,
        lr: float | None = None,
        learning_rate: float | None = None,
        global_clipnorm: float | None = None,
        clipnorm: float | None = None,
    ) -> None:
        """Choose the loss, the optimiser and the metrics. ``learning_rate`` (or ``lr``) and
        ``global_clipnorm`` are shortcuts that set the optimiser's own."""
        if clipnorm is not None:
            raise ValueError(
                "compile(clipnorm=...) is gone: give compile(global_clipnorm=...) to clip the global norm, "
                "or the optimiser's own clipnorm (per array, as in Keras)"
            )
        if lr is not None and learning_rate is not None and float(lr) != float(learning_rate):
            raise ValueError(f"give learning_rate or its alias lr, not both ({learning_rate!r} and {lr!r})")
        if isinstance(metrics, str):
            metrics = [metrics]
        self.loss = get_loss(loss)
        self.optimizer = get_optimizer(
            optimizer, lr=learning_rate if learning_rate is not None else lr, global_clipnorm=global_clipnorm
        )
        self.metrics = [get_metric(m) for m in (metrics or [])]

    def _require_compiled(self) -> tuple[Loss, Optimizer]:
        if self.loss is None or self.optimizer is None:
            raise ValueError("the model is not compiled: call compile(loss=..., optimizer=...) first")
        if len(self._outputs) > 1:
            raise ValueError("fit and evaluate train a model with one output; this one has several")
        return self.loss, self.optimizer

    def _fused_output(self) -> Dense | None:
        """The output layer whose logits the loss takes directly (sigmoid + BCE, softmax + CE)."""
        last = self._output_layer()
        if self.loss is not None and isinstance(last, Dense) and self.loss.fuses_with == last.activation:
            return last
        return None

    def _loss(self, y: Array, pred: Array, mask: Array | None) -> tuple[float, Array, bool]:
        """The loss, its gradient, and whether that gradient is ∂L/∂z of a fused output layer."""
        loss = self.loss
        assert loss is not None
        fused = self._fused_output()
        if fused is not None:
            value, dz = loss.from_logits(y, fused.z.reshape(pred.shape), mask)
            return value, dz, True
        value, dpred = loss(y, pred, mask)
        return value, dpred, False

    @staticmethod
    def _align(y: Any, pred: Array) -> Array:
        out: Array = np.asarray(y)
        if out.shape != pred.shape and out.size == pred.size:
            out = out.reshape(pred.shape)
        if np.issubdtype(out.dtype, np.floating) or out.shape == pred.shape:
            out = out.astype(pred.dtype, copy=False)
        return out

    def train_on_batch(self, x: Any, y: Any) -> dict[str, Any]:
        """One gradient step; returns the batch's loss, metrics and gradient norms (a dict)."""
        _, optimizer = self._require_compiled()
        outs, masks = self._run(self._as_inputs(x), training=True)
        pred, mask = outs[0], masks[0]
        y = self._align(y, pred)
        loss, dy, fused = self._loss(y, pred, mask)
        self._backprop(dy, fused)
        logs: dict[str, Any] = {"loss": loss}
        for metric in self.metrics:
            logs[metric.name] = metric.update(y, pred, mask)
        logs["grad_norm"] = optimizer.apply(*self._trainable())
        logs["step_grad_norms"] = {
            layer.name: layer.step_grad_norms for layer in self.layers if hasattr(layer, "step_grad_norms")
        }
        return logs

    def _check_xy(self, x: Any, y: Any, what: str = "") -> list[Any]:
        xs = self._as_inputs(x)
        counts = {num_samples(a) for a in xs}
        if len(counts) > 1:
            raise ValueError(f"{what}the inputs have different numbers of samples: {sorted(counts)}")
        nx, ny = num_samples(xs[0]), num_samples(y)
        if nx != ny:
            raise ValueError(f"{what}x has {nx} samples but y has {ny}: they must match")
        if nx == 0:
            raise ValueError(f"{what}no samples given")
        y = np.asarray(y)
        if not np.issubdtype(y.dtype, np.number):
            raise ValueError(f"{what}y must be numeric, got dtype {y.dtype}")
        if not np.isfinite(y).all():
            raise ValueError(f"{what}y contains NaN or infinity")
        return xs

    def _restructure(self, xs: list[Any]) -> Any:
        """Input arrays in the form ``fit`` and friends take them (the inverse of ``_as_inputs``)."""
        return xs[0] if len(xs) == 1 and self._single_input else list(xs)

    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = 0,
        callbacks: Iterable[Callback] | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        initial_epoch: int = 0,
        *,
        seed: int | None = None,
        batches: Batches | None = None,
    ) -> History:
        """Train for epochs ``initial_epoch`` to ``epochs - 1`` in shuffled mini-batches (32 by
        default), as Keras does. Silent unless ``verbose=1`` (a line per epoch on stderr).

        Stops early when a callback sets ``stop_training``, on Ctrl-C (``history.interrupted``)
        or when the loss becomes NaN or infinite (``history.diverged``).

        Engine extensions: ``seed`` fixes the shuffling and dropout draws (the model's seed by
        default); ``batches(rng)``, when given, yields one epoch's ``(x_batch, y_batch)`` pairs
        (say, reviews of similar length with their common padding trimmed);
        ``validation_data`` may be a function returning the validation logs (``{"loss": ...}``).
        With ``initial_epoch`` > 0 after an earlier fit (or on a loaded model), the shuffling and
        dropout streams continue where they stopped, so training resumes exactly.
        """
        self._require_compiled()
        batch_size = 32 if batch_size is None else int(batch_size)
        if int(epochs) < 0 or batch_size < 1 or int(initial_epoch) < 0:
            raise ValueError("epochs and initial_epoch must be >= 0 and batch_size >= 1")
        xs = self._check_xy(x, y)
        xs, y, validation_data = self._split_validation(xs, np.asarray(y), validation_split, validation_data)
        rng = self._fit_streams(seed, int(initial_epoch))
        history = History()
        cbs: list[Callback] = [history, *(callbacks or [])]
        if verbose not in (0, "0", False, None):
            cbs.append(_EpochLine(int(epochs)))
        for cb in cbs:
            cb.set_model(self)
        self.stop_training = False
        n = num_samples(xs[0])
        steps = math.ceil(n / batch_size)
        for cb in cbs:
            cb.on_train_begin({"epochs": epochs, "steps": steps, "samples": n})
        try:
            for epoch in range(int(initial_epoch), int(epochs)):
                for cb in cbs:
                    cb.on_epoch_begin(epoch, {"steps": steps})
                pairs = self._epoch_batches(xs, y, batch_size, shuffle, rng) if batches is None else batches(rng)
                logs = self._fit_epoch(pairs, cbs, history)
                logs.update(self._validate(validation_data, batch_size))
                for cb in cbs:
                    cb.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        except KeyboardInterrupt:
            history.interrupted = True
        for cb in cbs:
            cb.on_train_end({"interrupted": history.interrupted, "diverged": history.diverged})
        return history

    def _split_validation(
        self, xs: list[Any], y: Array, validation_split: float, validation_data: Any
    ) -> tuple[list[Any], Array, Any]:
        if not 0.0 <= validation_split < 1.0:
            raise ValueError("validation_split must be in [0, 1)")
        if validation_split and validation_data is None:
            # the last part of the data, before shuffling, as Keras does
            cut = int(num_samples(xs[0]) * (1.0 - validation_split))
            validation_data = (self._restructure([a[cut:] for a in xs]), y[cut:])
            xs, y = [a[:cut] for a in xs], y[:cut]
        if validation_data is not None and not callable(validation_data):
            if not isinstance(validation_data, tuple | list) or len(validation_data) < 2:
                raise ValueError("validation_data must be (x_val, y_val) or a function returning the logs")
            self._check_xy(validation_data[0], validation_data[1], what="validation data: ")
        return xs, y, validation_data

    def _fit_streams(self, seed: int | None, initial_epoch: int) -> np.random.Generator:
        """The generator that shuffles, and one per random layer (dropout) derived from it;
        a resumed fit (``initial_epoch`` > 0) continues the streams of the last one."""
        if initial_epoch > 0 and self._fit_rng is not None:
            return self._fit_rng
        rng = np.random.default_rng(self.seed if seed is None else seed)
        for layer in self.layers:  # dropout draws follow the fit seed too
            for sub in layer.random_layers():
                sub.set_rng(np.random.default_rng(rng.integers(2**32)))
        self._fit_rng = rng
        return rng

    def _epoch_batches(
        self, xs: list[Any], y: Array, batch_size: int, shuffle: bool, rng: np.random.Generator
    ) -> Iterable[tuple[Any, Array]]:
        n = num_samples(xs[0])
        order = rng.permutation(n) if shuffle else np.arange(n)
        for idx in np.array_split(order, range(batch_size, n, batch_size)):
            yield self._restructure([a[idx] for a in xs]), y[idx]

    def _fit_epoch(self, pairs: Iterable[tuple[Any, Any]], cbs: list[Callback], history: History) -> Logs:
        for metric in self.metrics:
            metric.reset()
        seen, loss_sum, norm_sum, batches = 0, 0.0, 0.0, 0
        norms = _StepNorms()
        for batch, (xb, yb) in enumerate(pairs):
            size = num_samples(self._as_inputs(xb)[0])
            logs = self.train_on_batch(xb, yb)
            logs["batch"], logs["size"] = batch, size
            seen += size
            loss_sum += logs["loss"] * size
            norm_sum += logs["grad_norm"]
            batches += 1
            norms.add(logs["step_grad_norms"])
            for cb in cbs:
                cb.on_batch_end(batch, logs)
            if not math.isfinite(logs["loss"]):
                history.diverged = True
                self.stop_training = True
            if self.stop_training:
                break
        epoch_logs: Logs = {"loss": loss_sum / max(seen, 1)}
        epoch_logs.update({m.name: m.result() for m in self.metrics})
        epoch_logs["grad_norm"] = norm_sum / max(batches, 1)
        epoch_logs["step_grad_norms"] = norms.means()
        return epoch_logs

    def _validate(self, validation_data: Any, batch_size: int) -> Logs:
        if validation_data is None:
            return {}
        if callable(validation_data):
            val = validation_data()
        else:
            val = self.evaluate(
                validation_data[0], validation_data[1], batch_size=max(batch_size, 256), return_dict=True
            )
        return {f"val_{k}": v for k, v in val.items()}

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: int | str = 0,
        return_dict: bool = False,
    ) -> Any:
        """Loss and metrics over (x, y), in batches, without training: ``[loss, *metrics]`` as
        Keras returns them (the loss alone when there are no metrics), or a dict with
        ``return_dict=True``."""
        self._require_compiled()
        xs = self._check_xy(x, y)
        batch_size = 256 if batch_size is None else int(batch_size)
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        y = np.asarray(y)
        metrics = [type(m)(name=m.name) for m in self.metrics]
        total, n = 0.0, num_samples(xs[0])
        for start in range(0, n, batch_size):
            outs, masks = self._run([a[start : start + batch_size] for a in xs], training=False)
            pred, mask = outs[0], masks[0]
            yb = self._align(y[start : start + batch_size], pred)
            total += self._loss(yb, pred, mask)[0] * num_samples(pred)
            for metric in metrics:
                metric.update(yb, pred, mask)
        logs = {"loss": total / n, **{m.name: m.result() for m in metrics}}
        if verbose not in (0, "0", False, None):
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()), file=sys.stderr)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x: Any, batch_size: int | None = None, verbose: int | str = 0) -> Any:
        """The model's outputs for x, computed in batches (256 by default)."""
        xs = self._as_inputs(x)
        n = num_samples(xs[0])
        if n == 0:
            raise ValueError("predict: no samples given")
        batch_size = 256 if batch_size is None else int(batch_size)
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        parts = [self._run([a[s : s + batch_size] for a in xs], training=False)[0] for s in range(0, n, batch_size)]
        outs = [np.concatenate([p[k] for p in parts], axis=0) for k in range(len(parts[0]))]
        if verbose not in (0, "0", False, None):
            print(f"predicted {n} samples", file=sys.stderr)
        return outs[0] if self._single_output else outs

    # -- saving ---------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The model's JSON config, as saved (layers, wiring, compile settings)."""
        from .saving import model_config

        return model_config(self)

    def save(self, path: str | os.PathLike[str], metadata: dict[str, Any] | None = None) -> Path:
        """Write weights, optimiser state and config to one .npz file, atomically (a crash never
        leaves half a file). Keras' own formats (.keras, .h5) are refused with a clear message."""
        from .saving import save_model

        return save_model(self, path, metadata)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Model:
        """Read a model written by ``save``; a clear ValueError for anything else."""
        from .saving import load_model

        model = load_model(path)
        if not isinstance(model, cls):
            raise ValueError(f"{path} holds a {type(model).__name__}, not a {cls.__name__}: use load_model")
        return model


def _named(tensors: Any, what: str) -> tuple[list[SymbolicTensor], list[str | None], bool]:
    """A list of tensors, their given names, and whether a single tensor was given."""
    if isinstance(tensors, SymbolicTensor):
        return [tensors], [None], True
    if isinstance(tensors, Mapping):
        items = list(tensors.items())
        if not all(isinstance(k, str) and isinstance(v, SymbolicTensor) for k, v in items):
            raise ValueError(f"Model {what} as a dict must map names to symbolic tensors")
        return [v for _, v in items], [k for k, _ in items], False
    if isinstance(tensors, list | tuple) and tensors and all(isinstance(t, SymbolicTensor) for t in tensors):
        return list(tensors), [None] * len(tensors), False
    raise ValueError(f"Model {what} must be symbolic tensors (from Input and layer calls), got {tensors!r}")


class _StepNorms:
    """Per recurrent layer, the epoch's mean gradient norm per step, aligned at the last step
    (batches of trimmed sequences differ in length; their padding was at the front)."""

    def __init__(self) -> None:
        self.sums: dict[str, tuple[Array, Array]] = {}

    def add(self, batch: Mapping[str, Array]) -> None:
        for name, norms in batch.items():
            total, count = self.sums.get(name, (np.zeros(0), np.zeros(0)))
            if len(norms) > len(total):
                grow = len(norms) - len(total)
                total, count = np.concatenate([np.zeros(grow), total]), np.concatenate([np.zeros(grow), count])
            total[len(total) - len(norms) :] += norms
            count[len(count) - len(norms) :] += 1
            self.sums[name] = (total, count)

    def means(self) -> dict[str, Array]:
        return {k: total / count for k, (total, count) in self.sums.items()}


class _EpochLine(Callback):
    """``verbose=1``: one line per epoch on stderr, as Keras prints at the end of each epoch."""

    def __init__(self, epochs: int):
        self.epochs = epochs
        self.start = 0.0

    def on_epoch_begin(self, epoch: int, logs: Logs) -> None:
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        values = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items() if isinstance(v, int | float))
        print(f"Epoch {epoch + 1}/{self.epochs} - {time.perf_counter() - self.start:.1f}s - {values}", file=sys.stderr)
