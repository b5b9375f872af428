"""The numbers lessons 9-16 quote, recomputed: each test names the lesson and the figure.

Figures from the sources (ISLR2's accuracies and R^2) are quoted as such and not tested here;
every figure the tutor computes is. Real-data parts skip when ../shared/data is absent.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from tutor import paths
from tutor.course.goals import NAMED_GOALS
from tutor.tasks import longdep

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
IMDB_TRAIN = SHARED_DATA / "aclImdb_train.tar.gz"


def _lesson_text(number: int) -> str:
    (path,) = paths.lessons_dir().glob(f"{number:02d}-*.md")
    return path.read_text(encoding="utf-8")


def _exercise_config(number: int, exercise_id: str) -> dict:
    from tutor.course import load_lessons

    for lesson in load_lessons():
        if lesson.number == number:
            for ex in lesson.exercises:
                if ex.id == exercise_id:
                    return dict(ex.config)
    raise AssertionError(f"lesson {number} has no exercise {exercise_id}")


# -- lesson 9: vanishing and exploding gradients ----------------------------------------------


def test_l9_powers_of_a_per_step_factor():
    text = _lesson_text(9)
    assert "0.7⁴⁹ ≈ 0.00000003" in text and "1.3⁴⁹ ≈ 380,000" in text
    assert 0.7**49 == pytest.approx(0.00000003, rel=0.15)
    assert 1.3**49 == pytest.approx(380_000, rel=0.01)
    assert 0.8**49 == pytest.approx(0.0000178, rel=0.01)  # the quiz, answered only in its solution
    assert 0.84**49 == pytest.approx(0.0002, rel=0.05)
    assert 0.00016 ** (1 / 49) == pytest.approx(0.84, abs=0.005)


def _init_ratio(kind: str, length: int) -> float:
    x, y = longdep.make_data(256, length, seed=0)
    model = longdep.build_model(kind, units=16, seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    norms = model.train_on_batch(x, y)["step_grad_norms"][model.layers[0].name]
    return float(norms[0] / norms[-1])


@pytest.mark.parametrize(
    ("length", "rnn", "lstm"),
    [(10, 0.21, 0.095), (20, 0.034, 0.056), (50, 0.00016, 0.017), (100, 2.2e-08, 0.0018)],
)
def test_l9_table_of_first_to_last_gradient_ratios_at_initialisation(length, rnn, lstm):
    assert _init_ratio("rnn", length) == pytest.approx(rnn, rel=0.1)
    assert _init_ratio("lstm", length) == pytest.approx(lstm, rel=0.1)
    assert f"{length:>5}" in _lesson_text(9)


def _run_preset(config: dict) -> tuple[dict, dict]:
    """The dashboard's run of a long-dependency preset (same data, seeds and fit call)."""
    n, nv, seq, seed = config["n_train"], config["n_val"], config["seq_len"], config["seed"]
    x, y = longdep.make_data(n, seq, seed=seed)
    xv, yv = longdep.make_data(nv, seq, seed=seed + 1)
    kind = {"SimpleRNN": "rnn", "LSTM": "lstm"}[config["model"]]
    model = longdep.build_model(kind, units=config["units"], seed=seed)
    clip = config.get("clipnorm") or None  # 0 means no clipping
    model.compile(
        loss="binary_crossentropy", optimizer=config["optimizer"], lr=config["lr"], clipnorm=clip, metrics=["accuracy"]
    )
    history = model.fit(
        x, y, epochs=config["epochs"], batch_size=config["batch_size"], validation_data=(xv, yv), seed=seed
    )
    logs = dict(history.history)
    logs["step_grad_norms"] = [row.tolist() for row in history.step_grad_norms[model.layers[0].name]]
    return logs, history.history


@pytest.mark.parametrize(
    ("seq_len", "ratio", "vanishes"),
    [
        (10, 0.38, False),
        (20, 0.044, False),
        (25, 0.013, False),
        (30, 0.007, True),
        (50, 0.00014, True),
        (100, 1.6e-8, True),
    ],
)
def test_l9_watch_it_vanish_preset_by_length(seq_len, ratio, vanishes):
    config = _exercise_config(9, "watch-it-vanish")
    assert config["seq_len"] == 10 and config["model"] == "SimpleRNN"
    config["seq_len"] = seq_len
    logs, _ = _run_preset(config)
    row = logs["step_grad_norms"][-1]
    assert row[0] / row[-1] == pytest.approx(ratio, rel=0.1)
    assert NAMED_GOALS["gradient_vanishes"](logs).passed is vanishes


