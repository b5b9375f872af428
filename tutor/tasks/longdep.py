"""The long-dependency task: the label is the first token of a long sequence.

Each sequence is T one-hot tokens. Token 0 or 1 at the first step sets the label; the T - 1
steps after it are random distractor tokens (2 .. V-1). To answer, a network must carry one bit
from step 1 to step T: the gradient that teaches it to do so passes back through T - 1 steps,
which is exactly where a simple RNN's gradient vanishes and an LSTM's cell state holds.

The variations of lesson 11 read the same sequences: `layers` stacks recurrent layers (each but
the last hands its whole sequence of states to the next), `bidirectional` adds a reader that goes
from the last step to the first, and the Conv1D model slides `units` filters of `kernel_size`
steps along the sequence and keeps each filter's largest response (global max pooling).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from tutor.tasks import settings as s
from tutor.tasks.base import (
    CONVOLUTIONAL,
    RECURRENT,
    RunConfig,
    Task,
    TaskData,
    canonical_model,
    recurrent_layer,
)
from tutor.tasks.fitting import check_activations, clip
from tutor.tasks.settings import Setting, SettingError, Settings, SizeError

if TYPE_CHECKING:
    from tutor.engine import Sequential

VOCAB = 8  # tokens 0 and 1 carry the label; 2..7 are distractors
MAX_LENGTH = 5_000  # steps: the gradient of a longer sequence vanishes long before this
MAX_SEQUENCES = 1_000_000
MAX_DATA_BYTES = 2_000_000_000  # the one-hot training and validation arrays together
MAX_LAYERS = 8  # a deeper stack of recurrent layers is not something the course's runs need
MAX_KERNEL = 64


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
    kind: str = "lstm",
    units: int = 16,
    seed: int = 0,
    vocab: int = VOCAB,
    dtype: type = np.float32,
    layers: int = 1,
    bidirectional: bool = False,
    kernel_size: int = 3,
) -> Sequential:
    """`layers` recurrent layers (or convolutions and a max pool) reading the one-hot tokens, and
    a sigmoid output for the label."""
    from tutor.engine import Bidirectional, Conv1D, Dense, GlobalMaxPooling1D, Sequential
    from tutor.engine.layer import Layer

    body: list[Layer] = []
    if canonical_model(kind)[0] in CONVOLUTIONAL:
        if bidirectional:
            raise SettingError("bidirectional", "applies to recurrent layers, not to Conv1D")
        for i in range(layers):
            width = vocab if i == 0 else None
            body.append(Conv1D(units, kernel_size, padding="same", activation="relu", input_dim=width, dtype=dtype))
        body.append(GlobalMaxPooling1D(dtype=dtype))
    else:
        layer = recurrent_layer(kind)
        for i in range(layers):
            rnn = layer(units, return_sequences=i < layers - 1, input_dim=vocab if i == 0 else None, dtype=dtype)
            body.append(Bidirectional(rnn) if bidirectional else rnn)
    return Sequential([*body, Dense(1, activation="sigmoid", dtype=dtype)], seed=seed)


# -- the task -------------------------------------------------------------------------------------


class LongDependency(Task):
    """Synthetic one-hot sequences: only a memory that spans seq_len steps beats chance."""

    name = "long_dependency"
    title = "Long dependency (label = first token)"
    metric = "accuracy"
    models = (*RECURRENT, *CONVOLUTIONAL)
    settings = Settings(
        (
            s.OPTIMIZER.but(default="adam"),
            s.UNITS.but(help="Hidden units of each recurrent layer, or filters of each convolution."),
            Setting(
                "layers", int, 1, "Layers stacked: each but the last hands its whole sequence to the next.",
                "Layers", low=1, high=MAX_LAYERS,
            ),
            Setting(
                "bidirectional", bool, False, "Add a second reader that goes from the last step to the first.",
                "Bidirect.", models=frozenset(RECURRENT),
            ),
            Setting(
                "kernel_size", int, 3, "Steps each convolution filter reads at once.", "Kernel size",
                low=1, high=MAX_KERNEL, models=frozenset(CONVOLUTIONAL),
            ),
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
        # every stacked layer (and a second reader) keeps its own activations for the backward pass
        copies = int(values["layers"]) * (2 if values.get("bidirectional") else 1)
        check_activations(values, int(values["seq_len"]) * copies, VOCAB)

    def load(self, cfg: RunConfig) -> TaskData:
        seed, length = int(cfg["seed"]), int(cfg["seq_len"])
        x, y = make_data(int(cfg["n_train"]), length=length, seed=seed)
        xv, yv = make_data(int(cfg["n_val"]), length=length, seed=seed + 1)
        return TaskData(x, y, xv, yv, "accuracy", info={"vocab": VOCAB, "seq_len": length})

    def build(self, cfg: RunConfig, data: TaskData) -> Sequential:
        model = build_model(
            cfg.model,
            units=int(cfg["units"]),
            seed=int(cfg["seed"]),
            layers=int(cfg["layers"]),
            bidirectional=bool(cfg.get("bidirectional")),
            kernel_size=int(cfg.get("kernel_size") or 3),
        )
        model.compile(
            "binary_crossentropy", str(cfg["optimizer"]), ["accuracy"], lr=cfg["lr"], global_clipnorm=clip(cfg)
        )
        return model

    def label(self, cfg: Mapping[str, Any]) -> str:
        kind = f"{'bi-' if cfg.get('bidirectional') else ''}{cfg.get('model')}"
        if (cfg.get("layers") or 1) > 1:
            kind += f" ×{cfg.get('layers')}"
        if cfg.get("model") in CONVOLUTIONAL:
            kind += f" k={cfg.get('kernel_size')}"
        return f"{kind} {cfg.get('units')}u T={cfg.get('seq_len')}"
