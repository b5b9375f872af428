"""The slides' long-range example, measured: "I grew up in Paris … I speak fluent ___".

Each sentence is "i grew up in {city}", then ``filler`` words drawn at random from a list of
ordinary words that say nothing about any city, then "i speak fluent"; the model reads the words
and predicts the language that goes with the city. Only the city decides the answer, and it lies
``filler + 3`` words before the blank, so the task measures how far back a network can carry one
fact: a simple RNN's gradient from the blank to the city shrinks with every word in between,
while the LSTM's and GRU's gated memory can keep it.

``sweep`` trains each of SimpleRNN, LSTM and GRU at several filler lengths (the lesson's plot).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from tutor.tasks import settings as s
from tutor.tasks.base import RECURRENT, RunConfig, Task, TaskData, recurrent_layer
from tutor.tasks.fitting import check_activations, clip
from tutor.tasks.settings import Setting, Settings

if TYPE_CHECKING:
    from tutor.engine import Sequential

PAIRS: tuple[tuple[str, str], ...] = (
    ("paris", "french"),
    ("berlin", "german"),
    ("madrid", "spanish"),
    ("rome", "italian"),
    ("lisbon", "portuguese"),
    ("warsaw", "polish"),
    ("athens", "greek"),
    ("tokyo", "japanese"),
)
FILLER = tuple(
    """and then we moved a lot later after school my parents worked long days in the old house near
    river while friends came over to play games every summer with our dog but it rained often so
    people stayed inside reading books cooking dinner together before winter""".split()
)
OPENING = ("i", "grew", "up", "in")
CLOSING = ("i", "speak", "fluent")
# the words the model reads: 0 is unused (Keras' padding id), then the sentence words
WORDS: tuple[str, ...] = ("<pad>", *dict.fromkeys((*OPENING, *CLOSING, *(c for c, _ in PAIRS), *FILLER)))
WORD_ID = {w: i for i, w in enumerate(WORDS)}
LANGUAGES = tuple(lang for _, lang in PAIRS)
MAX_FILLER = 1_000
MAX_SENTENCES = 200_000

# the lesson's sweep: what the view trains by default, and what the test pins
SWEEP_FILLERS = (0, 5, 10, 20)
SWEEP_MODELS = RECURRENT


def make_sentences(n: int, filler: int, seed: int = 0) -> tuple[list[list[str]], np.ndarray]:
    """n sentences with `filler` words between the city and "i speak fluent"; y: language ids."""
    if n < 1 or filler < 0:
        raise ValueError("need n >= 1 sentences and filler >= 0 words")
    rng = np.random.default_rng(seed)
    y = rng.integers(0, len(PAIRS), size=n)
    fill = rng.integers(0, len(FILLER), size=(n, filler))
    sentences = [
        [*OPENING, PAIRS[k][0], *(FILLER[j] for j in row), *CLOSING] for k, row in zip(y.tolist(), fill, strict=True)
    ]
    return sentences, y.astype(np.int64)


def make_data(n: int, filler: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x: (n, filler + 8) word ids; y: (n,) language ids."""
    sentences, y = make_sentences(n, filler, seed)
    x = np.array([[WORD_ID[w] for w in sent] for sent in sentences], dtype=np.int64)
    return x, y


def word_vectors(embed_dim: int) -> np.ndarray:
    """A fixed vector per word, N(0, 1) in each coordinate (the same in every run: seed 0).

    Fixed, as pre-trained vectors are (lesson 3): the network cannot shrink the filler words'
    vectors to nothing, so every filler word really enters the state, as real words do, and
    the network has to learn to keep the city in spite of them."""
    return np.random.default_rng(0).standard_normal((len(WORDS), embed_dim))


def build_model(
    kind: str = "LSTM", units: int = 16, embed_dim: int = 8, seed: int = 0, dtype: type = np.float32
) -> Sequential:
    """Fixed word vectors → recurrent layer (last state) → Dense(8 languages, softmax)."""
    from tutor.engine import Dense, Embedding, Sequential

    return Sequential(
        [
            Embedding(len(WORDS), embed_dim, weights=[word_vectors(embed_dim)], trainable=False, dtype=dtype),
            recurrent_layer(kind)(units, dtype=dtype),
            Dense(len(LANGUAGES), activation="softmax", dtype=dtype),
        ],
        name=f"fluent_{kind.lower()}",
        seed=seed,
    )


