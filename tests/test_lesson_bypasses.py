"""The laziest wrong answer to every code exercise of the course fails, with a message that
teaches: a shortcut through the project's own code, a library that does the work, patched
NumPy, hard-coded answers, finite differences instead of a formula, a dense array where the
prompt forbids one. (The bypass classes themselves are tested in test_course_sandbox.py.)"""

from __future__ import annotations

import textwrap
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import pytest

from tutor.course import CheckResult, Exercise, load_lessons
from tutor.course.checking import run_codes

NOT_AVAILABLE = "this exercise asks you to write it yourself; `{}` is not available here"


def _shortcut(module: str, name: str, functions: str) -> str:
    """A source that takes the project's (or a library's) function instead of writing one."""
    return f"from {module} import {name}\n{functions}"


# exercise id -> [(what the learner tried, source, a phrase the verdict must contain)]
LAZY: dict[str, list[tuple[str, str, str]]] = {
    "bag-of-words": [
        (
            "answers looked up",
            """
            KNOWN = {"the dog bit the man": {"the": 2, "dog": 1, "bit": 1, "man": 1},
                     "the man bit the dog": {"the": 2, "dog": 1, "bit": 1, "man": 1},
                     "to be or not to be": {"to": 2, "be": 2, "or": 1, "not": 1}}
            def bag_of_words(text):
                return dict(KNOWN.get(" ".join(text.lower().split()), {}))
            """,
            "bag_of_words(",
        ),
        (
            "split on single spaces",
            """
            def bag_of_words(text):
                counts = {}
                for word in text.lower().split(" "):
                    counts[word] = counts.get(word, 0) + 1
                return counts
            """,
            "bag_of_words(",
        ),
    ],
    "build-csr": [
        (
            "SciPy builds it",
            """
            import numpy as np
            import scipy.sparse as sp
            def bow_csr(token_lists, vocab):
                m = sp.lil_matrix((len(token_lists), len(vocab)))
                for i, tokens in enumerate(token_lists):
                    for w in tokens:
                        if w in vocab:
                            m[i, vocab[w]] = 1.0
                m = m.tocsr()
                return m.data, m.indices, m.indptr
            def density(indptr, n_columns):
                return indptr[-1] / ((len(indptr) - 1) * n_columns)
            """,
            NOT_AVAILABLE.format("scipy.sparse"),
        ),
        (
            "the dense array after all",
            """
            import numpy as np
            def bow_csr(token_lists, vocab):
                dense = np.zeros((len(token_lists), len(vocab)), dtype=bool)
                for i, tokens in enumerate(token_lists):
                    for w in tokens:
                        if w in vocab:
                            dense[i, vocab[w]] = True
                rows, cols = np.nonzero(dense)
                indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(token_lists)))])
                return np.ones(len(cols)), cols, indptr
            def density(indptr, n_columns):
                return indptr[-1] / ((len(indptr) - 1) * n_columns)
            """,
            "bow_csr ran out of memory on 40,000 documents",
        ),
        (
            "columns in set order",
            """
            import numpy as np
            def bow_csr(token_lists, vocab):
                indptr, indices = [0], []
                for tokens in token_lists:
                    indices.extend({vocab[w] for w in tokens if w in vocab})
                    indptr.append(len(indices))
                return np.ones(len(indices)), np.array(indices), np.array(indptr)
            def density(indptr, n_columns):
                return indptr[-1] / ((len(indptr) - 1) * n_columns)
            """,
            "list them in increasing order",
        ),
        (
            "the density of the lecture, typed in",
            """
            import numpy as np
            def bow_csr(token_lists, vocab):
                indptr, indices = [0], []
                for tokens in token_lists:
                    indices.extend(sorted({vocab[w] for w in tokens if w in vocab}))
                    indptr.append(len(indices))
                return np.ones(len(indices)), np.array(indices), np.array(indptr)
            def density(indptr, n_columns):
                return 0.013
            """,
            "has density 0.3",
        ),
    ],
    "lookup-is-matmul": [
        (
            "the engine's layer",
            _shortcut(
                "tutor.engine",
                "Embedding",
                "import numpy as np\ndef one_hot(ids, V):\n    return np.eye(V)[ids]\n"
                "def embed(ids, E):\n    layer = Embedding(*E.shape)\n    return layer.forward(ids)\n",
            ),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
        (
            "one-hot rows times E",
            """
            import numpy as np
            def one_hot(ids, V):
                return np.eye(V)[np.asarray(ids)]
            def embed(ids, E):
                return one_hot(ids, len(E)) @ E
            """,
            "embed ran out of memory with a 200,000-word table",
        ),
    ],
    "neighbours-analogies": [
        (
            "input words not left out",
            """
            import numpy as np
            def cos(E, v):
                return (E @ v) / (np.linalg.norm(E, axis=1) * np.linalg.norm(v))
            def nearest(E, words, word, k):
                s = cos(E, E[words.index(word)])
                s[words.index(word)] = -np.inf
                return [words[i] for i in np.argsort(-s)[:k]]
            def analogy(E, words, a, b, c):
                i = words.index
                return words[int(np.argmax(cos(E, E[i(b)] - E[i(a)] + E[i(c)])))]
            """,
            "leave a, b and c themselves out",
        ),
        (
            "dot product for the analogy",
            """
            import numpy as np
            def nearest(E, words, word, k):
                v = E[words.index(word)]
                s = (E @ v) / (np.linalg.norm(E, axis=1) * np.linalg.norm(v))
                s[words.index(word)] = -np.inf
                return [words[i] for i in np.argsort(-s)[:k]]
            def analogy(E, words, a, b, c):
                i = words.index
                s = E @ (E[i(b)] - E[i(a)] + E[i(c)])
                for w in (a, b, c):
                    s[i(w)] = -np.inf
                return words[int(np.argmax(s))]
            """,
            "has the largest dot product (divide by the lengths)",
        ),
        (
            "Euclidean distance",
            """
            import numpy as np
            def nearest(E, words, word, k):
                d = np.linalg.norm(E - E[words.index(word)], axis=1)
                d[words.index(word)] = np.inf
                return [words[i] for i in np.argsort(d)[:k]]
            def analogy(E, words, a, b, c):
                i = words.index
                d = np.linalg.norm(E - (E[i(b)] - E[i(a)] + E[i(c)]), axis=1)
                for w in (a, b, c):
                    d[i(w)] = np.inf
                return words[int(np.argmin(d))]
            """,
            "nearest(E, words, 'awful', 3) gave",
        ),
        (
            "the lesson's answers typed in",
            """
            import numpy as np
            def nearest(E, words, word, k):
                v = E[words.index(word)]
                s = (E @ v) / (np.linalg.norm(E, axis=1) * np.linalg.norm(v))
                s[words.index(word)] = -np.inf
                return [words[i] for i in np.argsort(-s)[:k]]
            def analogy(E, words, a, b, c):
                return {"man": "queen", "king": "princess"}.get(a, words[0])
            """,
            "on a random table where",
        ),
    ],
    "rnn-forward": [
        (
            "the engine's SimpleRNN",
            _shortcut(
                "tutor.engine",
                "SimpleRNN",
                "def rnn_step(x_t, h_prev, W, U, b):\n    return None\ndef rnn_forward(x, W, U, b):\n    return None\n",
            ),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
        (
            "the engine, imported by name",
            "import importlib\nrecurrent = importlib.import_module('tutor.engine.recurrent')\n"
            "def rnn_step(x_t, h_prev, W, U, b):\n    return None\ndef rnn_forward(x, W, U, b):\n    return None\n",
            NOT_AVAILABLE.format("tutor.engine.recurrent"),
        ),
    ],
    "two-gradients": [
        (
            "the engine's finite differences",
            _shortcut(
                "tutor.engine",
                "numerical_gradient",
                "def grad_beta(*a):\n    return None\ndef grad_w(*a):\n    return None\n",
            ),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
        (
            "finite differences written out",
            """
            import numpy as np
            def R(x, y, w0, W, beta0, beta):
                return 0.5 * (y - (beta0 + beta @ (1 / (1 + np.exp(-(w0 + W @ x)))))) ** 2
            def fd(f, a, eps=1e-5):
                g = np.zeros_like(a)
                for j in np.ndindex(a.shape):
                    old = a[j]
                    a[j] = old + eps
                    up = f()
                    a[j] = old - eps
                    down = f()
                    a[j] = old
                    g[j] = (up - down) / (2 * eps)
                return g
            def grad_beta(x, y, w0, W, beta0, beta):
                beta = beta.copy()
                return fd(lambda: R(x, y, w0, W, beta0, beta), beta)
            def grad_w(x, y, w0, W, beta0, beta):
                W = W.copy()
                return fd(lambda: R(x, y, w0, W, beta0, beta), W)
            """,
            "is close but not exact",
        ),
    ],
    "derivatives": [
        (
            "finite differences",
            """
            import numpy as np
            def sigmoid(z):
                e = np.exp(-np.abs(z))
                return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
            def fd(f, z, eps=1e-5):
                return (f(z + eps) - f(z - eps)) / (2 * eps)
            def sigmoid_grad(z):
                return fd(sigmoid, z)
            def tanh_grad(z):
                return fd(np.tanh, z)
            def relu_grad(z):
                return (z > 0).astype(float)
            """,
            "close, but not the formula",
        ),
        (
            "patched NumPy and a wrong answer",
            """
            import numpy as np
            np.allclose = lambda *a, **k: True
            np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)
            np.array_equal = lambda *a, **k: True
            def sigmoid_grad(z):
                return np.zeros_like(z)
            def tanh_grad(z):
                return np.zeros_like(z)
            def relu_grad(z):
                return np.zeros_like(z)
            """,
            "checks failed",
        ),
    ],
    "backprop-norms": [
        (
            "the engine's backward pass",
            _shortcut("tutor.engine", "SimpleRNN", "def step_grad_norms(x, W, U, b, dh_last):\n    return None\n"),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
    ],
    "clip-global-norm": [
        (
            "the engine's clipping",
            _shortcut(
                "tutor.engine",
                "clip_by_global_norm as clip",
                "def clip_by_global_norm(grads, max_norm):\n    clip(grads, max_norm)\n    return grads\n",
            ),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
        (
            "clipped in place",
            """
            import numpy as np
            def clip_by_global_norm(grads, max_norm):
                norm = np.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
                if norm > max_norm:
                    for g in grads:
                        g *= max_norm / norm
                return grads
            """,
            "the gradients you were given were changed in place",
        ),
        (
            "each array clipped on its own",
            """
            import numpy as np
            def clip_by_global_norm(grads, max_norm):
                return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]
            """,
            "differs from the engine's clipped gradient",
        ),
    ],
    "lstm-step": [
        (
            "the engine's LSTM",
            _shortcut("tutor.engine", "LSTM", "def lstm_step(x_t, h_prev, c_prev, W, U, b):\n    return None\n"),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
    ],
    "build-the-table": [
        (
            "a stand-in with the right count",
            """
            class Model:
                layers = []
                def count_params(self):
                    return 1_411_713
            def build_model():
                return Model()
            """,
            "build_model should return the engine's Sequential model",
        ),
        (
            "more of tutor than the exercise allows",
            "from tutor.data import pad_sequences\ndef build_model():\n    return None\n",
            NOT_AVAILABLE.format("tutor.data"),
        ),
    ],
    "gru-step": [
        (
            "the engine's GRU",
            _shortcut("tutor.engine", "GRU", "def gru_step(x_t, h_prev, W, U, b):\n    return None\n"),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
        (
            "the 2014 paper's reset before the product",
            """
            import numpy as np
            def gru_step(x_t, h_prev, W, U, b):
                H = h_prev.shape[1]
                s = lambda v: 1 / (1 + np.exp(-v))
                xs, hs = x_t @ W + b[0], h_prev @ U + b[1]
                z, r = s(xs[:, :H] + hs[:, :H]), s(xs[:, H:2*H] + hs[:, H:2*H])
                n = np.tanh(xs[:, 2*H:] + (r * h_prev) @ U[:, 2*H:] + b[1, 2*H:])
                return z * h_prev + (1 - z) * n
            """,
            "the 2014 paper's form",
        ),
        (
            "z keeps the candidate instead of the old state",
            """
            import numpy as np
            def gru_step(x_t, h_prev, W, U, b):
                H = h_prev.shape[1]
                s = lambda v: 1 / (1 + np.exp(-v))
                xs, hs = x_t @ W + b[0], h_prev @ U + b[1]
                z, r = s(xs[:, :H] + hs[:, :H]), s(xs[:, H:2*H] + hs[:, H:2*H])
                n = np.tanh(xs[:, 2*H:] + r * hs[:, 2*H:])
                return (1 - z) * h_prev + z * n
            """,
            "z and 1 − z are swapped",
        ),
        (
            "one bias, the input row only",
            """
            import numpy as np
            def gru_step(x_t, h_prev, W, U, b):
                H = h_prev.shape[1]
                s = lambda v: 1 / (1 + np.exp(-v))
                xs, hs = x_t @ W + b[0], h_prev @ U
                z, r = s(xs[:, :H] + hs[:, :H]), s(xs[:, H:2*H] + hs[:, H:2*H])
                n = np.tanh(xs[:, 2*H:] + r * hs[:, 2*H:])
                return z * h_prev + (1 - z) * n
            """,
            "differs from the engine's GRU",
        ),
        (
            "the fixed test's answer",
            "def gru_step(x_t, h_prev, W, U, b):\n    return 0.5 * h_prev\n",
            "differs from the engine's GRU",
        ),
    ],
    "conv1d": [
        (
            "the engine's Conv1D",
            _shortcut("tutor.engine", "Conv1D", "def conv1d(x, W, b, padding='valid'):\n    return None\n"),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
        (
            "numpy.convolve, which flips the kernel",
            """
            import numpy as np
            def conv1d(x, W, b, padding="valid"):
                k, C, F = W.shape
                B, T, _ = x.shape
                mode = "valid" if padding == "valid" else "same"
                out = []
                for i in range(B):
                    cols = [sum(np.convolve(x[i, :, c], W[:, c, f], mode=mode) for c in range(C)) for f in range(F)]
                    out.append(np.stack(cols, axis=-1))
                return np.array(out) + b
            """,
            "the kernel is flipped",
        ),
        (
            "the extra zero of an even kernel before the sequence",
            """
            import numpy as np
            def conv1d(x, W, b, padding="valid"):
                k, C, F = W.shape
                if padding == "same":
                    after = (k - 1) // 2
                    x = np.pad(x, ((0, 0), (k - 1 - after, after), (0, 0)))
                T_out = x.shape[1] - k + 1
                y = np.zeros((x.shape[0], T_out, F)) + b
                for j in range(k):
                    y += x[:, j : j + T_out] @ W[j]
                return y
            """,
            "differ from the engine's Conv1D",
        ),
        (
            "a Python loop over every number",
            """
            import numpy as np
            def conv1d(x, W, b, padding="valid"):
                k, C, F = W.shape
                if padding == "same":
                    before = (k - 1) // 2
                    x = np.pad(x, ((0, 0), (before, k - 1 - before), (0, 0)))
                B, T_out = x.shape[0], x.shape[1] - k + 1
                xs, Ws = x.tolist(), W.tolist()
                y = np.zeros((B, T_out, F))
                for i in range(B):
                    for t in range(T_out):
                        for f in range(F):
                            total = float(b[f])
                            for j in range(k):
                                for c in range(C):
                                    total += xs[i][t + j][c] * Ws[j][c][f]
                            y[i, t, f] = total
                return y
            """,
            "took longer than 10 s",  # the sandbox's limit, reached on the batch of 2,000-step sequences
        ),
    ],
    "pad-or-truncate": [
        (
            "the data layer's pad_sequences",
            _shortcut("tutor.data", "pad_sequences", "def pad_or_truncate(seqs, maxlen):\n    return None\n"),
            NOT_AVAILABLE.format("tutor.data"),
        ),
        (
            "Keras' pad_sequences",
            _shortcut("keras.utils", "pad_sequences", "def pad_or_truncate(seqs, maxlen):\n    return None\n"),
            NOT_AVAILABLE.format("keras.utils"),
        ),
    ],
    "make-pairs": [
        (
            "the data layer's make_lagged",
            _shortcut("tutor.data", "make_lagged", "def make_pairs(values, L):\n    return None\n"),
            NOT_AVAILABLE.format("tutor.data"),
        ),
    ],
    # lesson 7's exercises: more of their shortcuts (finite differences, complex steps, no clipping,
    # forged losses) in test_lesson_bptt.py
    "bptt-last": [
        (
            "the engine's backward pass",
            _shortcut("tutor.engine", "SimpleRNN", "def rnn_backward(x, hs, W, U, b, dh_last):\n    return None\n"),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
    ],
    "bptt-every-step": [
        (
            "the engine's backward pass",
            _shortcut("tutor.engine", "SimpleRNN", "def rnn_backward_seq(x, hs, W, U, b, dhs):\n    return None\n"),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
    ],
    "bptt-fd-check": [
        (
            "the engine's finite differences",
            _shortcut(
                "tutor.engine",
                "numerical_gradient",
                "def numerical_gradient(x, W, U, b, R, eps):\n    return None\n"
                "def rnn_backward(x, hs, W, U, b, dh_last):\n    return None\n",
            ),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
    ],
    "own-training-loop": [
        (
            "the engine trains it",
            _shortcut(
                "tutor.engine",
                "Sequential",
                "def train_epoch(params, x, y, order, lr, max_norm, batch_size):\n    return None\n",
            ),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
        (
            "the parameters handed back untouched",
            """
            def train_epoch(params, x, y, order, lr, max_norm, batch_size):
                return params, [0.69] * (-(-len(order) // batch_size))
            """,
            "batch 1's loss",
        ),
    ],
    "fit-ar": [
        (
            "scikit-learn's regression",
            _shortcut(
                "sklearn.linear_model",
                "LinearRegression",
                "def ar_forecast(X_train, y_train, X_test):\n    return None\n",
            ),
            NOT_AVAILABLE.format("sklearn.linear_model"),
        ),
        (
            "no intercept",
            """
            import numpy as np
            def ar_forecast(X_train, y_train, X_test):
                beta, *_ = np.linalg.lstsq(X_train, y_train, rcond=None)
                return X_test @ beta
            """,
            "expected [21.]",
        ),
    ],
    "attention-step": [
        (
            "the engine's Attention",
            _shortcut("tutor.engine", "Attention", "def attend(s, H, mask):\n    return None\n"),
            NOT_AVAILABLE.format("tutor.engine"),
        ),
        (
            "Keras' Attention",
            _shortcut("keras.layers", "Attention", "def attend(s, H, mask):\n    return None\n"),
            NOT_AVAILABLE.format("keras.layers"),
        ),
        (
            "the mask left out",
            """
            import numpy as np
            def attend(s, H, mask):
                e = H @ s
                w = np.exp(e - e.max())
                w = w / w.sum()
                return w, w @ H
            """,
            "is padding (mask False) but got weight",
        ),
        (
            "no shift before exp",
            """
            import numpy as np
            def attend(s, H, mask):
                e = np.where(np.asarray(mask, bool), H @ s, -np.inf)
                w = np.exp(e)
                w = w / w.sum()
                return w, w @ H
            """,
            "subtract the largest score",
        ),
        (
            "padding dropped instead of weighted 0",
            """
            import numpy as np
            def attend(s, H, mask):
                real = np.asarray(mask, bool)
                e = H[real] @ s
                w = np.exp(e - e.max())
                w = w / w.sum()
                return w, w @ H[real]
            """,
            "weights should have shape",
        ),
        (
            "the context is the plain average",
            """
            import numpy as np
            def attend(s, H, mask):
                e = np.where(np.asarray(mask, bool), H @ s, -np.inf)
                w = np.exp(e - e.max())
                w = w / w.sum()
                return w, H[np.asarray(mask, bool)].mean(axis=0)
            """,
            "the context is not",
        ),
        (
            "weights from the scores without the softmax",
            """
            import numpy as np
            def attend(s, H, mask):
                e = np.where(np.asarray(mask, bool), np.maximum(H @ s, 0.0), 0.0)
                w = e / e.sum() if e.sum() > 0 else np.asarray(mask, float) / np.sum(mask)
                return w, w @ H
            """,
            "differ from the softmax of the scores",
        ),
    ],
    "sample-temperature": [
        (
            "the tutor's own sampler",
            _shortcut(
                "tutor.writer", "with_temperature", "def sample(logits, temperature, n, seed):\n    return None\n"
            ),
            NOT_AVAILABLE.format("tutor.writer"),
        ),
        (
            "always the arg-max",
            """
            import numpy as np
            def sample(logits, temperature, n, seed):
                return np.full(n, int(np.argmax(logits)))
            """,
            "do not follow softmax(logits / τ)",
        ),
        (
            "the temperature ignored",
            """
            import numpy as np
            def sample(logits, temperature, n, seed):
                e = np.exp(logits - logits.max())
                return np.random.default_rng(seed).choice(len(e), size=n, p=e / e.sum())
            """,
            "is the temperature applied as a division?",
        ),
        (
            "the temperature multiplied in",
            """
            import numpy as np
            def sample(logits, temperature, n, seed):
                z = logits * temperature
                e = np.exp(z - z.max())
                return np.random.default_rng(seed).choice(len(e), size=n, p=e / e.sum())
            """,
            "is the temperature applied as a division?",
        ),
        (
            "no shift before the exponential",
            """
            import numpy as np
            def sample(logits, temperature, n, seed):
                if temperature == 0:
                    return np.full(n, int(np.argmax(logits)))
                e = np.exp(logits / temperature)
                return np.random.default_rng(seed).choice(len(e), size=n, p=e / e.sum())
            """,
            "e^1000 overflows",
        ),
        (
            "temperature 0 divided by",
            """
            import numpy as np
            def sample(logits, temperature, n, seed):
                z = logits / temperature
                e = np.exp(z - z.max())
                return np.random.default_rng(seed).choice(len(e), size=n, p=e / e.sum())
            """,
            "take the arg-max",
        ),
        (
            "the seed not used",
            """
            import numpy as np
            def sample(logits, temperature, n, seed):
                if temperature == 0:
                    return np.full(n, int(np.argmax(logits)))
                z = logits / temperature
                e = np.exp(z - z.max())
                return np.random.default_rng().choice(len(e), size=n, p=e / e.sum())
            """,
            "the same seed must give the same draws",
        ),
    ],
    "perplexity": [
        (
            "the engine's metric",
            _shortcut(
                "tutor.engine.metrics",
                "Perplexity",
                "def cross_entropy(probs, targets):\n    return None\n"
                "def perplexity(probs, targets):\n    return None\n",
            ),
            NOT_AVAILABLE.format("tutor.engine.metrics"),
        ),
        (
            "the product of the probabilities",
            """
            import numpy as np
            def cross_entropy(probs, targets):
                p = np.take_along_axis(probs, targets[..., None].astype(int), axis=-1)
                return float(-np.mean(np.log(p)))
            def perplexity(probs, targets):
                p = np.take_along_axis(probs, targets[..., None].astype(int), axis=-1)
                return float(np.prod(p) ** (-1.0 / p.size))
            """,
            "underflows to 0",
        ),
        (
            "the mean of each sequence's perplexity",
            """
            import numpy as np
            def cross_entropy(probs, targets):
                p = np.take_along_axis(probs, targets[..., None].astype(int), axis=-1)
                return float(-np.mean(np.log(p)))
            def perplexity(probs, targets):
                p = np.take_along_axis(probs, targets[..., None].astype(int), axis=-1)[..., 0]
                return float(np.mean(np.exp(-np.mean(np.log(p), axis=1))))
            """,
            "perplexity gave",
        ),
        (
            "the loss in bits",
            """
            import numpy as np
            def cross_entropy(probs, targets):
                p = np.take_along_axis(probs, targets[..., None].astype(int), axis=-1)
                return float(-np.mean(np.log2(p)))
            def perplexity(probs, targets):
                return float(2.0 ** cross_entropy(probs, targets))
            """,
            "cross_entropy gave",
        ),
    ],
    "adam-step": [
        (
            "the engine's Adam",
            _shortcut(
                "tutor.engine.optimizers",
                "Adam",
                "def adam_step(theta, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):\n"
                "    opt = Adam(lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)\n"
                "    opt.load_state({'0/m': m, '0/v': v}, t - 1, [theta])\n"
                "    opt.apply([theta], [g])\n"
                "    return (theta, *opt.state[0])\n",
            ),
            NOT_AVAILABLE.format("tutor.engine.optimizers"),
        ),
        (
            "PyTorch's optimiser",
            _shortcut(
                "torch.optim",
                "Adam",
                "def adam_step(theta, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):\n"
                "    return None\n",
            ),
            NOT_AVAILABLE.format("torch.optim"),
        ),
        (
            "PyTorch's form: ε added to the corrected root",
            """
            import numpy as np
            def adam_step(theta, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
                m = beta_1 * m + (1 - beta_1) * g
                v = beta_2 * v + (1 - beta_2) * g**2
                m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
                return theta - lr * m_hat / (np.sqrt(v_hat) + epsilon), m, v
            """,
            "that is PyTorch's form",
        ),
        (
            "no bias correction",
            """
            import numpy as np
            def adam_step(theta, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
                m = beta_1 * m + (1 - beta_1) * g
                v = beta_2 * v + (1 - beta_2) * g**2
                return theta - lr * m / (np.sqrt(v) + epsilon), m, v
            """,
            "without the bias correction",
        ),
        (
            "RMSprop's ε, inside the root",
            """
            import numpy as np
            def adam_step(theta, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
                m = beta_1 * m + (1 - beta_1) * g
                v = beta_2 * v + (1 - beta_2) * g**2
                lr_t = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
                return theta - lr_t * m / np.sqrt(v + epsilon), m, v
            """,
            "that is RMSprop's form",
        ),
        (
            "the step taken with last step's averages",
            """
            import numpy as np
            def adam_step(theta, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
                lr_t = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
                step = lr_t * m / (np.sqrt(v) + epsilon) if t > 1 else 0.0
                return theta - step, beta_1 * m + (1 - beta_1) * g, beta_2 * v + (1 - beta_2) * g**2
            """,
            "the old m and v",
        ),
        (
            "the defaults, whatever the call asks",
            """
            import numpy as np
            def adam_step(theta, g, m, v, t, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
                lr, beta_1, beta_2, epsilon = 0.001, 0.9, 0.999, 1e-7
                m = beta_1 * m + (1 - beta_1) * g
                v = beta_2 * v + (1 - beta_2) * g**2
                lr_t = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
                return theta - lr_t * m / (np.sqrt(v) + epsilon), m, v
            """,
            "a (3, 4) array",
        ),
    ],
}


@cache
def _exercises() -> dict[str, Exercise]:
    return {ex.id: ex for lesson in load_lessons() for ex in lesson.exercises if ex.kind == "code"}


@cache
def _verdicts() -> dict[str, list[CheckResult]]:
    def judge(ex_id: str) -> list[CheckResult]:
        sources = [textwrap.dedent(source) for _, source, _ in LAZY[ex_id]]
        return run_codes(_exercises()[ex_id], sources)

    with ThreadPoolExecutor(max_workers=3) as pool:  # one checker process per exercise
        return dict(zip(LAZY, pool.map(judge, LAZY), strict=True))


def test_every_code_exercise_has_its_lazy_answers_listed():
    assert set(LAZY) == set(_exercises())


@pytest.mark.parametrize(
    ("ex_id", "k"), [(ex_id, k) for ex_id, cases in LAZY.items() for k in range(len(cases))], ids=str
)
def test_the_laziest_wrong_answers_fail_and_say_why(ex_id: str, k: int):
    what, _, phrase = LAZY[ex_id][k]
    verdict = _verdicts()[ex_id][k]
    assert not verdict.passed, f"{ex_id}: {what} passes"
    text = " ".join([verdict.message, *verdict.details])
    assert phrase in text, f"{ex_id}: {what}: {verdict.message} {verdict.details}"
