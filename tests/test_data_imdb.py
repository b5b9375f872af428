"""The aclImdb reader (folder and .tar.gz), locating the data, the split, and the download."""

import hashlib
import http.server
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tutor.commands.data import app
from tutor.data import download, find_imdb, read_imdb, read_imdb_splits, train_val_split
from tutor.data.imdb import IMDB_ARCHIVE
from tutor.errors import TutorError

# made-up reviews (never IMDb text): (split, label folder, id, rating, text)
REVIEWS = [
    ("train", "pos", 10, 9, "Wonderful<br />film."),
    ("train", "pos", 2, 8, "Good fun"),
    ("train", "neg", 3, 1, "Dull and long"),
    ("train", "neg", 0, 4, "Not great, caf\u00e9 scene aside"),
    ("test", "pos", 1, 10, "Superb"),
    ("test", "neg", 1, 2, "Awful"),
]


def make_tree(root: Path) -> Path:
    for split, label, rid, rating, text in REVIEWS:
        folder = root / "aclImdb" / split / label
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{rid}_{rating}.txt").write_text(text, encoding="utf-8")
    unsup = root / "aclImdb" / "train" / "unsup"
    unsup.mkdir()
    (unsup / "5_0.txt").write_text("unlabelled", encoding="utf-8")
    (root / "aclImdb" / "README").write_text("readme", encoding="utf-8")
    return root


def make_archive(tmp_path: Path) -> Path:
    tree = make_tree(tmp_path / "src")
    archive = tmp_path / "aclImdb_test.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(tree / "aclImdb", arcname="aclImdb")
    return archive


def check_train(d):
    # ordered neg then pos, each by numeric id; unsup skipped
    assert d.texts == ["Not great, caf\u00e9 scene aside", "Dull and long", "Good fun", "Wonderful<br />film."]
    assert d.labels.tolist() == [0, 0, 1, 1]
    assert d.ratings.tolist() == [4, 1, 8, 9]
    assert d.ids.tolist() == [0, 3, 2, 10]


def test_read_folder(tmp_path):
    root = make_tree(tmp_path)
    check_train(read_imdb(root))
    check_train(read_imdb(root / "aclImdb"))  # the aclImdb folder itself works too
    test = read_imdb(root, "test")
    assert test.texts == ["Awful", "Superb"] and test.labels.tolist() == [0, 1]


def test_read_archive_without_unpacking(tmp_path):
    archive = make_archive(tmp_path)
    before = set(tmp_path.iterdir())
    check_train(read_imdb(archive))
    splits = read_imdb_splits(archive)
    assert sorted(splits) == ["test", "train"] and len(splits["test"]) == 2
    assert set(tmp_path.iterdir()) == before  # nothing extracted


def test_missing_split_and_bad_sources(tmp_path):
    root = tmp_path / "only_train"
    (root / "aclImdb" / "train" / "pos").mkdir(parents=True)
    (root / "aclImdb" / "train" / "pos" / "1_9.txt").write_text("ok", encoding="utf-8")
    assert list(read_imdb_splits(root)) == ["train"]
    with pytest.raises(TutorError, match="no test reviews"):
        read_imdb(root, "test")
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"this is not gzip")
    with pytest.raises(TutorError, match="cannot read"):
        read_imdb(bad)
    with pytest.raises(TutorError, match="not found"):
        read_imdb(tmp_path / "nowhere")
    with pytest.raises(ValueError):
        read_imdb(root, "unsup")


