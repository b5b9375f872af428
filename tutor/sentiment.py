"""Sentiment of any review: the label, the probability of positive, and how it moved word by word.

    from tutor.sentiment import predict_text
    r = predict_text("A wonderful, moving film.")
    r["label"], r["probability"], r["tokens"], r["trajectory"], r["influence"]

The model is the bundled one (``assets/sentiment-model.npz``, loaded once per process) or any
IMDb model saved by ``tutor train imdb --out``. A recurrent model gives its answer after every
word (``Sequential.predict_steps``); a bag-of-words model (lasso, mlp) gives the answer it would
give to each prefix of the review. Kept free of Textual and Rich: the TUI's playground and the
fast ``tutor predict`` path both call these plain functions.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tutor.errors import TutorError

BUNDLED_NAME = "sentiment-model.npz"
TOP_WORDS = 5  # how many of the words that moved the prediction most are listed


@dataclass
class SentimentModel:
    """A loaded model with what it needs to read text: the vocabulary and the length it reads."""

    model: Any  # tutor.engine.Sequential
    vocab: Any  # tutor.data.Vocabulary
    maxlen: int
    input: str  # "sequence" (word ids, read in order) or "bag_of_words"
    path: Path
    start: float  # the output before reading any word (state or bag all zeros)
    # engine layers keep each forward pass's arrays on themselves: one reader at a time
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def masks_padding(self) -> bool:
        return bool(getattr(self.model.layers[0], "mask_zero", False))


def bundled_model_path() -> Path:
    """Where the bundled model lives (it may be missing from a broken installation)."""
    from tutor import paths

    return paths.assets_dir() / BUNDLED_NAME


_CACHE: dict[tuple[str, int, int], SentimentModel] = {}
_CACHE_LOCK = threading.Lock()


def load_model(path: str | os.PathLike[str] | None = None) -> SentimentModel:
    """Load (once per process and file version) the bundled model or a model saved by `tutor train`.

    Raises TutorError for a missing file or one that is not an IMDb model; ValueError for a
    file that is not a saved model at all, a corrupt one, or one saved in another format version.
    """
    p = Path(path).expanduser() if path is not None else bundled_model_path()
    if not p.is_file():
        if path is None:
            raise TutorError(
                f"the bundled sentiment model is missing ({p}): reinstall rnn-tutor, "
                "or pass --model with a model saved by `tutor train imdb --out`"
            )
        raise TutorError(f"no model file at {p}")
    stat = p.stat()
    key = (str(p.resolve()), stat.st_mtime_ns, stat.st_size)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    loaded = _load(p)
    with _CACHE_LOCK:
        _CACHE[key] = loaded
    return loaded


def _load(p: Path) -> SentimentModel:
    from tutor.data.vocab import Vocabulary
    from tutor.engine import Sequential

    try:
        model = Sequential.load(p)
    except ValueError as exc:
        raise ValueError(_load_error(p, exc)) from None
    meta = model.metadata
    if "vocab" not in meta or "maxlen" not in meta:
        raise TutorError(
            f"{p} is not a sentiment model (it has no vocabulary): "
            "save one with `tutor train imdb --model ... --out FILE.npz`"
        )
    try:
        vocab = Vocabulary.from_json(meta["vocab"])
        maxlen = int(meta["maxlen"])
    except (ValueError, TypeError) as exc:
        raise TutorError(f"{p} has a damaged vocabulary: {exc}") from None
    kind = meta.get("input", "sequence")
    if kind not in ("sequence", "bag_of_words"):
        raise TutorError(f"{p}: unknown input kind {kind!r}")
    loaded = SentimentModel(model, vocab, maxlen, kind, p, 0.5)
    loaded.start = _start_probability(loaded)
    return loaded


def _load_error(p: Path, exc: ValueError) -> str:
    """The engine's message, in plain words when the file is not a saved model at all.

    NumPy's own text (e.g. about pickled data for a text file) means nothing to a learner who
    picked the wrong file; a version or config problem keeps the engine's own message.
    """
    cause = exc.__context__  # the engine raises "from None": the original error is still here
    if isinstance(cause, OSError) and cause.strerror:  # e.g. no permission: the file is not the problem
        return f"cannot read {p}: {cause.strerror.lower()}"
    message = str(exc)
    if message.startswith((f"{p} is not a readable rnn-tutor model file", f"{p} is not an rnn-tutor model file")):
        return f"{p} is not an rnn-tutor model file (a .npz saved by `tutor train imdb --out`)"
    return message


def _start_probability(sm: SentimentModel) -> float:
    """The answer with nothing read yet: the layers after the reader, applied to a zero vector."""
    layers = sm.model.layers
    if sm.input == "bag_of_words":
        tail, width = layers, layers[0].input_dim
    else:
        from tutor.engine import GlobalAveragePooling1D, Recurrent

        last = max(i for i, layer in enumerate(layers) if isinstance(layer, Recurrent | GlobalAveragePooling1D))
        tail, width = layers[last + 1 :], layers[last].units if hasattr(layers[last], "units") else None
        if width is None:  # a pooling layer: the width is the recurrent layer's
            width = next(layer.units for layer in reversed(layers[:last]) if isinstance(layer, Recurrent))
    x = np.zeros((1, width), np.float32)
    for layer in tail:
        x = layer.forward(x, training=False)
    return float(np.ravel(x)[0])


# -- reading text -------------------------------------------------------------------------------


@dataclass
class Encoded:
    """A review as the model reads it."""

    tokens: list[str]  # the words read (the last maxlen)
    ids: np.ndarray  # their ids (1 for words outside the vocabulary)
    n_words: int  # words in the whole text
    truncated: bool


def encode_words(words: Sequence[str], n_words: int, sm: SentimentModel) -> Encoded:
    """A tokenised review (its words, or the last of them, and how many it has) for the model."""
    kept = list(words[-sm.maxlen :])  # as in training: the last maxlen words
    return Encoded(kept, np.asarray(sm.vocab.encode(kept), np.int32), n_words, n_words > sm.maxlen)


def _encode(text: str, sm: SentimentModel) -> Encoded:
    from tutor.data.text import tokenize

    if not isinstance(text, str):
        raise ValueError(f"expected the review as text, got {type(text).__name__}")
    tokens = tokenize(text)
    if not tokens:
        raise ValueError(
            "empty review: there are no words to read"
            if not text.strip()
            else "the review has no words to read (only punctuation or symbols)"
        )
    return encode_words(tokens, len(tokens), sm)


def predict_text(
    text: str, model: SentimentModel | str | os.PathLike[str] | None = None, top: int = TOP_WORDS
) -> dict[str, Any]:
    """Classify one review; returns label, probability, tokens, trajectory, truncated, influence.

    ``trajectory[t]`` is the probability of positive after reading ``tokens[: t + 1]``;
    ``influence`` lists the ``top`` words whose reading changed it most (``change`` is signed).
    Raises ValueError for an empty review; TutorError / ValueError for a bad model file.
    """
    return predict_texts([text], model, top=top)[0]


def predict_texts(
    texts: list[str],
    model: SentimentModel | str | os.PathLike[str] | None = None,
    top: int = TOP_WORDS,
    batch_size: int | None = None,
    trajectory: bool = True,
) -> list[dict[str, Any]]:
    """:func:`predict_text` for many reviews, in batches of similar length (fast for thousands).

    ``batch_size`` caps the reviews per batch (default: as many as fit MAX_BATCH and BATCH_CELLS).

    A review with no words raises ValueError (callers reading files check lines first).
    With ``trajectory=False`` only the final answers are computed (tokens and influence omitted).
    """
    sm = model if isinstance(model, SentimentModel) else load_model(model)
    return _predict_encoded(sm, [_encode(t, sm) for t in texts], top, trajectory, batch_size or MAX_BATCH)


_to_json = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: json.dumps builds one per call


def predict_json(
    encoded: Sequence[Encoded], sm: SentimentModel, top: int = TOP_WORDS, trajectory: bool = True
) -> list[str]:
    """:func:`predict_texts`' answers for reviews made by :func:`encode_words`, as JSON objects.

    The same fields, computed and formatted for the whole batch at once (for `tutor predict
    --file`, where one Python step per word or per review would cost more than the model):
    the influential words by one sort of all the batch's changes, and the trajectories, all in
    [0, 1], written with six decimals by one NumPy pass instead of one float repr per word.
    """
    if not encoded:
        return []
    read = _read_all(sm, encoded, trajectory, MAX_BATCH)
    finals = [float(traj[-1]) for traj, _ in read]
    heads = [
        f'{{"label": "{"positive" if p > 0.5 else "negative"}", "probability": {round(p, 6)!r}, '
        f'"truncated": {"true" if e.truncated else "false"}, "n_words": {e.n_words}'
        for e, p in zip(encoded, finals, strict=True)
    ]
    if not trajectory:
        return [head + "}" for head in heads]
    lengths = np.array([len(traj) for traj, _ in read])
    ends = np.cumsum(lengths)
    starts = ends - lengths
    flat = np.concatenate([traj for traj, _ in read]).astype(np.float64)
    begin = np.array([start for _, start in read], np.float64)
    change = np.empty_like(flat)
    change[1:] = np.diff(flat)
    change[starts] = flat[starts] - begin  # each review's first word: against its own start
    # the top words of every review in one sort: by review, then |change| down, then position
    review = np.repeat(np.arange(len(read)), lengths)
    position = np.arange(len(flat)) - np.repeat(starts, lengths)
    order = np.lexsort((position, -np.abs(change), review))
    rank = np.arange(len(flat)) - np.repeat(starts, lengths)  # rank within its review, in `order`
    chosen = order[rank < top]
    chosen_review = review[chosen].tolist()
    chosen_position = position[chosen].tolist()
    chosen_change = np.round(change[chosen], 6).tolist()
    unknown = np.add.reduceat((np.concatenate([e.ids for e in encoded]) == 1).astype(np.int64), starts).tolist()
    start_text = [round(b, 6) for b in begin.tolist()]
    trajectories = _fixed6(flat, ends)
    influence: list[list[str]] = [[] for _ in read]
    for r, i, c in zip(chosen_review, chosen_position, chosen_change, strict=True):
        word = _to_json(encoded[r].tokens[i])
        influence[r].append(f'{{"word": {word}, "index": {i}, "change": {c!r}}}')
    return [
        f'{head}, "tokens": {_to_json(e.tokens)}, "start": {b!r}, "unknown": {u}, '
        f'"influence": [{", ".join(words)}], "trajectory": [{text}]}}'
        for head, e, b, u, words, text in zip(heads, encoded, start_text, unknown, influence, trajectories, strict=True)
    ]


def _fixed6(values: np.ndarray, ends: np.ndarray) -> list[str]:
    """``values`` cut at ``ends`` as "0.123456,0.5,..." texts, six decimals, made in one pass.

    Every value in [0, 1] becomes 9 bytes ("d.dddddd,") of one uint8 array; a batch with a
    value outside [0, 1] (or not finite) is written by json instead.
    """
    starts = np.concatenate([[0], ends[:-1]])
    if not (np.all(np.isfinite(values)) and values.min() >= 0.0 and values.max() <= 1.0):
        rounded = np.round(values, 6)
        return [json.dumps(rounded[a:b].tolist())[1:-1] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    k = np.rint(values * 1e6).astype(np.int64)  # 0 ... 1,000,000
    chars = np.empty((len(k), 9), np.uint8)
    chars[:, 0] = 48 + k // 1_000_000
    chars[:, 1] = ord(".")
    k %= 1_000_000
    for column in range(7, 1, -1):
        chars[:, column] = 48 + k % 10
        k //= 10
    chars[:, 8] = ord(",")
    text = chars.tobytes().decode("ascii")
    return [text[9 * a : 9 * b - 1] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def _read_all(
    sm: SentimentModel, encoded: Sequence[Encoded], trajectory: bool, most: int
) -> list[tuple[np.ndarray, float]]:
    with sm.lock:
        if sm.input == "bag_of_words":
            return [(_bow_trajectory(sm, e.ids), sm.start) for e in encoded]
        return _sequence_trajectories(sm, encoded, trajectory, most)


def _predict_encoded(
    sm: SentimentModel, encoded: list[Encoded], top: int, trajectory: bool, most: int
) -> list[dict[str, Any]]:
    read = _read_all(sm, encoded, trajectory, most)
    return [_result(e, traj, start, top, trajectory) for e, (traj, start) in zip(encoded, read, strict=True)]


UNIFORM_BATCH = 32  # reviews of one length at least this many go in batches of their own, unmasked
BATCH_CELLS = 1 << 15  # reviews x words per batch: bounds the recurrent layer's work arrays (~30 MB)
MAX_BATCH = 1024  # most reviews per batch (short ones): fewer time steps of Python overhead


def _split(order: np.ndarray, lengths: np.ndarray, uniform: bool, most: int) -> list[tuple[np.ndarray, bool]]:
    """Consecutive pieces of ``order`` (sorted by length): at most ``most`` reviews, ~BATCH_CELLS words."""
    pieces: list[tuple[np.ndarray, bool]] = []
    start = 0
    while start < len(order):
        longest = int(lengths[order[min(start + most, len(order)) - 1]])  # sorted: the last is the longest
        rows = max(1, min(most, BATCH_CELLS // max(1, longest)))
        pieces.append((order[start : start + rows], uniform))
        start += rows
    return pieces


def _batches(lengths: np.ndarray, masked: bool, most: int) -> list[tuple[np.ndarray, bool]]:
    """(review indices, whether they all have one length) of each batch, shortest first.

    For a model that masks padding, reviews of one length that are common enough are batched
    together: with no padding in the batch, the mask cannot change anything and is left out
    (it costs about a tenth of the recurrent layer's time). The rest are batched by length.
    """
    order = np.argsort(lengths, kind="stable")
    if not masked:
        return _split(order, lengths, False, most)
    edges = np.flatnonzero(np.diff(lengths[order])) + 1
    batches: list[tuple[np.ndarray, bool]] = []
    rest: list[np.ndarray] = []
    for run in np.split(order, edges):
        if len(run) >= UNIFORM_BATCH:
            batches += _split(run, lengths, True, most)
        else:
            rest.append(run)
    if rest:
        batches += _split(np.concatenate(rest), lengths, False, most)
    return batches


@contextmanager
def _unmasked(sm: SentimentModel, uniform: bool) -> Iterator[None]:
    """Read a batch with no padding without computing a mask (the model's lock is held)."""
    first = sm.model.layers[0]
    if not (uniform and getattr(first, "mask_zero", False)):
        yield
        return
    first.mask_zero = False
    try:
        yield
    finally:
        first.mask_zero = True


def _sequence_trajectories(
    sm: SentimentModel, encoded: Sequence[Encoded], steps: bool, most: int
) -> list[tuple[np.ndarray, float]]:
    """Each review's output after every word (or only the final one) and before its first word.

    Batched by length. The output "before the first word" is the model's answer on an empty
    state, or, for a model that reads padding, its answer after the padding.
    """
    lengths = np.array([len(e.ids) for e in encoded])
    out: list[tuple[np.ndarray, float]] = [(np.empty(0), sm.start)] * len(encoded)
    widths = lengths if sm.masks_padding else np.full(len(lengths), sm.maxlen)
    for idx, uniform in _batches(widths, sm.masks_padding, most):
        # a model that masks padding reads the batch at its own longest length; one that does
        # not (the course's models) saw front padding to maxlen in training, so it gets the same
        width = int(lengths[idx].max()) if sm.masks_padding else sm.maxlen
        x = np.zeros((len(idx), width), np.int32)
        for row, i in enumerate(idx):
            x[row, width - lengths[i] :] = encoded[i].ids
        with _unmasked(sm, uniform):
            if steps:
                y = sm.model.predict_steps(x, batch_size=len(idx))[:, :, 0]
            else:
                y = sm.model.predict(x, batch_size=len(idx))[:, 0]
        if steps:
            for row, i in enumerate(idx):
                first = width - lengths[i]
                start = float(y[row, first - 1]) if first > 0 and not sm.masks_padding else sm.start
                out[i] = (y[row, first:], start)
        else:
            for row, i in enumerate(idx):
                out[i] = (y[row : row + 1], sm.start)
    return out


def _bow_trajectory(sm: SentimentModel, ids: np.ndarray) -> np.ndarray:
    """A bag-of-words model's answer for each prefix of the review, computed exactly and cheaply.

    The first Dense layer's input is a 0/1 bag, so its pre-activation for the prefix ending at
    word t is b + Σ W[j] over the distinct known words so far: a cumulative sum of rows.
    """
    from tutor.engine.activations import ACTIVATIONS

    first, rest = sm.model.layers[0], sm.model.layers[1:]
    W, b = first.params["W"], first.params["b"]
    counted = np.zeros(len(ids), bool)
    seen: set[int] = set()
    for t, j in enumerate(ids.tolist()):
        if j > 1 and j not in seen:  # ids 0 and 1 (padding, unknown) are not bag columns
            seen.add(j)
            counted[t] = True
    rows = np.where(counted[:, None], W[ids], 0.0)
    x = ACTIVATIONS[first.activation][0](np.cumsum(rows, axis=0, dtype=np.float64).astype(np.float32) + b)
    for layer in rest:
        x = layer.forward(x, training=False)
    return np.ravel(x)


def _result(
    e: Encoded, traj: np.ndarray, start: float, top: int, steps: bool, with_trajectory: bool = True
) -> dict[str, Any]:
    p = float(traj[-1])
    result: dict[str, Any] = {
        "label": "positive" if p > 0.5 else "negative",
        "probability": round(p, 6),
        "truncated": e.truncated,
        "n_words": e.n_words,
    }
    if not steps:
        return result
    # rounded in bulk (one NumPy call, not a round() per word); float64 first, so the printed
    # values are the short decimals (a float32 rounded to 6 places is not one)
    traj64 = traj.astype(np.float64)
    change = np.empty_like(traj64)
    change[0] = traj64[0] - start
    np.subtract(traj64[1:], traj64[:-1], out=change[1:])
    strongest = np.argsort(-np.abs(change), kind="stable")[: max(0, top)]
    result["tokens"] = e.tokens
    if with_trajectory:
        result["trajectory"] = np.round(traj64, 6).tolist()
    result.update(
        start=round(start, 6),
        unknown=int(np.count_nonzero(e.ids == 1)),
        influence=[
            {"word": e.tokens[i], "index": i, "change": c}
            for i, c in zip(strongest.tolist(), np.round(change[strongest], 6).tolist(), strict=True)
        ],
    )
    return result
