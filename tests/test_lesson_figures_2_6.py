"""The figures that lessons 2-6 state, recomputed the way the lesson says they are computed.

Each test names the lesson and the sentence it backs. Parts that need the real IMDb training
reviews skip when the dev copy (../shared/data) is absent.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from tutor import paths
from tutor.course.loader import load_lesson

DEV_IMDB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "aclImdb_train.tar.gz"
needs_imdb = pytest.mark.skipif(not DEV_IMDB.is_file(), reason=f"dev copy absent: {DEV_IMDB}")


def _lesson_path(number: int) -> Path:
    (path,) = paths.lessons_dir().glob(f"{number:02d}-*.md")
    return path


def _lesson_text(number: int) -> str:
    return _lesson_path(number).read_text(encoding="utf-8")


@cache
def _exercises(number: int) -> dict:
    """This lesson's exercises by id (only its own file is parsed: other lessons may be in progress)."""
    lesson = load_lesson(_lesson_path(number))
    assert lesson.number == number
    return {ex.id: ex for ex in lesson.exercises}


def _solution(number: int, exercise_id: str) -> dict:
    """The reference solution of a code exercise, executed: its namespace."""
    namespace: dict = {}
    exec(compile(_exercises(number)[exercise_id].solution, f"<{exercise_id}>", "exec"), namespace)
    return namespace


# ---------------------------------------------------------------------------- lesson 2
def test_lesson2_matrix_size_and_memory():
    text = _lesson_text(2)
    entries = 50_000 * 10_000
    assert entries == 500_000_000 and "500,000,000 entries" in text
    nonzero = round(entries * 0.013)
    assert nonzero == 6_500_000 == _exercises(2)["nonzero-count"].answer
    assert entries * 4 == 2 * 10**9 and "2 GB" in text  # dense float32
    assert nonzero * (4 + 4) == 52 * 10**6 and "52 MB" in text  # float32 value + int32 column


def test_lesson2_csr_example():
    A = np.array([[1, 0, 0, 1, 0, 0], [0, 0, 2, 0, 0, 1], [0, 0, 0, 2, 0, 0]])
    S = sp.csr_matrix(A)
    assert S.nnz == 5
    assert S.data.tolist() == [1, 1, 2, 1, 2]
    assert S.indices.tolist() == [0, 3, 2, 5, 3]
    assert S.indptr.tolist() == [0, 2, 4, 5]
    text = _lesson_text(2)
    for line in ("data    = [1, 1, 2, 1, 2]", "indices = [0, 3, 2, 5, 3]", "indptr  = [0, 2, 4, 5]"):
        assert line in text


def test_lesson2_indptr_quiz():
    S = sp.csr_matrix(np.array([[0, 5, 0, 0], [0, 0, 0, 0], [7, 0, 0, 3]]))
    ex = _exercises(2)["csr-indptr"]
    assert str(S.indptr.tolist()) == ex.choices[ex.answer] == "[0, 1, 1, 3]"
    assert S.data.tolist() == [5, 7, 3] and S.indices.tolist() == [1, 0, 3]


def test_lesson2_mlp_parameter_count():
    from tutor.engine import Dense, Sequential

    model = Sequential(
        [Dense(16, activation="relu", input_dim=10_000), Dense(16, activation="relu"), Dense(1, activation="sigmoid")]
    )
    counts = [layer.count_params() for layer in model.layers]
    assert counts == [160_016, 272, 17]
    assert model.count_params() == 160_305
    assert "160,305" in _lesson_text(2)


def test_lesson2_solution_matches_the_data_layer():
    """The exercise's bow_csr gives what tutor.data.bag_of_words gives for the same vocabulary."""
    from scipy.sparse import csr_matrix

    from tutor.data import Vocabulary, bag_of_words, density, tokenize

    ns = _solution(2, "build-csr")
    docs = [tokenize(t) for t in ["A great, great film.", "Dull plot; dull film!", "", "great acting"]]
    vocab = Vocabulary.build(docs, max_words=6)
    data, indices, indptr = ns["bow_csr"](docs, {w: i for i, w in enumerate(vocab.words)})
    mine = csr_matrix((data, indices, indptr), shape=(len(docs), len(vocab)))
    theirs = bag_of_words([vocab.encode(d) for d in docs], len(vocab))
    assert np.array_equal(mine.toarray(), theirs.toarray())
    assert ns["density"](indptr, len(vocab)) == pytest.approx(density(theirs))


