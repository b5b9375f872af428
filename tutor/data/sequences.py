"""Fixed-length id sequences for recurrent models: keep the last words, pad at the front."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pad_sequences(seqs: Sequence[Sequence[int]], maxlen: int, value: int = 0) -> np.ndarray:
    """An ``(n, maxlen)`` int32 array: each row keeps its last ``maxlen`` ids, padded in front.

    Keeping the end and padding the front (Keras' ``pre`` defaults, as the course uses) puts the
    real words right before the final state the classifier reads.
    """
    if maxlen < 1:
        raise ValueError(f"maxlen must be at least 1, got {maxlen}")
    out = np.full((len(seqs), maxlen), value, dtype=np.int32)
    for row, seq in enumerate(seqs):
        tail = seq[-maxlen:]
        if len(tail):
            out[row, maxlen - len(tail) :] = tail
    return out


def truncated(seqs: Sequence[Sequence[int]], maxlen: int) -> np.ndarray:
    """A boolean mask of the sequences :func:`pad_sequences` cut (longer than ``maxlen``)."""
    return np.fromiter((len(s) > maxlen for s in seqs), dtype=bool, count=len(seqs))
