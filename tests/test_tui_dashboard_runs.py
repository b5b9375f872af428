"""The dashboard's keys and its saved runs and models: Tab order, Enter, Live first, stopped runs, deleting."""

from __future__ import annotations

import dataclasses

import pytest
from test_tui_dashboard import LONG, TINY, open_dashboard
from test_tui_support import demo_app, lesson_built, run_async, wait_for
from textual.widgets import DataTable, Input, OptionList, TabbedContent

from tutor.tui.screens.dashboard import DashboardScreen, duration
from tutor.tui.widgets.confirm import ConfirmScreen
from tutor.tui.widgets.model_picker import ModelPicker, describe_model


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


def test_durations_read_as_a_person_says_them():
    assert [duration(s) for s in (0.0004, 0.2149, 6.63, 125.2)] == ["1 ms", "215 ms", "6.6 s", "2 min 05 s"]


@run_async
async def test_tab_goes_to_task_then_model_and_enter_in_a_setting_starts_the_run(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, TINY)
        await pilot.press("tab")
        assert app.focused is screen.query_one("#f-task")
        await pilot.press("tab")
        assert app.focused is screen.query_one("#f-model")
        lr = screen.query_one("#f-lr", Input)
        lr.focus()
        await pilot.press("enter")  # the setting is read and the run starts
        await pilot.pause()
        assert screen.training or screen.result is not None
        assert screen.query_one(TabbedContent).active == "live"
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.result is not None and not screen.result.error


@run_async
async def test_a_lessons_experiment_opens_on_live_the_first_time(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await lesson_built(pilot)
        app.screen.query_one("#ex-vanish Button").focus()
        await pilot.pause()
        await pilot.press("ctrl+r")  # the dashboard is built now, for the first time
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.experiment is not None)
        screen = app.screen
        for _ in range(5):  # and stays on Live while the screen settles (its mount runs after the request)
            await pilot.pause()
            assert screen.query_one(TabbedContent).active == "live"
        await app.workers.wait_for_complete()


@run_async
async def test_a_stopped_experiment_is_kept_marked_but_not_judged(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, {})
        vanish = app.course.lesson("demo").exercise("vanish")
        exercise = dataclasses.replace(vanish, config={**vanish.config, "epochs": 5000})  # long enough to stop
        screen.load_experiment(exercise)
        await wait_for(pilot, lambda: bool(screen.live.history.get("loss")))
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.result is not None and screen.result.stopped
        assert screen.verdict is None and not app.course.state(exercise).attempts  # not judged, not recorded
        assert any(n.title == "Not judged" for n in app._notifications)
        assert app.course.store.list_runs()[0].config["stopped"] is True


@run_async
async def test_deleting_a_run_asks_first_and_deletes_only_that_one(tmp_path):
    app = demo_app(tmp_path)
    store = app.course.store
    first = store.save_run("SimpleRNN 4u T=8", {**TINY, "task": "long_dependency", "epochs_trained": 3}, {})
    second = store.save_run("LSTM 4u T=8", {**TINY, "task": "long_dependency", "model": "LSTM"}, {})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, {})
        screen.show_tab("runs")
        table = screen.query_one("#runs-table", DataTable)
        table.focus()
        await pilot.pause()
        assert table.row_count == 2 and table.get_row_at(0)[0].split()[-1] == str(second)  # newest first
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # Cancel has the focus: an Enter meant elsewhere deletes nothing
        await pilot.pause()
        assert [r.id for r in store.list_runs()] == [second, first]
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert [r.id for r in store.list_runs()] == [first]
        assert table.row_count == 1 and table.get_row_at(0)[0].split()[-1] == str(first)
        assert table.get_row_at(0)[3] == "3/3" and table.get_row_at(0)[1] == "long_dependency"


@run_async
async def test_the_picker_describes_saved_models_and_deletes_one_after_asking(tmp_path):
    from test_tui_playground_models import open_playground, save_tiny_model

    folder = tmp_path / "home" / "models"
    keep = save_tiny_model(folder / "keep.npz")
    drop = save_tiny_model(folder / "drop.npz")
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_playground(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ModelPicker)
        options = picker.query_one(OptionList)
        names = [str(options.get_option_at_index(i).prompt).split("\n")[0] for i in range(options.option_count)]
        index = names.index("drop.npz")
        options.highlighted = 0
        await pilot.press("delete")  # the bundled model is not a file to delete
        await pilot.pause()
        assert app.screen is picker and drop.exists()
        options.highlighted = index
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert drop.exists()
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not drop.exists() and keep.exists()
        remaining = [str(options.get_option_at_index(i).prompt).split("\n")[0] for i in range(options.option_count)]
        assert remaining == ["Bundled model", "keep.npz"]


def test_a_saved_models_line_says_what_it_is():
    meta = {
        "task": "imdb",
        "model": "LSTM",
        "config": {"task": "imdb", "model": "LSTM", "units": 16, "seq_len": 200, "epochs": 5},
        "epochs_trained": 2,
        "stopped": True,
        "val_accuracy": 0.8123,
    }
    assert describe_model(meta) == "imdb · LSTM 16u T=200 · stopped 2/5 epochs · val accuracy 0.812"
    assert describe_model({}) == "not a model file the tutor can read"


@run_async
async def test_a_run_shows_the_epoch_under_way_and_the_last_epochs_own_time(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, LONG)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(screen.live.history.get("loss", [])) >= 3)
        status = str(screen.status_text())
        done = screen.epochs_done
        assert f"epoch {done + 1}/5000" in status or f"epoch {done + 2}/5000" in status
        assert "took" in status and " in 0.0 s" not in status
        assert len(screen.live.batches.x) >= 3 * 16  # every batch of the epochs so far, for the curve
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
