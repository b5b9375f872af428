"""NYSE daily trading statistics (bundled) and the course's lagged set-up for forecasting volume."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tutor import paths

COLUMNS = ("DJ_return", "log_volume", "log_volatility")
TARGET = "log_volume"
DAYS = ("mon", "tues", "wed", "thur", "fri")  # the spelling used in the CSV's day_of_week
# The CSV's training days run to 1979-12-31 and its test days from 1980 (ISLR2's split). The
# course holds out the last four training years as a validation period, to choose settings on
# without looking at the test years: models are fitted on 1962-1975 and scored on 1976-1979.
VALIDATION_FROM = np.datetime64("1976-01-01")


@dataclass
class NyseSeries:
    """The whole series, one row per trading day, with the three columns standardised."""

    dates: np.ndarray  # datetime64[D]
    day_of_week: np.ndarray  # int8, 0 = Monday .. 4 = Friday
    values: np.ndarray  # (T, 3) float64 in COLUMNS order, each column mean 0, std 1
    raw: np.ndarray  # (T, 3) the values as read
    train: np.ndarray  # bool, the CSV's own train/test split
    mean: np.ndarray  # (3,) what was subtracted
    std: np.ndarray  # (3,) what was divided by


@dataclass
class NyseLagged:
    """Input-output pairs: the last ``lags`` days of all three series -> log_volume today."""

    X: np.ndarray  # (N, L, 3): X[k, j] is day t-L+j, oldest first, for the RNN
    y: np.ndarray  # (N,): standardised log_volume on day t
    dates: np.ndarray  # (N,) day t
    train: np.ndarray  # (N,) bool
    day_of_week: np.ndarray  # (N, 5) float64 one-hot of day t, columns Monday..Friday
    lags: int

    @property
    def val(self) -> np.ndarray:
        """(N,) bool: the validation period, training days from VALIDATION_FROM on (1976-1979)."""
        return np.asarray(self.train & (self.dates >= VALIDATION_FROM))

    @property
    def fit(self) -> np.ndarray:
        """(N,) bool: the days models are fitted on, the training days before the validation period."""
        return np.asarray(self.train & ~self.val)

    @property
    def X_flat(self) -> np.ndarray:
        """``(N, 3L)`` for the linear AR model: oldest day first, the three columns per day."""
        return self.X.reshape(len(self.X), -1)


def nyse_csv() -> Path:
    """The bundled CSV (assets/NYSE.csv, from the ISLP package)."""
    return paths.assets_dir() / "NYSE.csv"


def load_nyse(path: str | os.PathLike[str] | None = None) -> NyseSeries:
    """Read the CSV with the stdlib and standardise each column over the whole series.

    As the course (ISLR2 and the ISLP lab) does, mean and std come from all days, train and
    test alike; std is the population one (ddof=0, like scikit-learn's StandardScaler).
    """
    with open(path or nyse_csv(), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError("the NYSE file holds no rows")
    dates = np.array([r["date"] for r in rows], dtype="datetime64[D]")
    day = np.array([DAYS.index(r["day_of_week"]) for r in rows], dtype=np.int8)
    raw = np.array([[float(r[c]) for c in COLUMNS] for r in rows], dtype=np.float64)
    train = np.array([r["train"].strip().upper() == "TRUE" for r in rows], dtype=bool)
    mean, std = raw.mean(axis=0), raw.std(axis=0)
    return NyseSeries(dates, day, (raw - mean) / std, raw, train, mean, std)


def make_lagged(series: NyseSeries, lags: int = 5) -> NyseLagged:
    """Pair days t-L..t-1 of all three columns with log_volume on day t, dropping the first L."""
    values = series.values
    T = len(values)
    if not 1 <= lags < T:
        raise ValueError(f"lags must be between 1 and {T - 1}, got {lags}")
    # windows[k] = values[k : k+L], the L days before day k+L
    windows = np.lib.stride_tricks.sliding_window_view(values, lags, axis=0)[: T - lags]
    X = np.ascontiguousarray(windows.transpose(0, 2, 1))  # (N, 3, L) -> (N, L, 3)
    target = slice(lags, None)
    return NyseLagged(
        X=X,
        y=values[target, COLUMNS.index(TARGET)].copy(),
        dates=series.dates[target],
        train=series.train[target],
        day_of_week=np.eye(len(DAYS))[series.day_of_week[target]],
        lags=lags,
    )


def load_nyse_lagged(lags: int = 5) -> NyseLagged:
    """The bundled data in the course's set-up: 6,046 pairs for L = 5 (4,276 train, 1,770 test).

    Of the 4,276 training pairs, 3,266 (1962-1975) are for fitting and 1,010 (1976-1979) validate.
    """
    return make_lagged(load_nyse(), lags)


def autocorrelation(series: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocorrelation at lags 0..max_lag (the usual biased estimator; lag 0 is 1)."""
    x = np.asarray(series, dtype=np.float64)
    if not 0 <= max_lag < len(x):
        raise ValueError(f"max_lag must be between 0 and {len(x) - 1}, got {max_lag}")
    x = x - x.mean()
    denom = float(x @ x)
    if denom == 0.0:
        raise ValueError("autocorrelation of a constant series is undefined")
    return np.array([float(x[: len(x) - k] @ x[k:]) / denom for k in range(max_lag + 1)])
