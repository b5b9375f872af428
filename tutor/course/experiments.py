"""The vocabulary of experiment configs: which tasks, models and settings a lesson may preset.

The TUI's training dashboard turns a config into a real run; this module only says what a valid
config looks like, so a typo in a lesson file fails the lesson-file test instead of a learner's run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TASKS: tuple[str, ...] = (
    "long_dependency",  # synthetic: the label is the first token of a long sequence (lesson 7)
    "imdb",  # IMDb reviews as token sequences (lesson 9)
    "imdb_bow",  # IMDb reviews as bag-of-words rows (lesson 2)
    "nyse",  # NYSE log volume from the bundled series (lesson 10)
)
MODELS: tuple[str, ...] = (
    "SimpleRNN",
    "LSTM",
    "GRU",
    "lasso",  # L1 logistic / linear regression baseline
    "mlp",  # dense network on flat features (bag of words, flattened lags)
    "ar",  # linear autoregression on the lags
    "naive",  # yesterday's value as the forecast (lesson 10's baseline)
)
OPTIMIZERS: tuple[str, ...] = ("sgd", "adam", "rmsprop")

# key -> (type, lower bound, whether the bound is inclusive); bool is never accepted as a number
_NUMERIC: dict[str, tuple[type, float, bool]] = {
    "units": (int, 1, True),
    "seq_len": (int, 1, True),
    "epochs": (int, 1, True),
    "batch_size": (int, 1, True),
    "lag": (int, 1, True),
    "embed_dim": (int, 1, True),
    "vocab_size": (int, 2, True),
    "n_train": (int, 1, True),
    "n_val": (int, 1, True),
    "seed": (int, 0, True),
    "lr": (float, 0.0, False),
    "clipnorm": (float, 0.0, True),  # 0 means no clipping
    "dropout": (float, 0.0, True),
}
_CHOICES: dict[str, tuple[str, ...]] = {"task": TASKS, "model": MODELS, "optimizer": OPTIMIZERS}
_FLAGS = {"day_of_week"}  # booleans
CONFIG_KEYS: frozenset[str] = frozenset(_NUMERIC) | frozenset(_CHOICES) | frozenset(_FLAGS)


def validate_config(config: Mapping[str, Any]) -> None:
    """Raise ValueError on a missing task/model, an unknown key, or a value of the wrong kind."""
    for key in ("task", "model"):
        if key not in config:
            raise ValueError(f"needs '{key}'")
    unknown = sorted(set(config) - CONFIG_KEYS)
    if unknown:
        raise ValueError(f"unknown key(s) {unknown}; allowed: {sorted(CONFIG_KEYS)}")
    for key, value in config.items():
        if key in _CHOICES:
            if value not in _CHOICES[key]:
                raise ValueError(f"{key} {value!r} is not one of {list(_CHOICES[key])}")
        elif key in _FLAGS:
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false")
        else:
            kind, low, inclusive = _NUMERIC[key]
            ok_type = (int,) if kind is int else (int, float)
            if isinstance(value, bool) or not isinstance(value, ok_type):
                raise ValueError(f"{key} must be {'an integer' if kind is int else 'a number'}")
            if value < low or (value == low and not inclusive):
                raise ValueError(f"{key} must be {'>=' if inclusive else '>'} {low}")
    if config.get("dropout", 0.0) >= 1:
        raise ValueError("dropout must be below 1")
