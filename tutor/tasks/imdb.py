"""The IMDb tasks: reviews as word sequences, as bags of words, and the lasso on the bags of words.

All three read the same prepared reviews (`tutor.tasks.sentiment.load_imdb`, cached per process):
a fixed, stratified fifth of the training reviews held out for validation unless the run asks
for a smaller sample (`n_train`, `n_val`), the vocabulary built from the training part only.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tutor.errors import TutorError
from tutor.tasks import settings as s
from tutor.tasks.base import RECURRENT, Progress, RunConfig, RunResult, Task, TaskData, tell
from tutor.tasks.fitting import check_activations, clip, dense_model, train_and_score
from tutor.tasks.settings import Setting, SettingError, Settings

if TYPE_CHECKING:
    from tutor.engine import Callback, Sequential
    from tutor.tasks.lasso import LassoFit

MAX_VOCABULARY = 100_000
MAX_WORDS_READ = 10_000  # the longest review of the data set has under 2,500 words

# the settings every IMDb task shares: which reviews, how many words
VOCAB_SIZE = Setting(
    "vocab_size", int, 10_000, "Vocabulary ids (the two reserved ones included).", "Vocab size",
    low=3, high=MAX_VOCABULARY,
)  # fmt: skip
N_TRAIN = s.N_TRAIN.but(
    help="Training reviews to use, a stratified sample (default: all of the 20,000 not held out).",
    unset="all",
    high=25_000,
)
N_VAL = s.N_VAL.but(
    help="Validation reviews (default: the 5,000 held out; with a training size, a quarter of it).",
    unset="auto",
    high=25_000,
)
SUBSET = Setting(
    "subset", int, None, "Use this many reviews in all (quick runs).", low=10, high=25_000, form=False, lesson=False
)
SOURCE = Setting(
    "source", str, None, "aclImdb folder or .tar.gz (default: $TUTOR_IMDB).", flag="--data", form=False, lesson=False
)
DATA: tuple[Setting, ...] = (VOCAB_SIZE, N_TRAIN, N_VAL, SUBSET, SOURCE)

DATA_HELP = "run `tutor data download imdb` (84 MB) in a terminal, or set TUTOR_IMDB to an aclImdb folder or .tar.gz"


class ImdbTask(Task):
    """What the IMDb tasks share: the reviews, and checking which of them a run reads."""

    title = "IMDb review sentiment"
    metric = "accuracy"
    needs_download = True
    keeps_models = True
    input = "sequence"  # or "bag_of_words": what the model reads

    def complete(self, model: str, values: dict[str, Any]) -> None:
        n_train, n_val = values.get("n_train"), values.get("n_val")
        if n_train is None and n_val is not None:
            raise SettingError("n_val", "needs a training size as well (leave both unset for every review)")
        if n_train is not None and values.get("subset") is not None:
            raise SettingError("subset", "and a training size cannot both be set: pick one")
        if n_train is not None and n_val is None:
            values["n_val"] = max(1, int(n_train) // 4)

    def prepared(self, cfg: RunConfig) -> Any:
        """The prepared reviews (tutor.tasks.sentiment.ImdbData) for this run's settings."""
        from tutor.tasks.sentiment import VAL_FRACTION, load_imdb

        n_train, n_val = cfg.get("n_train"), cfg.get("n_val")
        if n_train is not None and n_val is not None:  # `complete` sets n_val with n_train
            total = int(n_train) + int(n_val)
            subset: int | None = total
            val_fraction = int(n_val) / total
        else:
            subset = None if cfg.get("subset") is None else int(cfg["subset"])
            val_fraction = VAL_FRACTION
        try:
            return load_imdb(
                cfg.get("source"),
                subset=subset,
                max_words=int(cfg["vocab_size"]),
                maxlen=int(cfg.get("seq_len") or 500),
                val_fraction=val_fraction,
            )
        except TutorError as exc:
            message = str(exc)
            raise TutorError(message if "tutor data download" in message else f"{message}: {DATA_HELP}") from None

    def load(self, cfg: RunConfig) -> TaskData:
        data = self.prepared(cfg)
        get = data.sequences if self.input == "sequence" else data.bag_of_words
        has_test = "test" in data.parts
        return TaskData(
            get("train"),
            data.y("train"),
            get("val"),
            data.y("val"),
            "accuracy",
            x_test=get("test") if has_test else None,
            y_test=data.y("test") if has_test else None,
            info={"vocab": data.vocab, "maxlen": data.maxlen, "source": data.source, "input": self.input},
        )

    def metadata(self, cfg: RunConfig, data: TaskData) -> dict[str, Any]:
        return {
            **super().metadata(cfg, data),
            "vocab": data.info["vocab"].to_json(),
            "maxlen": int(data.info["maxlen"]),
            "input": data.info["input"],
        }


