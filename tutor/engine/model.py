"""Sequential: a stack of layers trained with a loss and an optimiser, in Keras' style.

    model = Sequential([Embedding(10000, 32), LSTM(32), Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, batch_size=128, validation_data=(xv, yv))

Saved models are one ``.npz`` file: the weights, plus a JSON config under ``__config__``
(no pickle anywhere; loading uses ``allow_pickle=False``).
"""

from __future__ import annotations

import json
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .bidirectional import Bidirectional
from .callbacks import Callback, History
from .dense import Dense
from .dropout import Dropout
from .embedding import Embedding
from .gru import GRU
from .layer import Array, Layer, Shape
from .losses import Loss, get_loss
from .lstm import LSTM
from .metrics import Metric, get_metric
from .optimizers import Optimizer, get_optimizer
from .pooling import GlobalAveragePooling1D
from .recurrent import Recurrent, SimpleRNN

FORMAT = "rnn-tutor-model"
FORMAT_VERSION = 1
LAYER_CLASSES: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (Embedding, SimpleRNN, LSTM, GRU, Dense, Dropout, Bidirectional, GlobalAveragePooling1D)
}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _input_dim(layer: Layer) -> int | None:
    return (layer.forward_layer if isinstance(layer, Bidirectional) else layer).input_dim


def _num_samples(x) -> int:
    return x.shape[0] if hasattr(x, "shape") else len(x)


