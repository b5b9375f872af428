"""`--json` on `tutor data status` and `tutor bench ...`: one JSON object on stdout, the documented fields.

The benches' timing code is tested in test_bench_*.py; here their results are fixed so the JSON
they become can be checked field by field, quickly.
"""

from __future__ import annotations

import json

import pytest
from test_data_imdb import make_archive, make_tree
from typer.testing import CliRunner

from tutor.bench import BenchRow, Timing
from tutor.bench_predict import Variant
from tutor.bench_tui import BenchResult, KeyTiming
from tutor.cli import app

IMDB_FIELDS = {"found", "path", "origin", "kind", "reviews", "size_mb", "verified", "problem", "splits", "how_to_get"}


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TUTOR_IMDB", raising=False)


def run_json(*args: str) -> dict:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # stdout holds the object alone


def test_data_status_json_without_the_reviews():
    found = run_json("data", "status", "--json")
    assert set(found) == {"imdb", "nyse"}
    assert set(found["imdb"]) == IMDB_FIELDS and found["imdb"]["found"] is False
    assert "tutor data download imdb" in found["imdb"]["how_to_get"] and found["imdb"]["path"] is None
    assert found["nyse"]["found"] is True and found["nyse"]["trading_days"] == 6051


def test_data_status_json_for_a_folder_and_an_archive(tmp_path):
    folder = make_tree(tmp_path / "tree")
    imdb = run_json("data", "status", "--json", "--path", str(folder))["imdb"]
    assert imdb["found"] and imdb["origin"] == "--path" and imdb["kind"] == "folder" and imdb["reviews"] == 6
    assert imdb["size_mb"] is None and imdb["splits"] is None
    archive = make_archive(tmp_path)
    imdb = run_json("data", "status", "--json", "--count", "--verify", "--path", str(archive))["imdb"]
    assert imdb["kind"] == "archive" and imdb["path"] == str(archive) and imdb["reviews"] is None
    assert imdb["splits"] == {"train": 4, "test": 2}
    assert imdb["verified"] is False and "84,125,825" in imdb["problem"]  # a tiny archive is not the official one
    text = CliRunner().invoke(app, ["data", "status", "--count", "--path", str(archive)]).stdout
    assert "train 4 reviews, test 2 reviews" in text  # the text says the same


def test_bench_engine_json(monkeypatch):
    rows = [
        BenchRow("LSTM", (64, 100, 32, 64), "train", Timing(0.010, 0.020, 0.05), Timing(0.008, None, 0.1)),
        BenchRow("GRU", (64, 100, 32, 64), "infer", Timing(0.004, 0.002, 0.0), Timing(0.004, 0.004, 0.0)),
    ]
    monkeypatch.setattr("tutor.bench.bench", lambda repeats, todo, progress=None: rows)
    monkeypatch.setattr("tutor.bench.gemm_rate", lambda: 50e9)
    monkeypatch.setattr("tutor.bench.thread_count", lambda: 2)
    report = run_json("bench", "engine", "--json", "--repeats", "1")
    assert report["repeats"] == 1 and report["threads"] == 2 and report["torch"] is True
    first = report["rows"][0]
    assert (first["layer"], first["pass"], first["batch"], first["steps"], first["inputs"], first["units"]) == (
        "LSTM",
        "train",
        64,
        100,
        32,
        64,
    )
    assert first["one_thread"] == {"engine_ms": 10.0, "torch_ms": 20.0, "torch_over_engine": 2.0, "spread": 0.05}
    assert first["default_threads"]["torch_ms"] is None and first["default_threads"]["torch_over_engine"] is None
    assert report["geometric_mean"]["one_thread"] == pytest.approx(1.0)  # sqrt(2 * 0.5)
    assert report["geometric_mean"]["default_threads"] == pytest.approx(1.0)  # the GRU row alone
    assert report["gemm_gflops"] == 50.0
    assert report["largest"]["layer"] == "LSTM" and 0 < report["largest"]["share_of_gemm"]


def test_bench_tui_json(monkeypatch):
    monkeypatch.setattr("tutor.bench_tui.bench_tui", lambda config, repeats, progress: BenchResult([2.0], [2.5]))
    monkeypatch.setattr(
        "tutor.bench_tui.key_latency",
        lambda config, size, rounds: [KeyTiming("f1", "help", [0.05, 0.07], [0.01, 0.02])],
    )
    report = run_json("bench", "tui", "--json", "--repeats", "1", "--rounds", "2")
    speed, keys = report["speed"], report["keys"]
    assert speed["headless_s"] == [2.0] and speed["in_app_s"] == [2.5] and speed["ratio"] == 0.8
    assert speed["pair_ratios"] == [0.8] and (speed["width"], speed["height"]) == (80, 24)
    assert [(s["width"], s["height"]) for s in keys["sizes"]] == [(60, 20), (80, 24), (160, 48)]
    assert keys["sizes"][0]["keys"] == [
        {"key": "f1", "does": "help", "median_ms": 60.0, "worst_ms": 70.0, "cpu_ms": 15.0}
    ]
    assert keys["slowest_ms"] == 70.0 and keys["rounds"] == 2
    assert run_json("bench", "tui", "--json", "--no-keys", "--repeats", "1")["keys"] is None


def test_bench_predict_json(monkeypatch):
    def fake(n, repeats, progress=None):
        variants = [
            Variant("a", (), 1, [2.0], [70.0]),
            Variant("b", (), 1, [1.0], [60.0]),
            Variant("c", (), 2, [3.0], [80.0]),
        ]
        return variants, "made-up reviews"

    monkeypatch.setattr("tutor.bench_predict.bench_predict", fake)
    report = run_json("bench", "predict", "--json", "--reviews", "100", "--repeats", "1")
    assert report["reviews"] == 100 and report["source"] == "made-up reviews"
    assert report["variants"][0] == {
        "label": "a",
        "threads": 1,
        "seconds": [2.0],
        "median_s": 2.0,
        "reviews_per_s": 50.0,
        "peak_mb": 70.0,
    }
    assert report["two_over_one_threads"] == 1.5


@pytest.mark.parametrize("command", [["data", "status"], ["bench", "engine"], ["bench", "tui"], ["bench", "predict"]])
def test_the_json_shape_is_in_the_help(command):
    out = CliRunner().invoke(app, [*command, "--help"], terminal_width=200).output
    assert "--json" in out and "One JSON object" in " ".join(out.split())
