"""`tutor predict --file` streams: one JSON line per input line, answers while input arrives, bounded memory."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tutor import sentiment
from tutor.data.stream import LONGEST_WORD, NotUtf8, read_reviews
from tutor.data.text import tokenize

SEPARATORS = ["\x85", "\x0c", "\x0b", "\u2028", "\u2029", "\x1c", "\x1d", "\x1e", "\r"]


def _lines(data: bytes, keep: int = 1000, **kw) -> list[tuple[int, list[str], int]]:
    return [(r.line, r.words, r.n_words) for r in read_reviews(io.BytesIO(data), keep=keep, **kw)]


def test_only_newline_ends_a_line():
    text = "".join(f"word{i} {sep} more{i}\n" for i, sep in enumerate(SEPARATORS))
    got = _lines(text.encode())
    assert [n for n, _, _ in got] == list(range(1, len(SEPARATORS) + 1))
    assert all(words == [f"word{i}", f"more{i}"] for i, (_, words, _) in enumerate(got))


def test_crlf_final_line_bom_and_blank_lines():
    assert _lines(b"\xef\xbb\xbfgood film\r\n\r\nbad\r\nlast one") == [
        (1, ["good", "film"], 2),
        (2, [], 0),
        (3, ["bad"], 1),
        (4, ["last", "one"], 2),
    ]
    assert _lines(b"") == []
    assert _lines(b"\n") == [(1, [], 0)]
    assert _lines(b"a\rb\r\n") == [(1, ["a", "b"], 2)]  # a lone \r is inside the line


def test_not_utf8_names_the_line_and_byte():
    with pytest.raises(NotUtf8, match=r"reviews.txt is not UTF-8 text \(line 2, byte 4\)"):
        _lines(b"good\ncaf\xe9 was great\n", name="reviews.txt")
    with pytest.raises(NotUtf8, match="line 1"):
        _lines(b"cut short \xc3", name="x")


def test_reading_in_pieces_gives_the_tokenizers_words():
    """Any piece size, any cut: the words and counts of tokenize() on the whole line."""
    rng = random.Random(0)
    alphabet = ["a", "b", "Z", "é", "ß", " ", "'", "’", "<br />", "<BR>", "<br", "/>", "_", ".", "\x85", "\u2028"]
    alphabet += ["don't", "x1", "\t", "  ", "<br\n/>", "\r", "日本"]
    for _ in range(400):
        lines = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 500))) for _ in range(rng.randint(1, 3))]
        data = "\n".join(lines) + rng.choice(["", "\n", "\r\n"])
        keep = rng.choice([1, 7, 1000])
        got = list(
            read_reviews(
                io.BytesIO(data.encode()), keep, piece=rng.choice([1, 3, 64, 4096]), hold=rng.choice([256, 700])
            )
        )
        expected = data.split("\n")[: -1 if data.endswith("\n") else None]
        expected = [line.removesuffix("\r") for line in expected]
        assert [r.line for r in got] == list(range(1, len(expected) + 1))
        for review, line in zip(got, expected, strict=True):
            words = tokenize(line)
            assert review.n_words == len(words) and review.words == words[-keep:]


def test_a_word_longer_than_a_piece_is_cut_not_held():
    data = b"good " + b"x" * 50_000 + b" film\n"
    ((_, words, n),) = _lines(data, piece=4096, hold=4096)
    assert n == 3 and words[0] == "good" and words[1] == "x" * LONGEST_WORD and words[2] == "film"


# ------------------------------------------------------------------------------------- CLI


def _tutor(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "tutor", *args], env=env, **kw)


def test_one_json_line_per_input_line_whatever_it_holds(tmp_path):
    lines = [f"a fine film {sep} with a twist" for sep in SEPARATORS] + ["", "?!", "terrible\x85acting"]
    path = tmp_path / "reviews.txt"
    path.write_bytes(("\n".join(lines) + "\n").encode())
    proc = _tutor("predict", "--file", str(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    rows = [json.loads(line) for line in out.decode().split("\n")[:-1]]
    assert [row["line"] for row in rows] == list(range(1, len(lines) + 1))
    assert rows[-1]["tokens"] == ["terrible", "acting"]
    assert [("error" in row) for row in rows[-3:]] == [True, True, False]
    assert len(rows[0]["trajectory"]) == len(rows[0]["tokens"]) == 6
    assert b"\r" not in err  # stderr is not a terminal: no progress bar


def test_answers_arrive_while_stdin_is_still_open(tmp_path):
    """A producer writes two lines and waits: their answers come out before it closes stdin."""
    proc = _tutor("predict", stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"a wonderful film\nan awful film\n")
    proc.stdin.flush()
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.extend([proc.stdout.readline(), proc.stdout.readline()]))
    reader.start()
    reader.join(timeout=120)  # a deadlock guard, not a speed limit: without streaming this waits for EOF
    try:
        assert len(got) == 2, "no answers while stdin stayed open"
        assert [json.loads(line)["label"] for line in got] == ["positive", "negative"]
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == 0


def test_no_text_and_piped_stdin_reads_stdin():
    proc = _tutor("predict", "--no-trajectory", stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, _ = proc.communicate(b"great film\n", timeout=120)
    assert proc.returncode == 0 and json.loads(out)["line"] == 1


def test_a_progress_bar_only_on_a_terminal(tmp_path):
    import pty

    path = tmp_path / "reviews.txt"
    path.write_text("a good film\n" * 3000, encoding="utf-8")
    master, slave = pty.openpty()
    proc = _tutor("predict", "--file", str(path), "--no-trajectory", stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=120)
    os.close(master)
    assert proc.returncode == 0
    assert b" lines \xc2\xb7 " in seen and b"lines/s" in seen and b"% read" in seen
    assert seen.endswith(b"\r\x1b[K")  # cleared at the end


def _peak_mb(args: list[str], stdin_file: Path | None = None) -> float:
    """Run `tutor ...` to the end (output discarded); its peak resident memory in MB."""
    with open(os.devnull, "wb") as sink, open(stdin_file or os.devnull, "rb") as source:
        proc = _tutor(*args, stdin=source, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        err = proc.stderr.read()
        proc.stderr.close()
    assert os.waitstatus_to_exitcode(status) == 0, err
    return usage.ru_maxrss / 1024


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """An untrained LSTM that reads the last 12 words: the model's time stays small, reading does not."""
    from tutor.data import Vocabulary
    from tutor.engine import LSTM, Dense, Embedding, Sequential

    vocab = Vocabulary(["good", "bad", "film", "plot"])
    model = Sequential([Embedding(len(vocab), 4, mask_zero=True), LSTM(4), Dense(1, activation="sigmoid")], seed=0)
    model.build((None, 12))
    path = tmp_path_factory.mktemp("tiny") / "tiny.npz"
    model.save(path, metadata={"vocab": vocab.to_json(), "maxlen": 12, "input": "sequence"})
    return path


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "wait4"), reason="peak memory via wait4 (Linux, macOS)")
def test_memory_stays_bounded_for_a_huge_line_and_a_long_stream(tmp_path, tiny_model):
    """A 20 MB line, and 20 MB of lines through a pipe: the peak grows by far less than the input.

    (Reading the input whole cost about 15 times the size of a long line.)
    """
    base = _peak_mb(["predict", "--model", str(tiny_model), "good film"])
    huge = tmp_path / "huge.txt"
    with open(huge, "w", encoding="utf-8") as f:
        for _ in range(20):
            f.write("a good film but the plot was bad " * 30_303)
        f.write("\n")
    many = tmp_path / "many.txt"
    with open(many, "w", encoding="utf-8") as f:
        for i in range(20_000):
            f.write(("good plot " if i % 2 else "bad film ") * 100 + "\n")
    one_line = _peak_mb(["predict", "--model", str(tiny_model), "--file", str(huge)])
    stream = _peak_mb(["predict", "--model", str(tiny_model), "--file", "-", "--no-trajectory"], stdin_file=many)
    assert one_line < base + 60, (base, one_line)
    assert stream < base + 60, (base, stream)


