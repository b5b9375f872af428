"""Benchmarks: the engine's LSTM against PyTorch's, side by side in one process.

Reported as ratios (torch time / engine time) measured in the same run, never as absolute
thresholds: these machines are shared and noisy. Run it with `tutor bench engine`.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SHAPES: tuple[tuple[int, int, int, int], ...] = ((64, 100, 32, 64), (32, 500, 32, 32), (128, 200, 128, 128))


@dataclass
class BenchRow:
    shape: tuple[int, int, int, int]  # (B, T, D, H)
    engine_s: float
    torch_s: float | None

    @property
    def ratio(self) -> float | None:
        return None if self.torch_s is None else self.torch_s / self.engine_s


def thread_count() -> int:
    """The BLAS thread count both libraries are given (OpenBLAS uses every core unless told)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return os.cpu_count() or 1


def engine_lstm_step(B: int, T: int, D: int, H: int) -> Callable[[], None]:
    """One forward + backward pass of the engine's LSTM (float32, last state out)."""
    from tutor.engine import LSTM

    rng = np.random.default_rng(0)
    layer = LSTM(H, input_dim=D, seed=0)
    x = rng.standard_normal((B, T, D)).astype(np.float32)
    dy = rng.standard_normal((B, H)).astype(np.float32)

    def run() -> None:
        layer.forward(x, training=True)
        layer.backward(dy)

    return run


def torch_lstm_step(B: int, T: int, D: int, H: int) -> Callable[[], None] | None:
    """The same pass with torch.nn.LSTM, or None when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(thread_count())
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(D, H, batch_first=True)
    x = torch.randn(B, T, D, requires_grad=True)
    dy = torch.randn(B, H)

    def run() -> None:
        lstm.zero_grad(set_to_none=True)
        x.grad = None
        out, _ = lstm(x)
        out[:, -1].backward(dy)

    return run


def _time(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_lstm(shapes=SHAPES, repeats: int = 7, progress: Callable[[str], None] | None = None) -> list[BenchRow]:
    """Median time per shape, alternating engine and torch runs so drift hits both alike."""
    rows = []
    for shape in shapes:
        if progress:
            progress(f"LSTM (B, T, D, H) = {shape}")
        eng, tor = engine_lstm_step(*shape), torch_lstm_step(*shape)
        eng()  # warm-up: first-touch allocations, BLAS thread start
        if tor:
            tor()
        e_times, t_times = [], []
        for _ in range(repeats):
            e_times.append(_time(eng))
            if tor:
                t_times.append(_time(tor))
        rows.append(BenchRow(shape, statistics.median(e_times), statistics.median(t_times) if tor else None))
    return rows


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))
