"""The optimisers view (lesson 'optimisers') at 80x24: four paths from the engine's optimisers,
keys in the footer that change the learning rate, and a diverging path drawn within bounds."""

from __future__ import annotations

import numpy as np
import pytest
from test_tui_support import run_async
from test_tui_views import SIZE, open_view, settled, views_app

from tutor.tui.views import optimisers
from tutor.tui.widgets.keybar import KeyBar


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


def test_the_paths_are_the_engines_optimisers():
    from tutor.engine.optimizers import SGD, Adam, RMSprop

    w = np.array(optimisers.START)
    kinds = {name: type(optimisers.make_optimiser(name, 0.05)) for name in optimisers.OPTIMISERS}
    assert kinds == {"sgd": SGD, "momentum": SGD, "rmsprop": RMSprop, "adam": Adam}
    assert optimisers.make_optimiser("momentum", 0.05).momentum == 0.9
    # one Adam step by hand, from the start: the view's first point after it
    path = optimisers.walk("adam", 0.05, steps=1)
    g = np.array(optimisers.CURVATURE) * w
    m, v = 0.1 * g, 0.001 * g**2
    want = w - 0.05 * np.sqrt(0.001) / 0.1 * m / (np.sqrt(v) + 1e-7)
    assert path.points[1] == pytest.approx(want, rel=1e-12)
    assert path.losses[0] == pytest.approx(0.5 * (16 + 25))


def test_a_diverging_path_is_cut_at_the_drawing_box():
    path = optimisers.walk("sgd", 0.5)
    assert path.diverged_at is not None and len(path.points) == path.diverged_at + 1
    box = ((-13.5, -6.0), (7.5, 6.0))
    drawn = optimisers.inside(path.points, *box)
    assert len(drawn) <= len(path.points)
    assert np.all(drawn >= np.array(box[0]) - 1e-12) and np.all(drawn <= np.array(box[1]) + 1e-12)
    last, before = drawn[-1], drawn[-2]
    direction = path.points[len(drawn) - 1] - before  # the cut point lies on the step it cuts
    cross = direction[0] * (last - before)[1] - direction[1] * (last - before)[0]
    assert abs(cross) < 1e-9 * np.linalg.norm(direction) ** 2
    inside_path = optimisers.walk("adam", 0.05).points
    assert optimisers.inside(inside_path, *box) is inside_path


@run_async
async def test_the_view_at_80x24_and_its_keys(tmp_path):
    app = views_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, "optimisers")
        assert view.error == "" and view.region.height > 15
        race = view.result
        assert race.lr == optimisers.DEFAULT_RATE == 0.05 and set(race.paths) == set(optimisers.OPTIMISERS)
        assert all(p.diverged_at is None for p in race.paths.values())
        footer = str(app.screen.query_one(KeyBar).render())
        assert "ρ up" in footer and "ρ down" in footer  # the view's keys, in the footer at 80 columns
        caption = str(view.query_one("#opt-caption").render())
        assert "SGD 1.7e-06" in caption and "Adam 2.2e-03" in caption
        await pilot.press("plus")
        view = await settled(pilot)
        assert view.result.lr == 0.1
        assert view.result.paths["sgd"].diverged_at is not None
        assert "SGD ∞ at step" in str(view.query_one("#opt-caption").render())
        for _ in range(len(optimisers.RATES)):  # past the end: it stays at the largest rate
            await pilot.press("plus")
            view = await settled(pilot)
        assert view.result.lr == optimisers.RATES[-1]
        plot = view.query_one("#opt-paths")
        assert plot.region.width >= 30 and plot.region.height >= 10
        await pilot.press("minus")
        view = await settled(pilot)
        assert view.result.lr == optimisers.RATES[-2]
        await pilot.press("1")  # hide SGD: its path leaves the plot, its figure is struck through
        await pilot.pause()
        assert view.hidden == {"sgd"}
        assert all(s.color != "red" for s in view.query_one("#opt-paths").figure.series)
        await pilot.press("1")
        await pilot.pause()
        assert view.hidden == set()
