"""Pilot tests of the playground's model switch: a model the engine saved, back to the bundled one, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_playground import lexicon_predictor, open_playground
from test_tui_support import demo_app, run_async
from textual.widgets import Input, OptionList, TextArea

from tutor.data.vocab import Vocabulary
from tutor.engine import Dense, Embedding, Sequential, SimpleRNN
from tutor.tui.screens import playground
from tutor.tui.widgets.model_picker import ModelPicker


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(playground, "find_predictor", lambda: lexicon_predictor)


def save_tiny_model(path: Path) -> Path:
    """An untrained sequence model with its vocabulary, in the format `tutor train imdb --out` writes."""
    vocab = Vocabulary(["good", "bad", "film", "plot"])
    model = Sequential([Embedding(len(vocab), 4), SimpleRNN(3), Dense(1, activation="sigmoid")], seed=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path, metadata={"vocab": vocab.to_json(), "maxlen": 20, "input": "sequence"})
    return path


def picker_highlight(app) -> int | None:
    return app.screen.query_one(OptionList).highlighted


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()  # the prediction the switch starts
    await pilot.pause()


@run_async
async def test_switch_to_a_saved_model_and_back(tmp_path):
    saved = save_tiny_model(tmp_path / "home" / "models" / "tiny.npz")
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        screen.query_one("#review", TextArea).text = "a good film"
        await settle(pilot)
        assert "start" not in (screen.result or {})  # the stand-in answered
        await pilot.press("ctrl+o")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ModelPicker)
        names = [str(o.prompt).split("\n")[0] for o in picker.query_one(OptionList).options]
        assert names == ["Bundled model", "tiny.npz"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen is screen and screen.model_path == str(saved)
        assert screen.sub_title == "model: tiny.npz"
        assert screen.result is not None and screen.result["tokens"] == ["a", "good", "film"]
        assert "start" in screen.result  # tutor.sentiment's answer, not the stand-in's
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert picker_highlight(app) == 1  # the picker opens on the model in use
        await pilot.press("up", "enter")  # the bundled model is the first choice
        await settle(pilot)
        assert screen.model_path == "" and screen.sub_title == "model: bundled"
        assert screen.result is not None and "start" not in screen.result


@run_async
async def test_a_bad_model_file_gives_a_notice_and_keeps_the_model(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a model")
    no_vocab = tmp_path / "plain.npz"
    model = Sequential([Dense(1, input_dim=3)])
    model.build()
    model.save(no_vocab)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(pilot)
        await settle(pilot)
        cases = (
            (junk, "not an rnn-tutor model file"),
            (no_vocab, "no vocabulary"),
            (tmp_path / "nope.npz", "no model"),
        )
        for bad, words in cases:
            await pilot.press("ctrl+o")
            await pilot.pause()
            app.screen.query_one("#model-path", Input).value = str(bad)
            app.screen.query_one("#model-path", Input).focus()
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen and screen.model_path == ""
            notices = [n for n in app._notifications if n.title == "Cannot use this model"]
            assert notices and words in notices[-1].message
            assert "pickle" not in notices[-1].message  # NumPy's text never reaches the learner
        await pilot.press("ctrl+o")
        await pilot.press("escape")
        assert app.screen is screen


def screen_lines(app) -> list[str]:
    """What the terminal shows, one string per row."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


@run_async
async def test_the_picker_fits_80_columns_with_many_models_and_a_long_folder(tmp_path, monkeypatch):
    home = tmp_path / "home" / "a-rather-long-user-name" / ".local" / "share" / "rnn-tutor"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    for k in range(14):
        save_tiny_model(home / "models" / f"lstm-imdb-{k:02d}-epochs.npz")
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_playground(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ModelPicker)
        shown = "".join("".join(line.split("│")[1:-1]).replace(" ", "") for line in screen_lines(app))
        # the whole hint is on screen, wrapped (it ran past the dialog's edge, cut after "(save")
        hint = (
            f"…or type the path of a model saved by `tutor train imdb --out` (saved models listed from {home}/models):"
        )
        assert hint.replace(" ", "") in shown
        dialog = picker.query_one("Vertical").region
        field = picker.query_one("#model-path", Input)
        assert dialog.contains_region(field.region) and field.region.bottom <= 24  # the path field shows
        await pilot.press("tab")  # and is reached from the list by keyboard
        assert app.focused is field
        field.value = str(home / "models" / "lstm-imdb-03-epochs.npz")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is not picker and app.screen.sub_title == "model: lstm-imdb-03-epochs.npz"
