"""The numbers lessons 7-11 quote, recomputed: each test names the lesson and the figure.

Figures from the sources (ISLR2's accuracies and R^2) are quoted as such and not tested here;
every figure the tutor computes is. Real-data parts skip when ../shared/data is absent.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from tutor import paths
from tutor.course.goals import NAMED_GOALS
from tutor.tasks import longdep

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
IMDB_TRAIN = SHARED_DATA / "aclImdb_train.tar.gz"


def _lesson_text(number: int) -> str:
    (path,) = paths.lessons_dir().glob(f"{number:02d}-*.md")
    return path.read_text(encoding="utf-8")


def _exercise_config(number: int, exercise_id: str) -> dict:
    from tutor.course import load_lessons

    for lesson in load_lessons():
        if lesson.number == number:
            for ex in lesson.exercises:
                if ex.id == exercise_id:
                    return dict(ex.config)
    raise AssertionError(f"lesson {number} has no exercise {exercise_id}")


# -- lesson 7: vanishing and exploding gradients ----------------------------------------------


def test_l7_powers_of_a_per_step_factor():
    assert 0.8**49 == pytest.approx(0.000018, rel=0.02)
    assert 1.2**49 == pytest.approx(7600, rel=0.01)
    assert 0.84**49 == pytest.approx(0.0002, rel=0.05)
    assert 0.00016 ** (1 / 49) == pytest.approx(0.84, abs=0.005)


def _init_ratio(kind: str, length: int) -> float:
    x, y = longdep.make_data(256, length, seed=0)
    model = longdep.build_model(kind, units=16, seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    norms = model.train_on_batch(x, y)["step_grad_norms"][model.layers[0].name]
    return float(norms[0] / norms[-1])


@pytest.mark.parametrize(
    ("length", "rnn", "lstm"),
    [(10, 0.21, 0.095), (20, 0.034, 0.056), (50, 0.00016, 0.017), (100, 2.2e-08, 0.0018)],
)
def test_l7_table_of_first_to_last_gradient_ratios_at_initialisation(length, rnn, lstm):
    assert _init_ratio("rnn", length) == pytest.approx(rnn, rel=0.1)
    assert _init_ratio("lstm", length) == pytest.approx(lstm, rel=0.1)
    assert f"{length:>5}" in _lesson_text(7)


def _run_preset(config: dict) -> tuple[dict, dict]:
    """The dashboard's run of a long-dependency preset (same data, seeds and fit call)."""
    n, nv, seq, seed = config["n_train"], config["n_val"], config["seq_len"], config["seed"]
    x, y = longdep.make_data(n, seq, seed=seed)
    xv, yv = longdep.make_data(nv, seq, seed=seed + 1)
    kind = {"SimpleRNN": "rnn", "LSTM": "lstm"}[config["model"]]
    model = longdep.build_model(kind, units=config["units"], seed=seed)
    clip = config.get("clipnorm") or None  # 0 means no clipping
    model.compile(
        loss="binary_crossentropy", optimizer=config["optimizer"], lr=config["lr"], clipnorm=clip, metrics=["accuracy"]
    )
    history = model.fit(
        x, y, epochs=config["epochs"], batch_size=config["batch_size"], validation_data=(xv, yv), seed=seed
    )
    logs = dict(history.history)
    logs["step_grad_norms"] = [row.tolist() for row in history.step_grad_norms[model.layers[0].name]]
    return logs, history.history


@pytest.mark.parametrize(
    ("seq_len", "ratio", "vanishes"),
    [(10, 0.38, False), (20, 0.044, False), (25, 0.013, False), (30, 0.007, True), (50, 0.00014, True), (100, 1.6e-8, True)],
)
def test_l7_watch_it_vanish_preset_by_length(seq_len, ratio, vanishes):
    config = _exercise_config(7, "watch-it-vanish")
    assert config["seq_len"] == 10 and config["model"] == "SimpleRNN"
    config["seq_len"] = seq_len
    logs, _ = _run_preset(config)
    row = logs["step_grad_norms"][-1]
    assert row[0] / row[-1] == pytest.approx(ratio, rel=0.1)
    assert NAMED_GOALS["gradient_vanishes"](logs).passed is vanishes


def test_l7_lstm_preset_meets_its_goal_and_the_rnn_stays_at_chance():
    config = _exercise_config(7, "lstm-remembers")
    _, lstm = _run_preset(config)
    assert lstm["val_accuracy"][0] >= 0.95 and lstm["val_accuracy"][-1] >= 0.95
    _, rnn = _run_preset({**config, "model": "SimpleRNN"})
    assert max(rnn["val_accuracy"]) < 0.6


# -- lesson 8: long short-term memory ---------------------------------------------------------


def test_l8_keras_table_and_formulas():
    from tutor.engine import GRU, LSTM, Dense, Embedding, Sequential, SimpleRNN

    model = Sequential([Embedding(10000, 128), LSTM(128), Dense(1, activation="sigmoid")])
    assert [layer.count_params() for layer in model.layers] == [1_280_000, 131_584, 129]
    assert model.count_params() == 1_411_713
    assert 4 * (128 * (128 + 128) + 128) == 4 * 32_896 == 131_584
    E, H = 6, 4
    assert LSTM(H, input_dim=E).count_params() == 4 * (H * (E + H) + H)
    assert GRU(H, input_dim=E).count_params() == 3 * (H * (E + H) + H)
    assert SimpleRNN(H, input_dim=E).count_params() == H * (E + H) + H
    text = _lesson_text(8)
    for figure in ("1,280,000", "131,584", "129", "1,411,713"):
        assert figure in text


def test_l8_forget_bias_and_the_hand_worked_step():
    from tutor.engine import LSTM

    assert 1 / (1 + math.exp(-1)) == pytest.approx(0.73, abs=0.005)
    layer = LSTM(3, input_dim=2)
    assert layer.params["b"][3:6].tolist() == [1.0, 1.0, 1.0]  # the f block, second of i, f, c~, o
    assert 0.5 * math.tanh(0.5 * 2.0) == pytest.approx(0.3807970779778823)