@pytest.fixture(scope="module")
def imdb_tokens():
    from tutor.data import read_imdb, tokenize

    train = read_imdb(DEV_IMDB, "train")
    return [tokenize(t) for t in train.texts]


@needs_imdb
@pytest.mark.slow
def test_lesson2_imdb_word_counts_and_density(imdb_tokens):
    from tutor.data import Vocabulary, bag_of_words, density

    assert len(imdb_tokens) == 25_000
    vocab = Vocabulary.build(imdb_tokens, max_words=10_000)
    top = [w for w, _ in vocab.most_common(20)]
    assert top[:10] == ["the", "and", "a", "of", "to", "is", "in", "it", "i", "this"]
    assert top.index("movie") + 1 == 16 and top.index("film") + 1 == 18
    total = sum(len(t) for t in imdb_tokens)
    assert 5.75e6 < total < 5.85e6  # "5.8 million words"
    share = sum(c for _, c in vocab.most_common(10)) / total
    assert 0.235 <= share < 0.245  # "about 24%"
    ids = [vocab.encode(t) for t in imdb_tokens]
    m = bag_of_words(ids, len(vocab))
    assert round(density(m) * 100, 2) == 1.29  # "the tutor measured 1.29%"
    assert round(m.nnz / m.shape[0]) == 129  # "on average 129 of the 10,000 columns"
    # the explanation's snippet: the learner's own function on all the reviews
    ns = _solution(2, "build-csr")
    data, indices, indptr = ns["bow_csr"](imdb_tokens, {w: i for i, w in enumerate(vocab.words)})
    assert indptr[-1] == len(indices) == m.nnz
    assert round(ns["density"](indptr, len(vocab)), 3) == 0.013


# ---------------------------------------------------------------------------- lesson 3
def test_lesson3_counts_and_embedding_layer():
    from tutor.engine import Embedding

    text = _lesson_text(3)
    assert (20 * 10_000, 20 * 16, 20 * 5) == (200_000, 320, 100)
    assert (20 * 16 - 20, 20 * 10_000 - 20) == (300, 199_980)
    for line in ("20 × 10,000 = 200,000     199,980", "20 × 16     =     320         300", "20 × 5      =     100"):
        assert line in text
    layer = Embedding(10_000, 32)
    assert layer.params["E"].shape == (10_000, 32)
    assert layer.count_params() == 320_000 == _exercises(3)["embedding-size"].answer
    assert layer.forward(np.array([[12, 7, 7, 431]])).shape == (1, 4, 32)
    assert Embedding(10_000, 128).count_params() == 1_280_000


def test_lesson3_the_picture_of_20_words():
    """The one-hot grid is the sentence's words over the 16-word dictionary; the embedded columns
    repeat with the words, and good and great (5 and 15) are alike."""
    text = _lesson_text(3)
    quote = re.search(r"^> (the film .*?)\n> (.*?)\n", text, re.M)
    assert quote
    words = f"{quote.group(1)} {quote.group(2)}".split()
    assert len(words) == 20 and len(set(words)) == 14
    blocks = re.findall(r"```\n word:.*?\n(.*?)```", text, re.S)
    assert len(blocks) == 2
    rows = [line.split() for line in blocks[0].splitlines()]
    dictionary = [row[0] for row in rows]
    assert len(dictionary) == 16 and set(words) <= set(dictionary) and dictionary == sorted(dictionary)
    grid = np.array([[cell == "1" for cell in row[1:]] for row in rows])
    assert grid.shape == (16, 20) and (grid.sum(axis=0) == 1).all()  # one 1 per word
    assert [dictionary[i] for i in grid.argmax(axis=0)] == words
    levels = "▁▂▃▄▅▆▇█"
    emb = np.array([[levels.index(c) for c in line.split()[2:]] for line in blocks[1].splitlines()])
    assert emb.shape == (5, 20)
    for w in set(words):  # the same word, the same column
        cols = [i for i, x in enumerate(words) if x == w]
        assert all((emb[:, c] == emb[:, cols[0]]).all() for c in cols), w
    assert {1, 7, 12, 18} == {i + 1 for i, x in enumerate(words) if x == "the"}
    assert (words[4], words[14]) == ("good", "great") and np.abs(emb[:, 4] - emb[:, 14]).max() <= 1


