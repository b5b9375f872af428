"""Pilot tests of the training dashboard: real (tiny) engine runs, stop, pause, experiments."""

from __future__ import annotations

import pytest
from test_tui_support import demo_app, lesson_built, run_async, wait_for
from textual.widgets import DataTable

from tutor.training import client
from tutor.training.protocol import DoneReport
from tutor.tui.screens.course_map import CourseMapScreen
from tutor.tui.screens.dashboard import DashboardScreen
from tutor.tui.widgets.gradmap import GradHeatmap

TINY = {"model": "SimpleRNN", "units": 4, "seq_len": 8, "epochs": 3, "batch_size": 64, "lr": 0.01, "clipnorm": 0.0}
LONG = {**TINY, "units": 8, "seq_len": 20, "epochs": 5000}  # a run that is still going when it is stopped


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


async def open_dashboard(pilot, config: dict) -> DashboardScreen:
    await pilot.press("f3")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    screen.form.fill({**screen.config, **config})
    return screen


@run_async
async def test_short_run_draws_curves_heatmap_and_is_saved(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, TINY)
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(screen.live.history["loss"]) == 3
        assert len(screen.live.history["val_accuracy"]) == 3
        heatmap = screen.query_one(GradHeatmap)
        assert len(heatmap.rows) == 3 and len(heatmap.rows[0]) == 8
        assert "finished 3 epochs" in screen.status_note
        runs = app.course.store.list_runs()
        assert len(runs) == 1 and runs[0].config["model"] == "SimpleRNN"
        saved = app.course.store.load_run(runs[0].id)
        assert saved.history["loss"] == screen.live.history["loss"]
        assert saved.history["sizes"] == {"train": 1024, "val": 256}  # the data the run actually used
        assert screen.runs.overlay_ids == [runs[0].id]


@run_async
async def test_curves_update_during_a_run_and_stop_ends_it(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, LONG)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(screen.live.history.get("loss", [])) >= 2)
        await pilot.press("ctrl+g")  # pause
        assert screen.switches is not None and screen.switches.paused
        await pilot.press("ctrl+g")  # resume
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.switches is None
        assert "stopped by you after" in screen.status_note
        assert 2 <= len(screen.live.history["loss"]) < 5000
        assert len(app.course.store.list_runs()) == 1
        row = screen.query_one("#runs-table", DataTable).get_row_at(0)
        assert row[3] == f"stopped {len(screen.live.history['loss'])}/5000"  # epochs trained of planned, marked
        assert row[4].startswith("val accuracy ")  # its final figure


@run_async
async def test_quitting_during_training_stops_the_thread(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, LONG)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: bool(screen.live.history.get("loss")))
        await pilot.press("ctrl+q")
        await pilot.pause()
    await app.workers.wait_for_complete()
    assert client.active_runs() == 0


@run_async
async def test_the_form_its_bad_settings_and_the_divergence_notice(tmp_path):
    # One session for what needs no training: the form's focus order, a bad setting, and how a
    # diverged run's report is shown (provoking one takes luck, so its report is posted).
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, {**TINY, "units": "-5"})
        assert screen.focus_chain[1].id == "f-task"  # no invisible stop (the form's scroll container)
        screen.query_one("#f-lr").focus()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert screen.switches is None  # nothing started
        assert any("Units must be at least 1" in n.message for n in app._notifications)
        assert app.focused is screen.query_one("#f-units")  # straight back into the field to fix
        screen.form.fill({"units": 4})
        from tutor.tui.training import TrainingDone

        history = {"loss": [0.7, float("nan")], "val_loss": [0.7, float("nan")]}
        screen.post_message(TrainingDone(DoneReport(screen.form.read(), history, diverged=True)))
        await pilot.pause()
        assert "diverged" in screen.status_note and "smaller learning rate" in screen.status_note
        assert any("learning rate" in n.message for n in app._notifications)


@run_async
async def test_experiment_runs_in_the_dashboard_and_records_the_attempt(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await lesson_built(pilot)
        lesson = app.screen
        lesson.query_one("#ex-vanish Button").focus()
        await pilot.pause()  # focus scrolls it into view: the keys act on the exercise in view
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.experiment is not None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        exercise = app.course.lesson("demo").exercise("vanish")
        assert app.course.passed(exercise)
        assert screen.config["seq_len"] == 20 and screen.config["units"] == 8
        assert screen.query_one("#f-units").disabled  # not editable in this experiment
        assert not screen.query_one("#f-seq_len").disabled
        await pilot.press("ctrl+l")
        assert not screen.query_one("#f-units").disabled
        await pilot.press("f2")  # back to the lesson, which shows the run's verdict
        await pilot.pause()
        assert app.screen is lesson
        assert "✔" in str(lesson.query_one("#ex-vanish .ex-result").render())
        await pilot.press("f2")  # and from the lesson, the course map
        await pilot.pause()
        assert isinstance(app.screen, CourseMapScreen)


def test_the_status_line_leaves_out_its_last_parts_rather_than_cut_the_first():
    from tutor.tui.screens.dashboard import fitted

    parts = [("finished 3 epochs: val accuracy 0.91", ""), ("1,024/256 examples", ""), ("adam lr=0.01", "dim")]
    assert fitted(parts, 80).plain == "finished 3 epochs: val accuracy 0.91 · 1,024/256 examples · adam lr=0.01"
    assert fitted(parts, 60).plain == "finished 3 epochs: val accuracy 0.91 · 1,024/256 examples"
    assert fitted(parts, 40).plain == "finished 3 epochs: val accuracy 0.91"
    assert fitted(parts, 10).plain == "finished 3 epochs: val accuracy 0.91"  # the result stays (cut on screen)
    assert fitted([("", ""), ("b", "")], 10).plain == "b"


@run_async
async def test_a_finished_runs_result_is_whole_at_60_columns_and_its_data_sizes_come_back_wider(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await open_dashboard(pilot, TINY)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.result is not None, 6000, "the run's end")
        await pilot.pause()
        line = str(screen.status_text()).splitlines()[1]
        assert line.startswith("finished 3 epochs") and "val accuracy" in line and len(line) <= 58
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert "examples" in str(screen.status_text()).splitlines()[1]
