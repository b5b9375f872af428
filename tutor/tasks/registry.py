"""The tasks the tutor can train, behind one small interface shared by the TUI, lessons and CLI.

    spec = get_task("imdb")                     # title, metric, models, defaults
    cfg = resolve_config({"task": "imdb", "model": "lstm", "epochs": 2})
    data = load(cfg)                            # TaskData: arrays for the chosen model
    model = build(cfg, data)                    # a compiled engine Sequential (trained models)
    result = run(cfg, callbacks=[...])          # final metrics and history, for every model

Model names follow ``tutor.course.experiments`` (``SimpleRNN``, ``LSTM``, ``GRU``, ``lasso``,
``mlp``, ``ar``) plus ``naive``; the CLI's lower-case names (``rnn``, ``lstm``, ``ar-dow``, ...)
are aliases. Baselines (lasso, AR, naive) have no epochs but report in the same shape: their
``history`` holds one entry per logged quantity.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tutor.errors import TutorError

RECURRENT = ("SimpleRNN", "LSTM", "GRU")
BASELINES = ("lasso", "ar", "naive")

# lower-case and CLI spellings -> (model name, settings the alias implies)
MODEL_ALIASES: dict[str, tuple[str, dict[str, Any]]] = {
    "rnn": ("SimpleRNN", {}),
    "simplernn": ("SimpleRNN", {}),
    "simple_rnn": ("SimpleRNN", {}),
    "lstm": ("LSTM", {}),
    "gru": ("GRU", {}),
    "lasso": ("lasso", {}),
    "mlp": ("mlp", {}),
    "ar": ("ar", {"day_of_week": False}),
    "ar-dow": ("ar", {"day_of_week": True}),
    "ar_dow": ("ar", {"day_of_week": True}),
    "naive": ("naive", {}),
    "yesterday": ("naive", {}),
}
TASK_ALIASES = {"longdep": "long_dependency", "long-dependency": "long_dependency", "imdb-bow": "imdb_bow"}

Progress = Callable[[dict[str, Any]], "bool | None"]


@dataclass
class TaskData:
    """Arrays for one configured run: what the model reads (x) and the targets (y)."""

    x_train: Any
    y_train: np.ndarray
    x_val: Any
    y_val: np.ndarray
    metric: str  # "accuracy" or "r2": the epoch log key, with "val_" for the validation part
    x_test: Any = None
    y_test: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)  # e.g. the vocabulary, for saved models


@dataclass(frozen=True)
class TaskSpec:
    """What the dashboard, lessons and ``tutor train`` need to know about a task."""

    name: str
    title: str
    metric: str
    models: tuple[str, ...]
    defaults: Mapping[str, Any]  # shared settings
    model_defaults: Mapping[str, Mapping[str, Any]]  # per model, over the shared ones
    needs_download: bool = False
    notes: str = ""

    def default_config(self, model: str | None = None) -> dict[str, Any]:
        """The full default config for ``model`` (the task's first model if None)."""
        name = self.models[0] if model is None else canonical_model(model)[0]
        return {"task": self.name, "model": name, **self.defaults, **self.model_defaults.get(name, {})}


_RNN_TRAINING = {"optimizer": "rmsprop", "lr": 0.001, "clipnorm": 0.0, "seed": 0}

TASKS: dict[str, TaskSpec] = {
    "long_dependency": TaskSpec(
        name="long_dependency",
        title="Long dependency (the label is the first token)",
        metric="accuracy",
        models=RECURRENT,
        defaults={
            "units": 16,
            "seq_len": 20,
            "epochs": 10,
            "batch_size": 64,
            "n_train": 1024,
            "n_val": 256,
            "optimizer": "adam",
            "lr": 0.01,
            "clipnorm": 0.0,
            "seed": 0,
        },
        model_defaults={},
        notes="synthetic one-hot sequences; only a memory that spans seq_len steps beats chance",
    ),
    "imdb": TaskSpec(
        name="imdb",
        title="IMDb review sentiment",
        metric="accuracy",
        models=("lasso", "mlp", "SimpleRNN", "LSTM", "GRU"),
        defaults={"vocab_size": 10_000, "seq_len": 500, "seed": 0},
        model_defaults={
            "lasso": {},
            "mlp": {"units": 16, "epochs": 20, "batch_size": 512, **_RNN_TRAINING},
            **{
                m: {"embed_dim": 32, "units": 32, "epochs": 10, "batch_size": 128, "dropout": 0.0, **_RNN_TRAINING}
                for m in RECURRENT
            },
        },
        needs_download=True,
        notes="validation: a fixed 20% of the train split; lasso and mlp read bag-of-words rows",
    ),
    "imdb_bow": TaskSpec(
        name="imdb_bow",
        title="IMDb review sentiment from bags of words",
        metric="accuracy",
        models=("lasso", "mlp"),
        defaults={"vocab_size": 10_000, "seed": 0},
        model_defaults={"lasso": {}, "mlp": {"units": 16, "epochs": 20, "batch_size": 512, **_RNN_TRAINING}},
        needs_download=True,
    ),
    "nyse": TaskSpec(
        name="nyse",
        title="NYSE trading volume",
        metric="r2",
        models=("SimpleRNN", "LSTM", "GRU", "ar", "naive"),
        defaults={"lag": 5, "seed": 0},
        model_defaults={
            **{m: {"units": 12, "dropout": 0.1, "epochs": 200, "batch_size": 64, **_RNN_TRAINING} for m in RECURRENT},
            "ar": {"day_of_week": False},
            "naive": {},
        },
        notes="as in the course, the test days serve as validation data: val_r2 is the test R²",
    ),
}


# -- names and configs ---------------------------------------------------------------------------


def canonical_model(model: str) -> tuple[str, dict[str, Any]]:
    """The registry's name for ``model`` and the settings its alias implies (``ar-dow``)."""
    if model in RECURRENT or model in ("lasso", "mlp", "ar", "naive"):
        return model, {}
    key = str(model).strip().lower()
    if key in MODEL_ALIASES:
        name, implied = MODEL_ALIASES[key]
        return name, dict(implied)
    raise ValueError(f"unknown model {model!r}")


def get_task(name: str) -> TaskSpec:
    """The task called ``name`` (``longdep`` and other spellings accepted)."""
    key = TASK_ALIASES.get(str(name).lower(), str(name).lower())
    if key not in TASKS:
        raise ValueError(f"unknown task {name!r}: expected one of {', '.join(TASKS)}")
    return TASKS[key]


def resolve_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults filled in, names made canonical; raises ValueError for a model the task lacks."""
    if "task" not in config:
        raise ValueError("the config needs a 'task'")
    spec = get_task(config["task"])
    model, implied = canonical_model(config.get("model", spec.models[0]))
    if model not in spec.models:
        raise ValueError(f"model {model} does not apply to the {spec.name} task: pick one of {', '.join(spec.models)}")
    out = spec.default_config(model)
    out.update({k: v for k, v in config.items() if v is not None})
    out.update(task=spec.name, model=model, **implied)
    return out


def is_baseline(config: Mapping[str, Any]) -> bool:
    """True for models fitted in one go (lasso, AR, naive): no epochs, no engine training."""
    return canonical_model(config["model"])[0] in BASELINES


# -- data ---------------------------------------------------------------------------------------


def _imdb_subset(config: Mapping[str, Any]) -> tuple[int | None, float]:
    """``subset`` (reviews in all) or ``n_train`` + ``n_val`` -> subset size and held-out share."""
    from tutor.tasks.sentiment import VAL_FRACTION

    if config.get("n_train") or config.get("n_val"):
        n_train = int(config.get("n_train") or 0)
        n_val = int(config.get("n_val") or max(1, n_train // 4))
        if n_train < 1:
            raise ValueError("n_train must be at least 1")
        return n_train + n_val, n_val / (n_train + n_val)
    subset = config.get("subset")
    return (int(subset) if subset else None), VAL_FRACTION


def load(config: Mapping[str, Any]) -> TaskData:
    """The arrays ``config``'s model reads; TutorError (with what to do) if data is missing."""
    cfg = resolve_config(config)
    task, model = cfg["task"], cfg["model"]
    if task == "long_dependency":
        from tutor.tasks import longdep

        seed, length = int(cfg["seed"]), int(cfg["seq_len"])
        x, y = longdep.make_data(int(cfg["n_train"]), length=length, seed=seed)
        xv, yv = longdep.make_data(int(cfg["n_val"]), length=length, seed=seed + 1)
        return TaskData(x, y, xv, yv, "accuracy", info={"vocab": longdep.VOCAB, "seq_len": length})
    if task in ("imdb", "imdb_bow"):
        from tutor.tasks.sentiment import load_imdb

        subset, val_fraction = _imdb_subset(cfg)
        data = load_imdb(
            cfg.get("source"),
            subset=subset,
            max_words=int(cfg["vocab_size"]),
            maxlen=int(cfg.get("seq_len", 500)),
            val_fraction=val_fraction,
        )
        get = data.bag_of_words if model in ("lasso", "mlp") else data.sequences
        has_test = "test" in data.parts
        return TaskData(
            get("train"),
            data.y("train"),
            get("val"),
            data.y("val"),
            "accuracy",
            x_test=get("test") if has_test else None,
            y_test=data.y("test") if has_test else None,
            info={
                "vocab": data.vocab,
                "maxlen": data.maxlen,
                "source": data.source,
                "input": "bag_of_words" if model in ("lasso", "mlp") else "sequence",
            },
        )
    if task == "nyse":
        from tutor.tasks import forecast

        d = forecast.load(int(cfg["lag"]))
        test = ~d.train
        if model in RECURRENT:
            x_all = d.X
        else:
            x_all, _ = forecast.ar_features(d, bool(cfg.get("day_of_week")))
        return TaskData(
            x_all[d.train],
            d.y[d.train],
            x_all[test],
            d.y[test],
            "r2",
            x_test=x_all[test],
            y_test=d.y[test],
            info={"lag": d.lags, "lagged": d},
        )
    raise ValueError(f"no loader for task {task!r}")  # unreachable: get_task checked the name


# -- models --------------------------------------------------------------------------------------


def _clip(cfg: Mapping[str, Any]) -> float | None:
    clip = float(cfg.get("clipnorm") or 0.0)
    return clip if clip > 0 else None  # 0 in a form or lesson means "no clipping"


def build(config: Mapping[str, Any], data: TaskData | None = None):
    """A compiled engine model for ``config`` (baselines have none: ValueError)."""
    cfg = resolve_config(config)
    task, model, seed = cfg["task"], cfg["model"], int(cfg.get("seed", 0))
    lr, opt = cfg.get("lr"), str(cfg.get("optimizer", "rmsprop"))
    if model in BASELINES:
        raise ValueError(f"{model} is fitted directly, not trained by the engine: use run()")
    if task == "long_dependency":
        from tutor.tasks import longdep

        kind = {"SimpleRNN": "rnn", "LSTM": "lstm", "GRU": "gru"}[model]
        m = longdep.build_model(kind, units=int(cfg["units"]), seed=seed)
        m.compile("binary_crossentropy", opt, ["accuracy"], lr=lr, global_clipnorm=_clip(cfg))
        return m
    if task in ("imdb", "imdb_bow"):
        from tutor.tasks import sentiment

        vocab_size = len(data.info["vocab"]) if data is not None else int(cfg["vocab_size"])
        if model == "mlp":
            return sentiment.build_mlp(vocab_size, units=int(cfg["units"]), seed=seed, lr=lr)
        return sentiment.build_sequence_model(
            model,
            vocab_size,
            embed_dim=int(cfg["embed_dim"]),
            units=int(cfg["units"]),
            seed=seed,
            lr=lr,
            optimizer=opt,
            clipnorm=_clip(cfg),
            dropout=float(cfg.get("dropout") or 0.0),
            mask_zero=bool(cfg.get("mask_zero", False)),
            pool=str(cfg.get("pool", "last")),
        )
    if task == "nyse":
        from tutor.tasks import forecast

        return forecast.build_rnn(
            int(cfg["units"]),
            float(cfg.get("dropout") or 0.0),
            model,
            seed=seed,
            lr=lr,
            optimizer=opt,
            clipnorm=_clip(cfg),
        )
    raise ValueError(f"no models for task {task!r}")


def metadata(config: Mapping[str, Any], data: TaskData) -> dict[str, Any]:
    """What a saved model carries besides weights: enough for ``tutor predict`` to read text."""
    cfg = resolve_config(config)
    meta: dict[str, Any] = {
        "task": cfg["task"],
        "model": cfg["model"],
        "config": {k: v for k, v in cfg.items() if isinstance(v, int | float | str | bool)},
    }
    vocab = data.info.get("vocab")
    if vocab is not None and hasattr(vocab, "to_json"):
        meta.update(vocab=vocab.to_json(), maxlen=int(data.info["maxlen"]), input=data.info["input"])
    if cfg["task"] == "nyse":
        meta["lag"] = int(cfg["lag"])
    return meta


# -- running --------------------------------------------------------------------------------------


def run(
    config: Mapping[str, Any],
    callbacks: Iterable[Any] = (),
    progress: Progress | None = None,
    data: TaskData | None = None,
) -> dict[str, Any]:
    """Load, build, train (or fit) and score one configured model.

    Returns a dict: ``task``, ``model``, ``config``, ``metric``, ``metrics`` (final values, e.g.
    ``val_accuracy``, ``test_accuracy`` when a test split exists, ``test_r2`` for NYSE),
    ``history`` (per-epoch lists), ``epochs``, ``seconds``, ``interrupted``, ``diverged`` and
    ``trained`` (the engine model, or for baselines an engine model holding the fitted weights,
    which may be None for the naive forecast). ``callbacks`` go to the engine's ``fit``;
    ``progress(info)`` hears about stages (and the lasso path) and may return True to stop.
    Ctrl-C ends training early with ``interrupted`` set; the metrics are of the model as it is.
    """
    cfg = resolve_config(config)
    started = time.perf_counter()
    if data is None:
        _tell(progress, {"stage": "data", "task": cfg["task"]})
        data = load(cfg)
    if cfg["model"] == "lasso":
        result = _run_lasso(cfg, data, progress)
    elif cfg["model"] in ("ar", "naive"):
        result = _run_linear(cfg, data)
    else:
        result = _run_engine(cfg, data, callbacks, progress)
    result.update(
        task=cfg["task"], model=cfg["model"], config=cfg, metric=data.metric, seconds=time.perf_counter() - started
    )
    return result


def _tell(progress: Progress | None, info: dict[str, Any]) -> bool:
    return bool(progress(info)) if progress is not None else False


def _run_engine(cfg, data: TaskData, callbacks, progress) -> dict[str, Any]:
    model = build(cfg, data)
    _tell(progress, {"stage": "train", "epochs": int(cfg["epochs"])})
    # a model that masks padding gives the same answers on trimmed batches: train by length, faster
    by_length = cfg["task"] in ("imdb", "imdb_bow") and bool(cfg.get("mask_zero")) and data.info["input"] == "sequence"
    if by_length:
        from tutor.tasks.sentiment import evaluate_trimmed, fit_by_length

        fit, evaluate = fit_by_length, evaluate_trimmed
    else:
        fit, evaluate = type(model).fit, functools.partial(type(model).evaluate, return_dict=True)
    history = fit(
        model,
        data.x_train,
        data.y_train,
        epochs=int(cfg["epochs"]),
        batch_size=int(cfg["batch_size"]),
        validation_data=(data.x_val, data.y_val),
        seed=int(cfg.get("seed", 0)),
        callbacks=list(callbacks),
    )
    hist = {k: list(v) for k, v in history.history.items()}
    metric = data.metric
    metrics: dict[str, float] = {}
    complete = not history.interrupted and f"val_{metric}" in hist
    if complete:
        metrics.update({k: v[-1] for k, v in hist.items()})
    else:  # stopped mid-epoch: score the model as it stands
        _tell(progress, {"stage": "evaluate"})
        metrics.update({f"val_{k}": v for k, v in evaluate(model, data.x_val, data.y_val).items()})
    curve = hist.get(f"val_{metric}")
    if curve:  # the best epoch, as the course's figures read the peak of a validation curve
        best = int(np.nanargmax(curve)) if np.isfinite(curve).any() else 0
        metrics.update({f"best_val_{metric}": curve[best], "best_epoch": best + 1})
    if data.x_test is not None:
        if cfg["task"] == "nyse":  # the test days are the validation data (as in the course)
            metrics[f"test_{metric}"] = metrics[f"val_{metric}"]
        else:
            _tell(progress, {"stage": "test"})
            metrics.update({f"test_{k}": v for k, v in evaluate(model, data.x_test, data.y_test).items()})
    return {
        "metrics": _finite(metrics),
        "history": hist,
        "epochs": len(history.epoch),
        "interrupted": bool(history.interrupted),
        "diverged": bool(getattr(history, "diverged", False)),
        "trained": model,
        "step_grad_norms": history.step_grad_norms,
    }


def _finite(metrics: Mapping[str, float]) -> dict[str, float | int | None]:
    """Plain numbers for JSON: NaN and infinity become None, counts stay integers."""
    return {
        k: (v if isinstance(v, int) else float(v) if math.isfinite(v) else None)
        for k, v in metrics.items()
        if isinstance(v, int | float)
    }


def _dense_model(weights: np.ndarray, intercept: float, activation: str | None, name: str):
    """A one-layer engine model holding a fitted linear model, so it saves like any other."""
    from tutor.engine import Dense, Sequential

    model = Sequential([Dense(1, activation=activation, input_dim=len(weights))], name=name)
    model.set_weights([np.asarray(weights, np.float32).reshape(-1, 1), np.array([intercept], np.float32)])
    if activation == "sigmoid":
        model.compile("binary_crossentropy", "rmsprop", ["accuracy"])
    else:
        model.compile("mse", "rmsprop", ["r2"])
    return model


def _run_linear(cfg, data: TaskData) -> dict[str, Any]:
    from tutor.tasks import forecast

    d = data.info["lagged"]
    if cfg["model"] == "naive":
        scores = forecast.naive_r2(d)
        trained = None
    else:
        dow = bool(cfg.get("day_of_week"))
        fit = forecast.fit_ar(d, dow)
        scores = forecast.ar_r2(d, dow)
        trained = _dense_model(fit.weights[1:], float(fit.weights[0]), None, "nyse_ar_dow" if dow else "nyse_ar")
    metrics = {"r2": scores["r2"], "val_r2": scores["test_r2"], "test_r2": scores["test_r2"]}
    return {
        "metrics": metrics,
        "history": {k: [v] for k, v in metrics.items() if k != "test_r2"},
        "epochs": 0,
        "interrupted": False,
        "diverged": False,
        "trained": trained,
    }


def _run_lasso(cfg, data: TaskData, progress) -> dict[str, Any]:
    from tutor.tasks.lasso import lasso_path

    n_lambdas = int(cfg.get("n_lambdas", 30))
    patience = 5  # λ values past the best validation accuracy before the path stops
    path: list[dict[str, float]] = []
    best: dict[str, Any] = {}

    def after_each(fit) -> bool:
        acc = float(np.mean(fit.predict(data.x_val) == data.y_val))
        path.append({"lambda": fit.lam, "nonzero": fit.nonzero, "val_accuracy": acc, "iterations": fit.n_iter})
        if not best or acc > best["val_accuracy"]:
            best.update(val_accuracy=acc, fit=fit, index=len(path) - 1)
        stop = _tell(
            progress,
            {
                "stage": "lasso",
                "step": len(path),
                "steps": n_lambdas,
                "lambda": fit.lam,
                "nonzero": fit.nonzero,
                "val_accuracy": acc,
            },
        )
        return stop or len(path) - 1 - best["index"] >= patience

    interrupted = False
    try:
        lasso_path(data.x_train, data.y_train, n_lambdas=n_lambdas, ratio=1e-3, callback=after_each)
    except KeyboardInterrupt:
        interrupted = True  # keep the best λ found so far
    if not best:
        raise TutorError("the lasso was stopped before its first fit")
    fit = best["fit"]
    metrics = {
        "accuracy": float(np.mean(fit.predict(data.x_train) == data.y_train)),
        "val_accuracy": best["val_accuracy"],
        "lambda": fit.lam,
        "nonzero": float(fit.nonzero),
    }
    if data.x_test is not None:
        metrics["test_accuracy"] = float(np.mean(fit.predict(data.x_test) == data.y_test))
    history = {k: [v] for k, v in metrics.items() if not k.startswith("test_")}
    trained = _dense_model(fit.coef, fit.intercept, "sigmoid", "imdb_lasso")
    return {
        "metrics": metrics,
        "history": history,
        "path": path,
        "epochs": 0,
        "interrupted": interrupted,
        "diverged": False,
        "trained": trained,
    }
