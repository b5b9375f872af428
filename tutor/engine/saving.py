"""Saving and loading models: one ``.npz`` file, checked before anything is allocated.

The file is an uncompressed zip of ``.npy`` arrays (``np.savez``): every weight array, the
optimiser's state arrays, and ``__config__``, a JSON text with the layers, their wiring, the
compile settings, the optimiser's step count, the training streams' state and free metadata.
There is no pickle anywhere (arrays are read with ``allow_pickle=False``).

A model file may come from anywhere, so ``load_model`` trusts nothing in it:
1. it must be a regular file; every zip member an uncompressed ``.npy`` whose header's shape
   and dtype account exactly for the member's size, which itself lies within the file: so no
   array can be larger than the file;
2. the config is parsed (its size bounded; too deep a nesting is an error, not a crash) and
   every layer is constructed without weights, its sizes checked as integers of sane size;
3. the weight shapes the config implies are computed without allocating anything and compared
   with the stored arrays' headers; only then are the arrays read, checked to be finite, and
   the layers built.
Every failure is a ``ModelFileError`` (a ValueError) with one line saying what is wrong.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from .functional import Input, SymbolicTensor, symbolic_call
from .layer import Array, Layer, Shape
from .losses import get_loss
from .metrics import get_metric
from .model import Model
from .optimizers import optimizer_from_config
from .registry import layer_from_config
from .sequential import Sequential

FORMAT = "rnn-tutor-model"
FORMAT_VERSION = 2  # 2: GRU with two bias rows, Keras' optimiser names, optimiser state, graphs
READS = (1, 2)
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")
MAX_CONFIG_CHARS = 64 * 2**20  # the vocabulary of a large model fits easily
MAX_MEMBERS = 100_000


class ModelFileError(ValueError):
    """A model file that cannot be read, with the reason in one line."""


# -- saving -----------------------------------------------------------------------------------
def save_model(model: Model, path: str | os.PathLike[str], metadata: dict[str, Any] | None = None) -> Path:
    """Write ``model`` to ``path`` atomically (a temporary file, then a rename)."""
    path = Path(path)
    if path.suffix.lower() in KERAS_SUFFIXES:
        raise ValueError(
            f"cannot save to {path.name}: the engine writes its own .npz format, not Keras' {path.suffix} "
            "(save to a name ending in .npz; to continue in Keras, copy get_weights() into a Keras model)"
        )
    if not model.built:
        raise ValueError("the model has no weights yet: build or fit it before saving")
    config = model_config(model)
    config["metadata"] = model.metadata if metadata is None else metadata
    arrays: dict[str, Array] = {
        f"{i}/{layer.name}/{key}": value for i, layer in enumerate(model.layers) for key, value in layer.params.items()
    }
    if model.optimizer is not None:
        for key, value in model.optimizer.state_arrays().items():
            arrays[f"__optimizer__/{key}"] = value
    arrays["__config__"] = np.array(json.dumps(config))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]  # numpy's stub types the keywords as allow_pickle
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def model_config(model: Model) -> dict[str, Any]:
    config: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": "sequential" if isinstance(model, Sequential) else "functional",
        "name": model.name,
        "seed": model.seed,
        "layers": [{"class": type(layer).__name__, "config": layer.get_config()} for layer in model.layers],
    }
    if not isinstance(model, Sequential):
        config["graph"] = _graph_config(model)
    elif model._declared_shape is not None:  # Sequential([Input(shape=...), ...])
        config["input_shape"] = list(model._declared_shape[1:])
    config["compile"] = None
    if model.loss is not None and model.optimizer is not None:
        config["compile"] = {
            "loss": model.loss.name,
            "optimizer": model.optimizer.get_config(),
            "metrics": [m.name for m in model.metrics],
            "iterations": model.optimizer.iterations,
        }
    if model._fit_rng is not None:
        config["streams"] = {
            "shuffle": model._fit_rng.bit_generator.state,
            "layers": [_rng_state(sub) for layer in model.layers for sub in layer.random_layers()],
        }
    return config


def _rng_state(layer: Layer) -> Any:
    rng = getattr(layer, "rng", None) or getattr(layer, "_drop_rng", None)
    return None if rng is None else rng.bit_generator.state


def _graph_config(model: Model) -> dict[str, Any]:
    """The wiring: each layer's inputs as references to a model input or a layer's output."""
    where: dict[int, list[Any]] = {t.id: ["input", j] for j, t in enumerate(model._inputs)}
    for i, node in enumerate(model._nodes):
        for t in node.outputs:
            where[t.id] = ["layer", i, t.index]
    return {
        "inputs": [
            {"name": name, "shape": list(t.shape[1:])} for name, t in zip(model.input_names, model._inputs, strict=True)
        ],
        "calls": [[where[t.id] for t in node.inputs] for node in model._nodes],
        "states": [node.states for node in model._nodes],
        "outputs": [where[t.id] for t in model._outputs],
        "output_names": model.output_names,
        "single_input": model._single_input,
        "single_output": model._single_output,
    }


# -- loading ----------------------------------------------------------------------------------
def load_model(path: str | os.PathLike[str]) -> Model:
    """Read a model written by ``save``: a ``Sequential`` or a functional ``Model``, compiled as
    it was, with its optimiser's state. Raises ModelFileError (a ValueError) for anything else."""
    path = Path(path)
    if path.suffix.lower() in KERAS_SUFFIXES:
        raise ModelFileError(
            f"{path} is a Keras file: the engine reads only its own .npz models "
            "(build the model with the engine and copy the Keras model's get_weights() into it)"
        )
    headers = _members(path)
    if "__config__" not in headers:
        raise ModelFileError(f"{path} is not a readable rnn-tutor model file (no __config__)")
    config = _read_config(path, headers.pop("__config__"))
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not an rnn-tutor model file")
    version = config.get("format_version")
    if version not in READS:
        raise ModelFileError(
            f"{path} was saved in model format {version}; this tutor reads formats "
            f"{', '.join(map(str, READS))}: retrain it or use the tutor version that saved it"
        )
    try:
        return _build(path, config, headers, int(version))
    except ModelFileError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        raise ModelFileError(f"{path} has an inconsistent model config ({_one_line(exc)})") from None


