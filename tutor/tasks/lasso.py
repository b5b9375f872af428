"""The lasso: L1-penalised logistic (or least-squares) regression, solved with NumPy and SciPy.

    minimise over w, b:   (1/n) Σ_i loss(y_i, x_i·w + b)  +  λ ‖w‖₁        (b is not penalised)

Solved by accelerated proximal gradient (FISTA with adaptive restart): a gradient step on the
smooth loss, then soft-thresholding, which is what sets most coefficients exactly to zero. Each
step costs two sparse matrix-vector products, so a 20,000 × 10,000 bag-of-words matrix is cheap.
A path of decreasing λ reuses each solution as the next start (warm starts), as glmnet does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit

LOSSES = ("logistic", "squared")

Matrix = Any  # a NumPy array or a SciPy sparse matrix (SciPy ships no type information)


@dataclass
class LassoFit:
    """One solution: coefficients, intercept, the λ it solves, and how the solver got there."""

    coef: np.ndarray
    intercept: float
    lam: float
    n_iter: int
    converged: bool
    loss: str = "logistic"

    @property
    def nonzero(self) -> int:
        return int(np.count_nonzero(self.coef))

    def decision_function(self, X: Matrix) -> np.ndarray:
        return np.asarray(X @ self.coef).ravel() + self.intercept

    def predict_proba(self, X: Matrix) -> np.ndarray:
        """P(y = 1) for the logistic loss (the fitted value itself for squared loss)."""
        z = self.decision_function(X)
        return np.asarray(expit(z)) if self.loss == "logistic" else z

    def predict(self, X: Matrix) -> np.ndarray:
        z = self.decision_function(X)
        return (z > 0).astype(np.float64) if self.loss == "logistic" else z


def soft_threshold(v: np.ndarray, t: float) -> np.ndarray:
    """sign(v)·max(|v| - t, 0): the proximal map of t‖·‖₁."""
    return np.asarray(np.sign(v) * np.maximum(np.abs(v) - t, 0.0))


class _Problem:
    """The data with its transpose in CSR form, so both products X·w and Xᵀ·r are fast."""

    def __init__(self, X: Matrix, y: Any, loss: str) -> None:
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}: expected one of {', '.join(LOSSES)}")
        self.X: Matrix = sp.csr_matrix(X, dtype=np.float64) if sp.issparse(X) else np.asarray(X, dtype=np.float64)
        if self.X.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {self.X.shape}")
        X_: Matrix = self.X
        self.XT: Matrix = X_.T.tocsr() if sp.issparse(X_) else np.ascontiguousarray(X_.T)
        self.y = np.asarray(y, dtype=np.float64).ravel()
        if len(self.y) != self.X.shape[0] or len(self.y) == 0:
            raise ValueError(f"X has {self.X.shape[0]} rows but y has {len(self.y)} values")
        if loss == "logistic" and not np.isin(self.y, (0.0, 1.0)).all():
            raise ValueError("the logistic lasso needs labels 0 and 1")
        self.loss = loss
        self.n = len(self.y)
        # Work with centred columns X - 1μᵀ (implicitly: the sparse matrix stays sparse). With the
        # intercept free this is the same problem, but far better conditioned: 0/1 word columns
        # share a large common direction that otherwise caps the step size.
        self.mu = np.asarray(self.X.mean(axis=0)).ravel()
        self.lipschitz = self._lipschitz()

    def matvec(self, w: np.ndarray) -> np.ndarray:
        return np.asarray(self.X @ w).ravel() - float(self.mu @ w)

    def rmatvec(self, r: np.ndarray) -> np.ndarray:
        return np.asarray(np.asarray(self.XT @ r).ravel() - self.mu * r.sum())

    def _lipschitz(self) -> float:
        """A bound on the gradient's Lipschitz constant: σ_max([X 1])² / n (× 1/4 if logistic)."""
        rng = np.random.default_rng(0)
        v = rng.standard_normal(self.X.shape[1] + 1)
        sigma2 = 1.0
        for _ in range(30):  # power iteration on [X 1]ᵀ[X 1]; converges fast enough for a bound
            v /= np.linalg.norm(v)
            u = self.matvec(v[:-1]) + v[-1]
            w = np.concatenate([self.rmatvec(u), [u.sum()]])
            sigma2 = float(np.linalg.norm(w))
            v = w
        scale = 0.25 if self.loss == "logistic" else 1.0
        return 1.05 * scale * sigma2 / self.n  # a little margin: the power iteration undershoots

    def value_and_residual(self, w: np.ndarray, b: float) -> tuple[float, np.ndarray]:
        """The mean loss and its derivative with respect to each row's score, over n."""
        z = self.matvec(w) + b
        if self.loss == "logistic":
            value = -np.mean(self.y * log_expit(z) + (1 - self.y) * log_expit(-z))
            return float(value), (expit(z) - self.y) / self.n
        r = z - self.y
        return float(0.5 * np.mean(r * r)), r / self.n

    def gradient(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float]:
        _, r = self.value_and_residual(w, b)
        return self.rmatvec(r), float(r.sum())

    def null_intercept(self) -> float:
        """The best intercept with every coefficient zero."""
        if self.loss == "logistic":
            p = min(max(self.y.mean(), 1e-12), 1 - 1e-12)
            return math.log(p / (1 - p))
        return float(self.y.mean())


