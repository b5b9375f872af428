"""The task registry: names, settings tables, defaults, the missing-data message, a run of the toy task."""

import json

import pytest

from tutor.course.experiments import validate_config
from tutor.errors import TutorError
from tutor.tasks import registry
from tutor.tasks.base import RunConfig, RunResult, Task, TaskData
from tutor.tasks.settings import SettingError


def test_every_task_is_a_task_whose_defaults_a_lesson_could_preset():
    for name, task in registry.TASKS.items():
        assert isinstance(task, Task) and task.name == name and task.title
        assert task.metric in ("accuracy", "r2") and task.models
        for model in task.models:
            defaults = task.defaults(model)
            config = {k: v for k, v in defaults.items() if k in ("task", "model") or task.settings[k].lesson}
            config = {k: v for k, v in config.items() if v is not None}
            validate_config(config)
            assert task.resolve(config).model == model


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
    cfg = registry.resolve({"task": task, "model": given})
    assert cfg.model == model and cfg["model"] == model and all(cfg[k] == v for k, v in extra.items())
    assert cfg.name == given


def test_defaults_and_overrides():
    cfg = registry.resolve({"task": "imdb", "model": "lstm", "epochs": 2})
    assert isinstance(cfg, RunConfig)
    assert (cfg["embed_dim"], cfg["units"], cfg["seq_len"], cfg["vocab_size"], cfg["epochs"]) == (32, 32, 500, 10000, 2)
    assert cfg["n_train"] is None  # unset: every training review
    assert registry.resolve({"task": "imdb", "model": "mlp"})["units"] == 16  # per-model default
    assert registry.resolve({"task": "nyse", "model": "rnn"})["units"] == 12
    assert registry.resolve({"task": "longdep", "model": "rnn"}).task == "long_dependency"
    assert registry.resolve({"task": "longdep", "model": "rnn", "n_train": 400})["n_val"] == 100  # a quarter
    nyse = registry.get_task("nyse")
    assert nyse.is_baseline("ar") and not registry.get_task("imdb").is_baseline("mlp")
    assert "units" not in registry.resolve({"task": "nyse", "model": "ar", "units": 7})  # not an AR setting


def test_bad_names_and_values():
    with pytest.raises(SettingError, match="does not apply"):
        registry.resolve({"task": "nyse", "model": "lasso"})
    with pytest.raises(SettingError, match="unknown"):
        registry.resolve({"task": "nyse", "model": "transformer"})
    with pytest.raises(SettingError, match="unknown"):
        registry.get_task("mnist")
    with pytest.raises(ValueError, match="fitted directly"):
        task = registry.get_task("nyse")
        task.build(task.resolve({"model": "ar"}), None)
    with pytest.raises(SettingError, match="units must be at most 1,024"):
        registry.resolve({"task": "nyse", "model": "rnn", "units": 100_000})
    with pytest.raises(SettingError, match="seq_len must be at most"):
        registry.resolve({"task": "long_dependency", "model": "lstm", "seq_len": 100_000_000})
    with pytest.raises(SettingError, match="lr must be above 0"):
        registry.resolve({"task": "long_dependency", "model": "lstm", "lr": 0})
    with pytest.raises(SettingError, match="does not apply to the ar model"):
        registry.resolve({"task": "nyse", "model": "ar", "units": 7}, strict=True)
    with pytest.raises(SettingError, match="is not a setting"):
        registry.resolve({"task": "nyse", "model": "ar", "colour": 7})
    # sizes each within bounds whose product cannot fit in memory are refused before any array exists
    with pytest.raises(SettingError, match="GB"):
        registry.resolve({"task": "long_dependency", "model": "lstm", "seq_len": 5000, "n_train": 100_000})
    with pytest.raises(SettingError, match="GB"):
        registry.resolve({"task": "imdb", "model": "lstm", "units": 1024, "seq_len": 10_000, "batch_size": 512})
    assert isinstance(SettingError("units", "x"), TutorError)  # the CLI prints it as one line


def test_one_table_per_task_holds_every_bound():
    # the bounds the issue found disagreeing now come from one place per task
    longdep, imdb = registry.get_task("long_dependency"), registry.get_task("imdb")
    assert longdep.settings["seq_len"].low == 2 and imdb.settings["vocab_size"].low == 3
    assert longdep.settings["seq_len"].option == "--length" and imdb.settings["mask_zero"].option == "--mask-padding"
    assert not imdb.settings["source"].form and not imdb.settings["source"].lesson


def test_missing_imdb_data_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("TUTOR_IMDB", raising=False)
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    task = registry.get_task("imdb")
    with pytest.raises(TutorError, match="tutor data download imdb") as err:
        task.load(task.resolve({"model": "lstm"}))
    assert "TUTOR_IMDB" in str(err.value)


