"""`tutor train` through typer's CliRunner: JSON output, saving, Ctrl-C, bad options."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tutor.commands import train
from tutor.engine import Sequential

DEV_COPY = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "aclImdb_train.tar.gz"
runner = CliRunner()


def _invoke(*args):
    return runner.invoke(train.app, list(args), catch_exceptions=False)


def _json(result):
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout  # exactly one JSON object, nothing else on stdout
    return json.loads(lines[0])


@pytest.mark.parametrize(("model", "published"), [("ar", 0.41), ("ar-dow", 0.46), ("naive", 0.18)])
def test_nyse_baselines_json(model, published):
    out = _json(_invoke("nyse", "--model", model, "--json"))
    assert out["model"] == model and out["test_r2"] == pytest.approx(published, abs=0.01)
    assert out["epochs"] == 0 and out["interrupted"] is False


def test_nyse_rnn_json_and_saved_model(tmp_path):
    path = tmp_path / "rnn.npz"
    result = _invoke("nyse", "--model", "rnn", "--epochs", "3", "--json", "--out", str(path))
    out = _json(result)
    assert np.isfinite(out["test_r2"]) and len(out["history"]["val_r2"]) == 3 and out["saved"] == str(path)
    model = Sequential.load(path)
    assert model.metadata["task"] == "nyse" and model.metadata["lag"] == 5
    assert model.predict(np.zeros((2, 5, 3))).shape == (2, 1)
    assert "saved the best model" in result.stderr


def test_ar_saves_its_fitted_weights(tmp_path):
    path = tmp_path / "ar.npz"
    _json(_invoke("nyse", "--model", "ar", "--json", "--out", str(path)))
    model = Sequential.load(path)
    assert model.layers[0].params["W"].shape == (15, 1) and model.metadata["test_r2"] == pytest.approx(0.41, abs=0.01)


def test_ctrl_c_keeps_the_best_model_so_far(tmp_path, monkeypatch):
    original = train._EpochProgress.on_batch_end

    def interrupt_in_third_epoch(self, batch, logs):
        if self.task is not None and self.progress.tasks[-1].description.startswith("epoch 3/"):
            raise KeyboardInterrupt  # what Ctrl-C raises in the training thread
        original(self, batch, logs)

    monkeypatch.setattr(train._EpochProgress, "on_batch_end", interrupt_in_third_epoch)
    path = tmp_path / "best.npz"
    result = _invoke("nyse", "--model", "rnn", "--epochs", "5", "--json", "--out", str(path))
    out = _json(result)
    assert result.exit_code == 130 and out["interrupted"] is True and out["epochs"] == 2
    best = max(out["history"]["val_r2"])
    saved = Sequential.load(path)
    assert "epoch" in result.stderr and "stopped by Ctrl-C" in result.stderr
    # the file holds the best of the two finished epochs
    from tutor.tasks import registry

    data = registry.get_task("nyse").load(registry.resolve({"task": "nyse", "model": "rnn"}))
    saved.compile("mse", "rmsprop", ["r2"])
    assert saved.evaluate(data.x_val, data.y_val, return_dict=True)["r2"] == pytest.approx(best, abs=1e-6)


def test_longdep_command():
    out = _json(_invoke("longdep", "--model", "gru", "--length", "8", "--epochs", "1", "--n-train", "128", "--json"))
    assert out["task"] == "long_dependency" and out["config"]["seq_len"] == 8 and "val_accuracy" in out


def test_bad_options():
    assert runner.invoke(train.app, ["nyse", "--model", "lasso"]).exit_code == 2
    result = runner.invoke(train.app, ["nyse", "--model", "ar", "--out", "/nonexistent/dir/m.npz"])
    assert result.exit_code == 1 and "does not exist" in str(result.exception)


def test_missing_imdb_data_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("TUTOR_IMDB", raising=False)
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    result = runner.invoke(train.app, ["imdb", "--model", "lstm"])
    assert result.exit_code == 1 and "tutor data download imdb" in str(result.exception)


@pytest.mark.skipif(not DEV_COPY.is_file(), reason="dev copy of the IMDb data absent")
def test_imdb_subset_json_and_saved_model_carries_the_vocabulary(tmp_path):
    path = tmp_path / "rnn.npz"
    out = _json(
        _invoke(
            "imdb",
            "--model",
            "rnn",
            "--subset",
            "200",
            "--epochs",
            "1",
            "--data",
            str(DEV_COPY),
            "--json",
            "--out",
            str(path),
        )
    )
    assert 0 <= out["val_accuracy"] <= 1 and "test_accuracy" not in out  # no test split in the dev copy
    meta = Sequential.load(path).metadata
    assert meta["maxlen"] == 500 and meta["vocab"][:2] == ["<pad>", "<unk>"] and meta["input"] == "sequence"


def _tiny_aclimdb(root: Path) -> Path:
    """An aclImdb folder with train and test splits of short made-up reviews."""
    good = ["a wonderful film", "great acting and a superb plot", "loved it, brilliant", "a delight"]
    bad = ["a dull film", "awful acting and a boring plot", "hated it, terrible", "a mess"]
    for split, n in (("train", 30), ("test", 10)):
        for label, words in (("pos", good), ("neg", bad)):
            folder = root / "aclImdb" / split / label
            folder.mkdir(parents=True)
            for k in range(n):
                rating = 8 if label == "pos" else 2
                (folder / f"{k}_{rating}.txt").write_text(f"{words[k % 4]} number {k}", encoding="utf-8")
    return root / "aclImdb"


@pytest.mark.parametrize("model", ["lasso", "lstm"])
def test_imdb_reports_test_accuracy_when_the_test_split_is_present(tmp_path, model):
    source = _tiny_aclimdb(tmp_path)
    epochs = [] if model == "lasso" else ["--epochs", "2"]  # the lasso has no epochs: the option is refused
    out = _json(_invoke("imdb", "--model", model, "--data", str(source), *epochs, "--json"))
    assert 0 <= out["val_accuracy"] <= 1 and 0 <= out["test_accuracy"] <= 1


# -- the settings table's bounds, the destination, divergence (issue 11 §5) ----------------------


def test_absurd_sizes_are_refused_by_the_settings_table_before_anything_is_allocated():
    units = runner.invoke(train.app, ["nyse", "--model", "rnn", "--units", "100000"])
    assert units.exit_code == 2 and "--units" in units.output and "less than or equal to 1024" in units.output
    length = runner.invoke(train.app, ["longdep", "--length", "100000000"])
    assert length.exit_code == 2 and "--length" in length.output
    assert runner.invoke(train.app, ["longdep", "--length", "1e8"]).exit_code == 2
    # each size within its bounds, the product not: one sentence naming the sizes, exit 1
    both = runner.invoke(train.app, ["longdep", "--length", "5000", "--n-train", "1000000"])
    assert both.exit_code == 1 and str(both.exception).startswith("1,250,000 sequences of 5,000 steps would take 200")


def test_an_option_that_does_not_apply_to_the_model_is_an_error_not_ignored():
    result = runner.invoke(train.app, ["imdb", "--model", "lasso", "--dropout", "0.3"])
    assert result.exit_code == 1 and str(result.exception) == "--dropout does not apply to the lasso model"
    result = runner.invoke(train.app, ["nyse", "--model", "ar", "--lr", "0.1"])
    assert result.exit_code == 1 and "--lr does not apply to the ar model" in str(result.exception)


def test_out_is_checked_before_training(tmp_path, monkeypatch):
    import tempfile

    from tutor.tasks.forecast import Nyse

    def no_training(*args, **kwargs):
        raise AssertionError("training started although the model could not be saved")

    monkeypatch.setattr(Nyse, "load", no_training)
    folder = runner.invoke(train.app, ["nyse", "--model", "ar", "--out", str(tmp_path)])
    assert folder.exit_code == 1 and "must name a .npz file" in str(folder.exception)
    (tmp_path / "dir.npz").mkdir()
    a_dir = runner.invoke(train.app, ["nyse", "--model", "ar", "--out", str(tmp_path / "dir.npz")])
    assert a_dir.exit_code == 1 and "it is a folder" in str(a_dir.exception)

    def read_only(*args, **kwargs):  # as in a read-only folder (the tests may run as root, which ignores modes)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", read_only)
    denied = runner.invoke(train.app, ["nyse", "--model", "ar", "--out", str(tmp_path / "m.npz")])
    assert denied.exit_code == 1 and str(denied.exception) == f"cannot save to {tmp_path / 'm.npz'}: Permission denied"


@pytest.mark.parametrize(
    "args",
    [
        ["longdep", "--model", "gru", "--length", "8", "--n-train", "128", "--epochs", "3"],
        ["longdep", "--model", "lstm", "--length", "8", "--n-train", "128", "--epochs", "3"],
        ["nyse", "--model", "rnn", "--epochs", "2"],
    ],
    ids=["gru-huge-finite-loss", "lstm", "nyse-rnn-nan"],
)
def test_a_diverging_run_says_so_and_exits_1_with_json_too(args):
    result = runner.invoke(train.app, [*args, "--lr", "1e30", "--json"])
    assert result.exit_code == 1, result.output
    out = _json(result)
    assert out["diverged"] is True and out["interrupted"] is False
    assert "try a smaller learning rate" in result.stderr and "Traceback" not in result.stderr
    plain = runner.invoke(train.app, [*args, "--lr", "1e30"])
    assert plain.exit_code == 1 and plain.stdout == "" and "diverged" in plain.stderr


def test_a_bug_keeps_its_traceback_and_bad_input_is_one_line():
    import subprocess
    import sys

    code = (
        "import sys, typer; import tutor.cli as cli; from tutor.errors import TutorError\n"
        "@cli.app.command('boom')\n"
        "def boom(kind: str) -> None:\n"
        "    raise ValueError('a bug') if kind == 'bug' else TutorError('bad input')\n"
        "sys.argv = ['tutor', 'boom', sys.argv[1]]; cli.main()"
    )
    bug = subprocess.run([sys.executable, "-c", code, "bug"], capture_output=True, text=True)
    assert bug.returncode == 1 and "Traceback" in bug.stderr and "ValueError: a bug" in bug.stderr
    user = subprocess.run([sys.executable, "-c", code, "user"], capture_output=True, text=True)
    assert user.returncode == 1 and user.stderr == "tutor: error: bad input\n"
