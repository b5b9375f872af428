"""Pilot tests of the dashboard on every kind of task the registry offers: NYSE, baselines, IMDb."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_tui_dashboard import open_dashboard, wait_for
from test_tui_support import demo_app, run_async
from textual.widgets import Input, Select

from tutor.course.access import load_course
from tutor.tui.app import TutorApp
from tutor.tui.screens.dashboard import DashboardScreen
from tutor.tui.widgets.gradmap import GradHeatmap
from tutor.tui.widgets.plots import CachedPlot


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


def plot_title(screen: DashboardScreen, plot_id: str) -> str:
    return screen.query_one(plot_id, CachedPlot).figure_title


async def train(pilot, screen: DashboardScreen) -> None:
    await pilot.press("ctrl+r")
    await pilot.app.workers.wait_for_complete()
    await wait_for(pilot, lambda: screen.control is None)
    await pilot.pause()


@run_async
async def test_nyse_rnn_trains_with_r2_curves(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, {"task": "nyse", "model": "SimpleRNN", "epochs": 2})
        await train(pilot, screen)
        assert screen.metric == "r2"
        assert len(screen.history["val_r2"]) == 2 and len(screen.history["r2"]) == 2
        assert "finished after 2 epoch(s): val R²" in screen.status_note
        assert len(screen.query_one("GradHeatmap").rows) == 2  # one row per epoch, lag steps wide
        assert len(screen.query_one("GradHeatmap").rows[0]) == 5
        assert "R²" in plot_title(screen, "#metric-plot")
        assert app.course.store.list_runs()[0].config["task"] == "nyse"


@run_async
async def test_ar_baseline_shows_its_one_figure(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, {"task": "nyse", "model": "ar"})
        assert not screen.query_one("#f-units").display  # an AR model has no units to set
        assert screen.query_one("#f-lag").display
        await train(pilot, screen)
        assert screen.result is not None and screen.result.baseline
        val = screen.result.metrics["val_r2"]
        assert 0.3 < val < 0.5
        assert screen.status_note.startswith(f"fitted: val R² {val:.3f}")
        assert f"val R² {val:.3f}" in plot_title(screen, "#metric-plot")
        assert len(app.course.store.list_runs()) == 1


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
        config = screen.read_form()
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
async def test_lesson_10_ar_experiment_is_judged_on_val_r2(tmp_path):
    app = TutorApp(course=load_course())
    lesson = next(le for le in app.course.lessons if le.number == 10)
    exercise = next(e for e in lesson.exercises if e.kind == "experiment" and e.config["model"] == "ar")
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_experiment(exercise)
        await wait_for(pilot, lambda: exercise.key in app.experiment_results)
        result = app.experiment_results[exercise.key]
        assert not result.passed  # the preset (no day of week) stays under 0.45
        assert "val_r2" in " ".join(result.details)


@run_async
async def test_lesson_7_vanishing_experiment_gets_step_norms(tmp_path):
    app = TutorApp(course=load_course())
    lesson = next(le for le in app.course.lessons if le.number == 7)
    exercise = next(e for e in lesson.exercises if e.goal == "gradient_vanishes")
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_experiment(exercise)
        await wait_for(pilot, lambda: exercise.key in app.experiment_results, attempts=4000)
        result = app.experiment_results[exercise.key]
        assert "First-step / last-step gradient norm" in result.message
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert screen.query_one("#f-units").disabled and not screen.query_one("#f-seq_len").disabled


def record_processes(monkeypatch, command: list[str]) -> list[subprocess.Popen]:
    """Make the dashboard's training process run `command`; the list collects the processes."""
    from tutor.tui import training

    started: list[subprocess.Popen] = []
    popen = subprocess.Popen

    def recording(*args, **kwargs):
        started.append(popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(training, "CHILD_COMMAND", command)
    monkeypatch.setattr(training.subprocess, "Popen", recording)
    return started


SILENT = [sys.executable, "-c", "import time; time.sleep(60)"]  # a run that never reports


async def start_silent_run(pilot, started: list[subprocess.Popen]) -> DashboardScreen:
    screen = await open_dashboard(pilot, {"task": "nyse", "model": "SimpleRNN"})
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: bool(started) and screen.control is not None)
    return screen


@run_async
async def test_quitting_while_the_run_cannot_stop_ends_its_process(tmp_path, monkeypatch):
    # Reading 25,000 reviews cannot be interrupted: quitting must end the process, not wait for it.
    from tutor.tui import training

    monkeypatch.setattr(training, "STOP_GRACE", 30)  # only the quit itself can end it in time
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
        await wait_for(pilot, lambda: screen.control is None)
        assert started[0].wait(timeout=10) != 0  # ended after the grace, not left to sleep
        assert screen.status_note == "stopped before the first epoch ended"
        assert not app.course.store.list_runs()
        assert screen.query_one(GradHeatmap).empty_text.startswith("The run ended before its first epoch")


def child(code: str) -> list[str]:
    """A training process that reads its config and then runs `code`."""
    return [sys.executable, "-c", "import sys, time; sys.stdin.readline(); " + code]


@pytest.mark.parametrize(
    ("command", "why"),
    [
        (child("sys.exit('out of memory')"), "ended unexpectedly (out of memory)"),
        (child('print(\'["done", {"config": {\', flush=True); sys.exit(3)'), "ended unexpectedly (exit code 3)"),
        (child('print(\'["epoch", {"bogus": 1}]\', flush=True); time.sleep(60)'), "sent a report the app cannot"),
    ],
    ids=["exits-with-a-message", "dies-mid-report", "writes-nonsense"],
)
@run_async
async def test_a_broken_training_process_is_a_notice_and_the_next_run_works(tmp_path, monkeypatch, command, why):
    from tutor.tui import training

    real = training.CHILD_COMMAND
    record_processes(monkeypatch, command)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, {"task": "nyse", "model": "SimpleRNN", "epochs": 1})
        await train(pilot, screen)
        assert screen.status_note.startswith("failed: the training process " + why)
        assert any("start it again" in n.message for n in app._notifications)
        monkeypatch.setattr(training, "CHILD_COMMAND", real)
        await train(pilot, screen)  # a fresh process replaces the broken one
        assert "finished after 1 epoch(s)" in screen.status_note


@run_async
async def test_runs_share_one_training_process_which_ends_with_the_app(tmp_path, monkeypatch):
    from tutor.tui import training

    started = record_processes(monkeypatch, training.CHILD_COMMAND)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, {"task": "nyse", "model": "SimpleRNN", "epochs": 1})
        await train(pilot, screen)
        await train(pilot, screen)
        assert len(app.course.store.list_runs()) == 2 and len(started) == 1  # prepared data is kept
        await pilot.press("ctrl+q")
        assert started[0].wait(timeout=10) is not None


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
        assert "finished after 1 epoch(s)" in screen.status_note, screen.status_note
        assert any("playground" in n.message for n in app._notifications)
        assert [p.name for p in models_folder().glob("*.npz")] == [Path(screen.result.saved_model).name]
