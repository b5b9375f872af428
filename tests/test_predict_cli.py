"""`tutor predict` and `predict_text` with small models made here (the bundled one has its own test)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from tutor import sentiment
from tutor.commands import predict as predict_cmd
from tutor.data import Vocabulary, bag_of_words, tokenize
from tutor.engine import GRU, Dense, Embedding, GlobalAveragePooling1D, Sequential

runner = CliRunner()
POSITIVE = ["good", "great", "wonderful", "loved", "superb"]
NEGATIVE = ["bad", "awful", "boring", "hated", "dull"]
FILLER = ["the", "film", "was", "plot", "and", "acting", "a", "movie"]


def _corpus(n, seed):
    """Hand-made sentences: filler words with one kind of sentiment word mixed in."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for k in range(n):
        label = k % 2
        words = list(rng.choice(FILLER, size=rng.integers(3, 9)))
        for _ in range(rng.integers(1, 3)):
            words.insert(int(rng.integers(0, len(words) + 1)), rng.choice(POSITIVE if label else NEGATIVE))
        texts.append(" ".join(words))
        labels.append(label)
    return texts, np.array(labels, np.float32)


@pytest.fixture(scope="module")
def seq_model(tmp_path_factory):
    texts, y = _corpus(600, 0)
    vocab = Vocabulary.build((tokenize(t) for t in texts), max_words=30)
    from tutor.data import pad_sequences

    x = pad_sequences([vocab.encode(tokenize(t)) for t in texts], 12)
    model = Sequential(
        [
            Embedding(len(vocab), 8, mask_zero=True),
            GRU(8, return_sequences=True),
            GlobalAveragePooling1D(),
            Dense(1, activation="sigmoid"),
        ],
        seed=1,
    )
    model.compile("binary_crossentropy", "adam", ["accuracy"], lr=0.02)
    model.fit(x, y, epochs=15, batch_size=32, seed=0)
    path = tmp_path_factory.mktemp("models") / "seq.npz"
    model.save(path, metadata={"vocab": vocab.to_json(), "maxlen": 12, "input": "sequence", "task": "imdb"})
    return path


@pytest.fixture(scope="module")
def bow_model(tmp_path_factory):
    texts, y = _corpus(600, 1)
    vocab = Vocabulary.build((tokenize(t) for t in texts), max_words=30)
    x = bag_of_words([vocab.encode(tokenize(t)) for t in texts], len(vocab))
    model = Sequential([Dense(4, activation="relu", input_dim=len(vocab)), Dense(1, activation="sigmoid")], seed=2)
    model.compile("binary_crossentropy", "adam", ["accuracy"], lr=0.05)
    model.fit(x, y, epochs=20, batch_size=32, seed=0)
    path = tmp_path_factory.mktemp("models") / "bow.npz"
    model.save(path, metadata={"vocab": vocab.to_json(), "maxlen": 500, "input": "bag_of_words"})
    return path


def _invoke(*args, **kwargs):
    return runner.invoke(predict_cmd.app, [str(a) for a in args], **kwargs)


def test_predict_text_result(seq_model):
    r = sentiment.predict_text("the acting was wonderful and the plot superb", seq_model)
    assert r["label"] == "positive" and 0.5 < r["probability"] <= 1.0
    assert r["tokens"] == tokenize("the acting was wonderful and the plot superb")
    assert len(r["trajectory"]) == len(r["tokens"]) and r["trajectory"][-1] == r["probability"]
    assert r["truncated"] is False and r["unknown"] == 0
    assert r["influence"][0]["word"] == "wonderful" and r["influence"][0]["change"] > 0  # moved it most
    steps = np.diff([r["start"], *r["trajectory"]])
    assert steps[r["tokens"].index("wonderful")] > 0 and steps[r["tokens"].index("superb")] > 0
    assert sentiment.predict_text("boring and dull film", seq_model)["label"] == "negative"


