"""Pilot tests of the lessons' live views (tutor/tui/views) at 80x24, and one snapshot.

Update the snapshot after an intended visual change with:
    pytest tests/test_tui_views.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_tui_support import demo_app, lesson_built, run_async

from tutor import sentiment
from tutor.course.access import load_course
from tutor.course.model import KNOWN_VIEWS
from tutor.tui.app import TutorApp
from tutor.tui.screens.lesson import LessonScreen
from tutor.tui.views import VIEWS
from tutor.tui.views.base import LiveView
from tutor.tui.views.bundled import NO_MODEL
from tutor.tui.views.panel import ViewPanel

SIZE = (80, 24)
NEEDS_MODEL = {"trajectory", "embeddings"}  # they only read with the bundled sentiment model


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


@pytest.fixture
def no_model(tmp_path, monkeypatch):
    """Pretend the bundled sentiment model is not installed."""
    monkeypatch.setattr(sentiment, "bundled_model_path", lambda: tmp_path / "missing.npz")


@pytest.fixture
def tiny_model(tmp_path, monkeypatch) -> Path:
    """A small untrained sentiment model saved as the bundled one would be, standing in for it."""
    from tutor.data import Vocabulary
    from tutor.engine import Dense, Embedding, Sequential, SimpleRNN

    vocab = Vocabulary.build([["good", "great", "wonderful", "bad", "awful", "dull", "film", "plot"]])
    model = Sequential([Embedding(len(vocab), 6), SimpleRNN(5), Dense(1, activation="sigmoid")], seed=0)
    model.build((None, None))
    path = model.save(
        tmp_path / "tiny-sentiment.npz", metadata={"vocab": vocab.to_json(), "maxlen": 30, "input": "sequence"}
    )
    monkeypatch.setattr(sentiment, "bundled_model_path", lambda: path)
    return path


def views_app(tmp_path: Path) -> TutorApp:
    """The course's lessons that have views, each cut down to a line of prose (fast to open)."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    for lesson in load_course().lessons:
        if lesson.views:
            views = ", ".join(f'"{v}"' for v in lesson.views)
            (folder / f"{lesson.number:02d}-{lesson.id}.md").write_text(
                f'+++\nid = "{lesson.id}"\nnumber = {lesson.number}\ntitle = "{lesson.title}"\n'
                f'summary = "Views only."\nviews = [{views}]\n+++\n\n# {lesson.title}\n\nPress v.\n',
                encoding="utf-8",
            )
    return TutorApp(course=load_course(folder))


async def open_view(pilot, lesson_id: str, presses: int = 1) -> LiveView:
    """Open a lesson, press v `presses` times, wait for the view's worker; return the view shown."""
    pilot.app.open_lesson(lesson_id)
    await lesson_built(pilot)
    for _ in range(presses):
        await pilot.press("v")
        await pilot.pause()
    return await settled(pilot)