def lambda_max(X: Matrix, y: Any, loss: str = "logistic") -> float:
    """The smallest λ at which every coefficient is zero: ‖Xᵀ(ŷ₀ - y)‖∞ / n."""
    prob = _Problem(X, y, loss)
    g, _ = prob.gradient(np.zeros(prob.X.shape[1]), prob.null_intercept())
    return float(np.abs(g).max())


def _solve(prob: _Problem, lam: float, w0: np.ndarray, b0: float, tol: float, max_iter: int) -> LassoFit:
    step = 1.0 / prob.lipschitz
    w, b = w0.copy(), float(b0)
    v, c = w.copy(), b  # the extrapolated point FISTA takes its gradient at
    t = 1.0
    converged = False
    k = 0
    while k < max_iter:
        k += 1
        gw, gb = prob.gradient(v, c)
        w_new = soft_threshold(v - step * gw, step * lam)
        b_new = c - step * gb
        # the proximal-gradient mapping: zero exactly at the optimum (the KKT conditions)
        gap = max(float(np.abs(w_new - v).max(initial=0.0)), abs(b_new - c)) / step
        if gap < tol:
            w, b, converged = w_new, b_new, True
            break
        # adaptive restart (O'Donoghue & Candès): drop the momentum when it points uphill
        if float((v - w_new) @ (w_new - w)) + (c - b_new) * (b_new - b) > 0:
            t = 1.0
        t_next = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
        beta = (t - 1.0) / t_next
        v = w_new + beta * (w_new - w)
        c = b_new + beta * (b_new - b)
        w, b, t = w_new, b_new, t_next
    # b is the intercept for centred columns; the caller's rows are not centred
    return LassoFit(w, b - float(prob.mu @ w), lam, k, converged, prob.loss)


def lasso(X: Matrix, y: Any, lam: float, loss: str = "logistic", tol: float = 1e-6, max_iter: int = 5000) -> LassoFit:
    """Solve the lasso for one λ (from zero coefficients and the best null intercept)."""
    if not lam >= 0:
        raise ValueError(f"lambda must be >= 0, got {lam!r}")
    prob = _Problem(X, y, loss)
    return _solve(prob, float(lam), np.zeros(prob.X.shape[1]), prob.null_intercept(), tol, max_iter)


def lasso_path(
    X: Matrix,
    y: Any,
    lambdas: Sequence[float] | None = None,
    n_lambdas: int = 30,
    ratio: float = 1e-3,
    loss: str = "logistic",
    tol: float = 1e-5,
    max_iter: int = 2000,
    callback: Callable[[LassoFit], bool | None] | None = None,
) -> list[LassoFit]:
    """Solutions for decreasing λ (default: n_lambdas log-spaced from λ_max down to ratio·λ_max).

    ``callback(fit)`` is called after each λ; returning True stops the path there (the caller
    may stop once validation accuracy has clearly peaked, or when asked to cancel).
    """
    prob = _Problem(X, y, loss)
    w, b = np.zeros(prob.X.shape[1]), prob.null_intercept()
    if lambdas is None:
        g, _ = prob.gradient(w, b)
        top = float(np.abs(g).max())
        lambdas = list(top * np.logspace(0.0, math.log10(ratio), n_lambdas))
    fits = []
    for lam in sorted((float(v) for v in lambdas), reverse=True):
        fit = _solve(prob, lam, w, b, tol, max_iter)
        fits.append(fit)
        w, b = fit.coef, fit.intercept + float(prob.mu @ fit.coef)  # back to the centred form
        if callback is not None and callback(fit):
            break
    return fits
