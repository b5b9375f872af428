"""The bundled NYSE data in the course's lagged set-up."""

import numpy as np
import pytest

from tutor.data import autocorrelation, load_nyse, load_nyse_lagged, make_lagged
from tutor.data.nyse import COLUMNS, nyse_csv


def test_bundled_with_attribution():
    assert nyse_csv().is_file()
    assert "BSD-3-Clause" in (nyse_csv().parent / "NYSE.md").read_text(encoding="utf-8")


def test_standardised_over_whole_series():
    s = load_nyse()
    assert s.values.shape == (6051, 3)
    np.testing.assert_allclose(s.values.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(s.values.std(axis=0), 1.0, rtol=1e-12)
    assert s.dates[0] == np.datetime64("1962-12-03") and s.dates[-1] == np.datetime64("1986-12-31")
    assert s.day_of_week[:5].tolist() == [0, 1, 2, 3, 4]  # 1962-12-03 was a Monday
    np.testing.assert_allclose(s.raw[0], [-0.004461, 0.032573, -13.1274025527484])


def test_course_counts_and_shapes():
    d = load_nyse_lagged()
    assert d.X.shape == (6046, 5, 3)
    assert d.X_flat.shape == (6046, 15)
    assert d.y.shape == d.dates.shape == d.train.shape == (6046,)
    assert int(d.train.sum()) == 4276 and int((~d.train).sum()) == 1770
    assert d.day_of_week.shape == (6046, 5)
    assert (d.day_of_week.sum(axis=1) == 1).all()


def test_the_validation_period_lies_inside_the_training_years():
    d = load_nyse_lagged()
    assert int(d.fit.sum()) == 3266 and int(d.val.sum()) == 1010
    assert not (d.fit & d.val).any() and ((d.fit | d.val) == d.train).all()  # the training years, split in two
    assert str(d.dates[d.fit].max()) == "1975-12-31" and str(d.dates[d.val].min()) == "1976-01-02"
    assert str(d.dates[d.val].max()) == "1979-12-31" and d.dates[d.val].max() < d.dates[~d.train].min()


def test_lag_alignment():
    s = load_nyse()
    d = make_lagged(s, lags=5)
    vol = COLUMNS.index("log_volume")
    for k in (0, 1, 2500, 6045):
        t = k + 5  # the day y[k] is about
        assert d.dates[k] == s.dates[t]
        assert d.y[k] == s.values[t, vol]
        np.testing.assert_array_equal(d.X[k, -1], s.values[t - 1])  # newest input: day t-1
        np.testing.assert_array_equal(d.X[k, 0], s.values[t - 5])  # oldest input: day t-L
        np.testing.assert_array_equal(d.X_flat[k, -3:], s.values[t - 1])
        assert d.day_of_week[k].argmax() == s.day_of_week[t]


def test_lag_is_a_parameter():
    d = make_lagged(load_nyse(), lags=1)
    assert d.X.shape == (6050, 1, 3)
    with pytest.raises(ValueError):
        make_lagged(load_nyse(), lags=0)


def test_autocorrelation():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    acf = autocorrelation(x, 2)
    # centred: [-1.5, -0.5, 0.5, 1.5]; sum of squares 5
    np.testing.assert_allclose(acf, [1.0, (0.75 - 0.25 + 0.75) / 5, (-0.75 - 0.75) / 5])
    vol = load_nyse().values[:, COLUMNS.index("log_volume")]
    acf = autocorrelation(vol, 5)
    assert acf[0] == 1.0 and 0.5 < acf[1] < 1.0  # trading volume is strongly autocorrelated
    with pytest.raises(ValueError):
        autocorrelation(np.ones(4), 1)


def _test_r2(d, features):
    A = np.column_stack([np.ones(len(features)), features])
    w, *_ = np.linalg.lstsq(A[d.train], d.y[d.train], rcond=None)
    y, pred = d.y[~d.train], A[~d.train] @ w
    return 1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum()


def test_setup_reproduces_the_books_linear_figures():
    # a cheap end-to-end check of the alignment: least squares on these arrays gives the
    # published test R^2 (ISLR2: AR(5) 0.41, with day_of_week 0.46, yesterday's volume 0.18)
    d = load_nyse_lagged()
    assert _test_r2(d, d.X_flat) == pytest.approx(0.41, abs=0.01)
    dow = d.day_of_week[:, 1:]  # drop one indicator: the intercept already spans them
    assert _test_r2(d, np.column_stack([d.X_flat, dow])) == pytest.approx(0.46, abs=0.01)
    y, yesterday = d.y[~d.train], d.X[~d.train, -1, COLUMNS.index("log_volume")]
    naive = 1 - ((y - yesterday) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert naive == pytest.approx(0.18, abs=0.01)