def _members(path: Path) -> dict[str, tuple[zipfile.ZipInfo, tuple[int, ...], np.dtype[Any], int]]:
    """Each array's zip entry, shape, dtype and data offset, read from headers alone."""
    try:
        info = path.stat()
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise ModelFileError(f"no model file at {path}") from None
        raise ModelFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise ModelFileError(f"{path} is a directory, not a model file")
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileError(f"{path} is not a regular file (a device or a pipe), so not a model file")
    size = info.st_size
    try:
        fh = _open(path)
    except OSError as exc:
        raise ModelFileError(f"cannot read {path}: {(exc.strerror or str(exc)).lower()}") from None
    out: dict[str, tuple[zipfile.ZipInfo, tuple[int, ...], np.dtype[Any], int]] = {}
    try:
        with fh, zipfile.ZipFile(fh) as zf:
            entries = zf.infolist()
            if len(entries) > MAX_MEMBERS:
                raise ModelFileError(f"{path} is not a readable rnn-tutor model file (too many entries)")
            for entry in entries:
                name = entry.filename
                if not name.endswith(".npy"):
                    raise ModelFileError(f"{path} is not a readable rnn-tutor model file (entry {name!r})")
                if entry.compress_type != zipfile.ZIP_STORED or entry.file_size != entry.compress_size:
                    raise ModelFileError(f"{path} is not a readable rnn-tutor model file (compressed entry {name!r})")
                if entry.header_offset + entry.compress_size > size:
                    raise ModelFileError(f"{path} is truncated or damaged (entry {name!r} runs past its end)")
                with zf.open(entry) as fh:
                    major, _ = np.lib.format.read_magic(fh)
                    if major == 1:
                        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                    elif major in (2, 3):
                        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
                    else:
                        raise ValueError(f"unknown .npy version {major}")
                    offset = fh.tell()
                if dtype.hasobject or fortran:
                    raise ModelFileError(
                        f"{path} is not a readable rnn-tutor model file ({name!r} is not a plain array)"
                    )
                count = 1
                for n in shape:
                    count *= int(n)
                if count * dtype.itemsize != entry.file_size - offset:
                    raise ModelFileError(
                        f"{path} is damaged: {name!r} claims shape {tuple(shape)} but holds "
                        f"{entry.file_size - offset:,} bytes"
                    )
                out[name[: -len(".npy")]] = (entry, tuple(int(n) for n in shape), dtype, offset)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, KeyError, SyntaxError) as exc:
        raise ModelFileError(f"{path} is not a readable rnn-tutor model file ({_one_line(exc)})") from None
    return out


def _open(path: Path) -> IO[bytes]:
    """The file, opened for reading (one place, so tests can make it unreadable)."""
    return open(path, "rb")