def test_unknown_words_and_truncation(seq_model):
    r = sentiment.predict_text("zyzzyva " + "great " * 30, seq_model)
    assert r["truncated"] is True and r["n_words"] == 31 and len(r["tokens"]) == 12  # the last maxlen words
    r = sentiment.predict_text("zyzzyva quux great", seq_model)
    assert r["unknown"] == 2 and r["tokens"][0] == "zyzzyva"


def test_batches_match_single_predictions(seq_model):
    texts = ["great film", "the plot was dull and the acting bad", "loved it " * 3, "awful"]
    batch = sentiment.predict_texts(texts, seq_model, batch_size=2)
    for text, r in zip(texts, batch, strict=True):
        single = sentiment.predict_text(text, seq_model)
        assert r["probability"] == pytest.approx(single["probability"], abs=1e-5)
        np.testing.assert_allclose(r["trajectory"], single["trajectory"], atol=1e-5)


def test_bag_of_words_trajectory_is_each_prefix_answer(bow_model):
    sm = sentiment.load_model(bow_model)
    text = "the film was great and the acting wonderful but the plot dull zyzzyva"
    r = sentiment.predict_text(text, sm)
    ids = sm.vocab.encode(tokenize(text))
    prefixes = bag_of_words([ids[: t + 1] for t in range(len(ids))], len(sm.vocab))
    np.testing.assert_allclose(r["trajectory"], sm.model.predict(prefixes).ravel(), atol=1e-5)


def test_model_is_loaded_once(seq_model):
    assert sentiment.load_model(seq_model) is sentiment.load_model(seq_model)


def test_cli_text_human_and_json(seq_model):
    result = _invoke("--model", seq_model, "a superb film, loved it")
    assert result.exit_code == 0 and result.stdout.startswith("positive (probability of positive: ")
    assert "words that moved it most:" in result.stdout
    out = json.loads(_invoke("--model", seq_model, "--json", "boring dull awful").stdout)
    assert out["label"] == "negative" and {"probability", "tokens", "trajectory", "truncated", "influence"} <= set(out)
    assert len(out["trajectory"]) == 3


def test_cli_file_and_stdin_one_line_each(seq_model, tmp_path):
    reviews = ["great film", "", "awful and boring", "the plot was superb"]
    path = tmp_path / "reviews.txt"
    path.write_text("\n".join(reviews) + "\n", encoding="utf-8")
    for args, stdin in (([f"--file={path}"], None), (["--file", "-"], "\n".join(reviews))):
        result = _invoke("--model", seq_model, *args, input=stdin)
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert result.exit_code == 0 and [row["line"] for row in rows] == [1, 2, 3, 4]
        assert [row.get("label") for row in rows] == ["positive", None, "negative", "positive"]
        assert "error" in rows[1] and "1 of 4 lines had no words" in result.stderr
    brief = json.loads(_invoke("--model", seq_model, "--file", path, "--no-trajectory").stdout.splitlines()[0])
    assert set(brief) == {"line", "label", "probability", "truncated", "n_words"}


def test_bad_inputs_raise_clear_errors(seq_model, tmp_path):
    from tutor.errors import TutorError

    cases = [
        ((seq_model, "   "), TutorError, "empty review"),  # the learner's mistake: one line from `tutor`
        ((seq_model, "?!"), TutorError, "no words"),
        ((tmp_path / "missing.npz", "fine"), TutorError, "no model file"),
    ]
    for (model, text), kind, message in cases:
        result = _invoke("--model", model, text)
        assert isinstance(result.exception, kind) and message in str(result.exception)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("good\ncaf\xe9 was great\n".encode("latin-1"))
    result = _invoke("--model", seq_model, "--file", latin1)
    assert isinstance(result.exception, TutorError) and "not UTF-8" in str(result.exception)
    assert "line 2" in str(result.exception)
    assert isinstance(_invoke("--model", seq_model).exception, TutorError)  # neither text nor file
    (tmp_path / "empty.txt").write_bytes(b"")
    result = _invoke("--model", seq_model, "--file", tmp_path / "empty.txt")
    assert isinstance(result.exception, TutorError) and "no reviews" in str(result.exception)


