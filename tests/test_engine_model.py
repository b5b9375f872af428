"""Sequential: parameter counts, learning, saving, callbacks, masking and bad input."""

import subprocess
import sys

import numpy as np
import pytest

from tutor.engine import (
    GRU,
    LSTM,
    SGD,
    Callback,
    Dense,
    Dropout,
    Embedding,
    ModelCheckpoint,
    Sequential,
    SimpleRNN,
    clip_by_global_norm,
)
from tutor.tasks import longdep


def test_keras_parameter_table_from_the_course():
    model = Sequential([Embedding(10000, 128), LSTM(128), Dense(1, activation="sigmoid")])
    assert [layer.count_params() for layer in model.layers] == [1_280_000, 131_584, 129]
    assert model.count_params() == 1_411_713
    text = model.summary(print_fn=None)
    assert "embedding (Embedding)" in text and "(None, None, 128)" in text
    assert "131,584" in text and "Total params: 1,411,713" in text


def test_parameter_counts_follow_the_formulas():
    D, H = 7, 5
    assert SimpleRNN(H, input_dim=D).count_params() == H * (D + H) + H
    assert LSTM(H, input_dim=D).count_params() == 4 * (H * (D + H) + H)
    assert GRU(H, input_dim=D).count_params() == 3 * (H * (D + H) + 2 * H)  # Keras 3: two bias rows
    assert LSTM(H, input_dim=D).params["W"].shape == (D, 4 * H)


def test_lstm_forget_bias_starts_at_one():
    b = LSTM(3, input_dim=2).params["b"]
    np.testing.assert_array_equal(b, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])


def _fit_longdep(kind):
    x, y = longdep.make_data(2000, length=50, seed=0)
    xv, yv = longdep.make_data(500, length=50, seed=1)
    model = longdep.build_model(kind, units=16, seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam", lr=0.003, metrics=["accuracy"])
    return model.fit(x, y, epochs=4, batch_size=32, validation_data=(xv, yv), seed=0)


def test_lstm_solves_the_long_dependency_task_that_a_simple_rnn_fails():
    lstm, rnn = _fit_longdep("lstm"), _fit_longdep("rnn")
    assert lstm.history["val_accuracy"][-1] > 0.95
    assert rnn.history["val_accuracy"][-1] < 0.65  # chance is 0.5


def test_simple_rnn_gradient_vanishes_much_faster_than_the_lstm_gradient():
    x, y = longdep.make_data(256, length=50, seed=0)
    ratios = {}
    for kind in ("rnn", "lstm"):
        model = longdep.build_model(kind, units=16, seed=0)
        model.compile(loss="binary_crossentropy", optimizer="adam")
        norms = model.train_on_batch(x, y)["step_grad_norms"][model.layers[0].name]
        assert norms.shape == (50,)
        ratios[kind] = norms[0] / norms[-1]  # gradient reaching step 1 vs the last step
    assert ratios["rnn"] < 1e-3
    assert ratios["lstm"] > 10 * ratios["rnn"]


def test_fit_is_reproducible_from_seeds():
    a, b = _small_fit(), _small_fit()
    assert a.history == b.history


def _small_fit(epochs=2, callbacks=None, **kw):
    x, y = longdep.make_data(96, length=8, seed=0)
    model = Sequential([GRU(6, input_dim=8), Dropout(0.2), Dense(1, activation="sigmoid")], seed=3)
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=32, validation_data=(x, y), seed=1, callbacks=callbacks, **kw)
    history.model = model
    return history


def test_history_and_callback_logs():
    seen = []

    class Spy(Callback):
        def on_batch_end(self, batch, logs):
            seen.append(logs)

    history = _small_fit(callbacks=[Spy()])
    assert len(seen) == 2 * 3  # 96 samples in batches of 32, two epochs
    assert {"loss", "accuracy", "grad_norm", "step_grad_norms"} <= set(seen[0])
    assert seen[0]["step_grad_norms"]["gru"].shape == (8,)
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy", "grad_norm"}
    assert len(history.step_grad_norms["gru"]) == 2


def test_a_callback_stops_training_within_one_batch():
    batches = []

    class Stop(Callback):
        def on_batch_end(self, batch, logs):
            batches.append(batch)
            self.model.stop_training = True

    history = _small_fit(epochs=5, callbacks=[Stop()])
    assert batches == [0] and len(history.epoch) == 1


def test_keyboard_interrupt_ends_fit_cleanly():
    class Interrupt(Callback):
        def on_batch_end(self, batch, logs):
            if batch == 1:
                raise KeyboardInterrupt

    history = _small_fit(epochs=3, callbacks=[Interrupt()])
    assert history.interrupted