class ImdbSequence(ImdbTask):
    """A review as its last `seq_len` word ids: Embedding -> recurrent layer -> sigmoid."""

    name = "imdb"
    models = RECURRENT
    settings = Settings(
        (
            s.OPTIMIZER,
            s.UNITS.but(default=32),
            Setting(
                "seq_len", int, 500, "Words read per review: the last ones, padded at the front.", "Seq. length",
                low=1, high=MAX_WORDS_READ,
            ),
            Setting("embed_dim", int, 32, "Word vector width.", "Embed dim", low=1, high=1024),
            *DATA,
            s.DROPOUT,
            s.LR,
            s.CLIPNORM,
            s.EPOCHS,
            s.BATCH_SIZE.but(default=128),
            s.SEED,
            Setting(
                "pool", str, "last", "Classify from the last hidden state, or their mean over the words.",
                choices=("last", "mean"), form=False, lesson=False,
            ),
            Setting(
                "mask_zero", bool, False, "Skip the padding (trains by length: faster).",
                flag="--mask-padding", form=False, lesson=False,
            ),
        )
    )  # fmt: skip

    def complete(self, model: str, values: dict[str, Any]) -> None:
        super().complete(model, values)
        check_activations(values, int(values["seq_len"]), int(values["embed_dim"]))

    def build(self, cfg: RunConfig, data: TaskData) -> Sequential:
        from tutor.tasks.sentiment import build_sequence_model

        return build_sequence_model(
            cfg.model,
            len(data.info["vocab"]),
            embed_dim=int(cfg["embed_dim"]),
            units=int(cfg["units"]),
            seed=int(cfg["seed"]),
            lr=float(cfg["lr"]),
            optimizer=str(cfg["optimizer"]),
            clipnorm=clip(cfg),
            dropout=float(cfg["dropout"]),
            mask_zero=bool(cfg["mask_zero"]),
            pool=str(cfg["pool"]),
        )

    def run(
        self,
        cfg: RunConfig,
        data: TaskData,
        callbacks: Sequence[Callback] = (),
        progress: Progress | None = None,
    ) -> RunResult:
        model = self.build(cfg, data)
        if cfg["mask_zero"]:  # a model that masks padding answers the same on trimmed batches: faster
            from tutor.tasks.sentiment import evaluate_trimmed, fit_by_length

            return train_and_score(cfg, data, model, callbacks, progress, fit=fit_by_length, evaluate=evaluate_trimmed)
        return train_and_score(cfg, data, model, callbacks, progress)

    def label(self, cfg: Mapping[str, Any]) -> str:
        return f"{cfg.get('model')} {cfg.get('units')}u T={cfg.get('seq_len')}"