def test_predict_texts_keeps_its_answers(tmp_path):
    """The batched paths (masked, unmasked uniform batches, JSON) agree with one review at a time."""
    sm = sentiment.load_model()
    texts = ["good film " * 20] * 40 + ["an awful, boring film", "loved it", "the plot was dull " * 3]
    batch = sentiment.predict_texts(texts, sm)
    for text, result in zip(texts[38:], batch[38:], strict=True):
        single = sentiment.predict_text(text, sm)
        assert single["label"] == result["label"] and abs(single["probability"] - result["probability"]) < 1e-5
    encoded = [sentiment.encode_words(tokenize(t), len(tokenize(t)), sm) for t in texts]
    rows = [json.loads(row) for row in sentiment.predict_json(encoded, sm)]
    for row, result in zip(rows, batch, strict=True):
        assert {k: v for k, v in row.items() if k != "trajectory"} == {
            k: v for k, v in result.items() if k != "trajectory"
        }
        assert max(abs(a - b) for a, b in zip(row["trajectory"], result["trajectory"], strict=True)) <= 1e-6


def test_bench_predict_runs_every_variant():
    from tutor.bench_predict import bench_predict

    variants, source = bench_predict(n=30, repeats=1)
    assert [v.threads for v in variants] == [1, 1, 2] and source
    assert all(len(v.seconds) == 1 and v.seconds[0] > 0 and v.peak_mb[0] > 0 for v in variants)
