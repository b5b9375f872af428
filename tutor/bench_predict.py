"""`tutor bench predict`: reviews per second through `tutor predict --file`, as a learner runs it.

Each run is a fresh `tutor predict` process reading a file of reviews and writing its JSON lines
to /dev/null, so start-up, reading, tokenising, the model and the formatting all count. The
variants (with and without trajectories, one and two BLAS threads) alternate, so drift on a
shared machine hits them alike; medians are reported, with the peak memory of each process.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Variant:
    """One way of running `tutor predict --file`, with its timings."""

    label: str
    args: tuple[str, ...]
    threads: int
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)


def reviews_for_bench(n: int, seed: int = 0) -> tuple[list[str], str]:
    """``n`` reviews and where they come from: IMDb's training reviews when present, else made up.

    Made-up reviews draw words from the bundled model's vocabulary (frequent words more often)
    with IMDb-like lengths (median about 170 words), so the model does the same amount of work.
    """
    from tutor.data.imdb import find_imdb, read_imdb
    from tutor.errors import TutorError

    try:
        source = find_imdb()
    except TutorError:
        source = None
    if source is not None:
        try:
            texts = read_imdb(source, "train").texts
            reps = -(-n // len(texts))
            return (texts * reps)[:n], f"IMDb training reviews from {source}"
        except TutorError:
            pass
    from tutor.sentiment import load_model

    words = load_model().vocab.words[2:]
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    lengths = np.clip(rng.lognormal(np.log(174), 0.7, n).astype(int), 5, 2500)
    drawn = rng.choice(len(words), size=int(lengths.sum()), p=weights)
    texts, at = [], 0
    for length in lengths:
        texts.append(" ".join(words[i] for i in drawn[at : at + length]))
        at += length
    return texts, "made-up reviews (no IMDb data found) with IMDb-like lengths"


def _run(path: Path, variant: Variant) -> None:
    """One `tutor predict --file` process: its wall time and peak resident memory."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(variant.threads), "OMP_NUM_THREADS": str(variant.threads)}
    code = "import sys; from tutor.cli import main; sys.argv = ['tutor', *sys.argv[1:]]; main()"
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-c", code, "predict", "--file", str(path), *variant.args],
            stdout=sink,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            # ru_maxrss is in kilobytes on Linux, bytes on macOS
            peak = usage.ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1 << 10)
        else:
            proc.wait()
            peak = float("nan")
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"tutor predict {' '.join(variant.args)} failed (exit {proc.returncode})")
    variant.seconds.append(elapsed)
    variant.peak_mb.append(peak)


def bench_predict(
    n: int = 25_000, repeats: int = 3, progress: Callable[[str], None] | None = None
) -> tuple[list[Variant], str]:
    """Alternating runs of each variant on the same file of ``n`` reviews; (variants, source)."""
    texts, source = reviews_for_bench(n)
    variants = [
        Variant("with trajectories", (), 1),
        Variant("--no-trajectory", ("--no-trajectory",), 1),
        Variant("with trajectories, 2 BLAS threads", (), 2),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reviews.txt"
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for text in texts:
                f.write(text.replace("\n", " ").replace("\r", " ") + "\n")
        for r in range(repeats):
            for variant in variants:
                if progress:
                    progress(f"run {r + 1} of {repeats}: {variant.label}")
                _run(path, variant)
    return variants, source
