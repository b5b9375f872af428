"""Every figure lesson 14 and the bundled character model's note quote, re-measured.

The fluent figures are deterministic for a given seed and thread count (single-threaded BLAS
gives the same sums), so the seed-0 runs are pinned closely, a little looser for other BLAS
thread counts; what the lesson says about other seeds is checked by `test_fluent_other_seeds`,
which trains 12 more networks and runs only with TUTOR_FULL_FIGURES=1 (measured: 36 to 99 s on
the 2-core machine, depending on its load).
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
import pytest

from tutor.course import load_lessons
from tutor.paths import assets_dir

NOTE = assets_dir() / "writing-model.md"


def _lesson():
    return next(lesson for lesson in load_lessons() if lesson.id == "writing")


def _lesson_text() -> str:
    lesson = _lesson()
    assert lesson.path is not None
    return lesson.path.read_text(encoding="utf-8")


# -- the bundled model ------------------------------------------------------------------------------


def test_bundled_model_loads_and_its_figures_are_the_notes():
    from tutor.engine import load_model
    from tutor.tasks.chars import windows
    from tutor.writer import bundled_model_path, load_writer

    note = NOTE.read_text(encoding="utf-8")
    path = bundled_model_path()
    assert path.stat().st_size < 3_000_000  # "a few MB at most"
    assert f"{path.stat().st_size:,} bytes" in note
    model = load_model(path)
    meta = model.metadata
    assert f"{model.count_params():,} (float32)" in note
    assert f"the {len(meta['alphabet'])}-character alphabet" in note
    assert meta["corpus_sha256"][:8] in note and meta["corpus_sha256"][-7:] in note
    assert f"({len(meta['val_text']):,} characters)" in note
    cfg = meta["config"]
    command = re.search(r"tutor train chars (.*) --out assets/writing-model.npz", note)
    assert command is not None
    assert command.group(1) == f"--model {cfg['model'].lower()} --lr {cfg['lr']:g} --epochs {cfg['epochs']}"
    # re-measured on the validation text the file carries
    writer = load_writer()
    x, y = windows(writer.alphabet.encode(meta["val_text"]), cfg["seq_len"])
    logs = model.evaluate(x, y, return_dict=True)
    assert writer.perplexity(meta["val_text"]) == pytest.approx(logs["perplexity"], rel=1e-5)
    assert f"**{logs['perplexity']:.3f}**" in note
    assert f"validation loss {logs['loss']:.3f} nats" in note
    assert f"accuracy **{logs['accuracy']:.3f}**" in note
    # the lesson quotes the same figures, rounded, and the alphabet's size
    text = _lesson_text()
    assert f"validation perplexity of **{logs['perplexity']:.2f}**" in text
    assert f"a\nchoice among {len(meta['alphabet'])}." in text


def test_bundled_model_writes():
    from tutor.writer import load_writer

    writer = load_writer()
    steps = list(writer.generate("The hidden state", 60, temperature=0.7, seed=0))
    assert len(steps) == 60 and all(s.char in writer.alphabet.chars for s in steps)
    again = "".join(s.char for s in writer.generate("The hidden state", 60, temperature=0.7, seed=0))
    assert again == "".join(s.char for s in steps)  # seeded: the same continuation
    assert all(s.top[0][1] == 1.0 for s in writer.generate("The", 5, temperature=0.0))
    # greedy decoding falls into the loop the lesson quotes, whatever the prompt
    for prompt in ("The hidden state", "A network", "The gradient"):
        greedy = "".join(s.char for s in writer.generate(prompt, 60, temperature=0.0))
        assert greedy.startswith(" the same the same the same"), (prompt, greedy)
    assert '" the\nsame the same the same …"' in _lesson_text()


# -- the fluent experiment ---------------------------------------------------------------------------


def _fluent(model: str, filler: int, seed: int = 0) -> float:
    from tutor.tasks.registry import get_task

    task = get_task("fluent")
    cfg = task.resolve({"model": model, "filler": filler, "seed": seed})
    return float(task.run(cfg, task.load(cfg)).metrics["val_accuracy"])


def test_fluent_preset_is_the_tasks_defaults():
    from tutor.tasks.registry import get_task

    ex = _lesson().exercise("fluent-gates")
    defaults = get_task("fluent").defaults("SimpleRNN")
    assert {**defaults, **ex.config} == defaults  # the preset names the defaults the figures were measured with


@pytest.mark.slow
def test_fluent_at_ten_filler_words_seed_0():
    got = {model: _fluent(model, 10) for model in ("SimpleRNN", "LSTM", "GRU")}
    text = _lesson_text()
    quoted = re.search(r"the simple RNN reaches (\d\.\d+), the LSTM (\d\.\d+) and the\nGRU (\d\.\d+)", text)
    assert quoted is not None
    # Seed 0 with one BLAS thread gives the quoted figures; more threads sum in another order, and
    # training amplifies that a little (measured: the LSTM 0.99 instead of 0.98 with two threads).
    # The tolerances are well inside the spread over seeds (simple RNN 0.22-0.48, gated 0.98-1.0).
    for model, figure in zip(("SimpleRNN", "LSTM", "GRU"), quoted.groups(), strict=True):
        assert got[model] == pytest.approx(float(figure), abs=0.05 if model == "SimpleRNN" else 0.02), model
    # the preset misses the experiment's goal and either gated layer meets it
    assert got["SimpleRNN"] < 0.9 <= min(got["LSTM"], got["GRU"])


@pytest.mark.slow
def test_fluent_simple_rnn_at_chance_by_twenty_words():
    assert _fluent("SimpleRNN", 20) < 0.2  # chance is 1/8


@pytest.mark.skipif(not os.environ.get("TUTOR_FULL_FIGURES"), reason="12 more trainings: TUTOR_FULL_FIGURES=1")
def test_fluent_other_seeds():
    text = " ".join(_lesson_text().split())  # the figures may wrap
    rnn = [_fluent("SimpleRNN", 10, seed) for seed in (1, 2)]
    assert f"simple RNN reaches {rnn[0]:.2f} and {rnn[1]:.2f}" in text
    assert min(_fluent(m, 10, s) for m in ("LSTM", "GRU") for s in (1, 2)) >= 0.985  # "stay at 0.99 or above"
    for model, name in (("LSTM", "LSTM"), ("GRU", "GRU")):
        values = [_fluent(model, 20, seed) for seed in (0, 1, 2)]
        assert f"the {name} from {min(values):.2f} to {max(values):.2f}" in text


# -- training a writer in the dashboard --------------------------------------------------------------


@pytest.mark.slow
def test_train_writer_preset_misses_and_a_larger_rate_meets_the_goal():
    from tutor.tasks.registry import run

    ex = _lesson().exercise("train-writer")
    text = " ".join(_lesson_text().split())
    curves = {}
    for lr in (ex.config["lr"], 0.01):
        result = run({**ex.config, "lr": lr})
        curves[lr] = result.history["val_perplexity"]
        assert result.metrics["val_perplexity"] == pytest.approx(curves[lr][-1])
    slow, fast = curves[ex.config["lr"]], curves[0.01]
    assert slow[-1] > 20 >= fast[-1]  # the goal: val_perplexity <= 20
    quoted = re.search(
        r"falls to ([\d.]+) after five epochs \(([\d., ]+) by epoch\); .* is still ([\d.]+) \(([\d., ]+)\)", text
    )
    assert quoted is not None
    # The preset reads the first six lessons only (their first 90% to train, their last 10% to
    # validate), so new lessons further on do not move these figures; edits to lessons 1-6 do.
    assert float(quoted.group(1)) == pytest.approx(fast[-1], rel=0.03)
    assert [float(v) for v in quoted.group(2).split(", ")] == pytest.approx(fast, rel=0.03)
    assert float(quoted.group(3)) == pytest.approx(slow[-1], rel=0.03)
    assert [float(v) for v in quoted.group(4).split(", ")] == pytest.approx(slow, rel=0.03)
    assert "about 28 characters" in text and round(slow[-1]) == 28


# -- quizzes ---------------------------------------------------------------------------------------


def test_quiz_answers_are_the_formulas():
    lesson = _lesson()
    assert lesson.exercise("perplexity-from-loss").answer == pytest.approx(math.exp(1.5), abs=0.003)
    p = np.array([0.6, 0.3, 0.1]) ** 2
    assert lesson.exercise("temperature-sharpens").answer == pytest.approx(p[0] / p.sum(), abs=0.0005)