def _tamper(src, dst, **changes):
    """A copy of a saved model with its config edited (e.g. another format version)."""
    with np.load(src) as data:
        arrays = {k: data[k] for k in data.files}
    config = json.loads(str(arrays["__config__"]))
    config.update(changes)
    arrays["__config__"] = np.array(json.dumps(config))
    np.savez(dst, **arrays)


def _main(*args):
    """The real entry point in a child process: one line on stderr and the exit code."""
    code = (
        "import sys; import tutor.cli as cli; from tutor.commands.predict import predict\n"
        "if 'predict' not in [c.name or c.callback.__name__ for c in cli.app.registered_commands]:\n"
        "    cli.app.command('predict')(predict)\n"
        "sys.argv = ['tutor', 'predict', *sys.argv[1:]]; cli.main()"
    )
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True)


def test_main_prints_one_line_and_exits_1(seq_model, tmp_path):
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    old = tmp_path / "old.npz"
    _tamper(seq_model, old, format_version=99)
    text_file = tmp_path / "passwd"  # what a learner may type into --model by mistake
    text_file.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    not_sentiment = tmp_path / "nyse.npz"
    model = Sequential([Dense(1, input_dim=3)])
    model.save(not_sentiment, metadata={"task": "nyse"})
    for model_path, text, message in [
        (seq_model, "", "empty review"),
        (tmp_path / "missing.npz", "good", "no model file"),
        (corrupt, "good", "corrupt.npz is not an rnn-tutor model file"),
        (text_file, "good", "passwd is not an rnn-tutor model file (a .npz saved by `tutor train imdb --out`)"),
        (old, "good", "format 99"),
        (not_sentiment, "good", "not a sentiment model"),
    ]:
        proc = _main("--model", model_path, text)
        assert proc.returncode == 1, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], proc.stderr
        assert "pickle" not in proc.stderr and "NumPy" not in proc.stderr  # no library jargon
        assert proc.stdout == ""


def test_a_file_that_is_not_a_model_is_named_plainly(tmp_path, monkeypatch):
    """Any file that is not a saved model gets one plain sentence; unreadable files say why."""
    import zipfile

    other_npz = tmp_path / "arrays.npz"
    np.savez(other_npz, x=np.zeros(3))  # NumPy's format, but not a model the tutor saved
    a_zip = tmp_path / "notes.npz"
    with zipfile.ZipFile(a_zip, "w") as z:
        z.writestr("notes.txt", "hello")
    text_file = tmp_path / "review.txt"
    text_file.write_text("a fine film\n", encoding="utf-8")
    for path in (other_npz, a_zip, text_file):
        with pytest.raises(ValueError) as err:
            sentiment.load_model(path)
        assert str(err.value) == f"{path} is not an rnn-tutor model file (a .npz saved by `tutor train imdb --out`)"

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(text_file))

    # as for a file without read permission (tests may run as root)
    monkeypatch.setattr("tutor.engine.saving._open", refuse)
    with pytest.raises(ValueError, match=r"cannot read .*review\.txt: permission denied$"):
        sentiment.load_model(text_file)


def test_predict_never_imports_textual(seq_model):
    code = (
        "import sys; from typer.testing import CliRunner; from tutor.commands.predict import app\n"
        f"r = CliRunner().invoke(app, ['--model', {str(seq_model)!r}, '--json', 'great film'])\n"
        "assert r.exit_code == 0, r.output\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'tutor.tui'))\n"
        "assert not bad and 'tutor.tui' not in sys.modules, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_threads_share_the_cached_model_safely(seq_model):
    from concurrent.futures import ThreadPoolExecutor

    texts = ["great film " * k + "awful" for k in range(1, 9)] + ["boring dull " * k for k in range(1, 9)]
    expected = [sentiment.predict_text(t, seq_model)["trajectory"] for t in texts]
    with ThreadPoolExecutor(4) as pool:  # the playground predicts from a worker thread
        got = list(pool.map(lambda t: sentiment.predict_text(t, seq_model)["trajectory"], texts * 3))
    assert got == expected * 3
