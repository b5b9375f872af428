"""The long-dependency task: the label is the first token of a long sequence.

Each sequence is T one-hot tokens. Token 0 or 1 at the first step sets the label; the T - 1
steps after it are random distractor tokens (2 .. V-1). To answer, a network must carry one bit
from step 1 to step T: the gradient that teaches it to do so passes back through T - 1 steps,
which is exactly where a simple RNN's gradient vanishes and an LSTM's cell state holds.
"""

from __future__ import annotations

import numpy as np

VOCAB = 8  # tokens 0 and 1 carry the label; 2..7 are distractors


def make_data(n: int, length: int = 50, seed: int = 0, vocab: int = VOCAB) -> tuple[np.ndarray, np.ndarray]:
    """x: (n, length, vocab) one-hot float32; y: (n,) float32 labels in {0, 1}."""
    if length < 2 or n < 1 or vocab < 3:
        raise ValueError("the long-dependency task needs n >= 1, length >= 2 and vocab >= 3")
    rng = np.random.default_rng(seed)
    ids = rng.integers(2, vocab, size=(n, length))
    labels = rng.integers(0, 2, size=n)
    ids[:, 0] = labels
    x = np.eye(vocab, dtype=np.float32)[ids]
    return x, labels.astype(np.float32)


def build_model(kind: str = "lstm", units: int = 16, seed: int = 0, vocab: int = VOCAB, dtype=np.float32):
    """One recurrent layer reading the one-hot tokens, and a sigmoid output for the label."""
    from tutor.engine import GRU, LSTM, Dense, Sequential, SimpleRNN

    layers = {"rnn": SimpleRNN, "simple_rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}
    if kind.lower() not in layers:
        raise ValueError(f"unknown model {kind!r}: expected one of rnn, lstm, gru")
    return Sequential(
        [layers[kind.lower()](units, input_dim=vocab, dtype=dtype), Dense(1, activation="sigmoid", dtype=dtype)],
        seed=seed,
    )