def test_divergence_stops_training():
    x = np.random.default_rng(0).standard_normal((64, 5, 2)).astype(np.float32)
    y = np.random.default_rng(1).standard_normal(64).astype(np.float32) * 1e3
    model = Sequential([SimpleRNN(8, input_dim=2, activation="relu"), Dense(1)])
    model.compile(loss="mse", optimizer=SGD(lr=10.0))
    with np.errstate(all="ignore"):
        history = model.fit(x, y, epochs=20, batch_size=16)
    assert history.diverged and len(history.epoch) < 20


def test_save_and_load_round_trip_exactly(tmp_path):
    history = _small_fit()
    model = history.model
    path = model.save(tmp_path / "m.npz", metadata={"vocab": ["<pad>", "<unk>", "good"]})
    loaded = Sequential.load(path)
    x, _ = longdep.make_data(10, length=8, seed=5)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.metadata == {"vocab": ["<pad>", "<unk>", "good"]}
    assert loaded.get_config() == model.get_config()
    assert not list(tmp_path.glob(".*tmp"))  # the atomic write leaves no temporary file


def test_load_rejects_pickles_and_garbage_with_a_clear_message(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable rnn-tutor model"):
        Sequential.load(bad)
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="not a readable rnn-tutor model"):
        Sequential.load(tmp_path / "other.npz")
    obj = tmp_path / "obj.npz"
    np.savez(obj, __config__=np.array([{"format": "x"}], dtype=object))
    with pytest.raises(ValueError):
        Sequential.load(obj)
    with pytest.raises(ValueError, match="no model file"):
        Sequential.load(tmp_path / "missing.npz")


def test_load_refuses_another_format_version(tmp_path):
    import json

    model = _small_fit(epochs=1).model
    path = model.save(tmp_path / "m.npz")
    with np.load(path) as data:
        arrays = dict(data)
    config = json.loads(str(arrays["__config__"]))
    config["format_version"] = 99
    arrays["__config__"] = np.array(json.dumps(config))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="format 99"):
        Sequential.load(path)


def test_checkpoint_keeps_the_best_model(tmp_path):
    path = tmp_path / "best.npz"
    cb = ModelCheckpoint(path, monitor="val_accuracy")
    _small_fit(epochs=3, callbacks=[cb])
    assert path.is_file() and cb.saved_epoch is not None


def test_mask_keeps_padded_steps_from_changing_the_state():
    for cls in (SimpleRNN, LSTM, GRU):
        model = Sequential([Embedding(20, 4, mask_zero=True), cls(5), Dense(1)], seed=0)
        ids = np.array([[3, 7, 9, 2]])
        padded = np.array([[0, 0, 0, 3, 7, 9, 2]])
        np.testing.assert_allclose(model.predict(padded), model.predict(ids), rtol=1e-6)


def test_predict_is_batched_and_predict_steps_ends_at_predict():
    model = Sequential([Embedding(30, 4), LSTM(6), Dense(1, activation="sigmoid")], seed=0)
    ids = np.random.default_rng(0).integers(0, 30, (70, 9))
    np.testing.assert_allclose(model.predict(ids, batch_size=16), model.predict(ids, batch_size=100), rtol=1e-6)
    steps = model.predict_steps(ids)
    assert steps.shape == (70, 9, 1)
    np.testing.assert_allclose(steps[:, -1], model.predict(ids), rtol=1e-6)
    assert model.layers[1].return_sequences is False


def test_float64_end_to_end():
    x, y = longdep.make_data(64, length=6, seed=0)
    model = longdep.build_model("lstm", units=4, dtype=np.float64)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    model.fit(x, y, epochs=1, batch_size=16)
    assert model.predict(x).dtype == np.float64
    assert all(p.dtype == np.float64 for layer in model.layers for p in layer.params.values())


