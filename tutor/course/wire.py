"""Values as data between the checker and the learner's process: JSON lines, never pickle.

Plain JSON carries None, booleans, integers, floats (NaN and infinities too: both ends are
Python) and strings; a list stays a list. Every other value becomes a JSON object tagged with
"$": tuples, dicts (any keys), sets, bytes, complex numbers, NumPy arrays and scalars (raw bytes
in base64, with their dtype and shape), SciPy sparse matrices (their CSR/CSC arrays, or COO
triplets for other formats) and engine models (`Sequential` or a layer: their configuration, not
their weights). Anything else arrives as an `Opaque` stand-in that shows the original's type and
repr and equals nothing, so a check reports "returned <generator ...>" instead of crashing.

Decoding builds nothing but these data types: no code runs, no class is looked up by a name the
other side chose (engine layers only from the engine's own table). This module imports nothing
from `tutor`, because the learner's process loads it by path (`tutor` is not importable there).
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np

MAX_DEPTH = 64  # deeper nesting is sent as Opaque (it is also how a self-containing list ends)
_ARRAY_KINDS = "biufcSUmM"  # numbers, bools, bytes/str, dates: sent as raw bytes
_REPR_LIMIT = 200
_PLAIN = frozenset({str, int, float, bool, type(None)})  # exactly these types travel as themselves


def _plain(values: Any) -> bool:
    """Whether every value is a plain JSON scalar (the fast path for long lists of words)."""
    return set(map(type, values)) <= _PLAIN


class Opaque:
    """A value the wire cannot carry: its type name and repr, for feedback; equal to nothing."""

    def __init__(self, type_name: str, text: str) -> None:
        self.type_name = type_name
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]


def dumps(message: Any) -> bytes:
    """One protocol line (JSON, ASCII-only, so no character inside can end the line early)."""
    return json.dumps(message, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def loads(line: bytes) -> Any:
    """The message of one protocol line; ValueError for anything that is not one."""
    try:
        return json.loads(line)
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"not a protocol line ({type(exc).__name__})") from None


# ------------------------------------------------------------------------------------- encode


def encode(value: Any, depth: int = 0) -> Any:
    """`value` as JSON-ready data (see the module docstring for what each type becomes)."""
    if depth > MAX_DEPTH:
        return _opaque(value, "nested too deeply")
    if value is None or isinstance(value, bool | str):
        return str(value) if isinstance(value, str) and type(value) is not str else value
    if isinstance(value, np.generic):
        return _encode_array(np.asarray(value), scalar=True)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, complex):
        return {"$": "complex", "re": value.real, "im": value.imag}
    if isinstance(value, list):
        return list(value) if _plain(value) else [encode(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return {"$": "tuple", "items": [encode(v, depth + 1) for v in value]}
    if isinstance(value, dict):
        if _plain(value.keys()) and _plain(value.values()):
            return {"$": "dict", "items": [[k, v] for k, v in value.items()]}
        return {"$": "dict", "items": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, set | frozenset):
        tag = "frozenset" if isinstance(value, frozenset) else "set"
        return {"$": tag, "items": [encode(v, depth + 1) for v in value]}
    if isinstance(value, bytes | bytearray):
        return {"$": "bytes", "data": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            return {
                "$": "objects",
                "shape": list(value.shape),
                "items": [encode(v, depth + 1) for v in value.reshape(-1).tolist()],
            }
        return _encode_array(value) if value.dtype.kind in _ARRAY_KINDS else _opaque(value)
    module = type(value).__module__ or ""
    if module.startswith("scipy.sparse") and hasattr(value, "format") and hasattr(value, "tocoo"):
        return _encode_sparse(value)
    if module.startswith("tutor.engine") and hasattr(value, "get_config"):
        return _encode_engine(value)
    return _opaque(value)


def _encode_array(a: np.ndarray[Any, Any], scalar: bool = False) -> dict[str, Any]:
    return {
        "$": "scalar" if scalar else "ndarray",
        "dtype": a.dtype.str,
        "shape": list(a.shape),
        "data": base64.b64encode(a.tobytes(order="C")).decode("ascii"),
    }


def _encode_sparse(m: Any) -> dict[str, Any]:
    kind = "array" if type(m).__name__.endswith("_array") else "matrix"
    out: dict[str, Any] = {"$": "sparse", "format": str(m.format), "kind": kind, "shape": [int(n) for n in m.shape]}
    if m.format in ("csr", "csc"):
        out["parts"] = {k: _encode_array(np.asarray(getattr(m, k))) for k in ("data", "indices", "indptr")}
    else:
        coo = m.tocoo()
        out["parts"] = {k: _encode_array(np.asarray(getattr(coo, k))) for k in ("data", "row", "col")}
    return out


def _encode_engine(obj: Any) -> dict[str, Any]:
    config = obj.get_config()
    if type(obj).__name__ == "Sequential":
        return {"$": "model", "config": encode(config)}
    return {"$": "layer", "class": type(obj).__name__, "config": encode(config)}


def _opaque(value: Any, why: str = "") -> dict[str, Any]:
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a learner's __repr__ may fail in any way
        text = f"<{type(value).__name__} whose repr failed: {type(exc).__name__}>"
    if why:
        text = f"<{type(value).__name__}, {why}>"
    if len(text) > _REPR_LIMIT:
        text = text[: _REPR_LIMIT - 3] + "..."
    return {"$": "opaque", "type": type(value).__name__, "repr": text}


# ------------------------------------------------------------------------------------- decode


def decode(data: Any, depth: int = 0) -> Any:
    """The value `encode` described; ValueError if `data` is not such a description."""
    if depth > MAX_DEPTH + 2:
        raise ValueError("value nested too deeply")
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return list(data) if _plain(data) else [decode(v, depth + 1) for v in data]
    if not isinstance(data, dict):
        raise ValueError(f"unexpected {type(data).__name__} in a value")
    tag = data.get("$")
    if tag == "tuple":
        return tuple(decode(v, depth + 1) for v in _items(data))
    if tag == "dict":
        pairs = _items(data)
        if not all(type(p) is list and len(p) == 2 for p in pairs):
            raise ValueError("a dict's items must be pairs")
        if _plain(k for k, _ in pairs) and _plain(v for _, v in pairs):
            return dict(pairs)
        return {_hashable(decode(k, depth + 1)): decode(v, depth + 1) for k, v in pairs}
    if tag in ("set", "frozenset"):
        items = [_hashable(decode(v, depth + 1)) for v in _items(data)]
        return frozenset(items) if tag == "frozenset" else set(items)
    if tag == "complex":
        return complex(_number(data.get("re")), _number(data.get("im")))
    if tag == "bytes":
        return _b64(data.get("data"))
    if tag in ("ndarray", "scalar"):
        array = _decode_array(data)
        return array[()] if tag == "scalar" else array
    if tag == "objects":
        shape = _shape(data.get("shape"))
        items = [decode(v, depth + 1) for v in _items(data)]
        if len(items) != math.prod(shape):
            raise ValueError("an object array's items do not fill its shape")
        out = np.empty(len(items), dtype=object)
        out[:] = items if items else []
        return out.reshape(shape)
    if tag == "sparse":
        return _decode_sparse(data)
    if tag in ("model", "layer"):
        return _decode_engine(data)
    if tag == "opaque":
        return Opaque(str(data.get("type", "?")), str(data.get("repr", "?"))[:_REPR_LIMIT])
    raise ValueError(f"unknown value tag {tag!r}")


def _items(data: dict[str, Any]) -> list[Any]:
    items = data.get("items")
    if not isinstance(items, list):
        raise ValueError("missing 'items'")
    return items


def _hashable(key: Any) -> Any:
    try:
        hash(key)
    except TypeError:
        raise ValueError(f"a {type(key).__name__} cannot be a dict key or set member") from None
    return key


def _number(x: Any) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise ValueError("expected a number")
    return float(x)


def _b64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise ValueError("invalid base64") from None


def _shape(shape: Any) -> tuple[int, ...]:
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ValueError("an array's shape must be a list of non-negative integers")
    return tuple(shape)


def _decode_array(data: dict[str, Any]) -> np.ndarray[Any, Any]:
    try:
        dtype = np.dtype(str(data.get("dtype")))
    except TypeError:
        raise ValueError(f"unknown dtype {data.get('dtype')!r}") from None
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None:
        raise ValueError(f"dtype {dtype} is not sent as raw bytes")
    shape = _shape(data.get("shape"))
    raw = _b64(data.get("data"))
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise ValueError("an array's bytes do not match its shape and dtype")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _decode_sparse(data: dict[str, Any]) -> Any:
    import scipy.sparse as sp

    fmt = data.get("format")
    shape = _shape(data.get("shape"))
    parts = data.get("parts")
    if not isinstance(parts, dict) or len(shape) != 2:
        raise ValueError("a sparse matrix needs its parts and a 2-d shape")
    arrays = {k: _decode_array(v) for k, v in parts.items() if isinstance(v, dict)}
    kind = "array" if data.get("kind") == "array" else "matrix"
    try:
        if fmt in ("csr", "csc"):
            cls = getattr(sp, f"{fmt}_{kind}")
            return cls((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
        if not isinstance(fmt, str) or fmt not in ("coo", "lil", "dok", "bsr", "dia"):
            raise ValueError(f"unknown sparse format {fmt!r}")
        coo = getattr(sp, f"coo_{kind}")((arrays["data"], (arrays["row"], arrays["col"])), shape=shape)
        return coo.asformat(fmt)
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"an inconsistent sparse matrix ({exc})") from None


def _decode_engine(data: dict[str, Any]) -> Any:
    """Rebuild an engine model or layer from its configuration (fresh weights)."""
    from tutor.engine import Sequential
    from tutor.engine.registry import layer_from_config  # only the trusted side decodes these

    config = decode(data.get("config"))
    if not isinstance(config, dict):
        raise ValueError("an engine object's config must be a dict")
    try:
        if data.get("$") == "layer":
            return layer_from_config({"class": data.get("class"), "config": config})
        model = Sequential(name=str(config.get("name", "sequential")), seed=int(config.get("seed", 0)))
        for spec in config.get("layers", []):
            model.add(layer_from_config(spec))
        return model
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"an engine object that cannot be rebuilt ({exc})") from None
