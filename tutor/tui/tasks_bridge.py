"""The dashboard's view of the tasks: name -> data and a model builder.

Only the long-dependency toy task lives here for now; the tasks layer (`tutor/tasks/`) will
provide every task behind the same small interface, and this module will then just point at it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from tutor.errors import TutorError

RECURRENT_MODELS = ("SimpleRNN", "LSTM", "GRU")

# Settings a run starts from; a lesson's preset or the learner's form overrides them.
DEFAULTS: dict[str, Any] = {
    "task": "long_dependency",
    "model": "SimpleRNN",
    "units": 16,
    "seq_len": 20,
    "lr": 0.01,
    "optimizer": "adam",
    "clipnorm": 0.0,
    "epochs": 10,
    "batch_size": 64,
    "n_train": 1024,
    "n_val": 256,
    "seed": 0,
}


@dataclass
class TaskData:
    """Training and validation arrays plus how to build a compiled model for them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    build_model: Callable[[Mapping[str, Any]], Any]
    metric: str = "accuracy"  # the epoch log key the dashboard plots beside the loss


@dataclass(frozen=True)
class TaskInfo:
    """A task the dashboard offers: its name, label, and which models apply."""

    name: str
    label: str
    models: tuple[str, ...]


TASKS: dict[str, TaskInfo] = {
    "long_dependency": TaskInfo(
        "long_dependency", "Long dependency (label = first token)", RECURRENT_MODELS
    ),
    "nyse": TaskInfo("nyse", "NYSE trading volume", RECURRENT_MODELS),
    "imdb": TaskInfo("imdb", "IMDb review sentiment", RECURRENT_MODELS),
}

TOY_VOCAB = 8  # symbols 0..7; the label is whether the first one is 0 or 1


def long_dependency_data(
    seq_len: int, n: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """One-hot sequences (n, seq_len, TOY_VOCAB) whose label is their first token (0 or 1).

    Every later token is random noise from the whole vocabulary, so only a model that carries
    the first step's information across all `seq_len` steps can beat chance.
    """
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, TOY_VOCAB, size=(n, seq_len))
    labels = rng.integers(0, 2, size=n)
    tokens[:, 0] = labels
    x = np.eye(TOY_VOCAB, dtype=np.float64)[tokens]
    return x, labels.astype(np.float64).reshape(n, 1)


def build_classifier(config: Mapping[str, Any], input_dim: int) -> Any:
    """A compiled recurrent layer + sigmoid output for binary labels."""
    from tutor.engine import GRU, LSTM, Dense, Sequential, SimpleRNN

    layers = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}
    name = config["model"]
    if name not in layers:
        raise TutorError(f"model {name} does not apply to this task: pick SimpleRNN, LSTM or GRU")
    model = Sequential(
        [layers[name](int(config["units"]), input_dim=input_dim), Dense(1, activation="sigmoid")],
        seed=int(config.get("seed", 0)),
    )
    clip = float(config.get("clipnorm") or 0.0)
    model.compile(
        loss="binary_crossentropy",
        optimizer=str(config["optimizer"]),
        lr=float(config["lr"]),
        clipnorm=clip if clip > 0 else None,  # 0 in a form or lesson means "no clipping"
        metrics=["accuracy"],
    )
    return model


def load_task(config: Mapping[str, Any]) -> TaskData:
    """Data and model builder for `config["task"]`; TutorError says what to do otherwise."""
    task = config["task"]
    if task == "long_dependency":
        seq_len, seed = int(config["seq_len"]), int(config.get("seed", 0))
        x, y = long_dependency_data(seq_len, int(config.get("n_train", 1024)), seed)
        xv, yv = long_dependency_data(seq_len, int(config.get("n_val", 256)), seed + 1)
        return TaskData(x, y, xv, yv, lambda cfg: build_classifier(cfg, TOY_VOCAB))
    if task in TASKS:
        raise TutorError(
            f"The {TASKS[task].label} task is not available in the dashboard yet: "
            "choose the long-dependency task."
        )
    raise TutorError(f"Unknown task {task!r}.")