def test_lesson3_one_hot_rows_are_orthogonal():
    ex = _exercises(3)["why-embed"]
    eye = np.eye(10)
    cos = eye[3] @ eye[7] / (np.linalg.norm(eye[3]) * np.linalg.norm(eye[7]))
    assert cos == 0 and ex.choices[ex.answer] == "0"


# ---------------------------------------------------------------------------- lesson 4
def test_lesson4_parameter_counts():
    from tutor.engine import Dense, Embedding, Sequential, SimpleRNN

    text = _lesson_text(4)
    nyse = Sequential([SimpleRNN(12, input_dim=3), Dense(1)])
    assert [layer.count_params() for layer in nyse.layers] == [192, 13]
    assert nyse.count_params() == 205 and "the same 205 weights" in text
    # the quiz: 50 days (nothing changes) of 5 numbers (W grows)
    longer = Sequential([SimpleRNN(12, input_dim=5), Dense(1)])
    assert longer.count_params() == 229 == _exercises(4)["length-and-params"].answer
    assert longer.forward(np.zeros((1, 50, 5))).shape == (1, 1)
    assert "3·12 + 12·12 + 12 = 192" in text
    imdb = Sequential([Embedding(10_000, 32), SimpleRNN(32), Dense(1, activation="sigmoid")])
    imdb.build((None, None))
    assert [layer.count_params() for layer in imdb.layers] == [320_000, 2_080, 33]
    assert _exercises(4)["count-rnn-params"].answer == 2_080


def test_lesson4_shapes_and_notation():
    from tutor.engine import SimpleRNN

    layer = SimpleRNN(12, input_dim=3, dtype=np.float64, seed=0)
    assert {k: v.shape for k, v in layer.params.items()} == {"W": (3, 12), "U": (12, 12), "b": (12,)}
    x = np.random.default_rng(0).standard_normal((2, 5, 3))
    h = layer.forward(x)
    assert h.shape == (2, 12)
    seq = SimpleRNN(12, input_dim=3, return_sequences=True, dtype=np.float64, seed=0)
    hs = seq.forward(x)
    assert hs.shape == (2, 5, 12) and np.allclose(hs[:, -1], h)
    # the lecture's column form A_l = g(w0 + W X_l + U A_{l-1}) with W, U the transposes
    W, U, b = layer.params["W"].T, layer.params["U"].T, layer.params["b"]
    a = np.zeros(12)
    for t in range(5):
        a = np.tanh(b + W @ x[0, t] + U @ a)
    assert np.allclose(a, h[0])


def test_lesson4_explanation_gradcheck():
    from tutor.engine import SimpleRNN, gradcheck

    x = np.random.default_rng(0).standard_normal((2, 6, 4))
    errors = gradcheck(SimpleRNN(5, input_dim=4, dtype=np.float64), x)
    assert set(errors) == {"W", "U", "b", "x"} and max(errors.values()) < 1e-6


# ---------------------------------------------------------------------------- lesson 5
def test_lesson5_slopes():
    from tutor.engine.activations import ACTIVATIONS

    sigmoid, dsigmoid = ACTIVATIONS["sigmoid"]  # the engine writes g′ through a = g(z)
    tanh, dtanh = ACTIVATIONS["tanh"]
    z = np.linspace(-6, 6, 241)
    ds, dt = dsigmoid(sigmoid(z.copy())), dtanh(tanh(z.copy()))
    text = _lesson_text(5)
    for figure in ("σ′(5) is about 0.0066", "σ′(10) about 0.000045", "tanh′(3) is about 0.0099", "4·σ′(2z)"):
        assert figure in text
    assert float(dsigmoid(sigmoid(np.array([5.0])))[0]) == pytest.approx(0.0066, abs=5e-5)
    assert float(dsigmoid(sigmoid(np.array([10.0])))[0]) == pytest.approx(0.000045, abs=5e-7)
    assert float(dtanh(tanh(np.array([3.0])))[0]) == pytest.approx(0.0099, abs=5e-5)
    np.testing.assert_allclose(tanh(z.copy()), 2 * sigmoid(2 * z) - 1, atol=1e-12)
    np.testing.assert_allclose(dt, 4 * dsigmoid(sigmoid(2 * z)), atol=1e-12)  # four times as steep at 0
    ex = _exercises(5)
    assert z[np.argmax(ds)] == 0 and ds.max() == ex["sigmoid-max-slope"].answer == 0.25
    assert ex["tanh-max-slope"].choices[ex["tanh-max-slope"].answer] == "1" and dt.max() == 1.0
    assert ex["vanishing-factor"].answer == 0.25**10


