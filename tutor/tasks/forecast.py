"""NYSE trading volume, as the course forecasts it: the RNN and the linear baselines it beats.

Every model predicts today's standardised log volume from the previous ``lag`` days of the three
standardised series (DJ return, log volume, log volatility). The CSV's training days (to 1979)
are split in time: models are fitted on 1962-1975 and validated on 1976-1979, where settings
are compared (``val_r2``); the test days (1980-1986) are scored once, at the end of a run
(``test_r2``). R² = 1 - RSS/TSS, with TSS around the scored period's own mean.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tutor.tasks import settings as s
from tutor.tasks.base import RECURRENT, Progress, RunConfig, RunResult, Task, TaskData, recurrent_layer, tell
from tutor.tasks.fitting import check_activations, clip, dense_model
from tutor.tasks.settings import Setting, Settings

if TYPE_CHECKING:
    from tutor.data import NyseLagged
    from tutor.engine import Callback, Sequential

LAG = 5
MAX_LAG = 250  # trading days: a year of history per forecast

# the book's figures (ISLR2, section 10.5.2), test R²
PUBLISHED_R2 = {"SimpleRNN": 0.42, "ar": 0.41, "ar-dow": 0.46, "naive": 0.18}


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    """1 - RSS/TSS."""
    y, pred = np.ravel(y).astype(np.float64), np.ravel(pred).astype(np.float64)
    tss = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - pred) ** 2).sum()) / tss


def load(lag: int = LAG) -> NyseLagged:
    """The bundled series in the course's lagged set-up (``tutor.data.NyseLagged``)."""
    from tutor.data import load_nyse_lagged

    return load_nyse_lagged(lag)


@dataclass
class LinearFit:
    """A least-squares fit: intercept first, then one weight per feature."""

    weights: np.ndarray
    features: list[str]

    def predict(self, F: np.ndarray) -> np.ndarray:
        return np.asarray(self.weights[0] + F @ self.weights[1:])


def ar_features(data: NyseLagged, day_of_week: bool = False) -> tuple[np.ndarray, list[str]]:
    """The flattened lags (oldest day first), plus day-of-week indicators if asked.

    Monday's indicator is left out: the intercept already spans the five of them.
    """
    from tutor.data.nyse import COLUMNS, DAYS

    names = [f"{c}_lag{data.lags - j}" for j in range(data.lags) for c in COLUMNS]
    F = data.X_flat
    if day_of_week:
        F = np.column_stack([F, data.day_of_week[:, 1:]])
        names += list(DAYS[1:])
    return F, names


def fit_ar(data: NyseLagged, day_of_week: bool = False) -> LinearFit:
    """AR(L): least squares of today's log volume on the lags, over the fitting days (1962-1975)."""
    F, names = ar_features(data, day_of_week)
    A = np.column_stack([np.ones(len(F)), F])
    w, *_ = np.linalg.lstsq(A[data.fit], data.y[data.fit], rcond=None)
    return LinearFit(w, names)


def scores(data: NyseLagged, pred: np.ndarray) -> dict[str, float]:
    """R² of a forecast over the fitting days (``r2``), the validation period and the test days."""
    return {
        "r2": r2(data.y[data.fit], pred[data.fit]),
        "val_r2": r2(data.y[data.val], pred[data.val]),
        "test_r2": r2(data.y[~data.train], pred[~data.train]),
    }


def ar_r2(data: NyseLagged, day_of_week: bool = False) -> dict[str, float]:
    """Fitting, validation and test R² of the AR model."""
    F, _ = ar_features(data, day_of_week)
    return scores(data, fit_ar(data, day_of_week).predict(F))


def naive_r2(data: NyseLagged) -> dict[str, float]:
    """Yesterday's log volume as today's forecast: no fitting at all."""
    from tutor.data.nyse import COLUMNS

    return scores(data, data.X[:, -1, COLUMNS.index("log_volume")])


def build_rnn(
    units: int = 12,
    dropout: float = 0.1,
    kind: str = "SimpleRNN",
    seed: int = 0,
    lr: float | None = None,
    optimizer: str = "rmsprop",
    clipnorm: float | None = None,
) -> Sequential:
    """RNN(12) -> Dropout(0.1) -> Dense(1) on the (L, 3) lag window, as the ISLP lab builds it."""
    from tutor import engine

    layers = [recurrent_layer(kind)(units, input_dim=3)]
    if dropout > 0:
        layers.append(engine.Dropout(dropout))
    layers.append(engine.Dense(1))
    model = engine.Sequential(layers, name=f"nyse_{kind.lower()}", seed=seed)
    model.compile("mse", optimizer, ["r2"], lr=lr, global_clipnorm=clipnorm)
    return model


