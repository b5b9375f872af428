"""The numbers the optimisers lesson quotes, recomputed: each test names the figure.

The race on the valley is the view's own computation (the engine's optimisers); the experiments'
figures come from the task objects, as the dashboard runs them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutor import paths
from tutor.engine.optimizers import SGD, Adam
from tutor.tui.views import optimisers as view


def _lesson() -> str:
    (path,) = paths.lessons_dir().glob("*-optimisers.md")
    return path.read_text(encoding="utf-8")


def _config(exercise_id: str) -> dict:
    from tutor.course import load_lessons

    for lesson in load_lessons():
        for ex in lesson.exercises:
            if ex.id == exercise_id:
                return dict(ex.config)
    raise AssertionError(f"no exercise {exercise_id}")


def _written(value: float) -> str:
    """A loss as the lesson's table writes it: two significant digits, 1.7e-6 below 0.001."""
    if value < 1e-3:
        mantissa, exponent = f"{value:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{value:#.2g}"


def test_the_race_table_is_what_the_view_measures():
    text = _lesson()
    assert "R(w₁, w₂) = ½·(w₁² + 25·w₂²)        start (−4, 1), 150 steps" in text
    assert (view.CURVATURE, view.START, view.STEPS) == ((1.0, 25.0), (-4.0, 1.0), 150)
    rows = {
        line.split()[0]: line.split()[1:]
        for line in text.splitlines()
        if line.startswith((" 0.01 ", " 0.05 ", " 0.1 "))
    }
    for lr in (0.01, 0.05, 0.1):
        race = view.race(lr)
        cells = [
            "diverges" if p.diverged_at else _written(p.final)
            for p in (race.paths[name] for name in ("sgd", "momentum", "rmsprop", "adam"))
        ]
        assert rows[f"{lr:g}"] == cells, f"the lesson's row for ρ = {lr} should read {cells}"


def test_what_the_race_shows():
    # SGD: the steep direction caps ρ at 2/25; at 0.1 it blows up within a dozen steps
    assert 2 / view.CURVATURE[1] == 0.08
    sgd = view.race(0.1).paths["sgd"]
    assert sgd.diverged_at is not None and sgd.diverged_at <= 12
    assert view.race(0.07).paths["sgd"].diverged_at is None
    # momentum overshoots the minimum along w₁ and swings back, and survives ρ = 0.1
    race = view.race(0.05)
    assert race.paths["momentum"].points[:, 0].max() > 0.5
    assert view.race(0.1).paths["momentum"].diverged_at is None
    # RMSprop and Adam move about ρ per step: at ρ = 0.01, 150 steps leave w₁ far from 0
    slow = view.race(0.01)
    for name in ("rmsprop", "adam"):
        w1 = slow.paths[name].points[:, 0]
        assert w1[-1] < -2 and np.abs(np.diff(w1)).max() < 0.035, name
    # RMSprop hovers at a loss that grows with ρ
    hover = [view.race(lr).paths["rmsprop"].final for lr in (0.05, 0.1, 0.2, 0.5)]
    assert hover == sorted(hover) and hover[0] > 1e-3


def test_momentum_on_a_steady_slope_steps_ten_times_sgd():
    """The quiz momentum-speed, with the engine's SGD: the settled step is ρ·g/(1 − μ)."""
    opt = SGD(0.01, momentum=0.9)
    w = np.zeros(1)
    for _ in range(300):
        before = w.copy()
        opt.apply([w], [np.ones(1)])
    assert (before - w)[0] == pytest.approx(10 * 0.01, rel=1e-9)


def test_adams_first_step_is_the_learning_rate():
    """The quiz adam-first-step and its solution's arithmetic, with the engine's Adam."""
    w = np.array([0.3])
    Adam(0.002).apply([w], [np.array([-250.0])])
    assert w[0] == pytest.approx(0.302, abs=1e-8)
    assert math.sqrt(0.001 * 250**2) == pytest.approx(7.906, abs=5e-4)
    assert 0.002 * math.sqrt(0.001) / 0.1 == pytest.approx(0.000632, abs=5e-7)
    assert 0.002 * 0.1 / math.sqrt(0.001) == pytest.approx(0.0063, abs=5e-5)
    for g in (250.0, 0.0025, -3.0):  # whatever the gradient
        w = np.zeros(1)
        Adam(0.002).apply([w], [np.array([g])])
        assert abs(w[0]) == pytest.approx(0.002, rel=2e-3)  # 0.1% short for g = 0.0025: ε


