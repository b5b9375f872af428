"""What a learner's code printed (lesson 10's summary() table) is narrowed to the panel, aligned, not wrapped."""

from __future__ import annotations

from test_tui_support import check_code, lesson_built, run_async

from tutor.course.model import CheckResult
from tutor.engine import LSTM, Dense, Embedding, Sequential
from tutor.tui.app import TutorApp
from tutor.tui.fit_text import fit_columns
from tutor.tui.widgets.exercises import PRINTED, result_text

SUMMARY = Sequential([Embedding(10000, 128), LSTM(128), Dense(1, activation="sigmoid")]).summary(print_fn=None)


def column_of(lines: list[str], text: str) -> int:
    return next(line.index(text) + len(text) for line in lines if text in line)


def test_a_table_is_narrowed_by_its_blank_columns_and_stays_aligned():
    lines = ["  " + line for line in SUMMARY.splitlines()]
    assert max(map(len, lines)) == 74
    for width in (71, 60):
        fitted = fit_columns(lines, width)
        assert max(map(len, fitted)) <= width
        # the numbers keep their right edge together, under "Param #"
        right = {column_of(fitted, s) for s in ("Param #", "1,280,000", "131,584", "129")}
        assert len(right) == 1
        assert [line.split() for line in fitted if "(" in line] == [line.split() for line in lines if "(" in line]
    assert fit_columns(lines, 80) == lines  # nothing to do when it fits


def test_the_verdict_shows_printed_output_within_its_width():
    details = ["something else", PRINTED, *("  " + line for line in SUMMARY.splitlines())]
    text = result_text(CheckResult(False, "The check failed.", details), width=73)
    assert all(len(line) <= 73 for line in text.plain.split("\n"))


@run_async
async def test_lesson_8s_summary_table_does_not_wrap_at_80_columns(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    app = TutorApp(code_timeout=30)
    async with app.run_test(size=(80, 24)) as pilot:
        lesson = next(le for le in app.course.lessons if le.id == "lstm")
        app.open_lesson(lesson.id)
        await lesson_built(pilot)
        panel = app.screen.query_one("#ex-build-the-table")
        await check_code(pilot, panel)  # the starter prints the table (with the wrong sizes)
        verdict = panel.query_one(".ex-result")
        shown = [strip.text.rstrip() for strip in verdict.render_lines(verdict.content_region.reset_offset)]
        assert "Layer (type)" in "\n".join(shown)
        assert all(len(line) <= verdict.content_size.width for line in shown)
        rules = [line for line in shown if line.strip() and set(line.strip()) == {"─"}]
        assert len(rules) == 2  # the table's two rules, each whole on one line