# -- the task -------------------------------------------------------------------------------------


class Fluent(Task):
    """Predict the language from the city, `filler` words back."""

    name = "fluent"
    title = 'Long range: "Paris … fluent ___"'
    metric = "accuracy"
    models = RECURRENT
    settings = Settings(
        (
            Setting(
                "filler", int, 10, "Filler words between the city and \"i speak fluent\".", "Filler words",
                low=0, high=MAX_FILLER,
            ),
            s.OPTIMIZER.but(default="adam"),
            s.UNITS.but(default=16),
            Setting("embed_dim", int, 8, "Word vector width.", "Embed dim", low=1, high=1024),
            s.N_TRAIN.but(default=1000, help="Training sentences.", high=MAX_SENTENCES),
            s.N_VAL.but(default=500, help="Validation sentences.", high=MAX_SENTENCES),
            s.LR.but(default=0.01),
            s.CLIPNORM.but(default=1.0),
            s.EPOCHS.but(default=10),
            s.BATCH_SIZE.but(default=32),
            s.SEED,
        )
    )  # fmt: skip
    notes = "8 cities, 8 languages: chance is 1/8; only a memory reaching filler + 3 words back beats it"
    command = "fluent"
    command_help = 'The long-range example: "i grew up in {city} … {filler words} … i speak fluent ___".'

    def complete(self, model: str, values: dict[str, Any]) -> None:
        check_activations(values, int(values["filler"]) + len(OPENING) + 1 + len(CLOSING), int(values["embed_dim"]))

    def load(self, cfg: RunConfig) -> TaskData:
        seed, filler = int(cfg["seed"]), int(cfg["filler"])
        x, y = make_data(int(cfg["n_train"]), filler, seed)
        xv, yv = make_data(int(cfg["n_val"]), filler, seed + 1_000_003)
        return TaskData(x, y, xv, yv, "accuracy", info={"filler": filler, "vocab": len(WORDS)})

    def build(self, cfg: RunConfig, data: TaskData) -> Sequential:
        model = build_model(cfg.model, int(cfg["units"]), int(cfg["embed_dim"]), seed=int(cfg["seed"]))
        model.compile(
            "sparse_categorical_crossentropy", str(cfg["optimizer"]), ["accuracy"], lr=cfg["lr"],
            global_clipnorm=clip(cfg),
        )  # fmt: skip
        return model

    def label(self, cfg: Mapping[str, Any]) -> str:
        return f"{cfg.get('model')} {cfg.get('units')}u k={cfg.get('filler')}"


# -- the sweep ------------------------------------------------------------------------------------


@dataclass
class Sweep:
    """Validation accuracy (last epoch) of each model at each filler length, and what it took."""

    fillers: tuple[int, ...]
    accuracy: dict[str, list[float]] = field(default_factory=dict)  # model -> one per filler
    seconds: float = 0.0
    config: dict[str, Any] = field(default_factory=dict)


def sweep(
    fillers: Sequence[int] = SWEEP_FILLERS,
    models: Sequence[str] = SWEEP_MODELS,
    settings: Mapping[str, Any] = MappingProxyType({}),
    on_result: Callable[[str, int, float], bool | None] | None = None,
) -> Sweep:
    """Train every model at every filler length (the task's defaults otherwise).

    `on_result(model, filler, val_accuracy)` hears each run as it ends; returning True stops the sweep.
    """
    task = Fluent()
    started = time.perf_counter()
    out = Sweep(tuple(int(k) for k in fillers), config=dict(settings))
    for model in models:
        out.accuracy[model] = []
    for filler in out.fillers:
        for model in models:
            cfg = task.resolve({**settings, "model": model, "filler": filler})
            result = task.run(cfg, task.load(cfg))
            value = float(result.metrics.get("val_accuracy") or 0.0)
            out.accuracy[model].append(value)
            if on_result is not None and on_result(model, filler, value):
                out.seconds = time.perf_counter() - started
                return out
    out.seconds = time.perf_counter() - started
    return out
