"""What a Keras user types works in the engine, with Keras 3's meaning (no Keras needed here;
tests/test_engine_keras.py checks the same against Keras itself when it is installed)."""

import numpy as np
import pytest

from tutor.engine import (
    GRU,
    LSTM,
    SGD,
    Adam,
    Attention,
    Bidirectional,
    Concatenate,
    Constant,
    Dense,
    Embedding,
    History,
    Input,
    Model,
    RMSprop,
    Sequential,
    SimpleRNN,
    gradcheck,
    load_model,
)
from tutor.engine.recurrent import Recurrent
from tutor.tasks import longdep

F64 = np.float64
TOL = 1e-6


def assert_close(errors):
    assert errors, "nothing was checked"
    assert max(errors.values()) < TOL, errors


# -- semantics ---------------------------------------------------------------------------------


def test_gru_has_keras_two_bias_rows():
    layer = GRU(32, input_dim=32)
    assert layer.params["b"].shape == (2, 96)
    assert layer.count_params() == 6_336 == 3 * (32 * (32 + 32) + 2 * 32)
    with pytest.raises(ValueError, match="reset_after=True"):
        GRU(4, reset_after=False)


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_a_masked_step_repeats_the_last_valid_output(cls):
    layer = cls(3, input_dim=2, return_sequences=True, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 5, 2)).astype(np.float32)
    mask = np.array([[0, 0, 1, 1, 1], [1, 1, 0, 1, 0]], bool)  # front padding; a gap and end padding
    y = layer.forward(x, mask=mask)
    np.testing.assert_array_equal(y[0, :2], 0.0)  # before the first real step: h_0
    np.testing.assert_array_equal(y[1, 2], y[1, 1])
    np.testing.assert_array_equal(y[1, 4], y[1, 3])
    last = cls(3, input_dim=2, seed=0).forward(x, mask=mask)
    np.testing.assert_array_equal(last, y[:, -1])  # the last output is the last valid one


def test_bidirectional_outputs_zero_at_padded_steps_as_keras_does():
    layer = Bidirectional(LSTM(3, input_dim=2, return_sequences=True), seed=0)
    x = np.random.default_rng(1).standard_normal((1, 4, 2))
    y = layer.forward(x, mask=np.array([[0, 1, 1, 0]], bool))
    np.testing.assert_array_equal(y[0, [0, 3]], 0.0)
    assert np.all(y[0, [1, 2]] != 0.0)


def test_rmsprop_divides_by_the_root_of_s_plus_epsilon():
    p, g = np.array([1.0]), np.array([1e-5])
    RMSprop(learning_rate=0.1).apply([p], [g.copy()])
    s = 0.1 * 1e-10
    assert p[0] == pytest.approx(1.0 - 0.1 * 1e-5 / np.sqrt(s + 1e-7), rel=1e-12)
    # (PyTorch's √s + ε would have stepped about 3x further here)
    assert 1.0 - 0.1 * 1e-5 / (np.sqrt(s) + 1e-7) < p[0] - 0.05


def test_clipnorm_clips_each_array_and_global_clipnorm_all_together():
    def step(**clip):
        params = [np.zeros(2), np.zeros(1)]
        grads = [np.array([3.0, 4.0]), np.array([0.5])]  # norms 5 and 0.5; global √25.25
        norm = SGD(learning_rate=1.0, **clip).apply(params, grads)
        return params, norm

    (a, b), norm = step(clipnorm=1.0)
    np.testing.assert_allclose(-a, [0.6, 0.8])  # cut to norm 1
    np.testing.assert_allclose(-b, [0.5])  # already under 1: untouched
    assert norm == pytest.approx(np.sqrt(25.25))  # the norm reported is before clipping
    (a, b), _ = step(global_clipnorm=1.0)
    scale = 1.0 / np.sqrt(25.25)
    np.testing.assert_allclose(-a, [3 * scale, 4 * scale])
    np.testing.assert_allclose(-b, [0.5 * scale])
    (a, b), _ = step(clipvalue=0.5)
    np.testing.assert_allclose(-a, [0.5, 0.5])
    with pytest.raises(ValueError, match="at most one"):
        SGD(clipnorm=1.0, global_clipnorm=1.0)


def test_compile_clipnorm_is_refused_with_the_way_forward():
    model = Sequential([Dense(1, input_dim=2)])
    with pytest.raises(ValueError, match="global_clipnorm"):
        model.compile(loss="mse", optimizer="sgd", clipnorm=1.0)
    model.compile(loss="mse", optimizer="sgd", global_clipnorm=1.0)
    assert model.optimizer.global_clipnorm == 1.0


# -- the API -------------------------------------------------------------------------------------