def test_l9_lstm_preset_meets_its_goal_and_the_rnn_stays_at_chance():
    config = _exercise_config(9, "lstm-remembers")
    lstm_logs, lstm = _run_preset(config)
    assert lstm["val_accuracy"][0] >= 0.95 and lstm["val_accuracy"][-1] >= 0.95
    rnn_logs, rnn = _run_preset({**config, "model": "SimpleRNN"})
    assert max(rnn["val_accuracy"]) < 0.6
    # the gradient curves the prompt and solution describe
    first, last = (np.asarray(lstm_logs["step_grad_norms"][e]) for e in (0, -1))
    assert first[0] / first[-1] == pytest.approx(1 / 15, rel=0.1)  # "about a fifteenth"
    assert last[0] / last[-1] == pytest.approx(0.007, rel=0.1)
    low = int(np.argmin(last))
    assert 8 <= low + 1 <= 16 and last[0] / last[low] == pytest.approx(10, rel=0.25)  # sags, then climbs at step 1
    assert all(1e-4 / 2 < row[0] / row[-1] < 2e-4 for row in map(np.asarray, rnn_logs["step_grad_norms"]))


# -- lesson 10: long short-term memory ---------------------------------------------------------


def test_l10_keras_table_and_formulas():
    from tutor.engine import GRU, LSTM, Dense, Embedding, Sequential, SimpleRNN

    model = Sequential([Embedding(10000, 128), LSTM(128), Dense(1, activation="sigmoid")])
    assert [layer.count_params() for layer in model.layers] == [1_280_000, 131_584, 129]
    assert model.count_params() == 1_411_713
    assert 4 * (128 * (128 + 128) + 128) == 4 * 32_896 == 131_584
    E, H = 6, 4
    assert LSTM(H, input_dim=E).count_params() == 4 * (H * (E + H) + H)
    assert GRU(H, input_dim=E).count_params() == 3 * (H * (E + H) + 2 * H)  # Keras 3: two bias rows
    assert SimpleRNN(H, input_dim=E).count_params() == H * (E + H) + H
    text = _lesson_text(10)
    for figure in ("1,280,000", "131,584", "129", "1,411,713", "3 · (H·(E + H) + 2H)"):
        assert figure in text


def test_l10_forget_bias_and_the_hand_worked_step():
    from tutor.engine import LSTM

    assert 1 / (1 + math.exp(-1)) == pytest.approx(0.73, abs=0.005)
    layer = LSTM(3, input_dim=2)
    assert layer.params["b"][3:6].tolist() == [1.0, 1.0, 1.0]  # the f block, second of i, f, c~, o
    assert 0.5 * math.tanh(0.5 * 2.0) == pytest.approx(0.3807970779778823)


# -- lesson 12: sentiment of movie reviews -----------------------------------------------------


def test_l12_model_sizes():
    from tutor.engine import LSTM, Dense, Embedding, Sequential, SimpleRNN

    lstm = Sequential([Embedding(10000, 32), LSTM(32), Dense(1, activation="sigmoid")])
    rnn = Sequential([Embedding(10000, 32), SimpleRNN(32), Dense(1, activation="sigmoid")])
    assert [layer.count_params() for layer in lstm.layers] == [320_000, 8_320, 33]
    assert lstm.count_params() == 328_353 and rnn.count_params() == 322_113
    assert round(100 * 320_000 / 328_353) == 97
    text = _lesson_text(12)
    assert "328,353" in text and "322,113" in text


