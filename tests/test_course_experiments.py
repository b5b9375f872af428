"""Experiments judged on what actually ran: the settings they fix, then the goal."""

from __future__ import annotations

import math

import pytest

from tutor.course import load_lessons
from tutor.course.experiments import (
    ExperimentRun,
    differences,
    fixed_settings,
    judge_run,
    run_config,
    validate_config,
    validate_editable,
)
from tutor.tasks.settings import SettingError


def _exercise(lesson: str, exercise_id: str):
    lesson_ = next(le for le in load_lessons() if le.id == lesson)
    return lesson_.exercise(exercise_id)


def test_vanishing_lesson_lstm_goal_is_not_reached_by_a_simple_rnn_on_length_5():
    exercise = _exercise("vanishing-gradients", "lstm-remembers")
    assert {"model", "seq_len"} <= set(fixed_settings(exercise))  # the goal's settings are not the learner's
    cheat = dict(run_config(exercise))
    cheat.update(model="SimpleRNN", seq_len=5)  # as a run started another way would report it
    result = judge_run(exercise, ExperimentRun(cheat, {"val_accuracy": 1.0}, {"loss": [0.1], "val_accuracy": [1.0]}))
    assert not result.passed
    assert "model was SimpleRNN, the experiment fixes LSTM" in result.message
    assert "seq_len was 5, the experiment fixes 50" in result.message
    honest = dict(run_config(exercise, {"units": 32, "lr": 0.005}))  # the learner's own choices are fine
    result = judge_run(exercise, ExperimentRun(honest, {"val_accuracy": 0.97}, {"loss": [0.1], "val_accuracy": [0.97]}))
    assert result.passed and result.message.startswith("Goal reached")
    assert "units 32" in result.details[-1] and "lr 0.005" in result.details[-1]


def test_a_setting_the_preset_leaves_alone_keeps_its_meaning():
    exercise = _exercise("bag-of-words", "bow-lasso")
    used = dict(run_config(exercise, {"vocab_size": 2000}))
    assert used["n_train"] is None and used["vocab_size"] == 2000  # every review, the learner's vocabulary
    assert differences(exercise, used) == []
    sampled = {**used, "n_train": 1024, "n_val": 256}  # what a rerun once picked up from greyed fields
    wrong = differences(exercise, sampled)
    assert "n_train was 1024, the experiment fixes all" in wrong and len(wrong) == 2
    result = judge_run(exercise, ExperimentRun(sampled, {"val_accuracy": 0.9}, {"val_accuracy": [0.9]}))
    assert not result.passed and "not the experiment" in result.message


def test_the_verdict_says_what_the_run_used():
    exercise = _exercise("bag-of-words", "bow-lasso")
    used = dict(run_config(exercise))
    run = ExperimentRun(used, {"val_accuracy": 0.877}, {"val_accuracy": [0.877]}, sizes={"train": 20_000, "val": 5_000})
    result = judge_run(exercise, run)
    assert result.passed
    assert result.details[-1].startswith("This run used: 20,000 training and 5,000 validation examples, model lasso")


def test_a_diverged_runs_last_loss_counts_as_infinite():
    run = ExperimentRun({}, {}, {"loss": [0.7, math.nan]}, diverged=True)
    logs = run.logs()
    assert logs["loss"][-1] == math.inf and logs["epochs"] == 2
    exercise = _exercise("fitting", "lr-too-large")
    config = dict(run_config(exercise, {"lr": 50.0}))
    assert judge_run(exercise, ExperimentRun(config, {}, {"loss": [0.7, math.nan]}, diverged=True)).passed


def test_lesson_presets_use_the_task_tables_bounds():
    base = {"task": "long_dependency", "model": "LSTM"}
    validate_config({**base, "seq_len": 2})
    with pytest.raises(SettingError, match="seq_len must be at least 2"):  # as the form and the CLI say
        validate_config({**base, "seq_len": 1})
    with pytest.raises(SettingError, match="vocab_size must be at least 3"):
        validate_config({"task": "imdb", "model": "LSTM", "vocab_size": 2})
    with pytest.raises(SettingError, match="does not apply to the lasso"):
        validate_config({"task": "imdb_bow", "model": "lasso", "seed": 0})
    with pytest.raises(SettingError, match="cannot be preset by a lesson"):
        validate_config({"task": "imdb", "model": "LSTM", "source": "/tmp/x"})
    with pytest.raises(SettingError, match="is missing"):
        validate_config({"task": "nyse"})
    with pytest.raises(SettingError, match="no field"):
        validate_editable({"task": "imdb", "model": "LSTM"}, ["mask_zero"])


def test_importing_the_course_layer_loads_neither_the_engine_nor_numpy():
    # the code checker (`python -m tutor.course.judge`) starts the learner's interpreter before it
    # loads anything heavy, so the two load NumPy side by side: the package itself must stay light
    import subprocess
    import sys

    code = (
        "import sys, tutor.course, tutor.course.judge\n"
        "heavy = ('numpy', 'tutor.engine', 'tutor.tasks.registry')\n"
        "bad = sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
