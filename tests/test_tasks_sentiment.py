"""Training by length: trimming padding is exact for a masking model, and fit's protocol holds."""

import numpy as np
import pytest

from tutor.data import pad_sequences
from tutor.engine import LambdaCallback
from tutor.tasks.sentiment import build_sequence_model, evaluate_trimmed, fit_by_length, length_batches, trim


def _data(n=120, maxlen=30, seed=0):
    rng = np.random.default_rng(seed)
    seqs, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        words = list(rng.integers(4, 20, size=rng.integers(2, maxlen)))
        words[int(rng.integers(0, len(words)))] = 2 + label  # id 2 or 3 decides the label
        seqs.append(words)
        labels.append(label)
    return pad_sequences(seqs, maxlen), np.array(labels, np.float32)


def test_trim_keeps_every_real_word():
    x = np.array([[0, 0, 0, 5, 6], [0, 0, 7, 8, 9]])
    np.testing.assert_array_equal(trim(x), x[:, 2:])
    assert trim(np.zeros((2, 4), int)).shape == (2, 1)


def test_length_batches_cover_everything_once_with_similar_lengths():
    lengths = np.random.default_rng(0).integers(1, 500, size=1000)
    batches = length_batches(lengths, 32, np.random.default_rng(1))
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    assert spread < 0.25 * np.ptp(lengths)  # far narrower than random batches


@pytest.mark.parametrize("pool", ["last", "mean"])
def test_trimmed_evaluation_is_exact_for_a_masking_model(pool):
    x, y = _data()
    model = build_sequence_model("GRU", vocab_size=20, embed_dim=4, units=5, mask_zero=True, pool=pool)
    full = model.evaluate(x, y, return_dict=True)
    trimmed = evaluate_trimmed(model, x, y, batch_size=16)
    assert trimmed["loss"] == pytest.approx(full["loss"], rel=1e-5)
    assert trimmed["accuracy"] == pytest.approx(full["accuracy"])


def test_fit_by_length_learns_and_follows_the_fit_protocol():
    x, y = _data(n=400)
    model = build_sequence_model(
        "LSTM", vocab_size=20, embed_dim=8, units=8, mask_zero=True, pool="mean", optimizer="adam", lr=0.02
    )
    seen = []
    history = fit_by_length(
        model,
        x,
        y,
        epochs=6,
        batch_size=32,
        validation_data=_data(n=100, seed=1),
        callbacks=[LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e))],
    )
    assert seen == list(range(6)) and not history.interrupted
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.8

    def stop(batch, logs):
        raise KeyboardInterrupt

    history = fit_by_length(model, x, y, epochs=3, batch_size=32, callbacks=[LambdaCallback(on_batch_end=stop)])
    assert history.interrupted and history.epoch == []
    unmasked = build_sequence_model("GRU", vocab_size=20, embed_dim=4, units=4)
    with pytest.raises(ValueError, match="mask"):
        fit_by_length(unmasked, x, y, epochs=1, batch_size=32)