def test_l12_full_size_table_is_the_readmes():
    """The full-size runs take minutes (225 s for the LSTM): the lesson quotes the README's
    reproduction table, measured with `tutor train imdb`, and must say the same."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rnn = re.search(
        r"SimpleRNN\(32\) \| `tutor train imdb --model rnn` \| ([\d.]+) after 10 epochs; ([\d.]+) at the best", readme
    )
    lstm = re.search(
        r"LSTM\(32\) \| `tutor train imdb --model lstm` \| ([\d.]+) at the best epoch; ([\d.]+) after 10", readme
    )
    assert rnn and lstm, "the README's IMDb rows changed their wording: update this test"
    text = _lesson_text(12)
    assert re.search(rf"simple RNN +{rnn.group(1)} +{rnn.group(2)} \(epoch \d+\)", text)
    assert re.search(rf"LSTM +{lstm.group(2)} +{lstm.group(1)} \(epoch \d+\)", text)
    # "by two points, not ten" at the best epoch; close after the last
    assert (
        0 < float(lstm.group(1)) - float(rnn.group(2)) < 0.06 and 0 < float(lstm.group(2)) - float(rnn.group(1)) < 0.06
    )


def test_l12_pad_example_matches_the_data_layer():
    from tutor.data import pad_sequences

    assert pad_sequences([[5, 6, 7], [1, 2, 3, 4, 5, 6]], 4).tolist() == [[0, 5, 6, 7], [3, 4, 5, 6]]


@pytest.mark.skipif(not IMDB_TRAIN.is_file(), reason="the IMDb dev copy (../shared/data) is absent")
def test_l12_review_lengths_on_the_training_reviews():
    from tutor.data import read_imdb, tokenize

    lengths = np.array([len(tokenize(text)) for text in read_imdb(IMDB_TRAIN).texts])
    assert len(lengths) == 25_000
    assert np.median(lengths) == 174
    assert round(100 * float(np.mean(lengths <= 500))) == 92


@pytest.mark.skipif(not IMDB_TRAIN.is_file(), reason="the IMDb dev copy (../shared/data) is absent")
def test_l12_preset_run_lstm_versus_rnn():
    registry = pytest.importorskip("tutor.tasks.registry")
    config = _exercise_config(12, "train-on-reviews")
    accs = {}
    for kind in ("LSTM", "SimpleRNN"):
        out = registry.run({**config, "model": kind, "source": str(IMDB_TRAIN)})
        assert out.epochs == config["epochs"] == 3
        accs[kind] = [round(v, 2) for v in out.history["val_accuracy"]]
    # the lesson quotes one machine's figures and says they move by a point or two elsewhere
    # (the sums' order depends on the BLAS build); measured here with numpy 2.4 / OpenBLAS 0.3.31
    # and the engine's Keras 3 semantics (0.692, 0.748, 0.732 and 0.554, 0.596, 0.656)
    assert accs["LSTM"] == pytest.approx([0.69, 0.75, 0.73], abs=0.025)
    assert accs["SimpleRNN"] == pytest.approx([0.55, 0.60, 0.66], abs=0.025)
    assert accs["LSTM"][-1] >= 0.68 > max(accs["SimpleRNN"])  # the goal separates them


def test_l12_vocabulary_reserves_two_ids():
    from tutor.data import Vocabulary

    vocab = Vocabulary.build([["w0", "w0"], *([f"w{k}"] for k in range(1, 12_000))], max_words=10_000)
    assert len(vocab) == 10_000 and len(vocab.words) - 2 == 9_998
    assert vocab.encode(["w0", "never-seen"]) == [2, 1]  # the most frequent word first; unknown is 1


# -- lesson 13: forecasting NYSE trading volume -----------------------------------------------


def _r2(y, pred):
    return 1.0 - float(np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))


def _ar(d, day_of_week=False, fit=None):
    """Least squares on `fit` (the task's fitting years by default): validation and test R²."""
    A = np.column_stack([np.ones(len(d.y)), d.X_flat] + ([d.day_of_week[:, 1:]] if day_of_week else []))
    fit = d.fit if fit is None else fit
    beta, *_ = np.linalg.lstsq(A[fit], d.y[fit], rcond=None)
    return _r2(d.y[d.val], A[d.val] @ beta), _r2(d.y[~d.train], A[~d.train] @ beta)


def test_l13_counts_and_split():
    from tutor.data import load_nyse, load_nyse_lagged

    s = load_nyse()
    assert len(s.values) == 6051
    assert str(s.dates[0]) == "1962-12-03" and str(s.dates[-1]) == "1986-12-31"
    d = load_nyse_lagged(5)
    assert len(d.y) == 6046 and int(d.train.sum()) == 4276 and int((~d.train).sum()) == 1770
    assert str(d.dates[d.train].max()) == "1979-12-31" and str(d.dates[~d.train].min()).startswith("1980-")
    # the lesson's table of the three periods
    assert int(d.fit.sum()) == 3266 and int(d.val.sum()) == 1010
    assert str(d.dates[d.fit].min())[:4] == "1962" and str(d.dates[d.fit].max())[:4] == "1975"
    assert str(d.dates[d.val].min())[:4] == "1976" and str(d.dates[d.val].max())[:4] == "1979"
    text = _lesson_text(13)
    for row in (
        "1962–1975   fit        3,266 pairs",
        "1976–1979   validate   1,010 pairs",
        "1980–1986   test       1,770",
    ):
        assert row in text
    assert 6051 - 10 == 6041


def test_l13_autocorrelation_table():
    from tutor.data import autocorrelation, load_nyse
    from tutor.data.nyse import COLUMNS

    values = load_nyse().values
    table = {
        "log_volume": [0.67, 0.50, 0.45, 0.33],
        "log_volatility": [0.98, 0.96, 0.91, 0.84],
        "DJ_return": [0.14, 0.00, -0.01, -0.01],
    }
    for name, row in table.items():
        acf = autocorrelation(values[:, COLUMNS.index(name)], 10)
        assert [round(float(acf[k]), 2) + 0.0 for k in (1, 2, 5, 10)] == row, name


def test_l13_linear_figures_validation_then_test():
    from tutor.data import load_nyse_lagged

    d = load_nyse_lagged(5)
    val, test = _ar(d)
    assert round(val, 3) == 0.615 and round(test, 3) == 0.412
    val, test = _ar(d, day_of_week=True)
    assert round(val, 3) == 0.647 and round(test, 3) == 0.457
    vol = 1  # log_volume's column: yesterday's volume, "about 47% ... and 18%"
    assert round(_r2(d.y[d.val], d.X[d.val, -1, vol]), 3) == 0.466
    assert round(_r2(d.y[~d.train], d.X[~d.train, -1, vol]), 3) == 0.180
    # refitted on all eighteen training years, as the book (and the fit-ar exercise) does
    assert round(_ar(d, fit=d.train)[1], 3) == 0.413
    assert round(_ar(d, day_of_week=True, fit=d.train)[1], 4) == 0.4596
    text = _lesson_text(13)
    assert " AR(L)             0.541   0.568   0.594   0.615   0.620   0.623" in text
    for lag, want in {1: 0.541, 2: 0.568, 3: 0.594, 5: 0.615, 10: 0.620, 20: 0.623}.items():
        assert round(_ar(load_nyse_lagged(lag))[0], 3) == want, lag


def test_l13_beat_the_rnn_solution_by_lag():
    """The weekday passes the goal (0.63) at lags 3 to 50, and no lag passes without it."""
    from tutor.data import load_nyse, make_lagged

    # all lags from 1 to 60 were tried when the solution was written; a sample keeps this test quick
    series = load_nyse()
    without = {lag: _ar(make_lagged(series, lag))[0] for lag in (1, 3, 5, 10, 15, 20, 30, 50)}
    best = max(without, key=without.__getitem__)
    assert best == 20 and round(without[best], 3) == 0.623 < 0.63  # "the best is 0.623, at lag 20"
    weekday = {lag: _ar(make_lagged(series, lag), day_of_week=True)[0] for lag in (2, 3, 5, 7, 8, 10, 50)}
    for lag, val in weekday.items():  # "every lag from 3 to 50 passes"
        assert (3 <= lag <= 50) == (val >= 0.63), (lag, val)
    best = max(weekday, key=weekday.__getitem__)  # "the best of them (lag 8, 0.649) beats lag 5 by less than 0.003"
    assert best == 8 and round(weekday[best], 3) == 0.649 and weekday[best] - weekday[5] < 0.003


def test_l13_rnn_recipe():
    from tutor.engine import Dense, Dropout, SimpleRNN

    registry = pytest.importorskip("tutor.tasks.registry")
    config = _exercise_config(13, "rnn-vs-ar")
    out = registry.run(config)
    model = out.trained
    assert [type(layer) for layer in model.layers] == [SimpleRNN, Dropout, Dense]
    assert [layer.count_params() for layer in model.layers] == [192, 0, 13]
    assert out.sizes == {"train": 3266, "val": 1010, "test": 1770}
    r2 = out.history["val_r2"]  # the validation years, epoch by epoch
    assert len(r2) == config["epochs"] == 100
    # "0.57 after 20 epochs, 0.60 at the end", "about 0.40" on the test years: one machine's run,
    # which moves by a little with the BLAS build and the engine's optimiser
    assert r2[19] == pytest.approx(0.57, abs=0.015)
    assert r2[-1] == pytest.approx(0.60, abs=0.015) and r2[-1] >= 0.58  # the experiment's goal
    assert out.metrics["test_r2"] == pytest.approx(0.40, abs=0.015)
    assert r2[-1] < 0.615  # no better than the AR(5) on the same years
    # "with a lag of 10 ... about the same 0.60, and with a lag of 1 ... about 0.54"
    assert registry.run({**config, "lag": 10}).history["val_r2"][-1] == pytest.approx(0.60, abs=0.015)
    assert registry.run({**config, "lag": 1}).history["val_r2"][-1] == pytest.approx(0.54, abs=0.015)


def test_l13_ar_experiment_goal():
    registry = pytest.importorskip("tutor.tasks.registry")
    config = _exercise_config(13, "beat-the-rnn")
    assert round(registry.run(config).history["val_r2"][-1], 3) == 0.615  # goal (0.63) not met
    out = registry.run({**config, "day_of_week": True})
    assert round(out.history["val_r2"][-1], 3) == 0.647 and round(out.metrics["test_r2"], 3) == 0.457


# -- lesson 16: considerations ----------------------------------------------------------------


def test_l16_parameter_counts_of_the_razor():
    from tutor.data import load_nyse_lagged
    from tutor.engine import Dense, Sequential, SimpleRNN

    rnn = Sequential([SimpleRNN(12, input_dim=3, dropout=0.1), Dense(1)])
    assert rnn.count_params() == 205 == 12 * (3 + 12) + 12 + 13
    assert load_nyse_lagged(5).X_flat.shape[1] + 1 == 16  # AR(5): 15 lags and an intercept
    text = _lesson_text(16)
    assert "0.412" in text and "0.457" in text  # lesson 13's test figures, pinned there
