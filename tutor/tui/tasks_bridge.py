"""The dashboard's view of the tasks: name -> data and a model builder.

Only the long-dependency task is wired up so far (from `tutor.tasks.longdep`); NYSE and IMDb
will plug in here, behind the same small interface, when the tasks layer provides them.
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

def build_classifier(config: Mapping[str, Any]) -> Any:
    """The long-dependency model (one recurrent layer, sigmoid output), compiled from `config`."""
    from tutor.tasks.longdep import build_model

    kinds = {"SimpleRNN": "rnn", "LSTM": "lstm", "GRU": "gru"}
    name = config["model"]
    if name not in kinds:
        raise TutorError(f"model {name} does not apply to this task: pick SimpleRNN, LSTM or GRU")
    model = build_model(kinds[name], units=int(config["units"]), seed=int(config.get("seed", 0)))
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
        from tutor.tasks.longdep import make_data

        seq_len, seed = int(config["seq_len"]), int(config.get("seed", 0))
        x, y = make_data(int(config.get("n_train", 1024)), seq_len, seed=seed)
        xv, yv = make_data(int(config.get("n_val", 256)), seq_len, seed=seed + 1)
        return TaskData(x, y, xv, yv, build_classifier)
    label = TASKS[task].label if task in TASKS else task
    raise TutorError(
        f"The {label} task cannot be trained in the dashboard yet: "
        "for now choose the long-dependency task."
    )
