"""Lesson 15's attention_map view at 80x24: the heat map for typed digits, its keys, the plot,
bad input, and a missing bundled model (Pilot)."""

from __future__ import annotations

import numpy as np
import pytest
from test_tui_support import run_async
from test_tui_views import SIZE, open_view, settled, views_app
from textual.widgets import Input

from tutor.tui.views import attention_map
from tutor.tui.widgets.plots import CachedPlot


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


def _text(view, selector: str) -> str:
    return str(view.query_one(selector).render())


@run_async
async def test_typed_digits_show_their_attention_map_at_80x24(tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "attention")
        assert isinstance(view, attention_map.AttentionMapView) and view.error == ""
        first = view.result
        assert first is not None and first.source == attention_map.DEFAULT_DIGITS and first.right
        box = view.query_one("#att-digits", Input)
        box.focus()
        box.value = ""
        await pilot.press(*"93x1a7", "enter")  # letters are keys or refused: only digits reach the box
        view = await settled(pilot)
        a = view.result
        assert a.source == "9317" and a.answer == "7139" and a.right
        assert a.weights.shape == (4, 4) and np.allclose(a.weights.sum(axis=1), 1.0)
        # a reversal looks along the anti-diagonal: digit t is written from source digit T + 1 - t
        assert list(a.weights.argmax(axis=1)) == [3, 2, 1, 0]
        drawn = _text(view, "#att-map")
        assert "read →" in drawn and "9  3  1  7" in drawn.replace("  ", "  ")
        assert "right" in _text(view, "#att-caption")
        # everything, the caption included, fits in 80x24
        assert view.region.bottom <= SIZE[1] and view.query_one("#att-caption").region.bottom <= SIZE[1] - 1
        assert "r random" in _text(view, ".view-title") and "p plot" in _text(view, ".view-title")


@run_async
async def test_r_draws_random_digits_and_p_plots_accuracy_against_length(tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "attention")
        await pilot.press("r")
        view = await settled(pilot)
        typed = view.query_one("#att-digits", Input).value
        assert typed.isdigit() and 3 <= len(typed) <= 10 and view.result.source == typed
        await pilot.press("p")
        view = await settled(pilot)
        plot = view.query_one("#att-plot", CachedPlot)
        assert plot.display and not view.query_one("#att-scroll").display
        assert plot.figure_title == "strings reversed exactly, by length"
        with_att, without = (s.y for s in plot.figure.series)
        assert len(with_att) == 10 and with_att[-1] > without[-1] + 0.5
        await pilot.press("p")
        await pilot.pause()
        assert not plot.display and view.query_one("#att-scroll").display


def test_bad_input_gets_one_line():
    with pytest.raises(ValueError, match="only the digits 0-9"):
        attention_map.align("12 34")
    with pytest.raises(ValueError, match="at least one digit"):
        attention_map.align("  ")
    with pytest.raises(ValueError, match="at most 10"):
        attention_map.align("1" * 11)


@run_async
async def test_a_missing_bundled_model_is_said_plainly(tmp_path, monkeypatch):
    monkeypatch.setattr(attention_map, "_MODELS", {})
    monkeypatch.setattr(attention_map, "bundled_path", lambda name: tmp_path / "missing" / name)
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "attention")
        assert "No bundled reversal model" in view.error and "tutor train reverse" in view.error


@run_async
async def test_the_dashboard_trains_the_reversal_task(tmp_path):
    from test_tui_dashboard import open_dashboard
    from test_tui_dashboard_tasks import train
    from test_tui_support import demo_app

    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dashboard(
            pilot, {"task": "reverse", "model": "GRU", "attention": True, "epochs": 2, "n_train": 128, "n_val": 32}
        )
        await train(pilot, screen)
        assert screen.live.metric == "accuracy"
        assert len(screen.live.history["val_accuracy"]) == 2 and "accuracy" not in screen.live.history
        assert "finished 2 epochs" in screen.status_note