class ImdbBagOfWords(ImdbTask):
    """A review as a 0/1 row over the vocabulary: two hidden ReLU layers and a sigmoid."""

    name = "imdb_bow"
    title = "IMDb sentiment from bags of words"
    models = ("mlp",)
    input = "bag_of_words"
    settings = Settings(
        (
            s.OPTIMIZER,
            s.UNITS.but(default=16),
            *DATA,
            s.LR,
            s.CLIPNORM,
            s.EPOCHS.but(default=20),
            s.BATCH_SIZE.but(default=512),
            s.SEED,
        )
    )

    def build(self, cfg: RunConfig, data: TaskData) -> Sequential:
        from tutor.tasks.sentiment import build_mlp

        return build_mlp(
            len(data.info["vocab"]),
            units=int(cfg["units"]),
            seed=int(cfg["seed"]),
            lr=float(cfg["lr"]),
            optimizer=str(cfg["optimizer"]),
            clipnorm=clip(cfg),
        )

    def label(self, cfg: Mapping[str, Any]) -> str:
        return f"mlp {cfg.get('units')}u {cfg.get('vocab_size')} words"


class ImdbLasso(ImdbTask):
    """L1-penalised logistic regression on the bags of words, λ chosen on the validation reviews."""

    name = "imdb_bow"
    title = "IMDb sentiment from bags of words"
    models = ("lasso",)
    baselines = frozenset({"lasso"})
    input = "bag_of_words"
    settings = Settings(
        (
            *DATA,
            Setting(
                "n_lambdas", int, 30, "Penalties λ on the path, from every weight zero down.",
                low=2, high=1000, flag=None, form=False, lesson=False,
            ),
        )
    )  # fmt: skip
    PATIENCE = 5  # λ values past the best validation accuracy before the path stops

    def run(
        self,
        cfg: RunConfig,
        data: TaskData,
        callbacks: Sequence[Callback] = (),
        progress: Progress | None = None,
    ) -> RunResult:
        from tutor.tasks.lasso import lasso_path

        started = time.perf_counter()
        steps = int(cfg["n_lambdas"])
        path: list[dict[str, float]] = []
        best: list[tuple[float, LassoFit, int]] = []  # (val accuracy, fit, index): the best so far

        def after_each(fit: LassoFit) -> bool:
            acc = float(np.mean(fit.predict(data.x_val) == data.y_val))
            path.append({"lambda": fit.lam, "nonzero": fit.nonzero, "val_accuracy": acc, "iterations": fit.n_iter})
            if not best or acc > best[0][0]:
                best[:] = [(acc, fit, len(path) - 1)]
            stop = tell(
                progress,
                "lasso",
                step=len(path),
                steps=steps,
                nonzero=fit.nonzero,
                val_accuracy=acc,
                **{"lambda": fit.lam},
            )
            return stop or len(path) - 1 - best[0][2] >= self.PATIENCE

        interrupted = False
        tell(progress, "train")
        try:
            lasso_path(data.x_train, data.y_train, n_lambdas=steps, ratio=1e-3, callback=after_each)
        except KeyboardInterrupt:
            interrupted = True  # keep the best λ found so far
        if not best:
            raise TutorError("the lasso was stopped before its first fit")
        val_accuracy, fit, _ = best[0]
        metrics: dict[str, float | int | None] = {
            "accuracy": float(np.mean(fit.predict(data.x_train) == data.y_train)),
            "val_accuracy": val_accuracy,
            "lambda": fit.lam,
            "nonzero": float(fit.nonzero),
        }
        if data.x_test is not None:
            metrics["test_accuracy"] = float(np.mean(fit.predict(data.x_test) == data.y_test))
        return RunResult(
            config=cfg,
            metric="accuracy",
            metrics=metrics,
            history={k: [float(v)] for k, v in metrics.items() if not k.startswith("test_") and v is not None},
            epochs=0,
            sizes=data.sizes(),
            seconds=time.perf_counter() - started,
            interrupted=interrupted,
            trained=dense_model(fit.coef, fit.intercept, "sigmoid", "imdb_lasso"),
            path=path,
        )

    def label(self, cfg: Mapping[str, Any]) -> str:
        return f"lasso {cfg.get('vocab_size')} words"
