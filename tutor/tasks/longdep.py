"""The long-dependency task: the label is the first token of a long sequence.

Each sequence is T one-hot tokens. Token 0 or 1 at the first step sets the label; the T - 1
steps after it are random distractor tokens (2 .. V-1). To answer, a network must carry one bit
from step 1 to step T: the gradient that teaches it to do so passes back through T - 1 steps,
which is exactly where a simple RNN's gradient vanishes and an LSTM's cell state holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from tutor.tasks import settings as s
from tutor.tasks.base import RECURRENT, Progress, RunConfig, RunResult, Task, TaskData, recurrent_layer
from tutor.tasks.fitting import check_activations, clip, train_and_score
from tutor.tasks.settings import Setting, Settings, SizeError

if TYPE_CHECKING:
    from tutor.engine import Callback, Sequential

VOCAB = 8  # tokens 0 and 1 carry the label; 2..7 are distractors
MAX_LENGTH = 5_000  # steps: the gradient of a longer sequence vanishes long before this
MAX_SEQUENCES = 1_000_000
MAX_DATA_BYTES = 2_000_000_000  # the one-hot training and validation arrays together


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


def build_model(
    kind: str = "lstm", units: int = 16, seed: int = 0, vocab: int = VOCAB, dtype: type = np.float32
) -> Sequential:
    """One recurrent layer reading the one-hot tokens, and a sigmoid output for the label."""
    from tutor.engine import Dense, Sequential

    layer = recurrent_layer(kind)
    return Sequential(
        [layer(units, input_dim=vocab, dtype=dtype), Dense(1, activation="sigmoid", dtype=dtype)],
        seed=seed,
    )


# -- the task -------------------------------------------------------------------------------------


class LongDependency(Task):
    """Synthetic one-hot sequences: only a memory that spans seq_len steps beats chance."""

    name = "long_dependency"
    title = "Long dependency (the label is the first token)"
    metric = "accuracy"
    models = RECURRENT
    settings = Settings(
        (
            s.OPTIMIZER.but(default="adam"),
            s.UNITS,
            Setting(
                "seq_len", int, 20, "Sequence length: how far back the label lies.", "Seq. length",
                low=2, high=MAX_LENGTH, flag="--length",
            ),
            s.N_TRAIN.but(default=1024, help="Training sequences.", high=MAX_SEQUENCES),
            s.N_VAL.but(
                help="Validation sequences (default: a quarter of the training ones, at least 64).", high=MAX_SEQUENCES,
                unset="¼ of train",
            ),
            s.LR.but(default=0.01),
            s.CLIPNORM,
            s.EPOCHS,
            s.BATCH_SIZE,
            s.SEED,
        )
    )  # fmt: skip
    notes = "synthetic one-hot sequences; only a memory that spans seq_len steps beats chance"
    command = "longdep"
    command_help = "The long-dependency toy task: the label is the first token of the sequence."
    # the command reproduces lesson 9's LSTM on length 50 (the dashboard starts smaller)
    command_defaults = MappingProxyType({"model": "LSTM", "seq_len": 50, "n_train": 2000})

    def complete(self, model: str, values: dict[str, Any]) -> None:
        if values.get("n_val") is None:
            values["n_val"] = max(64, int(values["n_train"]) // 4)
        sequences, length = int(values["n_train"]) + int(values["n_val"]), int(values["seq_len"])
        size = sequences * length * VOCAB * 4  # one-hot float32
        if size > MAX_DATA_BYTES:
            raise SizeError(
                "seq_len",
                f"{sequences:,} sequences of {length:,} steps would take {size / 1e9:.1f} GB as one-hot data "
                f"(at most {MAX_DATA_BYTES / 1e9:.0f} GB): use fewer or shorter sequences",
            )
        check_activations(values, int(values["seq_len"]), VOCAB)

    def load(self, cfg: RunConfig) -> TaskData:
        seed, length = int(cfg["seed"]), int(cfg["seq_len"])
        x, y = make_data(int(cfg["n_train"]), length=length, seed=seed)
        xv, yv = make_data(int(cfg["n_val"]), length=length, seed=seed + 1)
        return TaskData(x, y, xv, yv, "accuracy", info={"vocab": VOCAB, "seq_len": length})

    def build(self, cfg: RunConfig, data: TaskData) -> Sequential:
        model = build_model(cfg.model, units=int(cfg["units"]), seed=int(cfg["seed"]))
        model.compile(
            "binary_crossentropy", str(cfg["optimizer"]), ["accuracy"], lr=cfg["lr"], global_clipnorm=clip(cfg)
        )
        return model

    def run(
        self,
        cfg: RunConfig,
        data: TaskData,
        callbacks: Sequence[Callback] = (),
        progress: Progress | None = None,
    ) -> RunResult:
        return train_and_score(cfg, data, self.build(cfg, data), callbacks, progress)

    def label(self, cfg: Mapping[str, Any]) -> str:
        return f"{cfg.get('model')} {cfg.get('units')}u T={cfg.get('seq_len')}"
