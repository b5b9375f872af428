"""Pilot tests of the sentiment playground (a stand-in predictor; the real one when it exists)."""

from __future__ import annotations

import pytest
from test_tui_support import demo_app, run_async
from textual.widgets import Static, TextArea

from tutor.errors import TutorError
from tutor.tui.screens import playground
from tutor.tui.screens.playground import PlaygroundScreen
from tutor.tui.widgets.plots import CachedPlot


def lexicon_predictor(text: str) -> dict:
    """A stand-in with the real interface: 'good' pushes up, 'bad' pushes down."""
    if not any(ch.isalnum() for ch in text):  # as tutor.sentiment does
        raise ValueError("the review has no words to read (only punctuation or symbols)")
    tokens = text.lower().replace(".", " ").replace(",", " ").split()
    p, trajectory = 0.5, []
    for token in tokens:
        p += {"good": 0.3, "bad": -0.3}.get(token, 0.0)
        p = min(max(p, 0.01), 0.99)
        trajectory.append(p)
    return {
        "label": "positive" if p >= 0.5 else "negative",
        "probability": p,
        "tokens": tokens,
        "trajectory": trajectory,
    }


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


async def open_playground(pilot) -> PlaygroundScreen:
    await pilot.press("f4")
    await pilot.pause()
    assert isinstance(pilot.app.screen, PlaygroundScreen)
    return pilot.app.screen


@run_async
async def test_prediction_label_probability_and_word_colours(tmp_path, monkeypatch):
    monkeypatch.setattr(playground, "find_predictor", lambda: lexicon_predictor)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        screen.query_one("#review", TextArea).text = "A good film with a bad end, good."
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.result is not None and screen.result["label"] == "positive"
        verdict = str(screen.query_one("#verdict", Static).render())
        assert "POSITIVE" in verdict and "0.80" in verdict
        words = screen.query_one("#words", Static).render()
        styles = {words.plain[s.start : s.end]: str(s.style) for s in words.spans}
        assert "green" in styles["good"] and "red" in styles["bad"]


def test_near_a_half_the_verdict_is_unsure_and_unknown_words_are_counted():
    from tutor.tui.screens.playground import UNSURE, verdict_label, verdict_text

    assert UNSURE == 0.1  # the band the playground and the help describe: 0.40 to 0.60
    assert [verdict_label(p) for p in (0.39, 0.41, 0.5, 0.59, 0.61)] == [
        "negative", "unsure", "unsure", "unsure", "positive"
    ]  # fmt: skip
    japanese = verdict_text(0.5, {"tokens": ["これは素晴らしい映画でした"], "unknown": 1}).plain
    assert "UNSURE" in japanese and "0.40 to 0.60" in japanese and "does not know this word" in japanese
    french = verdict_text(0.46, {"tokens": "un film très beau".split(), "unknown": 3}).plain
    assert "UNSURE" in french and "3 of 4 words are unknown" in french
    clear = verdict_text(0.91, {"tokens": ["a", "good", "film"], "unknown": 0}).plain
    assert clear.startswith(" POSITIVE ") and "unknown" not in clear


@run_async
async def test_the_bundled_model_says_how_little_it_knows_of_a_french_review(tmp_path):
    if playground.find_predictor() is None:
        pytest.skip("the bundled sentiment model is not installed")
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        screen.query_one("#review", TextArea).text = "Un film magnifique, mais la fin est décevante."
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        verdict = str(screen.query_one("#verdict", Static).render())
        assert f"{screen.result['unknown']} of 8 words are unknown" in verdict


@run_async
async def test_without_a_model_the_playground_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(playground, "find_predictor", lambda: None)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        assert "No sentiment model" in str(screen.query_one("#verdict", Static).render())
        await pilot.press("ctrl+r")
        assert any("No sentiment model" in n.message for n in app._notifications)


