"""Pilot tests of the dashboard on every kind of task the registry offers: NYSE, baselines, IMDb."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_tui_dashboard import open_dashboard
from test_tui_support import demo_app, run_async, wait_for
from textual.widgets import Input, Select

from tutor.course.access import load_course
from tutor.tui.app import TutorApp
from tutor.tui.messages import ExperimentRequested
from tutor.tui.screens.dashboard import DashboardScreen
from tutor.tui.widgets.gradmap import GradHeatmap
from tutor.tui.widgets.plots import CachedPlot


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


def plot_title(screen: DashboardScreen, plot_id: str) -> str:
    return screen.query_one(plot_id, CachedPlot).figure_title


async def judged(pilot, attempts: int = 2000) -> DashboardScreen:
    """Wait until the dashboard has judged the experiment it was sent; the dashboard."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen), attempts)
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.verdict is not None, attempts)
    return screen


async def train(pilot, screen: DashboardScreen) -> None:
    await pilot.press("ctrl+r")
    await pilot.app.workers.wait_for_complete()
    await wait_for(pilot, lambda: not screen.training)
    await pilot.pause()


@run_async
async def test_nyse_rnn_then_ar_in_one_training_process_which_ends_with_the_app(tmp_path, monkeypatch):
    from tutor.training import client

    started = record_processes(monkeypatch, client.CHILD_COMMAND)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, {"task": "nyse", "model": "SimpleRNN", "epochs": 2})
        await train(pilot, screen)
        assert screen.live.metric == "r2"
        assert len(screen.live.history["val_r2"]) == 2 and len(screen.live.history["r2"]) == 2
        # settings are compared on the validation years; the test years are scored once, outside the dashboard
        assert "finished 2 epochs" in screen.status_note and "val R²" in screen.status_note
        assert "test" not in screen.status_note
        assert len(screen.query_one("GradHeatmap").rows) == 2  # one row per epoch, lag steps wide
        assert len(screen.query_one("GradHeatmap").rows[0]) == 5
        assert "R²" in plot_title(screen, "#metric-plot")
        assert app.course.store.list_runs()[0].config["task"] == "nyse"
        # the AR baseline: no epochs, one figure
        screen.form.fill({"task": "nyse", "model": "ar"})
        assert not screen.query_one("#f-units").display  # an AR model has no units to set
        assert screen.query_one("#f-lag").display
        await train(pilot, screen)
        assert screen.result is not None and screen.result.baseline
        val = screen.result.metrics["val_r2"]
        assert 0.55 < val < 0.7  # validation R² on 1976-1979 (0.615); the test years stay out of the dashboard
        assert screen.status_note.startswith(f"fitted: val R² {val:.3f}")
        assert f"val R² {val:.3f}" in plot_title(screen, "#metric-plot")
        assert len(app.course.store.list_runs()) == 2 and len(started) == 1  # the process (and its data) is kept
        await pilot.press("ctrl+q")
        assert started[0].wait(timeout=10) is not None


@run_async
async def test_picking_a_task_offers_its_models_and_settings(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, {})
        screen.query_one("#f-task", Select).value = "nyse"  # as a learner's pick: posts Changed
        await pilot.pause()
        assert screen.query_one("#f-lag", Input).value == "5"
        assert screen.query_one("#f-units", Input).value == "12"
        assert not screen.query_one("#f-seq_len").display
        screen.query_one("#f-units", Input).value = "7"
        screen.query_one("#f-model", Select).value = "ar"
        await pilot.pause()
        assert not screen.query_one("#f-units").display and screen.query_one("#f-day_of_week").display
        screen.query_one("#f-model", Select).value = "LSTM"
        await pilot.pause()
        assert screen.query_one("#f-units", Input).value == "7"  # the learner's value is kept
        config = screen.form.read()
        assert config["task"] == "nyse" and "seq_len" not in config and config["lag"] == 5


@run_async
async def test_imdb_without_data_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_IMDB", str(tmp_path / "no-such-aclImdb"))
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, {"task": "imdb", "model": "LSTM"})
        await train(pilot, screen)
        assert screen.status_note.startswith("failed: ")
        messages = [n.message for n in app._notifications]
        assert any("tutor data download imdb" in m and "TUTOR_IMDB" in m for m in messages)
        assert not app.course.store.list_runs()


