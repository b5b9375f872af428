"""The character-level language model: predict the next character of the course's own lessons.

The corpus is the text of ``lessons/NN-slug.md`` (front matter removed), which the project wrote,
so it can ship with the tutor. Each file's last tenth is held out for validation, so every
lesson's style is in both parts and no validation text was seen in training.

A training example is a window of ``seq_len`` characters and the same window shifted by one:
the model reads c₁ … c_T and, at every step t, gives a distribution over the next character
c_{t+1}. Loss: the mean cross-entropy −log p(c_{t+1}) over all steps; perplexity = e^loss, the
number of equally likely characters the model is as unsure as.

The network is Embedding(V → embed_dim) → LSTM / GRU / SimpleRNN (every step's state) →
Dense(V, softmax) applied at every step (a per-step Dense on 3-D input).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from tutor.tasks import settings as s
from tutor.tasks.base import RunConfig, Task, TaskData, recurrent_layer
from tutor.tasks.fitting import check_activations, clip
from tutor.tasks.settings import Setting, Settings

if TYPE_CHECKING:
    from tutor.engine import Sequential

UNKNOWN = "\ufffd"  # id 0: any character seen fewer than MIN_COUNT times in training ("�")
MIN_COUNT = 3
MAX_CHARS = 200  # the alphabet: the most frequent characters, at most this many
VAL_SHARE = 0.1  # of each lesson, its end


@dataclass(frozen=True)
class Corpus:
    """The text, split: what the model trains on and what it is validated on."""

    train: str
    val: str
    files: tuple[str, ...]

    @property
    def digest(self) -> str:
        """SHA-256 of both parts: which text a model was trained on."""
        return hashlib.sha256((self.train + "\0" + self.val).encode("utf-8")).hexdigest()


def lesson_texts(folder: Path | None = None) -> dict[str, str]:
    """The course's lessons (``NN-slug.md``) as a learner reads them, by file name: the prose, then
    each exercise's title, prompt, hint, explanation and (for quizzes and experiments) solution.

    Left out: the front matter and the exercises' code (starters, solutions, checks), which would
    otherwise be a third of the text and teach the model TOML and test code rather than prose.
    """
    from tutor.course.loader import LESSON_FILE, load_lesson
    from tutor.paths import lessons_dir

    folder = lessons_dir() if folder is None else folder
    texts = {}
    for path in sorted(folder.glob("*.md")):
        if not LESSON_FILE.match(path.name):
            continue
        lesson = load_lesson(path)
        parts = [lesson.body_markdown.strip()]
        for ex in lesson.exercises:
            fields = [ex.title, ex.prompt_markdown, ex.hint, ex.explanation]
            if ex.kind != "code":
                fields.append(ex.solution)
            parts.extend(f.strip() for f in fields if f and f.strip())
        texts[path.name] = "\n\n".join(parts).replace("\r\n", "\n") + "\n"
    if not texts:
        raise FileNotFoundError(f"no lesson files (NN-slug.md) in {folder}")
    return texts


def load_corpus(folder: Path | None = None, val_share: float = VAL_SHARE) -> Corpus:
    """Every lesson's first 90% for training, its last 10% for validation (cut at a line end)."""
    train, val = [], []
    texts = lesson_texts(folder)
    for text in texts.values():
        cut = int(len(text) * (1.0 - val_share))
        newline = text.rfind("\n", 0, cut)
        cut = newline + 1 if newline > 0 else cut
        train.append(text[:cut])
        val.append(text[cut:])
    return Corpus("\n".join(train), "\n".join(val), tuple(texts))


