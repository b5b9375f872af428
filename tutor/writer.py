"""A character model that writes: the bundled model, one step at a time, sampled with a temperature.

    writer = load_writer()                      # assets/writing-model.npz
    for step in writer.generate("The hidden state", 200, temperature=0.8, seed=0):
        print(step.char, step.top[:3])

Sampling with temperature τ: the model gives probabilities p over the next character; the
sampler draws from p_τ ∝ exp(log p / τ). τ = 1 is the model's own distribution, τ → 0 always
takes the likeliest character (greedy), large τ flattens p_τ towards a uniform guess.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_FILE = "writing-model.npz"
MIN_TEMPERATURE = 1e-6  # below this, sampling is the arg-max
MAX_PROMPT = 2_000  # characters of the prompt the model reads (its end)


def bundled_model_path() -> Path:
    from tutor.paths import assets_dir

    return assets_dir() / MODEL_FILE


def with_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """p_τ ∝ p^(1/τ), computed from log p shifted by its maximum (no overflow, no 0/0)."""
    p = np.asarray(probs, np.float64)
    if temperature <= MIN_TEMPERATURE:
        out = np.zeros_like(p)
        out[int(np.argmax(p))] = 1.0
        return out
    with np.errstate(divide="ignore"):
        z = np.log(p) / float(temperature)
    z -= z.max()
    e = np.exp(z)
    out_p: np.ndarray = e / e.sum()
    return out_p


@dataclass(frozen=True)
class Step:
    """One generated character, the distribution it was drawn from and that distribution's top entries."""

    char: str
    prob: float  # its probability under p_τ
    top: list[tuple[str, float]]  # the likeliest next characters under p_τ, best first


class Writer:
    """A trained character model run one character at a time, keeping its state between calls."""

    def __init__(self, model: Any, alphabet: list[str], info: dict[str, Any] | None = None) -> None:
        from tutor.engine import Dense, Embedding, Recurrent
        from tutor.tasks.chars import Alphabet

        layers = model.layers
        if (
            len(layers) != 3
            or not isinstance(layers[0], Embedding)
            or not isinstance(layers[1], Recurrent)
            or not isinstance(layers[2], Dense)
        ):
            raise ValueError("a writer needs an Embedding → recurrent layer → Dense model")
        self.alphabet = Alphabet(alphabet)
        if layers[0].input_dim != len(self.alphabet) or layers[2].units != len(self.alphabet):
            raise ValueError(f"the model reads {layers[0].input_dim} characters, its alphabet has {len(alphabet)}")
        self.embedding = layers[0].params["E"]
        rec = layers[1]
        # a copy that hands back its states, so each call continues where the last one stopped
        self.cell = type(rec)(**{**rec.get_config(), "return_sequences": True, "return_state": True})
        for key, value in rec.params.items():
            self.cell.params[key][...] = value
        self.dense = layers[2]
        self.kind = type(rec).__name__
        self.units = rec.units
        self.info = info or {}

    def zero_state(self) -> list[np.ndarray]:
        return [np.zeros((1, self.units), self.embedding.dtype) for _ in self.cell.state_names]

    def read(self, ids: np.ndarray, state: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Read characters `ids` from `state`: the next-character probabilities and the new state."""
        x = self.embedding[np.asarray(ids, np.int64)][None]
        out = self.cell(x, initial_state=state)
        seq, new_state = out[0], list(out[1:])
        probs = self.dense(seq[:, -1])[0]
        return np.asarray(probs, np.float64), new_state

    def generate(
        self, prompt: str, length: int, temperature: float = 1.0, seed: int | None = None, top: int = 5
    ) -> Iterator[Step]:
        """Continue `prompt` by `length` characters, each drawn from p_τ; yields every step as it comes."""
        rng = np.random.default_rng(seed)
        ids = self.alphabet.encode(prompt[-MAX_PROMPT:] or "\n")
        probs, state = self.read(ids, self.zero_state())
        for _ in range(int(length)):
            p = with_temperature(probs, temperature)
            k = int(rng.choice(len(p), p=p)) if temperature > MIN_TEMPERATURE else int(np.argmax(p))
            best = np.argsort(-p, kind="stable")[:top]
            yield Step(self.alphabet.chars[k], float(p[k]), [(self.alphabet.chars[int(i)], float(p[i])) for i in best])
            probs, state = self.read(np.array([k]), state)

    def perplexity(self, text: str, window: int = 100) -> float:
        """e^(mean −log p(next character)) over `text`, read in windows of `window` characters
        from a zero state (as the model was trained and validated)."""
        from tutor.engine import get_loss
        from tutor.tasks.chars import windows

        x, y = windows(self.alphabet.encode(text), window)
        loss = get_loss("sparse_categorical_crossentropy")
        total = 0.0
        for start in range(0, len(x), 64):
            xb = self.embedding[x[start : start + 64]]
            state = [np.zeros((len(xb), self.units), self.embedding.dtype) for _ in self.cell.state_names]
            seq = self.cell(xb, initial_state=state)[0]
            value, _ = loss(y[start : start + 64], self.dense(seq))
            total += value * len(xb)
        return float(np.exp(total / len(x)))


_cache: dict[str, Writer] = {}


def load_writer(path: Path | None = None) -> Writer:
    """The character model in `path` (the bundled one by default), ready to write. Cached."""
    from tutor.engine import load_model

    path = bundled_model_path() if path is None else path
    key = str(path.resolve())
    if key not in _cache:
        started = time.perf_counter()
        model = load_model(path)
        meta = dict(model.metadata)
        if "alphabet" not in meta:
            raise ValueError(f"{path.name} is not a character model: it has no alphabet")
        meta["load_seconds"] = time.perf_counter() - started
        _cache[key] = Writer(model, list(meta["alphabet"]), meta)
    return _cache[key]