def _read_array(path: Path, member: tuple[zipfile.ZipInfo, tuple[int, ...], np.dtype[Any], int]) -> Array:
    entry, shape, dtype, offset = member
    try:
        with _open(path) as raw, zipfile.ZipFile(raw) as zf, zf.open(entry) as fh:
            fh.read(offset)
            data = fh.read(entry.file_size - offset)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ModelFileError(f"{path} is damaged ({_one_line(exc)})") from None
    if len(data) != entry.file_size - offset:
        raise ModelFileError(f"{path} is truncated")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def _read_config(path: Path, member: tuple[zipfile.ZipInfo, tuple[int, ...], np.dtype[Any], int]) -> Any:
    _, shape, dtype, _ = member
    if dtype.kind != "U" or shape != () or dtype.itemsize // 4 > MAX_CONFIG_CHARS:
        raise ModelFileError(f"{path} is not a readable rnn-tutor model file (its config is not a text)")
    text = str(_read_array(path, member)[()])
    try:
        return json.loads(text)
    except RecursionError:  # the C parser counts its depth against Python's recursion limit
        raise ModelFileError(f"{path} has a damaged config (nested too deeply)") from None
    except ValueError as exc:
        raise ModelFileError(f"{path} has a damaged config ({_one_line(exc)})") from None


def _build(path: Path, config: dict[str, Any], headers: dict[str, Any], version: int) -> Model:
    specs = config["layers"]
    if not isinstance(specs, list) or not specs:
        raise ValueError("it has no layers")
    layers = [layer_from_config(spec) for spec in specs]
    names = [layer.name for layer in layers]
    if len(set(names)) != len(names) or any(not isinstance(n, str) for n in names):
        raise ValueError("layer names must be distinct strings")
    kind = config.get("kind", "sequential")
    if kind not in ("sequential", "functional"):
        raise ValueError(f"unknown model kind {kind!r}")
    # every weight the config implies, against the stored arrays, layer by layer from the input,
    # before any is allocated
    weights = {k: v for k, v in headers.items() if not k.startswith("__optimizer__/")}
    expected: dict[str, tuple[int, ...]] = {}
    shapes: list[Shape] = []
    declared = None if config.get("input_shape") is None else Input(config["input_shape"]).shape
    for i, (layer, shape) in enumerate(_input_shapes(layers, kind, config.get("graph"), declared)):
        shapes.append(shape)
        for key, want in layer.param_shapes(shape).items():
            full = f"{i}/{layer.name}/{key}"
            if full not in weights:
                raise ModelFileError(f"{path} has no weights for {full}")
            got = weights[full][1]
            if got != want and not _upgradable(version, full, got, want):
                raise ModelFileError(f"{path}: {full} is stored with shape {got}, but the config implies {want}")
            if weights[full][2].kind != "f":
                raise ModelFileError(f"{path}: {full} is not an array of floats")
            expected[full] = want
    extra = sorted(set(weights) - set(expected))
    if extra:
        raise ModelFileError(f"{path} has weights no layer uses: {', '.join(extra[:3])}")
    # the sizes agree: read the arrays, refuse non-finite ones, and build
    values: dict[str, Array] = {}
    for key in expected:
        arr = _read_array(path, weights[key])
        if not np.isfinite(arr).all():
            raise ModelFileError(f"{path}: the weights {key} contain NaN or infinity (a diverged model?)")
        values[key] = arr
    for layer, shape in zip(layers, shapes, strict=True):
        layer.build(shape)
    for i, layer in enumerate(layers):
        for key, param in layer.params.items():
            stored = values[f"{i}/{layer.name}/{key}"]
            if stored.shape != param.shape:  # a format-1 GRU bias: the recurrent row was zero
                param[...] = 0.0
                param[0] = stored
            else:
                param[...] = stored
        if hasattr(layer, "_link"):
            layer._link()
    model = _assemble(config, layers, kind)
    _compile(path, model, config.get("compile"), headers, version)
    _restore_streams(model, config.get("streams"))
    metadata = config.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ValueError("its metadata is not a table")
    model.metadata = metadata
    return model


def _upgradable(version: int, key: str, got: tuple[int, ...], want: tuple[int, ...]) -> bool:
    """Format 1 saved the GRU with one bias vector; it is the input bias, the recurrent one 0."""
    return version == 1 and key.endswith("/b") and len(want) == 2 and want[0] == 2 and got == (want[1],)


def _input_shapes(
    layers: list[Layer], kind: str, graph: Any, declared: Shape | None = None
) -> Iterator[tuple[Layer, Shape]]:
    """Each layer with its (first) input shape, propagated from the config without building."""
    if kind == "sequential":
        probe = Sequential.__new__(Sequential)
        probe.layers, probe._declared_shape = layers, declared
        shape = probe._input_shape()
        for layer in layers:
            yield layer, shape
            shape = layer.compute_output_shape(shape)
        return
    inputs, calls = graph["inputs"], graph["calls"]
    if not isinstance(inputs, list) or not isinstance(calls, list) or len(calls) != len(layers):
        raise ValueError("its graph does not match its layers")
    in_shapes = [Input(spec["shape"]).shape for spec in inputs]
    out_shapes: list[list[Shape]] = []
    for i, (layer, refs) in enumerate(zip(layers, calls, strict=True)):
        shapes = [_ref_shape(ref, in_shapes, out_shapes, i) for ref in refs]
        if not shapes:
            raise ValueError(f"layer {layer.name} has no inputs")
        yield layer, shapes[0]
        out_shapes.append(layer.output_shapes(shapes))