def test_learning_rate_with_lr_as_its_alias():
    for opt in (SGD(learning_rate=0.5), RMSprop(lr=0.5), Adam(learning_rate=0.5, lr=0.5)):
        assert opt.learning_rate == opt.lr == 0.5
    with pytest.raises(ValueError, match="not both"):
        Adam(learning_rate=0.1, lr=0.2)
    model = Sequential([Dense(1, input_dim=2)])
    model.compile(loss="mse", optimizer="adam", learning_rate=0.02)
    assert model.optimizer.learning_rate == 0.02


def _fitted(metrics=("acc",), **fit):
    x, y = longdep.make_data(64, length=6, seed=0)
    model = Sequential([GRU(4, input_shape=(6, 8)), Dense(1, activation="sigmoid")], seed=1)
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=list(metrics))
    history = model.fit(x, y, batch_size=16, epochs=2, validation_data=(x, y), **fit)
    return model, history, (x, y)


def test_evaluate_unpacks_like_keras_and_metrics_keep_their_names():
    model, history, (x, y) = _fitted()
    assert set(history.history) >= {"loss", "acc", "val_loss", "val_acc"}
    loss, acc = model.evaluate(x, y)
    assert isinstance(loss, float) and 0.0 <= acc <= 1.0
    assert model.evaluate(x, y, return_dict=True) == {"loss": loss, "acc": acc}
    model.compile(loss="binary_crossentropy", optimizer="rmsprop")
    assert isinstance(model.evaluate(x, y), float)  # no metrics: the loss alone, as Keras


def test_history_declares_how_training_ended():
    _, history, _ = _fitted(metrics=())
    assert isinstance(history, History)
    assert history.diverged is False and history.interrupted is False
    assert history.epoch == [0, 1] and history.params["steps"] == 4


def test_verbose_prints_a_line_per_epoch_on_stderr(capsys):
    _fitted(verbose=1)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("Epoch 1/2") and "val_acc" in err[1]
    _fitted(verbose=0)
    assert capsys.readouterr().err == ""


def test_input_shape_and_input_build_the_model_at_once():
    model = Sequential([LSTM(4, input_shape=(None, 3)), Dense(2)])
    assert model.count_params() == 4 * (4 * (3 + 4) + 4) + 10
    x = Input(shape=(None, 3))
    assert x.shape == (None, None, 3)
    functional = Model(x, Dense(2)(LSTM(4)(x)))
    assert functional.count_params() == model.count_params()


def test_pretrained_embedding_loaded_and_frozen():
    vectors = np.arange(12, dtype=np.float32).reshape(6, 2)
    for layer in (
        Embedding(6, 2, weights=[vectors], trainable=False),
        Embedding(6, 2, embeddings_initializer=Constant(vectors), trainable=False),
    ):
        model = Sequential([layer, SimpleRNN(3), Dense(1, activation="sigmoid")], seed=2)
        np.testing.assert_array_equal(model.layers[0].params["E"], vectors)  # the model's seed does not redraw it
        model.compile(loss="binary_crossentropy", optimizer="adam")
        ids = np.random.default_rng(0).integers(1, 6, (16, 4))
        before = model.get_weights()
        model.fit(ids, np.arange(16) % 2, epochs=2, batch_size=8)
        after = model.get_weights()
        np.testing.assert_array_equal(after[0], vectors)  # frozen
        assert not np.array_equal(after[1], before[1])  # the rest learned
        assert "Non-trainable params: 12" in model.summary(print_fn=None)
    with pytest.raises(ValueError, match=r"shape \(6, 2\).*expected \(7, 2\)"):
        Embedding(7, 2, weights=[vectors])


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_go_backwards_reads_the_sequence_from_the_end(cls):
    x = np.random.default_rng(2).standard_normal((2, 5, 3))
    fwd = cls(4, input_dim=3, return_sequences=True, dtype=F64, seed=0)
    back = cls(4, input_dim=3, return_sequences=True, go_backwards=True, dtype=F64, seed=0)
    np.testing.assert_allclose(back.forward(x), fwd.forward(x[:, ::-1]))  # outputs in reading order
    assert_close(gradcheck(back, x, mask=np.array([[0, 1, 1, 1, 1], [1, 1, 1, 1, 1]], bool)))


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_return_state_and_initial_state_gradients(cls, return_sequences):
    layer = cls(3, input_dim=2, return_sequences=return_sequences, return_state=True, dtype=F64, seed=4)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 2))
    states = [rng.standard_normal((2, 3)) for _ in layer.state_names]
    mask = np.array([[1, 1, 1, 0], [0, 1, 1, 1]], bool)
    errors = gradcheck(layer, [x, *states], mask=[mask] + [None] * len(states))
    assert {"W", "U", "b", "x0", "x1"} <= set(errors)
    assert_close(errors)
    outs, _ = layer.call([x, *states], [mask] + [None] * len(states))
    assert len(outs) == 1 + len(layer.state_names)
    np.testing.assert_array_equal(outs[1], outs[0] if not return_sequences else outs[0][:, -1])


