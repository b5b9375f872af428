"""Benchmarks: the engine's recurrent layers against PyTorch's, side by side in one process.

Reported as ratios (torch time / engine time) measured in the same run, never as absolute
thresholds: these machines are shared and noisy. Each row times the engine and torch
alternately, at one BLAS thread and at the default thread count, and keeps the median of the
repeats. Run it with `tutor bench engine`.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

SHAPES: tuple[tuple[int, int, int, int], ...] = ((64, 100, 32, 64), (32, 500, 32, 32), (128, 200, 128, 128))
MODELS = ("SimpleRNN", "LSTM", "GRU")
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


@dataclass
class Timing:
    engine_s: float
    torch_s: float | None
    spread: float  # the engine's (max - min) / median over the repeats: how noisy the row was

    @property
    def ratio(self) -> float | None:
        return None if self.torch_s is None else self.torch_s / self.engine_s


@dataclass
class BenchRow:
    model: str
    shape: tuple[int, int, int, int]  # (B, T, D, H)
    mode: str  # "train" (forward + backward) or "infer" (forward only)
    one: Timing  # one BLAS thread
    default: Timing  # the default thread count

    @property
    def flops(self) -> float:
        """Multiply-adds x 2 in the matrix products: the forward pass does the input projection and
        the recurrent product; the backward pass does each of them twice more (input and weight
        gradients)."""
        B, T, D, H = self.shape
        k = GATES[self.model]
        forward = 2.0 * B * T * (D + H) * k * H
        return forward if self.mode == "infer" else 3.0 * forward


def thread_count() -> int:
    """The default BLAS thread count (OpenBLAS uses every core unless told)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


@contextlib.contextmanager
def threads(n: int) -> Iterator[None]:
    """Both libraries on ``n`` threads inside the block."""
    from tutor.engine import blas_threads

    torch: Any = None
    try:  # optional: import_module keeps the type the same with torch installed or not
        torch = importlib.import_module("torch")
    except ImportError:
        pass
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n)
    try:
        with blas_threads(n):
            yield
    finally:
        if torch is not None and before is not None:
            torch.set_num_threads(before)


def engine_step(model: str, B: int, T: int, D: int, H: int, train: bool = True) -> Callable[[], None]:
    """One forward (+ backward) pass of the engine's layer (float32, last state out)."""
    from tutor import engine

    rng = np.random.default_rng(0)
    layer = getattr(engine, model)(H, input_dim=D, seed=0)
    x = rng.standard_normal((B, T, D)).astype(np.float32)
    dy = rng.standard_normal((B, H)).astype(np.float32)

    def run() -> None:
        layer.forward(x, training=train)
        if train:
            layer.backward(dy)

    return run


def torch_step(model: str, B: int, T: int, D: int, H: int, train: bool = True) -> Callable[[], None] | None:
    """The same pass with torch.nn (RNN, LSTM, GRU), or None when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    layer = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[model](D, H, batch_first=True)
    x = torch.randn(B, T, D, requires_grad=train)
    dy = torch.randn(B, H)

    def run() -> None:
        if train:
            layer.zero_grad(set_to_none=True)
            x.grad = None
            out, _ = layer(x)
            out[:, -1].backward(dy)
        else:
            with torch.inference_mode():
                layer(x)

    return run


def _time(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _timing(eng: Callable[[], None], tor: Callable[[], None] | None, repeats: int) -> Timing:
    """Median times over ``repeats``, alternating engine and torch so drift hits both alike."""
    eng()  # warm-up: first-touch allocations, BLAS thread start
    if tor:
        tor()
    e_times, t_times = [], []
    for _ in range(repeats):
        e_times.append(_time(eng))
        if tor:
            t_times.append(_time(tor))
    median = statistics.median(e_times)
    return Timing(median, statistics.median(t_times) if tor else None, (max(e_times) - min(e_times)) / median)


def cases(
    models: tuple[str, ...] = MODELS, shapes: tuple[tuple[int, int, int, int], ...] = SHAPES
) -> list[tuple[str, tuple[int, int, int, int], str]]:
    """Every model at every shape trained, and the LSTM at every shape for inference."""
    rows = [(model, shape, "train") for model in models for shape in shapes]
    rows += [("LSTM", shape, "infer") for shape in shapes if "LSTM" in models]
    return rows


def bench(
    repeats: int = 7,
    todo: list[tuple[str, tuple[int, int, int, int], str]] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[BenchRow]:
    rows = []
    for model, shape, mode in todo or cases():
        train = mode == "train"
        timings = []
        for n in (1, thread_count()):
            if progress:
                progress(f"{model} {mode} (B, T, D, H) = {shape}, {n} thread{'s' if n > 1 else ''}")
            with threads(n):
                timings.append(_timing(engine_step(model, *shape, train), torch_step(model, *shape, train), repeats))
        rows.append(BenchRow(model, shape, mode, timings[0], timings[1]))
    return rows


def gemm_rate(n: int = 1024, repeats: int = 5) -> float:
    """The machine's float32 matrix-product rate in FLOP/s (best of ``repeats``, n x n x n)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)
    best = min(_time(lambda: np.matmul(a, b, out=out)) for _ in range(repeats))
    return 2.0 * n**3 / best


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))
