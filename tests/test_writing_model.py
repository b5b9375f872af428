"""Lesson 14's machinery: the per-step character model (gradients in float64, perplexity), the
corpus and its task, sampling with temperature, and the bundled model against its note."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tutor.engine import GRU, LSTM, Dense, Embedding, Sequential, numerical_gradient, relative_error
from tutor.engine.metrics import Perplexity

F64 = np.float64


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_per_step_softmax_over_characters_matches_finite_differences(cls):
    """Embedding → recurrent layer (every step) → Dense(V, softmax) on 3-D input, sparse cross-entropy
    over every position: the whole model's gradient against central differences, in float64."""
    V, T, B = 7, 5, 3
    model = Sequential(
        [
            Embedding(V, 3, dtype=F64),
            cls(4, return_sequences=True, dtype=F64),
            Dense(V, activation="softmax", dtype=F64),
        ],
        seed=2,
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    rng = np.random.default_rng(3)
    ids = rng.integers(0, V, (B, T))
    y = rng.integers(0, V, (B, T))  # one target character per step

    def loss_value():
        pred = model.forward(ids)
        return model._loss(model._align(y, pred), pred, None)[0]

    pred = model.forward(ids)
    assert pred.shape == (B, T, V)
    value, dy, fused = model._loss(model._align(y, pred), pred, None)
    assert fused
    # the loss is the mean of −log p(target) over all B·T positions
    assert value == pytest.approx(-np.mean(np.log(np.take_along_axis(pred, y[..., None], -1))), rel=1e-12)
    model._backprop(dy, fused)
    for layer in model.layers:
        for key, param in layer.params.items():
            err = relative_error(layer.grads[key], numerical_gradient(loss_value, param))
            assert err < 1e-6, (layer.name, key, err)


def test_perplexity_metric_is_e_to_the_mean_cross_entropy():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((4, 6, 9))
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    y = rng.integers(0, 9, (4, 6))
    nll = -np.log(np.take_along_axis(p, y[..., None], -1)[..., 0])
    metric = Perplexity()
    assert metric.update(y[:2], p[:2]) == pytest.approx(np.exp(nll[:2].mean()))
    metric.update(y[2:], p[2:])
    # the epoch value is over every position, not a mean of the batches' perplexities
    assert metric.result() == pytest.approx(np.exp(nll.mean()))
    # one-hot targets read the same; a mask leaves padded positions out
    assert Perplexity().update(np.eye(9)[y], p) == pytest.approx(np.exp(nll.mean()))
    mask = rng.random((4, 6)) > 0.3
    assert Perplexity().update(y, p, mask) == pytest.approx(np.exp(nll[mask].mean()))
    # uniform guessing over V characters: perplexity V
    assert Perplexity().update(y, np.full((4, 6, 9), 1 / 9)) == pytest.approx(9.0)


def test_model_logs_perplexity_as_exp_of_its_loss():
    from tutor.tasks.chars import build_model, compile_model

    model = build_model("GRU", vocab=11, units=6, embed_dim=4, seed=0)
    compile_model(model)
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 11, (20, 8)), rng.integers(0, 11, (20, 8))
    logs = model.evaluate(x, y, return_dict=True)
    assert logs["perplexity"] == pytest.approx(np.exp(logs["loss"]), rel=1e-5)


# -- the corpus and the task ------------------------------------------------------------------------


def test_corpus_is_the_lessons_own_text_split_per_lesson():
    from tutor.tasks.chars import Alphabet, lesson_texts, load_corpus, windows

    texts = lesson_texts()
    corpus = load_corpus()
    assert set(corpus.files) == set(texts) and all(re.match(r"\d\d-", name) for name in corpus.files)
    assert not any(text.startswith("+++") for text in texts.values())  # front matter removed
    # every lesson's last tenth validates: no validation line was trained on
    assert 0.08 < len(corpus.val) / (len(corpus.train) + len(corpus.val)) < 0.12
    alphabet = Alphabet.build(corpus.train)
    assert alphabet.chars[0] == "\ufffd" and alphabet.decode(alphabet.encode("the state")) == "the state"
    x, y = windows(alphabet.encode("abcdefghij"), 3)
    assert x.shape == (3, 3) and (y[:, :-1] == x[:, 1:]).all() and (y[:-1, -1] == x[1:, 0]).all()


def test_chars_task_trains_and_reports_perplexity():
    from tutor.tasks.registry import get_task

    task = get_task("chars")
    cfg = task.resolve({"model": "GRU", "units": 8, "embed_dim": 4, "seq_len": 20, "epochs": 1, "n_train": 64})
    data = task.load(cfg)
    assert data.x_train.shape == (64, 20) and len(data.x_val) > 500  # the first 64 windows; all the validation text
    result = task.run(cfg, data)
    assert result.metrics["val_perplexity"] == pytest.approx(np.exp(result.metrics["val_loss"]), rel=1e-4)
    assert "perplexity" in result.history and result.trained is not None
    meta = task.metadata(cfg, data)
    assert meta["alphabet"][0] == "\ufffd" and len(meta["corpus_sha256"]) == 64 and meta["val_text"]


# -- sampling with temperature ------------------------------------------------------------------------


def test_temperature_limits():
    from tutor.writer import with_temperature

    p = np.array([0.1, 0.6, 0.3])
    assert with_temperature(p, 1.0) == pytest.approx(p)
    assert with_temperature(p, 0.0).tolist() == [0.0, 1.0, 0.0]
    assert with_temperature(p, 1e-3).tolist() == pytest.approx([0.0, 1.0, 0.0])
    assert with_temperature(p, 1e6) == pytest.approx(np.full(3, 1 / 3), rel=1e-4)
    cold = with_temperature(p, 0.5)
    assert cold == pytest.approx(p**2 / (p**2).sum())  # p^(1/τ), renormalised
    assert np.isfinite(with_temperature(np.array([1e-300, 1.0, 0.0]), 0.01)).all()
