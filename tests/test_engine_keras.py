"""The engine against Keras 3 itself: same weights in, same outputs, counts, steps and scores out.

Needs the optional ``keras`` test extra (Keras 3 on the JAX CPU backend):
``pip install -e ".[keras]"``. Without it every test here is skipped.
"""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
pytest.importorskip("jax")

from tutor import engine as E  # noqa: E402

if keras.backend.backend() != "jax":  # another backend was imported first; its numerics differ slightly
    pytest.skip("the Keras cross-checks run on the JAX backend", allow_module_level=True)

# Keras' variables trip a NumPy 2 deprecation on every get_weights: not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

V, D, H, B, T = 20, 4, 5, 3, 7
CLASSES = ["SimpleRNN", "LSTM", "GRU"]
ATOL = 1e-5  # float32 on both sides


def _ids(padding: str | None, seed: int = 0) -> np.ndarray:
    ids = np.random.default_rng(seed).integers(1, V, (B, T))
    if padding == "pre":
        ids[0, :2] = 0
        ids[1, :6] = 0  # only the last step is real
    elif padding == "post":
        ids[0, -2:] = 0
        ids[1, 1:] = 0  # only the first step is real
    return ids


def _pair(keras_layers, engine_layers, input_shape=(T,), dtype="int32"):
    """The same model in both libraries, the Keras weights copied into the engine's."""
    km = keras.Sequential([keras.Input(input_shape, dtype=dtype), *keras_layers])
    em = E.Sequential(engine_layers)
    em.build((None, *input_shape))
    assert em.count_params() == km.count_params()
    em.set_weights(km.get_weights())
    return km, em


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("padding", [None, "pre", "post"])
def test_recurrent_layers_give_keras_outputs(cls, return_sequences, padding):
    masked = padding is not None
    km, em = _pair(
        [
            keras.layers.Embedding(V, D, mask_zero=masked),
            getattr(keras.layers, cls)(H, return_sequences=return_sequences),
        ],
        [E.Embedding(V, D, mask_zero=masked), getattr(E, cls)(H, return_sequences=return_sequences)],
    )
    ids = _ids(padding)
    np.testing.assert_allclose(em.predict(ids), np.asarray(km(ids)), atol=ATOL)


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_keeps_keras_own_mask_behaviour(cls, return_sequences):
    km, em = _pair(
        [
            keras.layers.Embedding(V, D, mask_zero=True),
            keras.layers.Bidirectional(getattr(keras.layers, cls)(H, return_sequences=return_sequences)),
        ],
        [E.Embedding(V, D, mask_zero=True), E.Bidirectional(getattr(E, cls)(H, return_sequences=return_sequences))],
    )
    for padding in ("pre", "post"):
        ids = _ids(padding)
        np.testing.assert_allclose(em.predict(ids), np.asarray(km(ids)), atol=ATOL)


def test_parameter_counts_of_the_course_models():
    for cls, want in (("SimpleRNN", 2_080), ("LSTM", 8_320), ("GRU", 6_336)):
        k = keras.Sequential([keras.Input((None, 32)), getattr(keras.layers, cls)(32)])
        e = getattr(E, cls)(32, input_dim=32)
        assert k.count_params() == e.count_params() == want
        assert [w.shape for w in k.get_weights()] == [p.shape for p in e.params.values()]


@pytest.mark.parametrize("cls", CLASSES)
def test_go_backwards_and_dense_per_step(cls):
    km, em = _pair(
        [
            keras.layers.Embedding(V, D, mask_zero=True),
            getattr(keras.layers, cls)(H, return_sequences=True, go_backwards=True),
            keras.layers.Dense(3),
        ],
        [E.Embedding(V, D, mask_zero=True), getattr(E, cls)(H, return_sequences=True, go_backwards=True), E.Dense(3)],
    )
    ids = _ids("pre")
    np.testing.assert_allclose(em.predict(ids), np.asarray(km(ids)), atol=ATOL)


@pytest.mark.parametrize("cls", CLASSES)
def test_return_state_and_initial_state_in_a_functional_model(cls):
    n_states = 2 if cls == "LSTM" else 1
    rng = np.random.default_rng(1)
    x = rng.standard_normal((B, T, D)).astype(np.float32)
    h0 = [rng.standard_normal((B, H)).astype(np.float32) for _ in range(n_states)]

    def build(lib, Input, Model):
        seq = Input((T, D), name="x")
        states = [Input((H,), name=f"s{i}") for i in range(n_states)]
        outs = getattr(lib, cls)(H, return_sequences=True, return_state=True)(seq, initial_state=states)
        return Model([seq, *states], outs)

    km = build(keras.layers, keras.Input, keras.Model)
    em = build(E, E.Input, E.Model)
    em.set_weights(km.get_weights())
    for a, b in zip(em.predict([x, *h0]), [np.asarray(o) for o in km([x, *h0])], strict=True):
        np.testing.assert_allclose(a, b, atol=ATOL)