def test_find_imdb_order(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TUTOR_IMDB", raising=False)
    assert find_imdb() is None
    downloaded = tmp_path / "home" / "data" / IMDB_ARCHIVE
    downloaded.parent.mkdir(parents=True)
    downloaded.write_bytes(b"x")
    assert find_imdb() == downloaded
    env_copy = make_tree(tmp_path / "env")
    monkeypatch.setenv("TUTOR_IMDB", str(env_copy))
    assert find_imdb() == env_copy
    explicit = make_tree(tmp_path / "explicit")
    assert find_imdb(explicit) == explicit
    with pytest.raises(TutorError, match="--path"):
        find_imdb(tmp_path / "missing")
    monkeypatch.setenv("TUTOR_IMDB", str(tmp_path / "missing"))
    with pytest.raises(TutorError, match="TUTOR_IMDB"):
        find_imdb()


def test_train_val_split_is_stratified_and_seeded():
    labels = np.array([0] * 60 + [1] * 40)
    train, val = train_val_split(labels, 0.2, seed=3)
    assert len(val) == 20 and len(train) == 80
    assert (labels[val] == 0).sum() == 12 and (labels[val] == 1).sum() == 8
    assert not set(train) & set(val) and set(train) | set(val) == set(range(100))
    again = train_val_split(labels, 0.2, seed=3)
    np.testing.assert_array_equal(again[1], val)
    assert not np.array_equal(train_val_split(labels, 0.2, seed=4)[1], val)
    with pytest.raises(ValueError):
        train_val_split(labels, 1.0)


# --- download against a local server ---------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    payload = b""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = self.payload
        if self.path == "/missing":
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        if self.path == "/cut":
            # promise more than is sent, then close: a connection cut mid-download
            self.send_header("Content-Length", str(len(body) + 10_000))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def server(tmp_path):
    archive = make_archive(tmp_path / "served")
    handler = type("Handler", (_Handler,), {"payload": archive.read_bytes()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield base, handler.payload
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_download_success(server, tmp_path):
    base, payload = server
    dest = tmp_path / "dl" / IMDB_ARCHIVE
    calls = []
    path = download(
        f"{base}/ok",
        dest,
        md5=hashlib.md5(payload).hexdigest(),
        progress=lambda done, total: calls.append((done, total)),
        timeout=10,
    )
    assert path == dest and dest.read_bytes() == payload
    assert calls[0] == (0, len(payload)) and calls[-1] == (len(payload), len(payload))
    assert [p.name for p in dest.parent.iterdir()] == [IMDB_ARCHIVE]  # no temp file left
    assert len(read_imdb(dest)) == 4  # and it is a readable archive


@pytest.mark.parametrize(
    ("route", "md5", "message"),
    [
        ("/cut", None, "connection cut"),
        ("/ok", "0" * 32, "checksum mismatch"),
        ("/missing", None, "HTTP 404"),
    ],
)
def test_download_failures_leave_nothing(server, tmp_path, route, md5, message):
    base, payload = server
    dest = tmp_path / "dl" / IMDB_ARCHIVE
    with pytest.raises(TutorError, match=message) as info:
        download(f"{base}{route}", dest, md5=md5 or hashlib.md5(payload).hexdigest(), timeout=10)
    assert "\n" not in str(info.value)
    assert list(dest.parent.iterdir()) == []


def test_download_unreachable(tmp_path):
    dest = tmp_path / "dl" / IMDB_ARCHIVE
    with pytest.raises(TutorError, match="cannot reach"):
        download("http://127.0.0.1:9/nothing", dest, timeout=5)  # port 9 (discard): refused
    assert list(dest.parent.iterdir()) == []


# --- the `tutor data` command ----------------------------------------------------------------


def test_cli_download_and_status(server, tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TUTOR_IMDB", raising=False)
    base, payload = server
    runner = CliRunner()
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "not found" in result.output and "tutor data download imdb" in result.output
    assert "NYSE: bundled" in result.output

    md5 = hashlib.md5(payload).hexdigest()
    bad = runner.invoke(app, ["download", "imdb", "--url", f"{base}/ok", "--md5", "0" * 32])
    assert bad.exit_code == 1 and isinstance(bad.exception, TutorError)
    data_dir = tmp_path / "home" / "data"
    assert not data_dir.exists() or list(data_dir.iterdir()) == []

    ok = runner.invoke(app, ["download", "imdb", "--url", f"{base}/ok", "--md5", md5])
    assert ok.exit_code == 0, ok.output
    assert (data_dir / IMDB_ARCHIVE).read_bytes() == payload
    again = runner.invoke(app, ["download", "imdb", "--url", f"{base}/ok", "--md5", md5])
    assert again.exit_code == 0 and "already present" in again.output

    status = runner.invoke(app, ["status", "--count"])
    assert status.exit_code == 0, status.output
    assert "downloaded" in status.output and "train 4 reviews" in status.output

    folder = make_tree(tmp_path / "tree")
    status = runner.invoke(app, ["status", "--path", str(folder)])
    assert "--path" in status.output and "6 labelled reviews" in status.output


def test_cli_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    result = runner.invoke(app, ["download", "nyse"])
    assert result.exit_code == 1 and isinstance(result.exception, TutorError)
    assert "bundled" in str(result.exception)
    result = runner.invoke(app, ["status", "--path", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and isinstance(result.exception, TutorError)
