"""The task registry: names, defaults, the missing-data message, and a run of the toy task."""

import pytest

from tutor.course.experiments import MODELS, TASKS, validate_config
from tutor.errors import TutorError
from tutor.tasks import registry


def test_tasks_and_models_use_the_course_vocabulary():
    for name, spec in registry.TASKS.items():
        assert name in TASKS and spec.metric in ("accuracy", "r2") and spec.title
        assert set(spec.models) - {"naive"} <= set(MODELS)
        for model in set(spec.models) - {"naive"}:
            validate_config(spec.default_config(model))  # every default is one a lesson could preset


@pytest.mark.parametrize(
    ("given", "model", "extra"),
    [
        ("rnn", "SimpleRNN", {}),
        ("lstm", "LSTM", {}),
        ("GRU", "GRU", {}),
        ("ar-dow", "ar", {"day_of_week": True}),
        ("ar", "ar", {"day_of_week": False}),
        ("naive", "naive", {}),
    ],
)
def test_cli_aliases(given, model, extra):
    task = "nyse" if given.startswith(("ar", "naive")) else "long_dependency"
    cfg = registry.resolve_config({"task": task, "model": given})
    assert cfg["model"] == model and all(cfg[k] == v for k, v in extra.items())


def test_defaults_and_overrides():
    cfg = registry.resolve_config({"task": "imdb", "model": "lstm", "epochs": 2})
    assert (cfg["embed_dim"], cfg["units"], cfg["seq_len"], cfg["vocab_size"], cfg["epochs"]) == (32, 32, 500, 10000, 2)
    assert registry.resolve_config({"task": "nyse", "model": "rnn"})["units"] == 12
    assert registry.resolve_config({"task": "longdep", "model": "rnn"})["task"] == "long_dependency"
    assert registry.is_baseline({"model": "ar-dow"}) and not registry.is_baseline({"model": "mlp"})


def test_bad_names():
    with pytest.raises(ValueError, match="does not apply"):
        registry.resolve_config({"task": "nyse", "model": "lasso"})
    with pytest.raises(ValueError, match="unknown model"):
        registry.resolve_config({"task": "nyse", "model": "transformer"})
    with pytest.raises(ValueError, match="unknown task"):
        registry.get_task("mnist")
    with pytest.raises(ValueError, match="fitted directly"):
        registry.build({"task": "nyse", "model": "ar"})


def test_missing_imdb_data_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("TUTOR_IMDB", raising=False)
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    with pytest.raises(TutorError, match="tutor data download imdb") as err:
        registry.load({"task": "imdb", "model": "lstm"})
    assert "TUTOR_IMDB" in str(err.value)


def test_long_dependency_run_with_callbacks_and_progress():
    from tutor.engine import LambdaCallback

    epochs, stages = [], []
    result = registry.run(
        {"task": "long_dependency", "model": "lstm", "epochs": 2, "n_train": 256, "n_val": 64, "seq_len": 10},
        callbacks=[LambdaCallback(on_epoch_end=lambda e, logs: epochs.append(e))],
        progress=lambda info: stages.append(info["stage"]),
    )
    assert epochs == [0, 1] and stages == ["data", "train"]
    assert result["metric"] == "accuracy" and result["epochs"] == 2
    assert set(result["metrics"]) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(result["history"]["val_accuracy"]) == 2 and not result["interrupted"]
    model = registry.build(result["config"])
    assert type(model.layers[0]).__name__ == "LSTM" and model.layers[0].units == 16


def test_tasks_never_import_textual_or_rich():
    import subprocess
    import sys

    code = (
        "import sys; from tutor.tasks import registry, sentiment, forecast, lasso\n"
        "registry.run({'task': 'nyse', 'model': 'ar'})\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich') or m.startswith('tutor.tui'))\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