@pytest.mark.parametrize("use_scale", [False, True])
def test_attention_matches_keras_with_masks(use_scale):
    rng = np.random.default_rng(2)
    q_ids, v_ids = _ids("post", 3), _ids("pre", 4)

    def build(lib, Input, Model):
        q_in, v_in = Input((T,), name="q"), Input((T,), name="v")
        q = lib.Embedding(V, D, mask_zero=True)(q_in)
        v = lib.Embedding(V, D, mask_zero=True)(v_in)
        return Model([q_in, v_in], lib.Attention(use_scale=use_scale)([q, v]))

    km = build(keras.layers, keras.Input, keras.Model)
    em = build(E, E.Input, E.Model)
    weights = km.get_weights()
    if use_scale:
        weights = [w if w.shape != () else np.float32(rng.uniform(0.5, 2)) for w in weights]
        km.set_weights(weights)
    em.set_weights(weights)
    np.testing.assert_allclose(em.predict([q_ids, v_ids]), np.asarray(km([q_ids, v_ids])), atol=ATOL)


def _keras_steps(opt, grads, w0):
    v = keras.Variable(w0.copy())
    opt.build([v])
    for g in grads:
        opt.apply([g], [v])
    return np.asarray(v)


def _engine_steps(opt, grads, w0):
    w = w0.copy()
    for g in grads:
        opt.apply([w], [g.copy()])
    return w


@pytest.mark.parametrize("scale", [1e-6, 1e3])  # gradients far below √ε, and huge ones
@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", {"learning_rate": 0.01, "momentum": 0.9}),
        ("SGD", {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True}),
        ("RMSprop", {}),
        ("RMSprop", {"momentum": 0.5, "centered": True}),
        ("RMSprop", {"global_clipnorm": 0.5}),
        ("Adam", {}),
        ("Adam", {"clipnorm": 1.0}),
        ("SGD", {"clipvalue": 0.1}),
    ],
)
def test_optimizer_steps_match_keras(scale, name, kwargs):
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    grads = [(rng.standard_normal((3, 4)) * scale).astype(np.float32) for _ in range(5)]
    a = _keras_steps(getattr(keras.optimizers, name)(**kwargs), grads, w0)
    b = _engine_steps(getattr(E, name)(**kwargs), grads, w0)
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-6)
    assert np.abs(b - w0).max() > 1e-5 or scale < 1  # the steps did move the weights


