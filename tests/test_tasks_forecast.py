"""NYSE: the linear baselines reproduce the book's test R², the RNN trains, the lag varies."""

import math

import numpy as np
import pytest

from tutor.tasks import forecast, registry


@pytest.mark.parametrize(("model", "published"), [("ar", 0.41), ("ar-dow", 0.46), ("naive", 0.18)])
def test_baselines_reproduce_the_published_test_r2(model, published):
    result = registry.run({"task": "nyse", "model": model})
    assert result.metrics["test_r2"] == pytest.approx(published, abs=0.01)
    assert result.metrics["val_r2"] == result.metrics["test_r2"]  # the test days validate
    assert result.epochs == 0 and result.history["val_r2"] == [result.metrics["val_r2"]]


def test_r2_is_one_minus_rss_over_tss():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert forecast.r2(y, y) == 1.0
    assert forecast.r2(y, np.full(4, y.mean())) == 0.0
    assert forecast.r2(y, y + 1) == pytest.approx(1 - 4 / 5)


def test_saved_ar_model_predicts_like_the_least_squares_fit():
    result = registry.run({"task": "nyse", "model": "ar-dow"})
    data = forecast.load()
    features, names = forecast.ar_features(data, day_of_week=True)
    assert len(names) == features.shape[1] == 19
    fit = forecast.fit_ar(data, day_of_week=True)
    pred = result.trained.predict(features).ravel()
    np.testing.assert_allclose(pred, fit.predict(features), atol=1e-4)


def test_lag_is_a_parameter():
    result = registry.run({"task": "nyse", "model": "ar", "lag": 2})
    assert result.config["lag"] == 2
    assert 0.3 < result.metrics["test_r2"] < 0.45
    cfg = registry.resolve({"task": "nyse", "model": "rnn", "lag": 3})
    assert registry.get_task("nyse").load(cfg).x_train.shape[1:] == (3, 3)


def test_short_rnn_run_reports_a_finite_r2():
    result = registry.run({"task": "nyse", "model": "rnn", "epochs": 3})
    layers = [type(layer).__name__ for layer in result.trained.layers]
    assert layers == ["SimpleRNN", "Dropout", "Dense"] and result.trained.layers[0].units == 12
    assert result.epochs == 3 and len(result.history["val_r2"]) == 3
    assert math.isfinite(result.metrics["test_r2"]) and result.metrics["test_r2"] > 0.0
