"""Snapshots (pytest-textual-snapshot) of what a learner sees at 80x24.

Update after an intended visual change with: pytest tests/test_tui_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest
from test_tui_playground import lexicon_predictor
from test_tui_support import demo_app, lesson_built

from tutor.tui.screens import playground

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


def test_course_map(snap_compare, tmp_path):
    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE)


def test_lesson(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await pilot.press("enter")
        await lesson_built(pilot)  # its exercises are mounted a frame after its first part

    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_dashboard_after_a_short_run(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await pilot.press("f3")
        await pilot.pause()
        screen = pilot.app.screen
        screen.show_timing = False
        screen.form.fill({**screen.config, "model": "LSTM", "units": 8, "seq_len": 12, "epochs": 4})
        await pilot.press("ctrl+r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen.redraw(force=True)
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_playground(snap_compare, tmp_path, monkeypatch):
    monkeypatch.setattr(playground, "find_predictor", lambda: lexicon_predictor)

    async def run_before(pilot) -> None:
        await pilot.press("f4")
        await pilot.pause()
        review = pilot.app.screen.query_one("#review")
        review.cursor_blink = False  # a blinking cursor made the snapshot depend on timing
        review.text = "A good cast, a bad script, a good night."
        await pilot.press("ctrl+r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(demo_app(tmp_path), terminal_size=SIZE, run_before=run_before)
