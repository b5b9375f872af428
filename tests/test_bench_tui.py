"""`tutor bench tui`: the same run headless and in the app, alternately (no timing thresholds)."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from tutor.bench_tui import CONFIG, bench_tui
from tutor.cli import app
from tutor.errors import TutorError

TINY = {**CONFIG, "model": "SimpleRNN", "units": 4, "seq_len": 8, "epochs": 1, "n_train": 256, "n_val": 64}


def test_bench_times_both_sides_and_leaves_no_runs_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    steps: list[str] = []
    result = bench_tui(TINY, repeats=1, progress=steps.append)  # one pair: the loop is the same for more
    assert len(result.headless) == len(result.in_app) == 1
    assert all(s > 0 for s in result.headless + result.in_app)
    assert math.isfinite(result.ratio) and len(result.pair_ratios) == 1
    assert steps == ["warm-up", "headless 1/1", "in the app 1/1"]
    assert not (tmp_path / "home").exists()  # the app's saved runs went to a temporary home


def test_bench_tui_is_a_bench_subcommand():
    out = CliRunner().invoke(app, ["bench", "tui", "--help"])
    assert out.exit_code == 0 and "headless" in out.output


def test_bad_model_and_failed_runs_are_one_line_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    out = CliRunner().invoke(app, ["bench", "tui", "--model", "foo"])
    assert out.exit_code != 0 and "Traceback" not in out.output and "foo" in out.output
    with pytest.raises(TutorError, match="headless run failed: model 'foo' is unknown"):
        bench_tui({**TINY, "model": "foo"}, repeats=1)