@run_async
async def test_real_lesson_experiments_are_judged_on_what_they_report(tmp_path):
    app = TutorApp(course=load_course())
    lessons = {le.id: le for le in app.course.lessons}
    ar = next(e for e in lessons["nyse-forecasting"].exercises if e.kind == "experiment" and e.config["model"] == "ar")
    vanish = next(e for e in lessons["vanishing-gradients"].exercises if e.goal == "gradient_vanishes")
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(ExperimentRequested(ar))
        screen = await judged(pilot)
        result = screen.verdict
        assert not result.passed  # the preset (no day of week) stays under 0.45
        assert "val_r2" in " ".join(result.details)
        assert app.course.state(ar).attempts == 1
        app.post_message(ExperimentRequested(vanish))  # the named goal reads the step norms
        await wait_for(pilot, lambda: screen.experiment is vanish and screen.verdict is not None, attempts=4000)
        assert "First-step / last-step gradient norm" in screen.verdict.message
        assert screen.query_one("#f-units").disabled and not screen.query_one("#f-seq_len").disabled


def record_processes(monkeypatch, command: list[str]) -> list[subprocess.Popen]:
    """Make the dashboard's training process run `command`; the list collects the processes."""
    from tutor.training import client

    started: list[subprocess.Popen] = []
    popen = subprocess.Popen

    def recording(*args, **kwargs):
        started.append(popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(client, "CHILD_COMMAND", command)
    monkeypatch.setattr(client.subprocess, "Popen", recording)
    return started


SILENT = [sys.executable, "-c", "import time; time.sleep(60)"]  # a run that never reports


async def start_silent_run(pilot, started: list[subprocess.Popen]) -> DashboardScreen:
    screen = await open_dashboard(pilot, {"task": "nyse", "model": "SimpleRNN"})
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: bool(started) and screen.training)
    return screen


@run_async
async def test_quitting_while_the_run_cannot_stop_ends_its_process(tmp_path, monkeypatch):
    # Reading 25,000 reviews cannot be interrupted: quitting must end the process, not wait for it.
    from tutor.training import client

    monkeypatch.setattr(client, "STOP_GRACE", 30)  # only the quit itself can end it in time
    started = record_processes(monkeypatch, SILENT)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_silent_run(pilot, started)
        await pilot.press("ctrl+q")
        assert started[0].wait(timeout=10) != 0  # killed on quit, not left to sleep its 60 s


@run_async
async def test_stop_before_the_first_batch_ends_the_process_and_keeps_the_app(tmp_path, monkeypatch):
    started = record_processes(monkeypatch, SILENT)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await start_silent_run(pilot, started)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not screen.training)
        assert started[0].wait(timeout=10) != 0  # ended after the grace, not left to sleep
        assert screen.status_note == "stopped by you before the first epoch ended: nothing kept"
        assert not app.course.store.list_runs()
        assert screen.query_one(GradHeatmap).empty_text.startswith("The run ended before its first epoch")


def child(code: str) -> list[str]:
    """A training process that reads its config and then runs `code`."""
    return [sys.executable, "-c", "import sys, time; sys.stdin.readline(); " + code]


BROKEN = [
    (child("sys.exit('out of memory')"), "ended unexpectedly (out of memory)"),
    (child('print(\'["done", {"config": {\', flush=True); sys.exit(3)'), "ended unexpectedly (exit code 3)"),
    (child('print(\'["epoch", {"bogus": 1}]\', flush=True); time.sleep(60)'), "sent a report the app cannot"),
]  # a process that exits with a message, one that dies mid-report, one that writes nonsense


@run_async
async def test_a_broken_training_process_is_a_notice_and_the_next_run_works(tmp_path, monkeypatch):
    from tutor.training import client

    real = client.CHILD_COMMAND
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, {"task": "nyse", "model": "SimpleRNN", "epochs": 1})
        for command, why in BROKEN:
            record_processes(monkeypatch, command)
            await train(pilot, screen)
            assert screen.status_note.startswith("failed: the training process " + why)
            assert any("start it again" in n.message for n in app._notifications)
        monkeypatch.setattr(client, "CHILD_COMMAND", real)
        await train(pilot, screen)  # a fresh process replaces the broken one
        assert "finished 1 epoch" in screen.status_note


@run_async
async def test_an_imdb_run_keeps_its_model_for_the_playground(tmp_path, monkeypatch):
    from test_train_cli import _tiny_aclimdb

    from tutor.tui.screens.playground import models_folder

    monkeypatch.setenv("TUTOR_IMDB", str(_tiny_aclimdb(tmp_path)))
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(
            pilot, {"task": "imdb", "model": "LSTM", "units": 4, "epochs": 1, "n_train": 40, "n_val": 20, "seq_len": 20}
        )
        await train(pilot, screen)
        assert "finished 1 epoch" in screen.status_note, screen.status_note
        assert any("playground" in n.message for n in app._notifications)
        assert [p.name for p in models_folder().glob("*.npz")] == [Path(screen.result.saved_model).name]


