"""The reversal task: an encoder-decoder writes a digit string backwards, with or without attention.

The source is a string of 1 to ``max_len`` digits; the target is the same digits in reverse
order. An encoder reads the source; a decoder, started from the encoder's final state, writes
the target one digit at a time. While training, the decoder reads the true previous digit
(teacher forcing): its input is GO followed by the target shifted by one. When it is used, it
reads its own previous guess (greedy decoding, `decode`).

Without attention, everything the decoder knows about the source is the encoder's final state,
a fixed number of numbers however long the string is; with attention (Luong's dot product, the
engine's `Attention`), every decoder step also reads a weighted average of all the encoder's
states, weighted by how well each matches the decoder's own state.

The figure the lesson reads is the share of validation strings reversed exactly, decoding
greedily (``val_accuracy``, after every epoch), and the same share for each length
(``val_accuracy_len1`` ...) at the end of the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from tutor.tasks import settings as s
from tutor.tasks.base import Progress, RunConfig, RunResult, Task, TaskData, recurrent_layer, tell
from tutor.tasks.fitting import check_activations, clip, train_and_score
from tutor.tasks.settings import Setting, Settings

if TYPE_CHECKING:
    from tutor.engine import Callback, Model

PAD, GO = 0, 11  # token 0 pads; digits d are tokens d + 1; GO starts the decoder
VOCAB = 12
MAX_LENGTH = 40  # digits: the greedy decoder's cost grows with the square of the length
MAX_STRINGS = 200_000
SOURCE, TARGET_IN = "source", "target_in"  # the model's two inputs, by name


@dataclass
class Pairs:
    """Source strings and their reversals as token ids, padded with 0 at the end to ``max_len``."""

    source: np.ndarray  # (n, max_len) int64
    target_in: np.ndarray  # (n, max_len): GO, then the target shifted by one (teacher forcing)
    target_out: np.ndarray  # (n, max_len): the target
    lengths: np.ndarray  # (n,)

    def inputs(self) -> dict[str, np.ndarray]:
        return {SOURCE: self.source, TARGET_IN: self.target_in}


def encode(digits: str) -> np.ndarray:
    """A digit string as token ids; ValueError (one line) for anything but digits."""
    text = digits.strip()
    if not text:
        raise ValueError("type at least one digit")
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"only the digits 0-9 can be reversed, got {digits.strip()!r}")
    return np.array([int(ch) + 1 for ch in text], dtype=np.int64)


def decode_ids(ids: Sequence[int] | np.ndarray) -> str:
    """Token ids back to text: digits as themselves, GO as '^', padding as '_'."""
    return "".join(str(int(i) - 1) if 1 <= i <= 10 else ("^" if i == GO else "_") for i in ids)


def pairs_from_digits(digits: np.ndarray, lengths: np.ndarray, max_len: int) -> Pairs:
    """Pairs for digit rows ``digits[i, :lengths[i]]`` (values 0-9)."""
    n = len(lengths)
    source = np.zeros((n, max_len), np.int64)
    target_in = np.zeros((n, max_len), np.int64)
    target_out = np.zeros((n, max_len), np.int64)
    steps = np.arange(max_len)
    real = steps[None, :] < lengths[:, None]
    source[real] = digits[:, :max_len][real] + 1
    # the reversal of row i: position t holds source position lengths[i] - 1 - t
    back = np.clip(lengths[:, None] - 1 - steps[None, :], 0, max_len - 1)
    target_out[real] = np.take_along_axis(source, back, axis=1)[real]
    target_in[:, 0] = GO
    target_in[:, 1:] = target_out[:, :-1]
    target_in[~real] = PAD
    return Pairs(source, target_in, target_out, lengths.astype(np.int64))


def make_data(n: int, max_len: int = 10, seed: int = 0, min_len: int = 1) -> Pairs:
    """``n`` random digit strings, lengths uniform in [min_len, max_len], and their reversals."""
    if n < 1 or not 1 <= min_len <= max_len:
        raise ValueError("the reversal task needs n >= 1 and 1 <= min_len <= max_len")
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, size=n)
    digits = rng.integers(0, 10, size=(n, max_len))
    return pairs_from_digits(digits, lengths, max_len)


def build_model(
    kind: str = "LSTM", attention: bool = True, units: int = 32, embed_dim: int = 16, seed: int = 0
) -> Model:
    """Encoder and decoder of one recurrent layer each; with attention, the decoder's states query
    the encoder's, and the output reads each decoder state beside its context."""
    from tutor.engine import Attention, Concatenate, Dense, Embedding, Input, Model

    layer = recurrent_layer(kind)
    source = Input((None,), name=SOURCE, dtype="int64")
    target_in = Input((None,), name=TARGET_IN, dtype="int64")
    encoded = layer(units, return_sequences=True, return_state=True, name="encoder")(
        Embedding(VOCAB, embed_dim, mask_zero=True, name="source_embedding")(source)
    )
    enc_seq, states = encoded[0], encoded[1:]
    dec_seq = layer(units, return_sequences=True, name="decoder")(
        Embedding(VOCAB, embed_dim, mask_zero=True, name="target_embedding")(target_in), initial_state=states
    )
    if attention:
        context = Attention(name="attention")([dec_seq, enc_seq])
        dec_seq = Concatenate(name="state_and_context")([dec_seq, context])
    out = Dense(VOCAB, activation="softmax", name="next_digit")(dec_seq)
    return Model({SOURCE: source, TARGET_IN: target_in}, out, name="reverser", seed=seed)