def test_evaluate_and_one_training_step_match_keras():
    ids, y = _ids("pre", 5), np.array([[1.0], [0.0], [1.0]], np.float32)
    km, em = _pair(
        [
            keras.layers.Embedding(V, D, mask_zero=True),
            keras.layers.LSTM(H),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        [E.Embedding(V, D, mask_zero=True), E.LSTM(H), E.Dense(1, activation="sigmoid")],
    )
    km.compile(loss="binary_crossentropy", optimizer=keras.optimizers.RMSprop(), metrics=["acc"])
    em.compile(loss="binary_crossentropy", optimizer=E.RMSprop(), metrics=["acc"])
    k_loss, k_acc = km.evaluate(ids, y, verbose=0)
    e_loss, e_acc = em.evaluate(ids, y)
    assert e_loss == pytest.approx(k_loss, rel=1e-5) and e_acc == pytest.approx(k_acc)
    km.train_on_batch(ids, y)
    em.train_on_batch(ids, y)
    for a, b in zip(em.get_weights(), km.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_masked_sequence_loss_counts_only_real_steps_as_keras_does():
    ids = _ids("pre", 6)
    y = np.random.default_rng(7).integers(0, 3, (B, T))
    km, em = _pair(
        [
            keras.layers.Embedding(V, D, mask_zero=True),
            keras.layers.GRU(H, return_sequences=True),
            keras.layers.Dense(3, activation="softmax"),
        ],
        [E.Embedding(V, D, mask_zero=True), E.GRU(H, return_sequences=True), E.Dense(3, activation="softmax")],
    )
    km.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    em.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    k = km.evaluate(ids, y, verbose=0, return_dict=True)
    e = em.evaluate(ids, y, return_dict=True)
    assert e["loss"] == pytest.approx(k["loss"], rel=1e-5)
    assert e["accuracy"] == pytest.approx(k["accuracy"], rel=1e-6)


def test_weights_go_back_to_keras():
    """Train in the tutor, continue in Keras: get_weights in the engine's order is Keras' order."""
    em = E.Sequential([E.Embedding(V, D), E.GRU(H), E.Dense(1, activation="sigmoid")], seed=3)
    em.build((None, T))
    km = keras.Sequential(
        [
            keras.Input((T,), dtype="int32"),
            keras.layers.Embedding(V, D),
            keras.layers.GRU(H),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    km.set_weights(em.get_weights())
    ids = _ids(None, 8)
    np.testing.assert_allclose(np.asarray(km(ids)), em.predict(ids), atol=ATOL)


def _encoder_decoder(L, Input, Model):
    """The course's next model: an LSTM encoder, an LSTM decoder started from its states, and
    Luong attention from the decoder's steps to the encoder's."""
    src, tgt = Input(shape=(None,), name="source"), Input(shape=(None,), name="target_in")
    enc_seq, h, c = L.LSTM(H, return_sequences=True, return_state=True)(L.Embedding(V, D, mask_zero=True)(src))
    dec_seq = L.LSTM(H, return_sequences=True)(L.Embedding(V, D + 1, mask_zero=True)(tgt), initial_state=[h, c])
    context = L.Attention()([dec_seq, enc_seq])
    out = L.Dense(V, activation="softmax")(L.Concatenate()([dec_seq, context]))
    return Model([src, tgt], out)


def test_an_encoder_decoder_with_attention_trains_as_in_keras():
    km = _encoder_decoder(keras.layers, keras.Input, keras.Model)
    em = _encoder_decoder(E, E.Input, E.Model)
    assert em.count_params() == km.count_params()
    em.set_weights(km.get_weights())
    rng = np.random.default_rng(9)
    src = _ids("pre", 10)
    tgt = rng.integers(1, V, (B, T + 1))
    tgt[0, -3:] = 0  # decoder sequences padded at the end
    y = rng.integers(1, V, (B, T + 1))
    np.testing.assert_allclose(em.predict([src, tgt]), np.asarray(km([src, tgt])), atol=ATOL)
    km.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["acc"])
    em.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["acc"])
    k = km.evaluate([src, tgt], y, verbose=0, return_dict=True)
    e = em.evaluate([src, tgt], y, return_dict=True)
    assert e["loss"] == pytest.approx(k["loss"], rel=1e-5) and e["acc"] == pytest.approx(k["acc"])
    km.train_on_batch([src, tgt], y)
    em.train_on_batch([src, tgt], y)
    for a, b in zip(em.get_weights(), km.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize(("strides", "dilation"), [(1, 1), (2, 1), (3, 1), (1, 2)])
@pytest.mark.parametrize("steps", [7, 8])
def test_conv1d_gives_keras_outputs(padding, strides, dilation, steps):
    kwargs = dict(strides=strides, dilation_rate=dilation, padding=padding, activation="relu")
    km, em = _pair(
        [keras.layers.Conv1D(4, 3, **kwargs)], [E.Conv1D(4, 3, **kwargs)], input_shape=(steps, D), dtype="float32"
    )
    assert [w.shape for w in km.get_weights()] == [(3, D, 4), (4,)]
    x = np.random.default_rng(steps).standard_normal((B, steps, D)).astype(np.float32)
    want = np.asarray(km(x))
    got = em.predict(x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=ATOL)


def test_a_convolutional_text_model_trains_as_in_keras():
    """Embedding → Conv1D → GlobalMaxPooling1D → Dense: same outputs, loss and one RMSprop step."""
    ids, y = _ids(None, 6), np.array([[1.0], [0.0], [1.0]], np.float32)
    km, em = _pair(
        [
            keras.layers.Embedding(V, D),
            keras.layers.Conv1D(6, 3, padding="same", activation="relu"),
            keras.layers.GlobalMaxPooling1D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        [
            E.Embedding(V, D),
            E.Conv1D(6, 3, padding="same", activation="relu"),
            E.GlobalMaxPooling1D(),
            E.Dense(1, activation="sigmoid"),
        ],
    )
    np.testing.assert_allclose(em.predict(ids), np.asarray(km(ids)), atol=ATOL)
    km.compile(loss="binary_crossentropy", optimizer=keras.optimizers.RMSprop())
    em.compile(loss="binary_crossentropy", optimizer=E.RMSprop())
    km.train_on_batch(ids, y)
    em.train_on_batch(ids, y)
    for a, b in zip(em.get_weights(), km.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_stacked_and_bidirectional_parameter_counts_match_keras():
    """What the lesson on variations counts: two stacked layers and a bidirectional one."""
    k = keras.Sequential(
        [
            keras.Input((None, 8)),
            keras.layers.Bidirectional(keras.layers.GRU(16, return_sequences=True)),
            keras.layers.LSTM(16),
        ]
    )
    e = E.Sequential([E.Bidirectional(E.GRU(16, return_sequences=True, input_dim=8)), E.LSTM(16)])
    e.build((None, None, 8))
    assert e.count_params() == k.count_params()
    assert [layer.count_params() for layer in e.layers] == [layer.count_params() for layer in k.layers]