@run_async
async def test_an_experiment_rerun_with_one_setting_changed_trains_on_the_same_data(tmp_path, monkeypatch):
    # Lesson 2's lasso, as the learner explores it: run the preset, change the vocabulary, run again.
    # The rerun once picked up greyed-out "Train size 1024" fields the preset never set and trained
    # on a sample; a setting the experiment leaves alone must keep its meaning (every review).
    from types import MappingProxyType

    from test_train_cli import _tiny_aclimdb

    from tutor.course.model import Exercise

    monkeypatch.setenv("TUTOR_IMDB", str(_tiny_aclimdb(tmp_path)))
    exercise = Exercise(
        id="lasso",
        lesson_id="demo",
        kind="experiment",
        title="Lasso",
        prompt_markdown="Fit the lasso.",
        hint="Run it.",
        solution="Run it.",
        config=MappingProxyType({"task": "imdb_bow", "model": "lasso", "vocab_size": 10000}),
        editable=("vocab_size",),
        goal="val_accuracy >= 0.0",
        goal_text="finish a run",
    )
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(ExperimentRequested(exercise))
        screen = await judged(pilot)
        first = screen.result
        assert first.sizes == {"train": 48, "val": 12, "test": 20} and first.config["n_train"] is None
        assert screen.query_one("#f-n_train", Input).value == ""  # shown as it is: unset, every review
        assert screen.query_one("#f-n_train", Input).disabled and not screen.query_one("#f-vocab_size").disabled
        screen.query_one("#f-vocab_size", Input).value = "50"
        await train(pilot, screen)
        second = screen.result
        assert second is not first and second.config["vocab_size"] == 50
        assert second.sizes == first.sizes and second.config["n_train"] is None  # the same reviews
        assert screen.verdict.passed  # the rerun is still the experiment
        assert "48/12 examples" in screen.status_note  # the data it used, shown with the result


@run_async
async def test_the_variations_train_from_the_form_at_80_columns(tmp_path):
    """Lesson 11's models: the form offers layers, bidirectional and (for Conv1D) kernel size;
    a Conv1D run has no per-step gradient norms, and the dashboard says nothing is wrong."""
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        base = {"task": "long_dependency", "epochs": 1, "seq_len": 8, "n_train": 64}
        screen = await open_dashboard(pilot, {**base, "model": "Conv1D", "kernel_size": 4, "layers": 2})
        await pilot.pause()
        assert screen.query_one("#f-kernel_size", Input).display
        assert not screen.query_one("#f-bidirectional", Select).display  # a recurrent layer's setting
        await train(pilot, screen)
        assert "finished 1 epoch" in screen.status_note, screen.status_note
        assert len(screen.live.history["val_accuracy"]) == 1
        heatmap = screen.query_one("GradHeatmap")
        assert not heatmap.rows and "keeps no state between steps" in heatmap.empty_text
        screen.form.fill({**screen.config, **base, "model": "SimpleRNN", "bidirectional": True, "layers": 2})
        await pilot.pause()
        assert screen.query_one("#f-bidirectional", Select).display
        assert not screen.query_one("#f-kernel_size", Input).display
        await train(pilot, screen)
        assert "finished 1 epoch" in screen.status_note, screen.status_note
        assert screen.config["bidirectional"] is True and screen.config["layers"] == 2
        assert len(screen.query_one("GradHeatmap").rows) == 1  # the forward reader's norms, 8 steps
        assert len(screen.query_one("GradHeatmap").rows[0]) == 8


@run_async
async def test_every_tasks_name_is_whole_in_the_task_picker_at_60_columns(tmp_path):
    from rich.cells import cell_len
    from textual.widgets import Select

    from tutor.tasks import registry

    app = demo_app(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_dashboard(pilot, {})
        picker = screen.query_one("#f-task", Select)
        for name, task in registry.TASKS.items():
            picker.value = name
            await pilot.pause()
            label = picker.query_one("SelectCurrent #label")
            shown = "".join(s.text for s in label.render_lines(label.content_region.reset_offset)).strip()
            assert shown == task.title and cell_len(task.title) <= label.content_size.width, name