class Sequential:
    def __init__(self, layers: Iterable[Layer] | None = None, name: str = "sequential", seed: int = 0):
        self.name = name
        self.seed = int(seed)
        self.layers: list[Layer] = []
        self.loss: Loss | None = None
        self.optimizer: Optimizer | None = None
        self.metrics: list[Metric] = []
        self.stop_training = False
        self.metadata: dict[str, Any] = {}
        for layer in layers or []:
            self.add(layer)

    # -- assembling -----------------------------------------------------------------------
    def add(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(f"Sequential takes engine layers, got {type(layer).__name__}")
        if layer.name is None:
            base = _snake(type(layer).__name__)
            taken = {lay.name for lay in self.layers}
            layer.name = (
                base
                if base not in taken
                else next(f"{base}_{k}" for k in range(1, len(taken) + 2) if f"{base}_{k}" not in taken)
            )
        if layer.seed is None:
            # each layer its own reproducible stream, derived from the model's seed
            layer.reinitialize(self.seed * 1000 + len(self.layers))
        self.layers.append(layer)
        if self._known_input_shape() is not None:
            self.build()  # as soon as shapes are known, so summary() and counts work at once

    def _known_input_shape(self) -> Shape | None:
        first = self.layers[0] if self.layers else None
        if isinstance(first, Embedding):
            return (None, None)
        if isinstance(first, Recurrent | Bidirectional) and _input_dim(first) is not None:
            return (None, None, _input_dim(first))
        if isinstance(first, Dense) and first.input_dim is not None:
            return (None, first.input_dim)
        return None

    def _input_shape(self) -> Shape:
        shape = self._known_input_shape()
        if shape is None:
            raise ValueError(
                "the model's input shape is unknown: give the first layer input_dim, "
                "or call build(input_shape) or fit first"
            )
        return shape

    def build(self, input_shape: Shape | None = None) -> list[Shape]:
        """Build every layer for inputs of ``input_shape``; returns each layer's output shape."""
        shape = tuple(input_shape) if input_shape is not None else self._input_shape()
        shapes = []
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
            shape = layer.compute_output_shape(shape)
            shapes.append(shape)
        return shapes

    @property
    def built(self) -> bool:
        return bool(self.layers) and all(layer.built for layer in self.layers)

    def _trainable(self) -> tuple[list[Array], list[Array]]:
        params, grads = [], []
        for layer in self.layers:
            for key in layer.params:
                params.append(layer.params[key])
                grads.append(layer.grads[key])
        return params, grads

    def count_params(self) -> int:
        if not self.built:
            self.build()
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print) -> str:
        """A Keras-style table of layers, output shapes and parameter counts."""
        shapes = self.build()
        fmt = "{:<34}{:<26}{:>12}"
        rule = "─" * 72
        lines = [f'Model: "{self.name}"', rule, fmt.format("Layer (type)", "Output Shape", "Param #"), "═" * 72]
        for layer, shape in zip(self.layers, shapes, strict=True):
            out = "(" + ", ".join("None" if s is None else str(s) for s in shape) + ")"
            lines.append(fmt.format(f"{layer.name} ({type(layer).__name__})", out, f"{layer.count_params():,}"))
        total = self.count_params()
        lines += [rule, f"Total params: {total:,}", f"Trainable params: {total:,}", "Non-trainable params: 0"]
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text

    def get_weights(self) -> list[Array]:
        return [p.copy() for p in self._trainable()[0]]

    def set_weights(self, weights: Sequence[Array]) -> None:
        params = self._trainable()[0]
        if len(weights) != len(params):
            raise ValueError(f"expected {len(params)} weight arrays, got {len(weights)}")
        for p, w in zip(params, weights, strict=True):
            if p.shape != np.shape(w):
                raise ValueError(f"weight shape mismatch: expected {p.shape}, got {np.shape(w)}")
            p[...] = w

    # -- computing ------------------------------------------------------------------------
    def forward(self, x, training: bool = False) -> Array:
        mask = None
        for layer in self.layers:
            x = layer.forward(x, training=training, mask=mask)
            mask = layer.compute_mask(mask)
        return x

    def backward(self, dy: Array, layers: Sequence[Layer] | None = None) -> None:
        for layer in reversed(self.layers if layers is None else layers):
            if dy is None:
                break
            dy = layer.backward(dy)

    __call__ = forward

    # -- training -------------------------------------------------------------------------
    def compile(
        self,
        loss: str | Loss = "mse",
        optimizer: str | Optimizer = "rmsprop",
        metrics: Iterable[str] | None = None,
        lr: float | None = None,
        clipnorm: float | None = None,
    ) -> None:
        self.loss = get_loss(loss)
        self.optimizer = get_optimizer(optimizer, lr=lr, clipnorm=clipnorm)
        self.metrics = [get_metric(m) for m in (metrics or [])]

    def _fused_output(self) -> Dense | None:
        """The output layer whose logits the loss takes directly (sigmoid + BCE, softmax + CE)."""
        last = self.layers[-1]
        if isinstance(last, Dense) and self.loss.fuses_with == last.activation:
            return last
        return None

    def _loss_and_grad(self, y: Array, pred: Array) -> tuple[float, Array, list[Layer]]:
        """The loss, its gradient, and the layers the gradient must still pass back through."""
        fused = self._fused_output()
        if fused is not None:
            value, dz = self.loss.from_logits(y, fused.z.reshape(pred.shape))
            return value, fused.backward_logits(dz), self.layers[:-1]
        value, dpred = self.loss(y, pred)
        return value, dpred, self.layers

    def _align(self, y, pred: Array) -> Array:
        y = np.asarray(y)
        if y.shape != pred.shape and y.size == pred.size:
            y = y.reshape(pred.shape)
        return y.astype(pred.dtype, copy=False) if np.issubdtype(y.dtype, np.floating) or y.shape == pred.shape else y

    def _require_compiled(self) -> None:
        if self.loss is None or self.optimizer is None:
            raise ValueError("the model is not compiled: call compile(loss=..., optimizer=...) first")

    def train_on_batch(self, x, y) -> dict[str, Any]:
        """One gradient step; returns the batch's loss, metrics and gradient norms."""
        self._require_compiled()
        pred = self.forward(x, training=True)
        y = self._align(y, pred)
        loss, dy, rest = self._loss_and_grad(y, pred)
        self.backward(dy, rest)
        params, grads = self._trainable()
        logs: dict[str, Any] = {"loss": loss}
        for metric in self.metrics:
            logs[metric.name] = metric.update(y, pred)
        logs["grad_norm"] = self.optimizer.apply(params, grads)
        logs["step_grad_norms"] = {
            layer.name: layer.step_grad_norms for layer in self.layers if isinstance(layer, Recurrent | Bidirectional)
        }
        return logs

    @staticmethod
    def _check_xy(x, y, what: str = "") -> None:
        nx, ny = _num_samples(x), _num_samples(y)
        if nx != ny:
            raise ValueError(f"{what}x has {nx} samples but y has {ny}: they must match")
        if nx == 0:
            raise ValueError(f"{what}no samples given")
        y = np.asarray(y)
        if not np.issubdtype(y.dtype, np.number):
            raise ValueError(f"{what}y must be numeric, got dtype {y.dtype}")
        if not np.isfinite(y).all():
            raise ValueError(f"{what}y contains NaN or infinity")

    def fit(
        self,
        x,
        y,
        epochs: int = 1,
        batch_size: int = 32,
        validation_data: tuple | None = None,
        validation_split: float = 0.0,
        shuffle: bool = True,
        seed: int | None = None,
        callbacks: Iterable[Callback] | None = None,
        batches: Callable[[np.random.Generator], Iterable[tuple[Any, Array]]] | None = None,
    ) -> History:
        """Train for ``epochs`` passes over (x, y) in shuffled mini-batches.

        Stops early when a callback sets ``stop_training``, on Ctrl-C (``history.interrupted``)
        or when the loss becomes NaN or infinite (``history.diverged``).

        ``batches(rng)``, when given, yields one epoch's ``(x_batch, y_batch)`` pairs in the
        order to train on (say, reviews of similar length with their common padding trimmed);
        by default an epoch is ``batch_size`` slices of a shuffled order. ``validation_data`` is
        ``(x_val, y_val)``, or a function returning the validation logs (``{"loss": ...}``).
        """
        self._require_compiled()
        self._check_xy(x, y)
        if int(epochs) < 0 or int(batch_size) < 1:
            raise ValueError("epochs must be >= 0 and batch_size >= 1")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError("validation_split must be in [0, 1)")
        if validation_split and validation_data is None:
            # the last part of the data, before shuffling, as Keras does
            cut = int(_num_samples(x) * (1.0 - validation_split))
            x, y, validation_data = x[:cut], y[:cut], (x[cut:], y[cut:])
        if validation_data is not None and not callable(validation_data):
            self._check_xy(*validation_data[:2], what="validation data: ")
        y = np.asarray(y)
        rng = np.random.default_rng(self.seed if seed is None else seed)
        for layer in self.layers:  # dropout draws follow the fit seed too
            for sub in (layer, getattr(layer, "forward_layer", None), getattr(layer, "backward_layer", None)):
                for attr in ("rng", "_drop_rng"):
                    if sub is not None and hasattr(sub, attr):
                        setattr(sub, attr, np.random.default_rng(rng.integers(2**32)))
        history = History()
        history.diverged = False
        cbs = [history, *(callbacks or [])]
        for cb in cbs:
            cb.set_model(self)
        self.stop_training = False
        n = _num_samples(x)
        steps = math.ceil(n / batch_size)
        for cb in cbs:
            cb.on_train_begin({"epochs": epochs, "steps": steps, "samples": n})
        try:
            for epoch in range(int(epochs)):
                for cb in cbs:
                    cb.on_epoch_begin(epoch, {"steps": steps})
                if batches is None:
                    order = rng.permutation(n) if shuffle else np.arange(n)
                    pairs = ((x[idx], y[idx]) for idx in np.array_split(order, range(batch_size, n, batch_size)))
                else:
                    pairs = batches(rng)
                logs = self._fit_epoch(pairs, cbs, history)
                if validation_data is not None:
                    if callable(validation_data):
                        val = validation_data()
                    else:
                        val = self.evaluate(*validation_data[:2], batch_size=max(batch_size, 256))
                    logs.update({f"val_{k}": v for k, v in val.items()})
                for cb in cbs:
                    cb.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        except KeyboardInterrupt:
            history.interrupted = True
        for cb in cbs:
            cb.on_train_end({"interrupted": history.interrupted, "diverged": history.diverged})
        return history

    def _fit_epoch(self, pairs: Iterable[tuple[Any, Array]], cbs, history) -> dict[str, Any]:
        for metric in self.metrics:
            metric.reset()
        seen, loss_sum, norm_sum, batches = 0, 0.0, 0.0, 0
        # per layer: sums and counts of the step norms, aligned at the last step (batches of
        # trimmed sequences differ in length; their padding was at the front)
        step_sums: dict[str, tuple[Array, Array]] = {}
        for batch, (xb, yb) in enumerate(pairs):
            size = _num_samples(xb)
            logs = self.train_on_batch(xb, yb)
            logs["batch"], logs["size"] = batch, size
            seen += size
            loss_sum += logs["loss"] * size
            norm_sum += logs["grad_norm"]
            batches += 1
            for name, norms in logs["step_grad_norms"].items():
                total, count = step_sums.get(name, (np.zeros(0), np.zeros(0)))
                if len(norms) > len(total):
                    grow = len(norms) - len(total)
                    total, count = np.concatenate([np.zeros(grow), total]), np.concatenate([np.zeros(grow), count])
                total[len(total) - len(norms) :] += norms
                count[len(count) - len(norms) :] += 1
                step_sums[name] = (total, count)
            for cb in cbs:
                cb.on_batch_end(batch, logs)
            if not math.isfinite(logs["loss"]):
                history.diverged = True
                self.stop_training = True
            if self.stop_training:
                break
        epoch_logs: dict[str, Any] = {"loss": loss_sum / max(seen, 1)}
        epoch_logs.update({m.name: m.result() for m in self.metrics})
        epoch_logs["grad_norm"] = norm_sum / max(batches, 1)
        epoch_logs["step_grad_norms"] = {k: total / count for k, (total, count) in step_sums.items()}
        return epoch_logs

    def evaluate(self, x, y, batch_size: int = 256) -> dict[str, float]:
        """Loss and metrics over (x, y), computed in batches without training."""
        self._require_compiled()
        self._check_xy(x, y)
        y = np.asarray(y)
        metrics = [type(m)() for m in self.metrics]
        total, n = 0.0, _num_samples(x)
        for start in range(0, n, batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            pred = self.forward(xb, training=False)
            yb = self._align(yb, pred)
            fused = self._fused_output()
            if fused is not None:
                value = self.loss.from_logits(yb, fused.z.reshape(pred.shape))[0]
            else:
                value = self.loss(yb, pred)[0]
            total += value * _num_samples(xb)
            for metric in metrics:
                metric.update(yb, pred)
        return {"loss": total / n, **{m.name: m.result() for m in metrics}}

    def predict(self, x, batch_size: int = 256) -> Array:
        """The model's outputs for x, computed in batches."""
        n = _num_samples(x)
        if n == 0:
            raise ValueError("predict: no samples given")
        outs = [self.forward(x[s : s + batch_size], training=False) for s in range(0, n, batch_size)]
        return np.concatenate(outs, axis=0)

    def predict_steps(self, x, batch_size: int = 256) -> Array:
        """The output after every time step, (B, T, out): what the model would answer if the
        sequence stopped there, i.e. how its prediction evolves as it reads."""
        recurrent = [i for i, layer in enumerate(self.layers) if isinstance(layer, Recurrent | Bidirectional)]
        if not recurrent or isinstance(self.layers[recurrent[-1]], Bidirectional):
            raise ValueError("predict_steps needs a model whose last recurrent layer reads forwards only")
        last = self.layers[recurrent[-1]]
        pools = [layer for layer in self.layers[recurrent[-1] :] if isinstance(layer, GlobalAveragePooling1D)]
        saved = last.return_sequences
        try:
            if pools:  # the states already go to a mean: take the running mean instead
                for pool in pools:
                    pool.running = True
            else:
                last.return_sequences = True
            return self.predict(x, batch_size)
        finally:
            last.return_sequences = saved
            for pool in pools:
                pool.running = False

    # -- saving ---------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "seed": self.seed,
            "layers": [{"class": type(layer).__name__, "config": layer.get_config()} for layer in self.layers],
            "compile": None
            if self.loss is None
            else {
                "loss": self.loss.name,
                "optimizer": self.optimizer.get_config(),
                "metrics": [m.name for m in self.metrics],
            },
        }

    def save(self, path: str | os.PathLike, metadata: dict[str, Any] | None = None) -> Path:
        """Write weights and config to one .npz file, atomically (a crash never leaves half)."""
        if not self.built:
            raise ValueError("the model has no weights yet: build or fit it before saving")
        path = Path(path)
        config = self.get_config()
        config["metadata"] = self.metadata if metadata is None else metadata
        arrays = {
            f"{i}/{layer.name}/{key}": value
            for i, layer in enumerate(self.layers)
            for key, value in layer.params.items()
        }
        arrays["__config__"] = np.array(json.dumps(config))
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Sequential:
        """Read a model written by ``save``; a clear ValueError for anything else."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"no model file at {path}")
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
            config = json.loads(str(arrays.pop("__config__")))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
            raise ValueError(f"{path} is not a readable rnn-tutor model file ({exc})") from None
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise ValueError(f"{path} is not an rnn-tutor model file")
        version = config.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"{path} was saved in model format {version}; this tutor reads format "
                f"{FORMAT_VERSION}: retrain it or use the tutor version that saved it"
            )
        model = cls(name=config.get("name", "sequential"), seed=config.get("seed", 0))
        try:
            for spec in config["layers"]:
                layer_cls = LAYER_CLASSES[spec["class"]]
                model.layers.append(layer_cls(**spec["config"]))
            model.build()
            for i, layer in enumerate(model.layers):
                for key, param in layer.params.items():
                    stored = arrays[f"{i}/{layer.name}/{key}"]
                    if stored.shape != param.shape:
                        raise ValueError(f"{layer.name}/{key} has shape {stored.shape}, expected {param.shape}")
                    param[...] = stored
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path} has an inconsistent model config ({exc})") from None
        compiled = config.get("compile")
        if compiled:
            opt = dict(compiled["optimizer"])
            name = opt.pop("name")
            model.compile(compiled["loss"], get_optimizer_from_config(name, opt), compiled["metrics"])
        model.metadata = config.get("metadata") or {}
        return model


def get_optimizer_from_config(name: str, config: dict[str, Any]) -> Optimizer:
    from .optimizers import OPTIMIZERS

    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r} in the saved model")
    return OPTIMIZERS[name](**config)