class Alphabet:
    """Characters ↔ ids: id 0 is UNKNOWN, then the characters by falling frequency."""

    def __init__(self, chars: Sequence[str]) -> None:
        if not chars or chars[0] != UNKNOWN or len(set(chars)) != len(chars):
            raise ValueError("an alphabet starts with the unknown character and repeats none")
        self.chars = list(chars)
        self.index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def build(cls, text: str, min_count: int = MIN_COUNT, max_chars: int = MAX_CHARS) -> Alphabet:
        counts = Counter(text)
        counts.pop(UNKNOWN, None)
        common = [c for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= min_count]
        return cls([UNKNOWN, *common[: max_chars - 1]])

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        return np.fromiter((self.index.get(c, 0) for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids: Sequence[int] | np.ndarray) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def windows(ids: np.ndarray, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping windows: x = ids[k : k + T], y = ids[k + 1 : k + T + 1], k = 0, T, 2T, ..."""
    n = (len(ids) - 1) // seq_len
    if n < 1:
        raise ValueError(f"the text ({len(ids)} characters) is shorter than one window of {seq_len + 1}")
    x = ids[: n * seq_len].reshape(n, seq_len)
    y = ids[1 : n * seq_len + 1].reshape(n, seq_len)
    return x, y


def build_model(
    kind: str = "LSTM",
    vocab: int = 100,
    units: int = 128,
    embed_dim: int = 32,
    seed: int = 0,
    dtype: type = np.float32,
) -> Sequential:
    """Embedding → recurrent layer returning every step → Dense(V, softmax) at every step."""
    from tutor.engine import Dense, Embedding, Sequential

    layer = recurrent_layer(kind)
    return Sequential(
        [
            Embedding(vocab, embed_dim, dtype=dtype),
            layer(units, return_sequences=True, dtype=dtype),
            Dense(vocab, activation="softmax", dtype=dtype),
        ],
        name=f"chars_{kind.lower()}",
        seed=seed,
    )


def compile_model(model: Sequential, optimizer: str = "adam", lr: float = 0.01, clipnorm: float | None = 5.0) -> None:
    """Sparse cross-entropy over the characters, next-character accuracy and perplexity."""
    model.compile(
        "sparse_categorical_crossentropy",
        optimizer,
        ["accuracy", "perplexity"],
        lr=lr,
        global_clipnorm=clipnorm,
    )


# -- the task -------------------------------------------------------------------------------------


class Chars(Task):
    """Next-character prediction on the course's own lesson text."""

    name = "chars"
    title = "Next character (a model that writes)"
    metric = "accuracy"  # next-character accuracy; perplexity is logged beside it
    models = ("LSTM", "GRU", "SimpleRNN")
    settings = Settings(
        (
            s.OPTIMIZER.but(default="adam"),
            s.UNITS.but(default=128),
            Setting("embed_dim", int, 32, "Character vector width.", "Embed dim", low=1, high=1024),
            Setting(
                "seq_len", int, 100, "Characters per training window (how far back the gradient reaches).",
                "Seq. length", low=2, high=2_000, flag="--length",
            ),
            s.N_TRAIN.but(help="Training windows to use, from the start of the text (default: all).", unset="all"),
            s.N_VAL.but(help="Validation windows to use, from the start of the held-out text (default: all).",
                        unset="all"),
            s.LR.but(default=0.01),
            s.CLIPNORM.but(default=5.0),
            s.EPOCHS.but(default=20),
            s.BATCH_SIZE.but(default=32),
            s.SEED,
        )
    )  # fmt: skip
    notes = "the course's lesson text; each lesson's last 10% validates; val_perplexity = e^val_loss"
    command = "chars"
    command_help = (
        "A character-level language model of the course's own lesson text: next-character accuracy and "
        "perplexity on each lesson's held-out last 10%."
    )
    command_defaults = MappingProxyType({"model": "LSTM"})

    def complete(self, model: str, values: dict[str, Any]) -> None:
        check_activations(values, int(values["seq_len"]), int(values["embed_dim"]))

    def load(self, cfg: RunConfig) -> TaskData:
        corpus = load_corpus()
        alphabet = Alphabet.build(corpus.train)
        T = int(cfg["seq_len"])
        x, y = windows(alphabet.encode(corpus.train), T)
        if cfg["n_train"] is not None:
            x, y = x[: int(cfg["n_train"])], y[: int(cfg["n_train"])]
        xv, yv = windows(alphabet.encode(corpus.val), T)
        if cfg["n_val"] is not None:
            xv, yv = xv[: int(cfg["n_val"])], yv[: int(cfg["n_val"])]
        info = {"alphabet": alphabet, "corpus": corpus, "vocab": len(alphabet)}
        return TaskData(x, y, xv, yv, "accuracy", info=info)

    def build(self, cfg: RunConfig, data: TaskData) -> Sequential:
        model = build_model(
            cfg.model,
            vocab=int(data.info["vocab"]),
            units=int(cfg["units"]),
            embed_dim=int(cfg["embed_dim"]),
            seed=int(cfg["seed"]),
        )
        compile_model(model, str(cfg["optimizer"]), float(cfg["lr"]), clip(cfg))
        return model

    def metadata(self, cfg: RunConfig, data: TaskData) -> dict[str, Any]:
        corpus: Corpus = data.info["corpus"]
        alphabet: Alphabet = data.info["alphabet"]
        return {
            **super().metadata(cfg, data),
            "alphabet": alphabet.chars,
            "corpus_sha256": corpus.digest,
            "corpus_files": list(corpus.files),
            # the held-out text itself (about 17,000 characters), so the model's validation figure
            # can be re-measured after the lessons change
            "val_text": corpus.val,
        }

    def label(self, cfg: Mapping[str, Any]) -> str:
        return f"{cfg.get('model')} {cfg.get('units')}u T={cfg.get('seq_len')}"