# -- the task -------------------------------------------------------------------------------------


class Nyse(Task):
    """Today's log trading volume from the last `lag` days: the course's RNN and its baselines."""

    name = "nyse"
    title = "NYSE trading volume"
    metric = "r2"
    models = (*RECURRENT, "ar", "naive")
    baselines = frozenset({"ar", "naive"})
    settings = Settings(
        (
            s.OPTIMIZER.but(models=RECURRENT),
            Setting(
                "day_of_week", bool, False, "Add the day of the week to the AR model's features.", "Day of week",
                models=frozenset({"ar"}), flag=None,  # `tutor train nyse --model ar-dow`
            ),
            s.UNITS.but(default=12, models=RECURRENT),
            Setting("lag", int, LAG, "Days of history each forecast reads.", "Lag (days)", low=1, high=MAX_LAG),
            s.DROPOUT.but(default=0.1, models=RECURRENT, help="Share of the RNN's outputs dropped while training."),
            s.LR.but(models=RECURRENT),
            s.CLIPNORM.but(models=RECURRENT),
            s.EPOCHS.but(default=200, models=RECURRENT),
            s.BATCH_SIZE.but(models=RECURRENT),
            s.SEED.but(models=RECURRENT),
        )
    )  # fmt: skip
    notes = "fitted on 1962-1975; val_r2 on 1976-1979 (compare settings on it); test_r2 on 1980-1986, at the end"
    command = "nyse"
    command_help = (
        "NYSE log trading volume, R² = 1 - RSS/TSS: fitted on 1962-1975, validation R² on 1976-1979, "
        "test R² on the test years (1980-1986)."
    )

    def complete(self, model: str, values: dict[str, Any]) -> None:
        if model in RECURRENT:
            check_activations(values, int(values["lag"]), 3)

    def load(self, cfg: RunConfig) -> TaskData:
        d = load(int(cfg["lag"]))
        test = ~d.train
        if cfg.model in RECURRENT:
            x_all = d.X
        else:
            x_all, _ = ar_features(d, bool(cfg.get("day_of_week")))
        return TaskData(
            x_all[d.fit],
            d.y[d.fit],
            x_all[d.val],
            d.y[d.val],
            "r2",
            x_test=x_all[test],
            y_test=d.y[test],
            info={"lag": d.lags, "lagged": d},
        )

    def build(self, cfg: RunConfig, data: TaskData) -> Sequential:
        if cfg.model not in RECURRENT:
            return super().build(cfg, data)
        return build_rnn(
            int(cfg["units"]),
            float(cfg["dropout"]),
            cfg.model,
            seed=int(cfg["seed"]),
            lr=float(cfg["lr"]),
            optimizer=str(cfg["optimizer"]),
            clipnorm=clip(cfg),
        )

    def run(
        self,
        cfg: RunConfig,
        data: TaskData,
        callbacks: Sequence[Callback] = (),
        progress: Progress | None = None,
    ) -> RunResult:
        if cfg.model in RECURRENT:  # validated on 1976-1979 each epoch; the test years once, at the end
            return super().run(cfg, data, callbacks, progress)
        started = time.perf_counter()
        tell(progress, "train")
        d: NyseLagged = data.info["lagged"]
        trained: Sequential | None = None
        if cfg.model == "naive":
            metrics: dict[str, float | int | None] = dict(naive_r2(d))
        else:
            dow = bool(cfg["day_of_week"])
            fit = fit_ar(d, dow)
            metrics = dict(ar_r2(d, dow))
            trained = dense_model(fit.weights[1:], float(fit.weights[0]), None, "nyse_ar_dow" if dow else "nyse_ar")
        return RunResult(
            config=cfg,
            metric="r2",
            metrics=metrics,
            history={k: [float(v)] for k, v in metrics.items() if k != "test_r2" and v is not None},
            epochs=0,
            sizes=data.sizes(),
            seconds=time.perf_counter() - started,
            trained=trained,
        )

    def metadata(self, cfg: RunConfig, data: TaskData) -> dict[str, Any]:
        return {**super().metadata(cfg, data), "lag": int(cfg["lag"])}

    def label(self, cfg: Mapping[str, Any]) -> str:
        model = cfg.get("model")
        if model in ("ar", "naive"):
            return f"{model} lag={cfg.get('lag')}" + (" +day" if cfg.get("day_of_week") else "")
        return f"{model} {cfg.get('units')}u lag={cfg.get('lag')}"