def decode(model: Model, source: np.ndarray, lengths: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Greedy decoding: each output digit is the model's likeliest, read back as the next input.

    Returns (n, max_len) token ids; row i's first ``lengths[i]`` are the answer (the decoder
    writes as many digits as the source has). The whole decoder runs once per step on the prefix
    so far: a step's output depends only on the steps before it, so the later (padded) steps
    change nothing. Batches of strings of one length at a time: short strings take few steps.
    """
    source = np.asarray(source, np.int64)
    lengths = np.asarray(lengths, np.int64)
    out = np.zeros_like(source)
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        for start in range(0, len(rows), batch_size):
            part = rows[start : start + batch_size]
            src = source[part, :length]
            tin = np.zeros_like(src)
            tin[:, 0] = GO
            for t in range(length):
                probs = model.predict({SOURCE: src, TARGET_IN: tin}, batch_size=len(part))
                out[part, t] = probs[:, t].argmax(axis=-1)
                if t + 1 < length:
                    tin[:, t + 1] = out[part, t]
    return out


def exact(model: Model, pairs: Pairs) -> np.ndarray:
    """Per string: True where greedy decoding reverses it exactly."""
    got = decode(model, pairs.source, pairs.lengths)
    real = np.arange(pairs.source.shape[1])[None, :] < pairs.lengths[:, None]
    return np.asarray(((got == pairs.target_out) | ~real).all(axis=1))


def accuracy_by_length(model: Model, pairs: Pairs) -> dict[int, float]:
    """The share of strings reversed exactly, for each length present."""
    ok = exact(model, pairs)
    return {int(n): float(ok[pairs.lengths == n].mean()) for n in np.unique(pairs.lengths)}


def attention_weights(model: Model, digits: str) -> tuple[str, np.ndarray | None]:
    """Reverse ``digits`` greedily; the answer and the attention weights of the last pass.

    The weights are (output step, source step): row t is where the decoder looked while writing
    output digit t. None for a model without an ``Attention`` layer.
    """
    from tutor.engine import Attention

    ids = encode(digits)[None]
    got = decode(model, ids, np.array([ids.shape[1]]))
    layer = next((lay for lay in model.layers if isinstance(lay, Attention)), None)
    answer = decode_ids(got[0])
    if layer is None:
        return answer, None
    # the last pass of `decode` read the whole answer but its last digit: that pass's weights
    # are the ones each output digit was written with
    assert layer.attention_scores is not None
    return answer, np.array(layer.attention_scores[0], dtype=float)


def max_len_of(model: Model) -> int:
    """The longest string the model was trained on (its saved config), 10 if it does not say."""
    config = model.metadata.get("config", {}) if isinstance(model.metadata, Mapping) else {}
    return int(config.get("max_len", 10))


# -- the task -------------------------------------------------------------------------------------


class Reverse(Task):
    """Digit strings reversed by an encoder-decoder; attention on or off."""

    name = "reverse"
    title = "Reverse digits (encoder-decoder)"
    metric = "accuracy"
    models = ("LSTM", "GRU", "SimpleRNN")
    settings = Settings(
        (
            Setting(
                "attention", bool, False, "Let each decoder step attend to every encoder state (dot product).",
                "Attention",
            ),
            s.UNITS.but(default=32, help="Hidden units of the encoder and of the decoder."),
            Setting(
                "max_len", int, 10, "The longest string: lengths are uniform from 1 to this.", "Max. length",
                low=1, high=MAX_LENGTH, flag="--max-length",
            ),
            Setting("embed_dim", int, 16, "Numbers per digit in the embeddings.", "Embed. dim", low=1, high=256),
            s.N_TRAIN.but(default=4000, help="Training strings.", high=MAX_STRINGS),
            s.N_VAL.but(default=500, help="Validation strings (scored by greedy decoding).", high=MAX_STRINGS),
            s.OPTIMIZER.but(default="adam"),
            s.LR.but(default=0.01),
            s.CLIPNORM,
            s.EPOCHS.but(default=10, high=1000),
            s.BATCH_SIZE,
            s.SEED,
        )
    )  # fmt: skip
    notes = "random digit strings; val_accuracy: strings reversed exactly, decoding greedily"
    command = "reverse"
    command_help = (
        "Reverse digit strings with an encoder-decoder (--attention adds dot-product attention); "
        "val_accuracy is the share of validation strings reversed exactly."
    )
    command_defaults = MappingProxyType({"model": "LSTM"})

    def complete(self, model: str, values: dict[str, Any]) -> None:
        check_activations(values, 2 * int(values["max_len"]), int(values["embed_dim"]))

    def load(self, cfg: RunConfig) -> TaskData:
        seed, max_len = int(cfg["seed"]), int(cfg["max_len"])
        train = make_data(int(cfg["n_train"]), max_len=max_len, seed=seed)
        val = make_data(int(cfg["n_val"]), max_len=max_len, seed=seed + 1)
        return TaskData(
            train.inputs(),
            train.target_out,
            val.inputs(),
            val.target_out,
            "accuracy",
            info={"vocab": VOCAB, "max_len": max_len, "train": train, "val": val},
        )

    def build(self, cfg: RunConfig, data: TaskData) -> Model:  # type: ignore[override]
        model = build_model(
            cfg.model,
            attention=bool(cfg["attention"]),
            units=int(cfg["units"]),
            embed_dim=int(cfg["embed_dim"]),
            seed=int(cfg["seed"]),
        )
        # no training metric: the engine's would be per digit with the true previous digit given,
        # not the whole string written on its own, which is what val_accuracy counts
        model.compile("sparse_categorical_crossentropy", str(cfg["optimizer"]), lr=cfg["lr"], global_clipnorm=clip(cfg))
        return model

    def run(
        self,
        cfg: RunConfig,
        data: TaskData,
        callbacks: Sequence[Callback] = (),
        progress: Progress | None = None,
    ) -> RunResult:
        val: Pairs = data.info["val"]

        def evaluate(model: Any, x: Any, y: np.ndarray) -> dict[str, float]:
            loss = float(model.evaluate(x, y, batch_size=256, return_dict=True)["loss"])
            return {"loss": loss, "accuracy": float(exact(model, val).mean())}

        model = self.build(cfg, data)
        result = train_and_score(cfg, data, model, callbacks, progress, evaluate=evaluate)  # type: ignore[arg-type]
        if not result.diverged:
            tell(progress, "evaluate")
            for n, acc in accuracy_by_length(model, val).items():
                result.metrics[f"val_accuracy_len{n}"] = acc
        return result

    def metadata(self, cfg: RunConfig, data: TaskData) -> dict[str, Any]:
        return {**super().metadata(cfg, data), "input": "digits", "max_len": int(cfg["max_len"])}

    def label(self, cfg: Mapping[str, Any]) -> str:
        att = "+att" if cfg.get("attention") else "no att"
        return f"{cfg.get('model')} {cfg.get('units')}u {att} ≤{cfg.get('max_len')}"
