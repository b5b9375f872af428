"""How many threads the BLAS under NumPy uses, chosen per matrix size.

OpenBLAS starts one thread per core and splits every product between them. For the large
products (the input projection of all steps, the weight gradients) that pays; for the small
per-step products of a recurrent layer's time loop, (B, H)·(H, kH) with B and H around 32 to 64,
handing work to a second thread and waiting for it costs more than it saves (measured: see
``tutor bench engine``). ``loop_threads`` says how many threads a time loop of a given size
should use; ``blas_threads`` applies it for the duration of a ``with`` block.

The thread count is set through OpenBLAS's own C functions (``openblas_set_num_threads``, as
threadpoolctl does), found in the libraries NumPy has loaded; ctypes is in the standard library,
so the engine still imports NumPy and SciPy only. With another BLAS (MKL, Accelerate) or none
found, both functions do nothing and the BLAS keeps its own setting.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import threading
from collections.abc import Iterator
from typing import Any

# Per-step product size (B·H·kH multiply-adds) below which the time loop runs on one thread.
# On the 2-core development machine a second thread made the loops of the small shapes slower
# (SimpleRNN at B = H = 64, 262k: 2.2x; LSTM at B = H = 64, 1M: 1.15x) and the LSTM's at
# B = H = 128 (8.4M) faster; 4M sits between (see README, "Speed").
SMALL_PRODUCT = 1 << 22

_lock = threading.Lock()
_libs: list[tuple[Any, Any]] | None = None  # (get, set) pairs of every OpenBLAS found


def _find_openblas() -> list[tuple[Any, Any]]:
    """The get/set-thread functions of each OpenBLAS library loaded in this process."""
    paths: list[str] = []
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                path = line.rsplit(" ", 1)[-1].strip()
                if "openblas" in os.path.basename(path).lower() and path not in paths:
                    paths.append(path)
    except OSError:  # not Linux: look where NumPy's wheels keep their bundled libraries
        import numpy

        root = os.path.dirname(os.path.dirname(numpy.__file__))
        for pattern in ("numpy.libs/*openblas*", "numpy/.dylibs/*openblas*"):
            paths += glob.glob(os.path.join(root, pattern))
    found = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (
            ("scipy_openblas", "64_"),
            ("scipy_openblas", ""),
            ("openblas", "64_"),
            ("openblas", ""),
        ):
            get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                get.restype, get.argtypes = ctypes.c_int, []
                put.restype, put.argtypes = None, [ctypes.c_int]
                found.append((get, put))
                break
    return found


def _openblas() -> list[tuple[Any, Any]]:
    global _libs
    if _libs is None:
        with _lock:
            if _libs is None:
                _libs = _find_openblas()
    return _libs


def get_blas_threads() -> int | None:
    """The thread count of NumPy's OpenBLAS, or None when it cannot be told."""
    libs = _openblas()
    return int(libs[0][0]()) if libs else None


def set_blas_threads(n: int) -> None:
    for _, put in _openblas():
        put(int(n))


@contextlib.contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Use at most ``n`` BLAS threads inside the block (None: leave the setting alone)."""
    libs = _openblas() if n is not None else []
    before = int(libs[0][0]()) if libs else None
    if before is None or n is None or n >= before:
        yield
        return
    set_blas_threads(n)
    try:
        yield
    finally:
        set_blas_threads(before)


def loop_threads(batch: int, units: int, gates: int) -> int | None:
    """1 for a time loop whose per-step product (B, H)·(H, kH) is small, else None (as set)."""
    return 1 if batch * units * gates * units < SMALL_PRODUCT else None