async def settled(pilot) -> LiveView:
    """The current view once its work has finished and its result is drawn."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    view = pilot.app.screen.query_one("#view-panel", ViewPanel).current
    assert view is not None
    assert not view.busy
    return view


def test_every_known_view_has_a_factory():
    assert set(VIEWS) == set(KNOWN_VIEWS)
    assert all(callable(factory) for factory in VIEWS.values())


@run_async
async def test_every_lesson_shows_its_views(no_model, tmp_path):
    # the lessons' own view lists, over cut-down prose: a real lesson takes seconds to lay out
    app = views_app(tmp_path)
    with_views = [lesson for lesson in app.course.lessons if lesson.views]
    assert {v for lesson in with_views for v in lesson.views} == set(KNOWN_VIEWS)
    async with app.run_test(size=SIZE) as pilot:
        for lesson in with_views:
            app.open_lesson(lesson.id)
            await lesson_built(pilot)
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            for name in lesson.views:
                await pilot.press("v")
                await pilot.pause()
                view = await settled(pilot)
                assert view.display and view.region.height > 5, name
                if name in NEEDS_MODEL:
                    assert view.error == NO_MODEL  # said plainly, nothing else broken
                else:
                    assert view.error == "", f"{name}: {view.error}"
            # after the last view, v closes the panel (esc where a field has the focus and takes the v)
            await pilot.press("escape" if view.query("Input") else "v")
            await pilot.pause()
            assert not screen.has_class("-views-open")
            assert screen.query_one("#lesson-scroll").display


@run_async
async def test_escape_closes_the_view_before_leaving_the_lesson(tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, "activations")
        screen = app.screen
        assert screen.has_class("-views-open")
        assert not screen.query_one("#lesson-scroll").display  # 80 columns: the view takes its place
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and not screen.has_class("-views-open")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LessonScreen)


@run_async
async def test_wide_terminal_shows_view_beside_the_prose(tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=(170, 40)) as pilot:
        view = await open_view(pilot, "activations")
        prose = app.screen.query_one("#lesson-scroll")
        assert prose.display and view.region.x >= prose.region.right
        assert view.region.height > 30  # the plot grows with the terminal


@run_async
async def test_lesson_without_views_ignores_v(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await lesson_built(pilot)
        await pilot.press("v")
        await pilot.pause()
        assert not app.screen.query(ViewPanel)
        assert not app.screen.has_class("-views-open")


@run_async
async def test_activations_peak_at_a_quarter_and_one(tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "activations")
        curves = view.curves
        assert curves["sigmoid'"].max() == pytest.approx(0.25)
        assert curves["tanh'"].max() == pytest.approx(1.0)
        assert curves["relu'"].max() == 1.0
        assert view.z.min() == -6 and view.z.max() == 6
        caption = str(view.query_one("#act-caption").render())
        # the slopes at z = 2, not the peaks (lesson 5's quizzes ask for those)
        assert "sigmoid′ 0.105" in caption and "tanh′ 0.071" in caption and "relu′ 1.000" in caption
        assert "0.25" not in caption and "max" not in caption


@run_async
async def test_grad_norms_vanish_for_the_rnn_not_the_lstm(tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "vanishing-gradients")
        result = view.result
        assert result.length == 50 and len(result.norms["SimpleRNN"]) == 50
        assert result.ratio("SimpleRNN") < result.ratio("LSTM") / 10
        await pilot.press("minus")
        view = await settled(pilot)
        assert view.result.length == 30 and len(view.result.norms["LSTM"]) == 30


@run_async
async def test_autocorrelation_matches_the_data_module(tmp_path):
    from tutor.data import autocorrelation, load_nyse
    from tutor.data.nyse import COLUMNS

    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "nyse-forecasting", presses=2)
        series = load_nyse().values[:, COLUMNS.index("log_volume")]
        assert view.acf["log_volume"][0] == pytest.approx(autocorrelation(series, 1)[1])
        assert len(view.acf["DJ_return"]) == 20


@run_async
async def test_nyse_forecast_reports_the_ar_models_test_r2(tmp_path):
    from tutor.tasks import forecast

    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "nyse-forecasting")
        expected = forecast.ar_r2(forecast.load(5))["test_r2"]
        assert view.result.r2 == pytest.approx(expected)
        assert len(view.result.actual) == len(view.result.predicted) == int((~forecast.load(5).train).sum())
        await pilot.press("d")  # with the day of the week the AR model does better (0.46 in ISLR2)
        view = await settled(pilot)
        assert view.result.day_of_week
        assert view.result.r2 == pytest.approx(forecast.ar_r2(forecast.load(5), True)["test_r2"])


@run_async
async def test_lr_curves_train_three_learning_rates(tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "fitting")
        loss = {c.lr: c.loss for c in view.curves}
        assert sorted(loss) == [0.001, 0.3, 10.0]
        assert all(len(v) == 10 for v in loss.values())
        assert loss[0.3][-1] < loss[0.001][-1] < loss[10.0][-1]  # right, too small, too large


@run_async
async def test_lr_curves_overlay_the_learners_saved_runs(tmp_path):
    from tutor.tui.views.lr_curves import PRESET

    app = views_app(tmp_path)
    app.course.store.save_run("my run", {**PRESET, "lr": 0.05}, {"loss": [0.7, 0.5, 0.3], "val_accuracy": [0.9]})
    app.course.store.save_run("other task", {**PRESET, "seq_len": 50, "lr": 0.05}, {"loss": [0.7]})
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "fitting")
        assert [(c.lr, c.loss) for c in view.saved] == [(0.05, [0.7, 0.5, 0.3])]
        assert "ρ=0.05 (your run) 0.90" in str(view.query_one("#lr-caption").render())


@run_async
async def test_hidden_state_of_an_untrained_rnn_follows_the_sentence(no_model, tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "recurrent-network")
        assert "untrained SimpleRNN" in view.result.source
        field = view.query_one("Input")
        assert app.focused is field
        field.value = "a dull film"
        await pilot.press("enter")
        view = await settled(pilot)
        assert view.result.words == ["a", "dull", "film"]
        assert view.result.states.shape == (3, 8)
        assert np.all(np.abs(view.result.states) <= 1)  # tanh units


@run_async
async def test_hidden_state_is_scaled_to_the_sentence_and_keeps_its_words_whole_and_in_view(tmp_path):
    # the real bundled model: its states for the default sentence are small (|h| < 0.11)
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "recurrent-network")
        peak = float(np.max(np.abs(view.result.states)))
        header = str(view.query_one("#hs-words").render())
        assert header.split() == view.result.words  # every word whole ("wonderful", not "wonder")
        legend = str(view.query_one("#hs-source").render())
        assert "scaled to this sentence's largest |h|" in legend and f"+{peak:.2g}" in legend
        scroll = view.query_one(".view-scroll")
        scroll.scroll_end(animate=False)
        await pilot.pause()
        words = view.query_one("#hs-words")
        assert scroll.scroll_y > 0 and words.region.bottom <= scroll.region.y  # the words stay above the rows


@run_async
async def test_hidden_state_uses_the_bundled_model_when_present(tiny_model, tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "recurrent-network")
        assert "bundled sentiment model's SimpleRNN" in view.result.source
        assert view.result.states.shape[1] == 5


@run_async
async def test_trajectory_and_embeddings_say_when_there_is_no_model(no_model, tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for lesson in ("sentiment", "word-embeddings"):
            view = await open_view(pilot, lesson)
            assert view.error == NO_MODEL and view.result is None
            assert "No bundled sentiment model" in str(view.query_one(".view-notice").render())


@run_async
async def test_trajectory_and_embeddings_with_a_model(tiny_model, tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "sentiment")
        assert view.error == ""
        assert view.result == sentiment.predict_text(view.query_one("Input").value, tiny_model)
        view = await open_view(pilot, "word-embeddings")
        assert view.error == ""
        assert view.result.word == "wonderful" and len(view.result.words) == 7  # the other known words
        assert "wonderful" not in view.result.words
        view.query_one("Input").value = "zzzz"
        await pilot.press("enter")
        view = await settled(pilot)
        assert "not among" in view.error and view.result is None


@pytest.mark.skipif(not sentiment.bundled_model_path().is_file(), reason="the bundled model is not shipped yet")
@run_async
async def test_trajectory_and_embeddings_with_the_bundled_model(tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "sentiment")
        assert view.error == "" and len(view.result["trajectory"]) == len(view.result["tokens"])
        view = await open_view(pilot, "word-embeddings")
        assert view.error == "" and len(view.result.words) > 5


def test_lesson_5_activations_snapshot(snap_compare):  # the real lesson: what a learner sees
    async def run_before(pilot) -> None:
        await open_view(pilot, "activations")

    assert snap_compare(TutorApp(), terminal_size=SIZE, run_before=run_before)