def test_attention_gradients_with_masks_scale_and_causality():
    rng = np.random.default_rng(5)
    q, v, k = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 4))
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    v_mask = np.array([[0, 1, 1, 1, 1], [1, 1, 1, 0, 0]], bool)
    assert_close(gradcheck(Attention(dtype=F64), [q, v], mask=[q_mask, v_mask]))
    errors = gradcheck(Attention(use_scale=True, dtype=F64), [q, v, k], mask=[None, v_mask])
    assert "scale" in errors and {"x0", "x1", "x2"} <= set(errors)
    assert_close(errors)
    assert_close(gradcheck(Attention(use_causal_mask=True, dtype=F64), [q, q]))
    assert_close(gradcheck(Attention(dropout=0.3, dtype=F64, seed=1), [q, v], training=True))


def test_attention_weights_ignore_padded_values_and_zero_padded_queries():
    layer = Attention()
    q, v = np.ones((1, 2, 3)), np.arange(12.0).reshape(1, 4, 3)
    y = layer.forward([q, v], mask=[np.array([[1, 0]], bool), np.array([[1, 1, 0, 0]], bool)])
    np.testing.assert_allclose(layer.attention_scores[0, 0, 2:], 0.0)
    np.testing.assert_allclose(layer.attention_scores[0].sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(y[0, 1], 0.0)


def test_concatenate_gradient():
    rng = np.random.default_rng(6)
    assert_close(gradcheck(Concatenate(dtype=F64), [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 2))]))


def _encoder_decoder(V=9, seed=0, learning_rate=0.001):
    src, tgt = Input(shape=(None,), name="source"), Input(shape=(None,), name="target_in")
    enc_seq, h, c = LSTM(6, return_sequences=True, return_state=True, dtype=F64)(
        Embedding(V, 4, mask_zero=True, dtype=F64)(src)
    )
    dec_seq = LSTM(6, return_sequences=True, dtype=F64)(
        Embedding(V, 4, mask_zero=True, dtype=F64)(tgt), initial_state=[h, c]
    )
    context = Attention(dtype=F64)([dec_seq, enc_seq])
    out = Dense(V, activation="softmax", dtype=F64)(Concatenate(dtype=F64)([dec_seq, context]))
    model = Model({"source": src, "target_in": tgt}, out, seed=seed)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(learning_rate), metrics=["acc"])
    return model


def test_encoder_decoder_gradient_through_the_whole_graph():
    """Every weight of an encoder-decoder with attention against finite differences."""
    from tutor.engine import numerical_gradient, relative_error

    model = _encoder_decoder()
    rng = np.random.default_rng(7)
    x = {"source": rng.integers(1, 9, (3, 5)), "target_in": rng.integers(1, 9, (3, 4))}
    x["source"][0, :2] = 0
    x["target_in"][1, -2:] = 0
    y = rng.integers(1, 9, (3, 4))

    def loss():
        outs, masks = model._run(model._as_inputs(x), training=False)
        return model._loss(model._align(y, outs[0]), outs[0], masks[0])[0]

    outs, masks = model._run(model._as_inputs(x), training=False)
    _, dy, fused = model._loss(model._align(y, outs[0]), outs[0], masks[0])
    model._backprop(dy, fused)
    for layer in model.layers:
        for key, param in layer.params.items():
            err = relative_error(layer.grads[key], numerical_gradient(loss, param))
            assert err < TOL, (layer.name, key, err)


def test_encoder_decoder_learns_and_round_trips_through_a_file(tmp_path):
    rng = np.random.default_rng(8)
    src = rng.integers(3, 9, (128, 5))
    target = src[:, ::-1]  # reverse the sequence
    tgt_in = np.concatenate([np.ones((128, 1), int), target[:, :-1]], axis=1)
    model = _encoder_decoder(learning_rate=0.02)
    history = model.fit({"source": src, "target_in": tgt_in}, target, batch_size=32, epochs=10)
    assert history.history["acc"][-1] > history.history["acc"][0] + 0.1  # chance is 1/6
    loaded = load_model(model.save(tmp_path / "seq2seq.npz"))
    assert type(loaded) is Model and loaded.input_names == ["source", "target_in"]
    feed = {"source": src[:4], "target_in": tgt_in[:4]}
    np.testing.assert_array_equal(loaded.predict(feed), model.predict(feed))


def test_a_layer_twice_in_one_model_is_refused():
    x = Input(shape=(3,))
    dense = Dense(3)
    with pytest.raises(ValueError, match="called twice"):
        Model(x, dense(dense(x)))


