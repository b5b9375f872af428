"""The lasso solver: known solutions, optimality conditions, the path, sparse input."""

import numpy as np
import pytest
import scipy.sparse as sp

from tutor.tasks.lasso import lambda_max, lasso, lasso_path, soft_threshold


def _orthogonal_design(n=60, p=6, seed=0):
    """Centred columns with XᵀX/n = I: the squared-loss lasso is then soft-thresholding."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, p))
    a -= a.mean(axis=0)
    q, _ = np.linalg.qr(a)
    return np.sqrt(n) * q


def test_soft_threshold():
    np.testing.assert_array_equal(
        soft_threshold(np.array([-3.0, -0.5, 0.0, 0.5, 2.0]), 1.0), [-2.0, 0.0, 0.0, 0.0, 1.0]
    )


def test_squared_loss_matches_the_closed_form_on_an_orthogonal_design():
    X = _orthogonal_design()
    rng = np.random.default_rng(1)
    beta = np.array([2.0, -1.5, 0.0, 0.0, 0.3, 0.0])
    y = 3.0 + X @ beta + 0.1 * rng.standard_normal(len(X))
    for lam in (0.05, 0.5, 1.0):
        fit = lasso(X, y, lam, loss="squared", tol=1e-10)
        expected = soft_threshold(X.T @ (y - y.mean()) / len(y), lam)
        assert fit.converged
        np.testing.assert_allclose(fit.coef, expected, atol=1e-7)
        assert fit.intercept == pytest.approx(y.mean() - X.mean(axis=0) @ expected, abs=1e-7)
    # at λ = 0.5 the two small true coefficients are set exactly to zero
    assert np.flatnonzero(lasso(X, y, 0.5, loss="squared").coef).tolist() == [0, 1]


def _logistic_problem(seed=0, n=400, p=30):
    rng = np.random.default_rng(seed)
    X = (rng.random((n, p)) < 0.2).astype(float)  # sparse 0/1 columns, like bag-of-words
    beta = np.zeros(p)
    beta[[1, 4, 9]] = [2.5, -2.0, 1.5]
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta - 0.3)))).astype(float)
    return X, y, beta


def test_logistic_solution_meets_the_optimality_conditions():
    X, y, _ = _logistic_problem()
    lam = 0.02
    fit = lasso(sp.csr_matrix(X), y, lam, tol=1e-9, max_iter=20000)
    assert fit.converged
    p = 1 / (1 + np.exp(-(X @ fit.coef + fit.intercept)))
    g = X.T @ (p - y) / len(y)  # gradient of the mean log-loss
    assert abs((p - y).mean()) < 1e-7  # the free intercept: its gradient is zero
    on = fit.coef != 0
    # KKT: g_j = -λ sign(w_j) where w_j ≠ 0, |g_j| ≤ λ where w_j = 0
    np.testing.assert_allclose(g[on], -lam * np.sign(fit.coef[on]), atol=1e-6)
    assert np.all(np.abs(g[~on]) <= lam + 1e-6)


def test_logistic_lasso_finds_the_true_words_and_zero_above_lambda_max():
    X, y, beta = _logistic_problem(seed=3, n=2000)
    top = lambda_max(X, y)
    assert lasso(X, y, top * 1.01).nonzero == 0
    fit = lasso(X, y, top * 0.2)
    assert set(np.flatnonzero(fit.coef)) == set(np.flatnonzero(beta))
    assert np.all(np.sign(fit.coef[[1, 4, 9]]) == np.sign(beta[[1, 4, 9]]))


def test_path_warm_starts_agree_with_cold_solves_and_callback_stops():
    X, y, _ = _logistic_problem(seed=5)
    fits = lasso_path(sp.csr_matrix(X), y, n_lambdas=8, ratio=0.05, tol=1e-9, max_iter=20000)
    assert [f.lam for f in fits] == sorted((f.lam for f in fits), reverse=True)
    assert fits[0].nonzero == 0 and fits[-1].nonzero > fits[1].nonzero
    cold = lasso(X, y, fits[5].lam, tol=1e-9, max_iter=20000)
    np.testing.assert_allclose(fits[5].coef, cold.coef, atol=1e-5)
    seen = []
    lasso_path(X, y, n_lambdas=8, callback=lambda f: seen.append(f) or len(seen) == 3)
    assert len(seen) == 3


def test_bad_input():
    with pytest.raises(ValueError, match="labels 0 and 1"):
        lasso(np.eye(3), [0, 1, 2], 0.1)
    with pytest.raises(ValueError, match="rows"):
        lasso(np.eye(3), [0, 1], 0.1)
    with pytest.raises(ValueError, match="loss"):
        lasso(np.eye(3), [0, 1, 1], 0.1, loss="hinge")
