"""Lesson 14's live views at 80x24 (Pilot): the writing model continuing a prompt, and the
"I speak fluent ___" sweep drawn run by run."""

from __future__ import annotations

import numpy as np
import pytest
from test_tui_support import run_async
from test_tui_views import SIZE, open_view, settled, views_app

from tutor import writer
from tutor.tui.views import fluent as fluent_view
from tutor.tui.views import writing as writing_view


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


@pytest.fixture
def fast(monkeypatch):
    """No pacing, and short continuations: the test waits for the whole of each."""
    monkeypatch.setattr(writing_view, "PACE", 1e9)
    monkeypatch.setattr(writing_view, "LENGTH", 40)


def _footer(app) -> str:
    from tutor.tui.widgets.keybar import KeyBar

    return str(app.screen.query_one(KeyBar).render())


@run_async
async def test_writing_view_continues_the_prompt_with_its_odds(fast, tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "writing")
        assert isinstance(view, writing_view.WritingView) and view.error == ""
        assert view.prompt == writing_view.DEFAULT_PROMPT and len(view.text) == 40 and view.done
        # the five likeliest next characters, best first, the drawn one among them at τ = 0.7
        probs = [p for _, p in view.top]
        assert len(probs) == 5 and probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-9
        assert view.chosen in writer.load_writer().alphabet.chars and 0 < view.chosen_p <= 1
        assert "Warmer" in _footer(app) and "Colder" in _footer(app)
        assert view.region.height > 15 and view.region.width <= 80
        # ↑ warms and starts over on the same prompt
        await pilot.press("up")
        view = await settled(pilot)
        assert view.temperature == 0.8 and len(view.text) == 40
        for _ in range(12):
            await pilot.press("down")
        view = await settled(pilot)
        assert view.temperature == writing_view.TEMPERATURES[0]
        # a new prompt: type it and press Enter
        field = view.query_one("#wr-prompt")
        field.value = "The forget gate"
        await pilot.press("enter")
        view = await settled(pilot)
        assert view.prompt == "The forget gate" and len(view.text) == 40
        text = str(view.query_one("#wr-text").render())
        assert text.startswith("The forget gate")


@run_async
async def test_writing_view_says_when_there_is_no_model(fast, tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "bundled_model_path", lambda: tmp_path / "missing.npz")
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "writing")
        assert view.error == writing_view.NO_MODEL


def test_temperature_steps_are_shown_where_the_keys_are():
    assert writing_view.DEFAULT_TEMPERATURE in writing_view.TEMPERATURES
    assert "↑↓" in writing_view.WritingView.KEYS


@run_async
async def test_fluent_view_waits_for_r_then_draws_each_run(tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "writing")  # the first view; its field has the focus and takes a typed v
        app.screen.action_views()  # what v does where a key reaches the lesson
        await pilot.pause()
        view = app.screen.query_one("#view-panel").current
        assert isinstance(view, fluent_view.FluentView) and app.focused is view
        assert view.runs == 0 and not view.busy  # nothing trains before the learner asks
        view.fillers = (0, 3)
        view.settings = {"n_train": 64, "n_val": 64, "epochs": 1}
        await pilot.press("r")
        view = await settled(pilot)
        assert view.runs == 6 and view.error == ""
        assert set(view.results) == {"SimpleRNN", "LSTM", "GRU"}
        assert all(0.0 <= a <= 1.0 for row in view.results.values() for a in row.values())
        plot = view.query_one("#fl-plot")
        await pilot.pause()
        drawn = str(plot.render())  # the curves, the chance line and the axes draw
        assert "1.0" in drawn and "0.0" in drawn and "LSTM" in drawn
        caption = str(view.query_one("#fl-caption").render())
        assert "k=3:" in caption and "took" in caption and "64 sentences" in caption


@run_async
async def test_dashboard_trains_the_character_model_and_says_its_perplexity(tmp_path):
    from test_tui_dashboard_tasks import open_dashboard, plot_title, train
    from test_tui_support import demo_app

    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        config = {"task": "chars", "model": "GRU", "units": 8, "embed_dim": 4, "epochs": 1, "n_train": 64}
        screen = await open_dashboard(pilot, config)
        await train(pilot, screen)
        assert screen.live.metric == "accuracy"
        perplexity = screen.live.history["val_perplexity"][-1]
        assert perplexity == pytest.approx(np.exp(screen.live.history["val_loss"][-1]), rel=1e-4)
        assert f"val perplexity {perplexity:.2f}" in plot_title(screen, "#loss-plot")
