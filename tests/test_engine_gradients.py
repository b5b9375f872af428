"""Every layer and loss against finite differences, in float64 (relative error < 1e-6)."""

import numpy as np
import pytest

from tutor.engine import (
    GRU,
    LSTM,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    Dense,
    Dropout,
    Embedding,
    MeanSquaredError,
    Sequential,
    SimpleRNN,
    SparseCategoricalCrossentropy,
    gradcheck,
    numerical_gradient,
    relative_error,
)

TOL = 1e-6
F64 = np.float64


def front_padding_mask(B=3, T=6):
    mask = np.ones((B, T), bool)
    mask[0, :2] = False  # front padding, as the course pads
    mask[1, :5] = False  # only the last step is real
    return mask


def assert_close(errors):
    assert errors, "nothing was checked"
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_recurrent_layers(cls, return_sequences, masked):
    layer = cls(4, input_dim=3, return_sequences=return_sequences, dtype=F64, seed=1)
    x = np.random.default_rng(0).standard_normal((3, 6, 3))
    errors = gradcheck(layer, x, mask=front_padding_mask() if masked else None)
    assert set(errors) == {"W", "U", "b", "x"}
    assert_close(errors)


def test_simple_rnn_relu():
    layer = SimpleRNN(4, activation="relu", input_dim=3, return_sequences=True, dtype=F64, seed=2)
    assert_close(gradcheck(layer, np.random.default_rng(1).standard_normal((2, 5, 3))))


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_recurrent_input_dropout_in_training(cls):
    layer = cls(3, input_dim=4, dropout=0.4, dtype=F64, seed=3)
    assert_close(gradcheck(layer, np.random.default_rng(2).standard_normal((2, 5, 4)), training=True))


@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax"])
@pytest.mark.parametrize("ndim", [2, 3])
def test_dense(activation, ndim):
    layer = Dense(3, activation=activation, input_dim=4, dtype=F64, seed=0)
    shape = (3, 4) if ndim == 2 else (2, 3, 4)
    x = np.random.default_rng(3).standard_normal(shape) + 0.1  # keep relu inputs off its kink
    assert_close(gradcheck(layer, x))


def test_dense_on_sparse_input_matches_dense():
    import scipy.sparse as sp

    x = sp.random(5, 7, density=0.3, random_state=0, format="csr", dtype=F64)
    a = Dense(2, activation="relu", input_dim=7, dtype=F64, seed=1)
    b = Dense(2, activation="relu", input_dim=7, dtype=F64, seed=1)
    np.testing.assert_allclose(a.forward(x), b.forward(x.toarray()))
    dy = np.random.default_rng(0).standard_normal((5, 2))
    assert a.backward(dy) is None  # the sparse input is data: nothing to return
    b.backward(dy)
    np.testing.assert_allclose(a.grads["W"], b.grads["W"])


def test_embedding():
    layer = Embedding(7, 3, dtype=F64, seed=0)
    ids = np.random.default_rng(4).integers(0, 7, (3, 5))  # repeated ids accumulate
    assert_close(gradcheck(layer, ids))


def test_dropout_in_training():
    layer = Dropout(0.5, dtype=F64, seed=0)
    assert_close(gradcheck(layer, np.random.default_rng(5).standard_normal((4, 6)), training=True))


def _loss_gradcheck(loss_fn, y, z):
    value, analytic = loss_fn(y, z)
    numeric = numerical_gradient(lambda: loss_fn(y, z)[0], z)
    return relative_error(analytic, numeric), value


def test_losses_against_finite_differences():
    rng = np.random.default_rng(6)
    z = rng.standard_normal((5, 3))
    p = 1 / (1 + np.exp(-z))
    y01 = (rng.random((5, 3)) > 0.5).astype(F64)
    onehot = np.eye(3)[rng.integers(0, 3, 5)]
    softmax = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    checks = {
        "mse": _loss_gradcheck(MeanSquaredError(), rng.standard_normal((5, 3)), z),
        "bce": _loss_gradcheck(BinaryCrossentropy(), y01, p),
        "bce logits": _loss_gradcheck(BinaryCrossentropy().from_logits, y01, z),
        "cce": _loss_gradcheck(CategoricalCrossentropy(), onehot, softmax),
        "cce logits": _loss_gradcheck(CategoricalCrossentropy().from_logits, onehot, z),
        "sparse cce logits": _loss_gradcheck(SparseCategoricalCrossentropy().from_logits, onehot.argmax(1), z),
    }
    for name, (err, _) in checks.items():
        assert err < TOL, (name, err)
    # the logits forms equal the probability forms
    assert checks["bce logits"][1] == pytest.approx(checks["bce"][1])
    assert checks["cce logits"][1] == pytest.approx(checks["cce"][1])


