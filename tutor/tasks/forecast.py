"""NYSE trading volume, as the course forecasts it: the RNN and the linear baselines it beats.

Every model predicts today's standardised log volume from the previous ``lag`` days of the three
standardised series (DJ return, log volume, log volatility), is fitted on the CSV's training
days, and is scored on its test days by R² = 1 - RSS/TSS (TSS around the test days' own mean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LAG = 5

# the book's figures (ISLR2, section 10.5.2), test R²
PUBLISHED_R2 = {"SimpleRNN": 0.42, "ar": 0.41, "ar-dow": 0.46, "naive": 0.18}


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    """1 - RSS/TSS."""
    y, pred = np.ravel(y).astype(np.float64), np.ravel(pred).astype(np.float64)
    tss = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - pred) ** 2).sum()) / tss


def load(lag: int = LAG):
    """The bundled series in the course's lagged set-up (``tutor.data.NyseLagged``)."""
    from tutor.data import load_nyse_lagged

    return load_nyse_lagged(lag)


@dataclass
class LinearFit:
    """A least-squares fit: intercept first, then one weight per feature."""

    weights: np.ndarray
    features: list[str]

    def predict(self, F: np.ndarray) -> np.ndarray:
        return self.weights[0] + F @ self.weights[1:]


def ar_features(data, day_of_week: bool = False) -> tuple[np.ndarray, list[str]]:
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


def fit_ar(data, day_of_week: bool = False) -> LinearFit:
    """AR(L): least squares of today's log volume on the lags, over the training days."""
    F, names = ar_features(data, day_of_week)
    A = np.column_stack([np.ones(len(F)), F])
    w, *_ = np.linalg.lstsq(A[data.train], data.y[data.train], rcond=None)
    return LinearFit(w, names)


def ar_r2(data, day_of_week: bool = False) -> dict[str, float]:
    """Train and test R² of the AR model."""
    fit = fit_ar(data, day_of_week)
    F, _ = ar_features(data, day_of_week)
    pred = fit.predict(F)
    return {"r2": r2(data.y[data.train], pred[data.train]), "test_r2": r2(data.y[~data.train], pred[~data.train])}


def naive_r2(data) -> dict[str, float]:
    """Yesterday's log volume as today's forecast: no fitting at all."""
    from tutor.data.nyse import COLUMNS

    pred = data.X[:, -1, COLUMNS.index("log_volume")]
    return {"r2": r2(data.y[data.train], pred[data.train]), "test_r2": r2(data.y[~data.train], pred[~data.train])}


def build_rnn(
    units: int = 12,
    dropout: float = 0.1,
    kind: str = "SimpleRNN",
    seed: int = 0,
    lr: float | None = None,
    optimizer: str = "rmsprop",
    clipnorm: float | None = None,
):
    """RNN(12) -> Dropout(0.1) -> Dense(1) on the (L, 3) lag window, as the ISLP lab builds it."""
    from tutor import engine

    layer_cls = {"SimpleRNN": engine.SimpleRNN, "LSTM": engine.LSTM, "GRU": engine.GRU}.get(kind)
    if layer_cls is None:
        raise ValueError(f"unknown recurrent layer {kind!r}: expected SimpleRNN, LSTM or GRU")
    layers = [layer_cls(units, input_dim=3)]
    if dropout > 0:
        layers.append(engine.Dropout(dropout))
    layers.append(engine.Dense(1))
    model = engine.Sequential(layers, name=f"nyse_{kind.lower()}", seed=seed)
    model.compile("mse", optimizer, ["r2"], lr=lr, global_clipnorm=clipnorm)
    return model