def test_an_nyse_epoch_is_52_steps():
    from tutor.engine import LambdaCallback
    from tutor.tasks.registry import get_task, resolve

    assert (
        "3,266 pairs in batches\nof 64: an epoch is 52 steps (51 full batches and one of the last 2 pairs)" in _lesson()
    )
    cfg = resolve({"task": "nyse", "model": "SimpleRNN", "units": 2, "epochs": 1, "batch_size": 64})
    task = get_task("nyse")
    data = task.load(cfg)
    batches: list[int] = []
    task.run(cfg, data, [LambdaCallback(on_batch_end=lambda b, logs: batches.append(b))])
    assert len(data.x_train) == 3266 == 51 * 64 + 2 and len(batches) == 52
    assert 48_000 / 128 == 375  # ISLR2's MNIST example


def test_same_rate_other_optimiser():
    from tutor.tasks.registry import run

    config = _config("same-rate-other-optimiser")
    assert config["optimizer"] == "sgd" and config["lr"] == 0.01 and config["seq_len"] == 20
    sgd = run(config)
    assert round(sgd.metrics["val_accuracy"], 2) == 0.48  # "ends at 0.48, no better than a coin"
    for optimiser in ("adam", "rmsprop"):
        result = run({**config, "optimizer": optimiser})
        assert result.metrics["val_accuracy"] == 1.0, optimiser
        assert result.metrics["best_epoch"] <= 2, optimiser


@pytest.mark.slow
def test_stop_early_preset_and_its_solution():
    from tutor.tasks.registry import run

    config = _config("stop-early")
    preset = run(config)
    fit, val = preset.history["r2"], preset.history["val_r2"]
    assert round(fit[-1], 2) == 0.90 and fit[-1] > max(fit[:90])  # still climbing at the end
    assert (round(preset.metrics["best_val_r2"], 2), preset.metrics["best_epoch"]) == (0.58, 8)
    assert round(val[-1], 2) == 0.26 and round(preset.metrics["test_r2"], 2) == 0.07
    assert preset.metrics["val_r2"] < 0.53  # the preset misses the goal
    assert all(val[e - 1] >= 0.53 for e in (4, 6, 8, 9, 13))  # the epochs the solution says pass
    stopped = run({**config, "epochs": 8})  # the same seed: the preset's first eight epochs
    assert stopped.history["val_r2"] == pytest.approx(val[:8], abs=1e-6)
    assert round(stopped.metrics["val_r2"], 2) == 0.58 and round(stopped.metrics["test_r2"], 2) == 0.38


@pytest.mark.slow
def test_twenty_seeds_chosen_on_test_and_on_validation():
    from tutor.tasks.registry import get_task, resolve

    config = {**_config("stop-early"), "epochs": 8}
    task = get_task("nyse")
    data = task.load(resolve(config))
    scores = {}
    for seed in range(20):
        result = task.run(resolve({**config, "seed": seed}), data)
        scores[seed] = (result.metrics["val_r2"], result.metrics["test_r2"])
    tests = [t for _, t in scores.values()]
    assert (round(min(tests), 2), round(max(tests), 2), round(float(np.mean(tests)), 2)) == (0.11, 0.38, 0.28)
    by_val = max(scores, key=lambda k: scores[k][0])
    by_test = max(scores, key=lambda k: scores[k][1])
    assert (by_val, round(scores[by_val][0], 3), round(scores[by_val][1], 2)) == (10, 0.586, 0.36)
    assert by_test == 0 and round(scores[0][1], 2) == 0.38
    assert "validation R² of 0.586) and it scores 0.36" in " ".join(_lesson().split())