def test_bce_from_logits_is_stable_for_huge_logits():
    value, grad = BinaryCrossentropy().from_logits(np.array([[1.0], [0.0]]), np.array([[800.0], [-800.0]]))
    assert value == pytest.approx(0.0) and np.isfinite(grad).all()
    value, _ = BinaryCrossentropy().from_logits(np.array([[0.0]]), np.array([[800.0]]))
    assert value == pytest.approx(800.0)


@pytest.mark.parametrize(
    "loss, out", [("binary_crossentropy", "sigmoid"), ("mse", None), ("categorical_crossentropy", "softmax")]
)
def test_whole_model_gradient_through_the_fused_loss(loss, out):
    """Embedding → masked LSTM → Dense, the loss fused with the output activation."""
    units = 3 if out == "softmax" else 1
    model = Sequential(
        [Embedding(6, 3, mask_zero=True, dtype=F64), LSTM(4, dtype=F64), Dense(units, activation=out, dtype=F64)],
        seed=1,
    )
    model.compile(loss=loss, optimizer="sgd")
    rng = np.random.default_rng(7)
    ids = rng.integers(1, 6, (4, 5))
    ids[0, :2] = 0
    y = np.eye(3)[rng.integers(0, 3, 4)] if units == 3 else rng.integers(0, 2, (4, 1)).astype(F64)

    def loss_value():
        pred = model.forward(ids)
        return model._loss(model._align(y, pred), pred, None)[0]

    pred = model.forward(ids)
    _, dy, fused = model._loss(model._align(y, pred), pred, None)
    assert fused == (out is not None)
    model._backprop(dy, fused)
    for layer in model.layers:
        for key, param in layer.params.items():
            err = relative_error(layer.grads[key], numerical_gradient(loss_value, param))
            assert err < TOL, (layer.name, key, err)


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional(cls, return_sequences):
    from tutor.engine import Bidirectional

    layer = Bidirectional(cls(3, input_dim=4, return_sequences=return_sequences, dtype=F64), seed=1)
    errors = gradcheck(layer, np.random.default_rng(8).standard_normal((3, 6, 4)), mask=front_padding_mask())
    assert {"forward_W", "backward_U", "x"} <= set(errors)
    assert_close(errors)


def test_global_average_pooling():
    from tutor.engine import GlobalAveragePooling1D

    layer = GlobalAveragePooling1D(dtype=F64)
    assert_close(gradcheck(layer, np.random.default_rng(9).standard_normal((3, 6, 4)), mask=front_padding_mask()))


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize(("strides", "dilation"), [(1, 1), (2, 1), (3, 1), (1, 2)])
@pytest.mark.parametrize("activation", [None, "relu", "tanh", "softmax"])
def test_conv1d(padding, strides, dilation, activation):
    from tutor.engine import Conv1D

    layer = Conv1D(
        3, 3, strides=strides, dilation_rate=dilation, padding=padding, activation=activation, input_dim=2, dtype=F64
    )
    layer.reinitialize(1)
    x = np.random.default_rng(10).standard_normal((2, 8, 2)) + 0.05  # relu inputs off the kink
    errors = gradcheck(layer, x)
    assert set(errors) == {"W", "b", "x"}
    assert_close(errors)


def test_global_max_pooling():
    from tutor.engine import GlobalMaxPooling1D

    layer = GlobalMaxPooling1D(dtype=F64)
    assert_close(gradcheck(layer, np.random.default_rng(11).standard_normal((3, 6, 4))))


def test_stacked_and_convolutional_models_end_to_end():
    """The lesson's models, whole, through the fused loss: a stack of two GRUs, a bidirectional
    LSTM, and Conv1D + max pooling, each from token ids."""
    from tutor.engine import Bidirectional, Conv1D, GlobalMaxPooling1D

    stacks = [
        [GRU(3, return_sequences=True, dtype=F64), GRU(3, dtype=F64)],
        [Bidirectional(LSTM(3, dtype=F64))],
        [Conv1D(4, 3, padding="same", activation="relu", dtype=F64), GlobalMaxPooling1D(dtype=F64)],
    ]
    rng = np.random.default_rng(12)
    ids = rng.integers(1, 6, (4, 7))
    y = rng.integers(0, 2, (4, 1)).astype(F64)
    for middle in stacks:
        model = Sequential([Embedding(6, 3, dtype=F64), *middle, Dense(1, activation="sigmoid", dtype=F64)], seed=5)
        model.compile("binary_crossentropy", "sgd")

        def loss_value(model=model):
            pred = model.forward(ids)
            return model._loss(model._align(y, pred), pred, None)[0]

        pred = model.forward(ids)
        _, dy, fused = model._loss(model._align(y, pred), pred, None)
        model._backprop(dy, fused)
        for layer in model.layers:
            for key, param in layer.params.items():
                err = relative_error(layer.grads[key], numerical_gradient(loss_value, param))
                assert err < TOL, (layer.name, key, err)