def test_dense_acts_per_step_on_sequences():
    layer = Dense(2, input_dim=3, seed=0)
    x = np.random.default_rng(9).standard_normal((4, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(layer.forward(x)[:, 2], layer.forward(x[:, 2]), rtol=1e-6)


# -- saving ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["model.h5", "model.keras", "MODEL.HDF5"])
def test_keras_file_names_are_refused_with_a_clear_line(tmp_path, name):
    model, _, _ = _fitted(metrics=())
    with pytest.raises(ValueError, match=r"engine writes its own \.npz format"):
        model.save(tmp_path / name)
    (tmp_path / name).write_bytes(b"\x89HDF\r\n")
    with pytest.raises(ValueError, match="is a Keras file"):
        load_model(tmp_path / name)


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop", "adam", SGD(momentum=0.9)])
def test_training_resumes_exactly_from_a_saved_model(tmp_path, optimizer):
    x, y = longdep.make_data(96, length=6, seed=1)

    def fresh():
        model = Sequential([LSTM(5, input_dim=8, dropout=0.2), Dense(1, activation="sigmoid")], seed=5)
        opt = optimizer if isinstance(optimizer, str) else SGD(momentum=0.9)
        model.compile(loss="binary_crossentropy", optimizer=opt, metrics=["accuracy"])
        return model

    straight = fresh()
    straight.fit(x, y, batch_size=32, epochs=3, seed=2)
    first = fresh()
    first.fit(x, y, batch_size=32, epochs=2, seed=2)
    resumed = load_model(first.save(tmp_path / "half.npz"))
    assert resumed.optimizer.iterations == 6
    resumed.fit(x, y, batch_size=32, epochs=3, initial_epoch=2)
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_recurrent_layers_share_one_frame():
    assert {cls.__mro__[1] for cls in (SimpleRNN, LSTM, GRU)} == {Recurrent}


# -- numerics of the time loop ---------------------------------------------------------------


@pytest.mark.parametrize("cls", [SimpleRNN, GRU])
def test_vanished_gradients_become_exact_zeros_not_subnormal_numbers(cls):
    """Back-propagated through 300 steps the gradient underflows; the rows that do are flushed
    to 0 (no subnormal floats, which some CPUs compute 10-100x slower) and the weight gradients
    are the same as without flushing."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 300, 4)).astype(np.float32)
    dy = rng.standard_normal((16, 6)).astype(np.float32)
    grads = []
    for flush_every in (4, 10**9):
        layer = cls(6, input_dim=4, seed=0)
        layer.params["U"] *= 0.3  # a strongly contracting recurrence: the gradient vanishes fast
        layer.flush_every = flush_every
        layer.forward(x, training=True)
        layer.backward(dy)
        DH = layer._buffers["DH"]
        subnormal = int(np.sum((DH != 0) & (np.abs(DH) < np.finfo(np.float32).tiny)))
        grads.append((subnormal, {k: g.copy() for k, g in layer.grads.items()}))
    (flushed, with_flush), (unflushed, without) = grads
    assert unflushed > 0 and flushed == 0
    for key in with_flush:
        np.testing.assert_allclose(with_flush[key], without[key], rtol=0, atol=1e-30)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul"])
def test_bidirectional_merge_modes_states_and_gradients(merge_mode):
    layer = Bidirectional(
        LSTM(3, input_dim=2, return_sequences=True, return_state=True, dtype=F64), merge_mode=merge_mode, seed=2
    )
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 4, 2))
    states = [rng.standard_normal((2, 3)) for _ in range(4)]  # forward h, c, then backward h, c
    mask = np.array([[0, 1, 1, 1], [1, 1, 1, 0]], bool)
    errors = gradcheck(layer, [x, *states], mask=[mask] + [None] * 4)
    assert {"forward_U", "backward_b", "x0", "x4"} <= set(errors)
    assert_close(errors)
    outs, _ = layer.call([x], [None])
    assert outs[0].shape == (2, 4, 6 if merge_mode == "concat" else 3) and len(outs) == 5


def test_sequential_takes_an_input_first_as_keras_does(tmp_path):
    model = Sequential([Input((5, 3)), LSTM(4), Dense(2)])  # built at once: counts known before any data
    assert model.count_params() == 4 * (4 * (3 + 4) + 4) + (4 * 2 + 2)
    x = np.random.default_rng(1).standard_normal((2, 5, 3)).astype(np.float32)
    model.save(tmp_path / "m.npz")
    again = load_model(tmp_path / "m.npz")
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert again.get_config()["input_shape"] == [5, 3]
    with pytest.raises(ValueError, match="only an Input"):
        Sequential([Dense(2, input_dim=3), Input((3,))])
