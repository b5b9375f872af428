"""Layout found in a walk through every screen at 60x20, 80x24 and 160x48 (issue 15): nothing cut or overlapping."""

from __future__ import annotations

import re

import pytest
from test_tui_playground_models import screen_lines
from test_tui_support import demo_app, lesson_built, run_async
from test_tui_views import open_view, settled, views_app

from tutor.tui.screens.lesson import LessonScreen


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


@run_async
async def test_the_nyse_forecast_axis_counts_whole_years_then_months_and_names_no_column(tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_view(pilot, "nyse-forecasting")
        shown = "\n".join(screen_lines(app))
        assert "day_of_week" not in shown and not re.search(r"19\d\d\.\d", shown)
        axis = next(line for line in screen_lines(app) if "1980" in line)
        assert re.findall(r"19\d\d", axis) == [str(year) for year in range(1980, 1987)]
        await pilot.press("d")
        await settled(pilot)
        shown = "\n".join(screen_lines(app))
        assert "AR(5) + day of week" in shown and "day_of_week" not in shown
        await pilot.press("z")  # the last 120 test days: months
        await pilot.pause()
        axis = next(line for line in screen_lines(app) if "1986" in line and "└" not in line)
        assert re.findall(r"[A-Z][a-z]{2} 1986", axis)[-1] == "Dec 1986"
        assert not re.search(r"19\d\d\.\d", "\n".join(screen_lines(app)))


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
@run_async
async def test_the_autocorrelation_legend_names_every_series_whole(tmp_path, size):
    app = views_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await open_view(pilot, "nyse-forecasting", presses=2)
        shown = "\n".join(screen_lines(app))
        for name in ("━ log_volume", "━ log_volatility", "━ DJ_return"):
            assert name in shown
        assert "DJ_…" not in shown


@pytest.mark.parametrize(
    ("width", "title", "sub_title"),
    [
        (160, "Lesson 1 of 2", "A demo lesson · 0/4 exercises"),
        (80, "Lesson 1 of 2", "A demo lesson · 0/4 exercises"),
        (50, "1/2", "A demo lesson · 0/4"),
    ],
)
@run_async
async def test_the_lesson_header_says_what_fits_whole(tmp_path, width, title, sub_title):
    app = demo_app(tmp_path)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.press("enter")
        await lesson_built(pilot)
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        assert (screen.title, screen.sub_title) == (title, sub_title)
        assert "…" not in screen_lines(app)[0]


@run_async
async def test_the_longest_real_lesson_header_is_whole_at_80_columns_and_not_cut_at_60(tmp_path):
    from tutor.course.access import load_course
    from tutor.tui.app import TutorApp

    course = load_course()
    longest = max(course.lessons, key=lambda lesson: len(lesson.title))
    app = TutorApp(course=course)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lesson(longest.id)
        await lesson_built(pilot)
        assert longest.title in screen_lines(app)[0] and "…" not in screen_lines(app)[0]
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        header = screen_lines(app)[0]
        assert "…" not in header and f"Lesson {longest.number} of {len(course.lessons)} — 0/" in header


@run_async
async def test_the_trajectory_views_review_shows_from_its_start_and_views_are_named_in_words(tmp_path):
    from textual.widgets import Input

    app = views_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_view(pilot, "sentiment")
        field = view.query_one("#traj-review", Input)
        assert len(field.value) > field.content_size.width and field.cursor_position == 0
        assert any(line.lstrip("▊ ").startswith("The acting was wonderful") for line in screen_lines(app))
        await open_view(pilot, "recurrent-network")
        assert any("View 1/1  hidden state" in line for line in screen_lines(app))


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
@run_async
async def test_the_dashboards_verdict_has_a_line_of_its_own_and_narrow_plots_keep_their_legend(tmp_path, size):
    app = demo_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        screen.form.fill({**screen.config, "model": "LSTM", "units": 8, "seq_len": 12, "epochs": 2})
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen.redraw(force=True)
        await pilot.pause()
        lines = screen_lines(app)
        assert lines[1].startswith(" LSTM 8u T=12") and "lr=" in lines[1]
        assert lines[2].startswith(" finished 2 epochs")
        legend = next(line for line in lines if "━ train" in line and "loss" in line)
        assert legend.count("● val") == 2 and "…" not in legend  # loss and accuracy, both whole
        assert any("last epoch ‖∂L/∂hₜ‖ by t (log" in line and "…" not in line for line in lines)


@run_async
async def test_the_runs_table_fits_80_columns(tmp_path):
    from textual.widgets import DataTable, TabbedContent

    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        screen = app.screen
        screen.form.fill({**screen.config, "model": "SimpleRNN", "units": 8, "seq_len": 12, "epochs": 2})
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen.query_one(TabbedContent).active = "runs"
        await pilot.pause()
        table = screen.query_one("#runs-table", DataTable)
        widths = [(c.label.plain, c.get_render_width(table)) for c in table.columns.values()]
        assert table.virtual_size.width <= table.scrollable_content_region.width, widths
        row = next(line for line in screen_lines(app) if "SimpleRNN 8u T=12" in line and "val accuracy" in line)
        assert row.rstrip().endswith("adam 0.01") and row.lstrip().startswith("✓ 1")