def test_long_dependency_run_with_callbacks_and_progress():
    from tutor.engine import LambdaCallback

    epochs, stages = [], []
    result = registry.run(
        {"task": "long_dependency", "model": "lstm", "epochs": 2, "n_train": 256, "n_val": 64, "seq_len": 10},
        callbacks=[LambdaCallback(on_epoch_end=lambda e, logs: epochs.append(e))],
        progress=lambda stage: stages.append(stage.name),
    )
    assert isinstance(result, RunResult)
    assert epochs == [0, 1] and stages == ["data", "train"]
    assert result.metric == "accuracy" and result.epochs == 2 and result.sizes == {"train": 256, "val": 64}
    assert set(result.metrics) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(result.history["val_accuracy"]) == 2 and not result.interrupted and not result.diverged
    task = registry.get_task("long_dependency")
    model = task.build(result.config, task.load(result.config))
    assert type(model.layers[0]).__name__ == "LSTM" and model.layers[0].units == 16


@pytest.mark.parametrize("model", ["gru", "lstm"])
def test_a_huge_learning_rate_is_reported_as_diverged(model):
    # lr 1e30 leaves a finite but absurd loss (1e29) or a NaN one: both are a diverged run
    result = registry.run(
        {"task": "long_dependency", "model": model, "epochs": 3, "n_train": 128, "seq_len": 8, "lr": 1e30}
    )
    assert result.diverged and result.epochs <= 3


def test_a_diverging_nyse_rnn_is_reported_not_raised():
    result = registry.run({"task": "nyse", "model": "rnn", "epochs": 2, "lr": 1e30})
    assert result.diverged and result.metrics.get("test_r2") is None


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


def test_a_new_task_is_one_class_and_one_registry_line(monkeypatch):
    """What the next lessons' tasks will do: a Task subclass with its settings table, and one
    registry entry, and the CLI, the lesson validation and the dashboard's form all offer it."""
    import numpy as np
    from typer import Typer
    from typer.testing import CliRunner

    from tutor.commands.train import make_command
    from tutor.course.experiments import validate_config
    from tutor.tasks import settings as s
    from tutor.tasks.base import RECURRENT
    from tutor.tasks.fitting import train_and_score
    from tutor.tasks.longdep import build_model, make_data
    from tutor.tasks.settings import Setting, Settings
    from tutor.tui.widgets.setup_form import form_settings

    class Echo(Task):
        """The label is the last token: no memory needed (the opposite of the long dependency)."""

        name = "echo"
        title = "Echo (the label is the last token)"
        models = RECURRENT
        settings = Settings(
            (
                s.UNITS.but(default=4),
                Setting("echo_len", int, 6, "Steps per sequence.", "Echo length", low=2, high=64),
                s.N_TRAIN.but(default=128),
                s.N_VAL.but(default=64),
                s.OPTIMIZER.but(default="adam"),
                s.LR.but(default=0.01),
                s.EPOCHS.but(default=2),
                s.BATCH_SIZE,
                s.SEED,
            )
        )
        command = "echo"
        command_help = "Echo: the label is the last token."

        def load(self, cfg):
            def part(n, seed):
                x, _ = make_data(n, length=cfg["echo_len"], seed=seed)
                return x, (x[:, -1].argmax(axis=1) % 2).astype(np.float32)

            return TaskData(*part(cfg["n_train"], cfg["seed"]), *part(cfg["n_val"], cfg["seed"] + 1), "accuracy")

        def run(self, cfg, data, callbacks=(), progress=None):
            model = build_model(cfg.model.lower().replace("simplernn", "rnn"), units=cfg["units"], seed=cfg["seed"])
            model.compile("binary_crossentropy", cfg["optimizer"], ["accuracy"], lr=cfg["lr"])
            return train_and_score(cfg, data, model, callbacks, progress)

    monkeypatch.setitem(registry.TASKS, "echo", Echo())  # the one registry line
    validate_config({"task": "echo", "model": "GRU", "echo_len": 8})  # lessons may preset it
    with pytest.raises(SettingError, match="echo_len must be at most 64"):
        validate_config({"task": "echo", "model": "GRU", "echo_len": 100})
    assert "echo_len" in form_settings(registry.TASKS.values())  # the dashboard's form has its field
    cli = Typer()
    cli.command("echo")(make_command(registry.TASKS["echo"]))
    cli.command("unused")(lambda: None)  # (typer runs a lone command without its name)
    result = CliRunner().invoke(cli, ["echo", "--model", "gru", "--echo-len", "4", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["task"] == "echo" and out["config"]["echo_len"] == 4 and 0 <= out["val_accuracy"] <= 1


def test_what_a_task_calls_its_scored_part_matches_what_it_scores():
    # The dashboard names "val_" figures by Task.scored_on (NYSE: "test R²", as lesson 13 does).
    # A task that says "test" must really score its test part after each epoch: its val and test
    # figures are then one and the same. (Give NYSE a validation period, and this says to set "val".)
    from tutor.tasks.registry import TASKS, run

    assert {name: task.scored_on for name, task in TASKS.items()}["imdb"] == "val"
    for name, task in TASKS.items():
        if task.scored_on == "test":
            model = next(m for m in task.models if task.is_baseline(m))
            metrics = run({"task": name, "model": model}).metrics
            assert metrics["val_" + task.metric] == metrics["test_" + task.metric], name