def test_global_norm_clipping():
    grads = [np.array([3.0, 0.0]), np.array([[4.0]])]
    assert clip_by_global_norm(grads, 1.0) == pytest.approx(5.0)
    assert np.sqrt(sum((g**2).sum() for g in grads)) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: LSTM(4, input_dim=3).forward(np.zeros((2, 3))), "3-D"),
        (lambda: LSTM(4, input_dim=3).forward(np.zeros((2, 5, 4))), "width 3"),
        (lambda: LSTM(4, input_dim=3).forward(np.full((1, 2, 3), np.nan)), "NaN"),
        (lambda: Embedding(10, 2).forward(np.array([[1, 10]])), r"\[0, 10\)"),
        (lambda: Embedding(10, 2).forward(np.array([[-1, 2]])), r"\[0, 10\)"),
        (lambda: Dense(2, activation="swish"), "unknown activation"),
        (lambda: SimpleRNN(2, activation="sigmoid"), "unknown activation"),
        (lambda: Sequential([Dense(1, input_dim=2)]).compile(loss="hinge"), "unknown loss"),
        (lambda: Sequential([Dense(1, input_dim=2)]).compile(optimizer="lbfgs"), "unknown optimizer"),
        (lambda: Dropout(1.5), "rate"),
    ],
)
def test_bad_input_raises_value_error_saying_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_mismatched_batch_sizes_are_refused():
    model = Sequential([Dense(1, input_dim=2)])
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match="x has 4 samples but y has 3"):
        model.fit(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        model.fit(np.zeros((2, 2)), np.array([1.0, np.nan]))


ENGINE_IMPORTS = """
import sys, sysconfig
before = set(sys.modules)
import tutor.engine
site = sysconfig.get_paths()["purelib"]
third_party = set()
for name in set(sys.modules) - before:
    path = getattr(sys.modules[name], "__file__", None) or ""
    if path.startswith(site):
        third_party.add(path[len(site):].lstrip("/").split("/")[0])
bad = sorted(p for p in third_party if not p.startswith(("numpy", "scipy")))
ours = sorted(m for m in sys.modules if m.startswith("tutor.") and not m.startswith("tutor.engine"))
assert not bad and not ours, (bad, ours)
"""


def test_engine_imports_numpy_and_scipy_only():
    subprocess.run([sys.executable, "-c", ENGINE_IMPORTS], check=True)


def test_predict_steps_through_mean_pooling_equals_predicting_each_prefix():
    from tutor.engine import GlobalAveragePooling1D

    model = Sequential(
        [Embedding(20, 4, mask_zero=True), LSTM(5, return_sequences=True), GlobalAveragePooling1D(), Dense(1)], seed=2
    )
    ids = np.array([[0, 0, 4, 9, 13, 2]])
    steps = model.predict_steps(ids)
    for t in range(3, 7):
        np.testing.assert_allclose(steps[0, t - 1], model.predict(ids[:, :t])[0], rtol=1e-5)


def test_bidirectional_model_saves_and_loads(tmp_path):
    from tutor.engine import Bidirectional

    layers = [Embedding(20, 4, mask_zero=True), Bidirectional(GRU(5)), Dense(1, activation="sigmoid")]
    model = Sequential(layers, seed=4)
    assert model.layers[1].count_params() == 2 * 3 * (5 * (4 + 5) + 2 * 5)
    ids = np.random.default_rng(0).integers(0, 20, (6, 7))
    loaded = Sequential.load(model.save(tmp_path / "bi.npz"))
    np.testing.assert_array_equal(loaded.predict(ids), model.predict(ids))
    with pytest.raises(ValueError, match="forwards only"):
        model.predict_steps(ids)


def test_fit_takes_custom_batches_and_a_validation_function():
    x, y = longdep.make_data(64, length=10, seed=0)
    model = longdep.build_model("gru", units=4, seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

    def batches(rng):  # two batches of different lengths: the first drops 4 leading steps
        order = rng.permutation(64)
        return [(x[order[:32], 4:], y[order[:32]]), (x[order[32:]], y[order[32:]])]

    calls = []

    def validate():
        calls.append(1)
        return model.evaluate(x, y, return_dict=True)

    history = model.fit(x, y, epochs=2, batches=batches, validation_data=validate, seed=0)
    assert len(calls) == 2 and "val_accuracy" in history.history
    norms = history.step_grad_norms["gru"][-1]
    assert norms.shape == (10,) and np.isfinite(norms).all()  # aligned at the last step


def test_convolutional_model_saves_and_loads(tmp_path):
    from tutor.engine import Conv1D, GlobalMaxPooling1D

    layers = [
        Embedding(20, 4),
        Conv1D(6, 3, padding="same", activation="relu"),
        Conv1D(5, 2, strides=2, dilation_rate=1),
        GlobalMaxPooling1D(),
        Dense(1, activation="sigmoid"),
    ]
    model = Sequential(layers, seed=4)
    assert model.layers[1].count_params() == 3 * 4 * 6 + 6
    assert model.layers[2].count_params() == 2 * 6 * 5 + 5
    ids = np.random.default_rng(0).integers(0, 20, (6, 9))
    loaded = Sequential.load(model.save(tmp_path / "conv.npz"))
    np.testing.assert_array_equal(loaded.predict(ids), model.predict(ids))
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in layers]


def test_conv1d_refuses_what_it_cannot_compute():
    from tutor.engine import Conv1D

    with pytest.raises(ValueError, match="padding must be one of"):
        Conv1D(2, 3, padding="full")
    with pytest.raises(ValueError, match="shorter than one window"):
        Conv1D(2, 5, input_dim=1).forward(np.zeros((1, 4, 1)))
    with pytest.raises(ValueError, match="kernel_size must be"):
        Conv1D(2, 0)
    with pytest.raises(ValueError, match="expected 3 input channels"):
        Conv1D(2, 2, input_dim=3).forward(np.zeros((1, 4, 2)))