@run_async
async def test_the_bundled_model_predicts(tmp_path):
    predictor = playground.find_predictor()
    if predictor is None:
        pytest.skip("the bundled sentiment model is not installed")
    try:
        predictor("a probe")
    except TutorError as exc:
        pytest.skip(f"the sentiment model is not available here: {exc}")
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.result is not None
        assert 0.0 <= float(screen.result["probability"]) <= 1.0
        assert len(screen.result["trajectory"]) == len(screen.result["tokens"])


@run_async
async def test_a_failing_model_is_reported_where_the_verdict_goes(tmp_path, monkeypatch):
    def broken(text: str) -> dict:
        raise TutorError("the bundled sentiment model is missing")

    monkeypatch.setattr(playground, "find_predictor", lambda: broken)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "model is missing" in str(screen.query_one("#verdict", Static).render())


def shown(screen: PlaygroundScreen) -> tuple[str, str, bool]:
    """The verdict line, the word view and whether the chart has a curve (braille dots)."""
    verdict = str(screen.query_one("#verdict", Static).render())
    words = str(screen.query_one("#words", Static).render())
    chart = screen.query_one("#trajectory", CachedPlot).render()
    curve = any("\u2800" < ch <= "\u28ff" for ch in getattr(chart, "plain", str(chart)))
    return verdict, words, curve


async def predict_now(pilot, screen: PlaygroundScreen, text: str) -> None:
    screen.query_one("#review", TextArea).text = text
    await pilot.press("ctrl+r")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@run_async
async def test_an_empty_or_wordless_review_clears_the_last_answer(tmp_path, monkeypatch):
    monkeypatch.setattr(playground, "find_predictor", lambda: lexicon_predictor)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        for text, expected in (("", "Type a review first"), ("   \n ", "Type a review first"), ("!!! ???", "no words")):
            await predict_now(pilot, screen, "a bad film")
            verdict, words, curve = shown(screen)
            assert "NEGATIVE" in verdict and "bad" in words and curve  # an answer to clear
            await predict_now(pilot, screen, text)
            verdict, words, curve = shown(screen)
            assert screen.result is None and expected in verdict, verdict
            assert "NEGATIVE" not in verdict and words == "" and not curve  # nothing of the old answer


@run_async
async def test_a_wordless_review_points_at_the_review_not_the_model(tmp_path, monkeypatch):
    monkeypatch.setattr(playground, "find_predictor", lambda: lexicon_predictor)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        for text in ("!!! ???", "... -- :)", "<br /><br />"):
            await predict_now(pilot, screen, text)
            verdict, words, curve = shown(screen)
            assert verdict == playground.NO_WORDS and words == "" and not curve
            assert "ctrl+o" not in verdict and "model." not in verdict  # the review is the problem
            assert not [n for n in app._notifications if n.title == "Prediction failed"]


@run_async
async def test_deleting_the_review_clears_the_answer_when_typing_pauses(tmp_path, monkeypatch):
    monkeypatch.setattr(playground, "find_predictor", lambda: lexicon_predictor)
    monkeypatch.setattr(playground, "TYPING_PAUSE", 0.05)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.result is not None
        await pilot.press("f7", "backspace")  # select the whole example review, delete it
        assert screen.query_one("#review", TextArea).text == ""
        await pilot.pause(0.2)
        verdict, words, curve = shown(screen)
        assert screen.result is None and "Type a review first" in verdict and words == "" and not curve
        await pilot.press(*"good")  # typing again brings an answer back
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        verdict, words, curve = shown(screen)
        assert "POSITIVE" in verdict and "good" in words and curve


@run_async
async def test_an_answer_for_an_earlier_review_is_not_shown(tmp_path, monkeypatch):
    monkeypatch.setattr(playground, "find_predictor", lambda: lexicon_predictor)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        await predict_now(pilot, screen, "")
        screen.post_message(playground.Predicted("a good film", lexicon_predictor("a good film")))
        await pilot.pause()  # e.g. a prediction that finished after the review was deleted
        verdict, words, curve = shown(screen)
        assert screen.result is None and "Type a review first" in verdict and words == "" and not curve