def _ref_shape(ref: Any, in_shapes: list[Shape], out_shapes: list[list[Shape]], before: int) -> Shape:
    if ref[0] == "input":
        return in_shapes[int(ref[1])]
    if ref[0] == "layer" and 0 <= int(ref[1]) < before:
        return out_shapes[int(ref[1])][int(ref[2])]
    raise ValueError(f"bad reference {ref!r} in its graph")


def _assemble(config: dict[str, Any], layers: list[Layer], kind: str) -> Model:
    """The model around its built layers (which keep their names and seeds)."""
    name, seed = str(config.get("name", "model")), int(config.get("seed", 0))
    if kind == "sequential":
        sequential = Sequential(name=name, seed=seed)
        sequential.layers = layers
        if config.get("input_shape") is not None:
            sequential._declared_shape = Input(config["input_shape"]).shape
        return sequential
    graph = config["graph"]
    tensors_in = [Input(spec["shape"], name=str(spec["name"])) for spec in graph["inputs"]]
    outs: list[list[SymbolicTensor]] = []

    def tensor(ref: Any) -> SymbolicTensor:
        return tensors_in[int(ref[1])] if ref[0] == "input" else outs[int(ref[1])][int(ref[2])]

    states = graph.get("states") or [0] * len(layers)
    for layer, refs, n in zip(layers, graph["calls"], states, strict=True):
        args = [tensor(r) for r in refs]
        n = int(n)
        if not 0 <= n < len(args):
            raise ValueError("its graph gives a call more states than inputs")
        result = symbolic_call(layer, args[: len(args) - n], args[len(args) - n :])
        outs.append(result if isinstance(result, list) else [result])
    out_tensors = [tensor(r) for r in graph["outputs"]]
    names = [str(spec["name"]) for spec in graph["inputs"]]
    ins: Any = tensors_in[0] if graph.get("single_input") else dict(zip(names, tensors_in, strict=True))
    out: Any = (
        out_tensors[0] if graph.get("single_output") else dict(zip(graph["output_names"], out_tensors, strict=True))
    )
    model = Model(ins, out, name=name, seed=seed)
    if [id(layer) for layer in model.layers] != [id(layer) for layer in layers]:
        raise ValueError("its graph lists the layers out of order")
    return model


def _compile(path: Path, model: Model, compiled: Any, headers: dict[str, Any], version: int) -> None:
    if not compiled:
        return
    opt = dict(compiled["optimizer"])
    if version == 1:  # format 1 called the learning rate lr and meant the global norm by clipnorm
        if "clipnorm" in opt:
            opt["global_clipnorm"] = opt.pop("clipnorm")
    optimizer = optimizer_from_config(opt)
    metrics = compiled.get("metrics") or []
    if not isinstance(metrics, list):
        raise ValueError("its metrics are not a list")
    model.loss = get_loss(str(compiled["loss"]))
    model.optimizer = optimizer
    model.metrics = [get_metric(m) for m in metrics]
    state = {k[len("__optimizer__/") :]: v for k, v in headers.items() if k.startswith("__optimizer__/")}
    if state:
        params = [p for _, _, p in model._params()]
        for key, member in state.items():
            index, _, _ = key.partition("/")
            if not index.isdigit() or int(index) >= len(params) or member[1] != params[int(index)].shape:
                raise ModelFileError(f"{path}: optimizer state {key!r} does not fit the model's weights")
        arrays = {key: _read_array(path, member) for key, member in state.items()}
        if not all(np.isfinite(a).all() for a in arrays.values()):
            raise ModelFileError(f"{path}: the optimizer state contains NaN or infinity")
        optimizer.load_state(arrays, int(compiled.get("iterations", 0)), params)
    else:
        optimizer.iterations = int(compiled.get("iterations", 0))


def _restore_streams(model: Model, streams: Any) -> None:
    """Put back the shuffling and dropout generators, so ``fit(initial_epoch=...)`` resumes."""
    if not streams:
        return
    try:
        rng = np.random.default_rng()
        rng.bit_generator.state = streams["shuffle"]
        subs = [sub for layer in model.layers for sub in layer.random_layers()]
        states = streams["layers"]
        if len(states) != len(subs):
            raise ValueError("stream count")
        for sub, state in zip(subs, states, strict=True):
            if state is not None:
                g = np.random.default_rng()
                g.bit_generator.state = state
                sub.set_rng(g)
        model._fit_rng = rng
    except (ValueError, TypeError, KeyError):
        model._fit_rng = None  # the weights are fine; a resumed fit just starts fresh streams


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
