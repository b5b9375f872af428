"""The dashboard's training process: its line protocol, stop, and the app's end meaning stop."""

from __future__ import annotations

import json
import select
import subprocess
import time
from pathlib import Path

import pytest

from tutor.tui.runner import Switches
from tutor.tui.training import CHILD_COMMAND

TINY = {
    "task": "long_dependency",
    "model": "SimpleRNN",
    "units": 4,
    "seq_len": 8,
    "epochs": 3,
    "batch_size": 64,
    "n_train": 256,
    "n_val": 64,
    "lr": 0.01,
}
LONG = {**TINY, "epochs": 500}


def start(config: dict) -> subprocess.Popen:
    process = subprocess.Popen(CHILD_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    process.stdin.write(json.dumps(config) + "\n")
    process.stdin.flush()
    return process


def reports_until(process: subprocess.Popen, kind: str) -> list[tuple[str, dict]]:
    """Read reports up to and including the first of `kind` (or to the end of the output)."""
    seen = []
    for line in process.stdout:
        seen.append(tuple(json.loads(line)))
        if seen[-1][0] == kind:
            break
    return seen


def finish(process: subprocess.Popen) -> list[tuple[str, dict]]:
    rest = reports_until(process, "done")
    process.stdin.close()
    assert process.wait(timeout=60) == 0
    return rest


def test_a_run_reports_its_stage_epochs_and_last_the_result():
    process = start(TINY)
    reports = finish(process)
    kinds = [kind for kind, _ in reports]
    assert kinds[0] == "stage" and reports[0][1]["info"]["stage"] == "data"
    assert kinds.count("epoch") == 3 and kinds[-1] == "done"
    done = reports[-1][1]
    assert not done.get("error") and not done.get("stopped")
    assert len(done["history"]["loss"]) == 3 and done["fit_seconds"] > 0
    assert len(done["step_norms"]["simple_rnn"][0]) == 8  # one norm per time step, per epoch
    epoch = next(fields for kind, fields in reports if kind == "epoch")
    assert set(epoch) == {"epoch", "logs", "step_norms", "seconds"} and "val_loss" in epoch["logs"]


def test_stop_ends_the_run_after_a_batch_and_still_reports_it():
    process = start(LONG)
    reports_until(process, "epoch")
    process.stdin.write("stop\n")
    process.stdin.flush()
    done = finish(process)[-1][1]
    assert done["stopped"] and 1 <= len(done["history"]["loss"]) < 500


def test_the_app_gone_means_stop():
    # An app killed outright leaves no one to read the run: the closed pipe stops it.
    process = start(LONG)
    reports_until(process, "epoch")
    process.stdin.close()
    done = reports_until(process, "done")[-1]
    assert done[0] == "done" and done[1]["stopped"]
    assert process.wait(timeout=60) == 0


def test_a_bad_config_is_an_error_in_the_last_report():
    process = start({"task": "no_such_task", "model": "LSTM"})
    ((kind, done),) = finish(process)
    assert kind == "done" and "no_such_task" in done["error"]


def test_commands_flip_the_switches():
    switches = Switches()
    switches.command("pause")
    assert not switches.running.is_set()
    switches.command("resume")
    assert switches.running.is_set()
    switches.command("pause")
    switches.command("stop")  # a stop also ends a pause, so the run can see it
    assert switches.stop.is_set() and switches.running.is_set()
    switches.command("nonsense")  # ignored
    assert switches.stop.is_set()


def test_a_baseline_announces_its_fit_after_the_data():
    # The app only stops waiting on a stop once the data is read: the fit's start must be told.
    stages = [fields["stage"] for kind, fields in finish(start({"task": "nyse", "model": "ar"})) if kind == "stage"]
    assert stages[:2] == ["data", "train"]


def test_one_process_runs_one_config_after_another_and_a_late_stop_stays_behind():
    process = start(TINY)
    first = reports_until(process, "done")[-1][1]
    process.stdin.write("stop\n")  # too late for the first run: must not stop the second
    process.stdin.write(json.dumps({**TINY, "epochs": 2}) + "\n")
    process.stdin.flush()
    second = finish(process)[-1][1]
    assert len(first["history"]["loss"]) == 3 and not second.get("stopped")
    assert len(second["history"]["loss"]) == 2


def quiet_for(process: subprocess.Popen, seconds: float) -> bool:
    """True if the process writes nothing for `seconds`."""
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    return not ready


@pytest.mark.skipif(not hasattr(select, "poll"), reason="select on pipes is POSIX only")
def test_pause_holds_the_run_and_its_time_is_not_counted():
    process = subprocess.Popen(CHILD_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    process.stdin.write((json.dumps(LONG) + "\n").encode())
    lines = process.stdout  # unbuffered bytes: select sees exactly what is unread
    started = time.perf_counter()
    while json.loads(lines.readline())[0] != "epoch":
        pass
    process.stdin.write(b"pause\n")
    time.sleep(0.5)  # a report already under way may still arrive
    while not quiet_for(process, 0.0):
        lines.readline()
    assert quiet_for(process, 1.5)  # paused: not a single report
    process.stdin.write(b"resume\n")
    assert json.loads(lines.readline())[0] in ("batch", "epoch")  # and on it goes
    process.stdin.write(b"stop\n")
    while (report := json.loads(lines.readline()))[0] != "done":
        pass
    wall = time.perf_counter() - started
    process.stdin.close()
    assert process.wait(timeout=60) == 0
    assert report[1]["stopped"] and report[1]["fit_seconds"] < wall - 1.5  # the pause is left out


def test_a_trained_sentiment_model_is_kept_for_the_playground(tmp_path, monkeypatch):
    from test_train_cli import _tiny_aclimdb

    from tutor import sentiment
    from tutor.tui.tasks_bridge import task_defaults

    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TUTOR_IMDB", str(_tiny_aclimdb(tmp_path)))
    config = {**task_defaults("imdb", "LSTM"), "units": 4, "epochs": 1, "n_train": 40, "n_val": 20, "seq_len": 20}
    done = finish(start(config))[-1][1]
    assert not done.get("error"), done.get("error")
    path = Path(done["saved_model"])
    assert path.parent == tmp_path / "home" / "models" and path.name.endswith("-LSTM-4u.npz")
    model = sentiment.load_model(path)  # what the playground's picker then opens
    assert model.input == "sequence" and sentiment.predict_text("a wonderful film", model=model)["label"]
    nyse = finish(start({"task": "nyse", "model": "ar"}))[-1][1]
    assert nyse["saved_model"] == ""  # only sentiment models are kept for the playground