# ---------------------------------------------------------------------------- lesson 6
def test_lesson6_quadratic_table():
    a = 4.0
    rows = {0.05: [0.8, 0.64, 0.512], 0.25: [0.0, 0.0, 0.0], 0.45: [-0.8, 0.64, -0.512], 0.6: [-1.4, 1.96, -2.744]}
    for rho, want in rows.items():
        theta, got = 1.0, []
        for _ in range(3):
            theta = theta - rho * a * theta  # gradient of ½·a·θ² is a·θ
            got.append(theta)
        assert np.allclose(got, want), (rho, got)
    text = _lesson_text(6)
    assert " 0.6     −1.4          −1.4    1.96   −2.744       zig-zags, diverges" in text
    ex = _exercises(6)["overshoot"]
    assert 1 - 0.75 * (2 * 2) * 1 == ex.answer == -2  # R = 2θ², gradient 4θ
    theta = -2.0
    assert [theta := theta - 0.75 * 4 * theta for _ in range(2)] == [4, -8]  # "lands at 4, then −8"


def test_lesson6_gradient_solution_against_the_engine():
    """The exercise's formulas equal the engine's own Dense backward for the same net."""
    from tutor.engine import Dense, Sequential

    ns = _solution(6, "two-gradients")
    rng = np.random.default_rng(0)
    K, p = 4, 3
    x, y = rng.standard_normal(p), 0.7
    model = Sequential([Dense(K, activation="sigmoid", input_dim=p, dtype=np.float64), Dense(1, dtype=np.float64)])
    model.compile(loss="mse", optimizer="sgd", lr=0.1)
    hidden, out = model.layers
    w0, W = hidden.params["b"], hidden.params["W"].T  # the engine stores W as (p, K)
    beta0, beta = float(out.params["b"][0]), out.params["W"][:, 0]
    f = model.forward(x[None, :])
    # the engine's MSE is mean((y - f)^2) = 2·R for one observation: halve its gradient
    model.backward(2 * (f - y) / 2)
    assert np.allclose(ns["grad_beta"](x, y, w0, W, beta0, beta), out.grads["W"][:, 0])
    assert np.allclose(ns["grad_w"](x, y, w0, W, beta0, beta), hidden.grads["W"].T)


def _lr_run(lr: float, seed: int = 0):
    """The lesson's experiment as the dashboard runs the long-dependency task."""
    from tutor.tasks.longdep import build_model, make_data

    x, y = make_data(1024, 5, seed=seed)
    xv, yv = make_data(256, 5, seed=seed + 1)
    model = build_model("rnn", units=16, seed=seed)
    model.compile(loss="binary_crossentropy", optimizer="sgd", lr=lr, metrics=["accuracy"])
    return model.fit(x, y, epochs=10, batch_size=64, validation_data=(xv, yv), seed=seed).history


def test_lesson6_learning_rate_experiments():
    small = _lr_run(0.001)
    assert round(small["loss"][0], 2) == 0.76 and round(small["loss"][-1], 2) == 0.70
    assert small["val_accuracy"][-1] < 0.95  # the preset of "too small" does not pass its goal
    slow = _lr_run(0.01)
    assert (
        slow["val_accuracy"][-1] >= 0.95 and min(i for i, a in enumerate(slow["val_accuracy"]) if a >= 0.95) >= 5
    )  # "0.01 needs about 8 epochs"
    assert _lr_run(0.3)["val_accuracy"][0] == 1.0  # "0.3 does it in the first epoch"
    for lr in (0.1, 1.0, 2.0):
        assert _lr_run(lr)["val_accuracy"][-1] >= 0.95, lr
    assert 3 < _lr_run(3.0)["loss"][0] < 5  # "ρ = 3 ... its first epoch's loss leaps to about 4"
    # "about 10 (ρ = 5), 20 (ρ = 10) or 60 (ρ = 30) and accuracy falls to chance"
    for lr, (low, high) in {5.0: (7, 14), 10.0: (14, 28), 30.0: (40, 80)}.items():
        run = _lr_run(lr)
        assert low < run["loss"][-1] < high and run["val_accuracy"][-1] < 0.6, (lr, run["loss"][-1])
    assert _lr_run(0.3)["loss"][-1] < 1  # the preset of "too large" does not pass its goal
