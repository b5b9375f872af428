"""The training process: its typed line protocol, stop and pause, and the app's end meaning stop."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tutor.training.client import CHILD_COMMAND
from tutor.training.control import Switches
from tutor.training.protocol import (
    BatchReport,
    DoneReport,
    EpochReport,
    ProtocolError,
    StageReport,
    decode,
    encode,
)

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
    assert kind == "done" and "no_such_task" in done["error"] and "did not expect" not in done["error"]


def test_a_bug_is_reported_as_one_not_as_the_learners_mistake(monkeypatch):
    from tutor.training import process

    class Broken:
        def resolve(self, config):
            raise KeyError("a bug")

    monkeypatch.setattr("tutor.tasks.registry.resolve", Broken().resolve)
    done = process.run({"task": "nyse", "model": "ar"}, lambda report: None, Switches())
    assert "did not expect" in done.error and "KeyError" in done.error


def test_commands_flip_the_switches():
    switches = Switches()
    switches.command("pause")
    assert switches.paused and switches.word() == "pause"
    switches.command("resume")
    assert not switches.paused
    assert switches.toggle_pause() and not switches.toggle_pause()  # the app's key: pause, resume
    switches.command("pause")
    switches.command("stop")  # a stop also ends a pause, so the run can see it
    assert switches.stopped and not switches.paused and switches.word() == "stop"
    switches.command("nonsense")  # ignored
    assert switches.stopped
    switches.reset()
    assert not switches.stopped and switches.word() == "resume"


def test_every_report_survives_its_line_and_nonsense_is_refused():
    reports = [
        BatchReport(0, 3, 16, 0.69, None, 1.5),
        EpochReport(1, {"loss": 0.5, "val_loss": float("nan")}, {"lstm": [0.1, 0.2]}, 2.0),
        StageReport("lasso", {"stage": "lasso", "step": 2}),
        DoneReport({"task": "nyse"}, history={"loss": [1.0]}, metrics={"val_r2": None}, sizes={"train": 4}),
    ]
    for report in reports:
        back = decode(encode(report))
        assert type(back) is type(report)
        assert encode(back) == encode(report)  # NaN included
    assert decode(encode(reports[-1])).epochs == 1
    for line in ("", "nonsense", '["epoch", {"bogus": 1}]', '["done", {"config": {', '["what", {}]', "[1, 2, 3]"):
        with pytest.raises(ProtocolError):
            decode(line)


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
    from tutor.tasks.registry import get_task

    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TUTOR_IMDB", str(_tiny_aclimdb(tmp_path)))
    config = {**get_task("imdb").defaults("LSTM"), "units": 4, "epochs": 1, "n_train": 40, "n_val": 20, "seq_len": 20}
    done = finish(start(config))[-1][1]
    assert not done.get("error"), done.get("error")
    path = Path(done["saved_model"])
    assert path.parent == tmp_path / "home" / "models" and path.name.endswith("-LSTM-4u.npz")
    model = sentiment.load_model(path)  # what the playground's picker then opens
    assert model.input == "sequence" and sentiment.predict_text("a wonderful film", model=model)["label"]
    nyse = finish(start({"task": "nyse", "model": "ar"}))[-1][1]
    assert nyse["saved_model"] == ""  # only sentiment models are kept for the playground


def test_the_training_package_never_imports_textual():
    # the layer below the app: the process, its protocol and client run without any UI
    code = (
        "import sys\n"
        "import tutor.training.client, tutor.training.control, tutor.training.process\n"
        "import tutor.training.protocol, tutor.training.saving\n"
        "from tutor.training import process, control\n"
        "done = process.run({'task': 'nyse', 'model': 'ar'}, lambda report: None, control.Switches())\n"
        "assert not done.error, done.error\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich') or m.startswith('tutor.tui'))\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_training_process_leaves_a_core_to_the_app_unless_told_otherwise(monkeypatch):
    from tutor.training import client

    monkeypatch.setattr(client.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    env = client.child_environ({"PATH": "/bin"})
    assert {env[var] for var in client.BLAS_THREADS} == {"3"} and env["PATH"] == "/bin"
    monkeypatch.setattr(client.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert client.child_environ({})["OPENBLAS_NUM_THREADS"] == "1"
    assert client.child_environ({"OPENBLAS_NUM_THREADS": "4"})["OPENBLAS_NUM_THREADS"] == "4"  # the learner's choice


def test_the_training_process_starts_with_that_environment():
    import os

    from tutor.training.client import Trainer, child_environ

    trainer = Trainer()
    try:
        with open(f"/proc/{trainer.process.pid}/environ", "rb") as f:
            environ = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
    except FileNotFoundError:
        pytest.skip("no /proc to read the process's environment from")
    finally:
        trainer.close(wait=5.0)
    assert environ[b"OPENBLAS_NUM_THREADS"].decode() == child_environ(os.environ)["OPENBLAS_NUM_THREADS"]
