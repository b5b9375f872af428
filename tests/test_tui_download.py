"""An IMDb run without the reviews offers the download in the app, shows its progress, and then runs."""

from __future__ import annotations

import hashlib
import http.server
import tarfile
import threading

import pytest
from test_tui_dashboard import open_dashboard
from test_tui_support import demo_app, run_async, wait_for
from textual.widgets import Button

from tutor.data import imdb
from tutor.tui.widgets import download
from tutor.tui.widgets.download import DataDownload

RUN = {"task": "imdb", "model": "LSTM", "units": 4, "epochs": 1, "n_train": 40, "n_val": 20, "seq_len": 20}


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A local server with a small aclImdb archive (sent in pieces, slowly enough to be seen)."""
    from test_train_cli import _tiny_aclimdb

    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TUTOR_IMDB", raising=False)
    folder = _tiny_aclimdb(tmp_path / "src")
    archive = tmp_path / "served.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(folder, arcname="aclImdb")
    payload = archive.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/aclImdb_v1.tar.gz":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setitem(download.SOURCE, "url", f"{base}/aclImdb_v1.tar.gz")
    monkeypatch.setitem(download.SOURCE, "md5", hashlib.md5(payload).hexdigest())
    try:
        yield base, payload
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@run_async
async def test_the_download_is_offered_shown_and_the_run_then_starts(tmp_path, served, monkeypatch):
    _, payload = served
    shown: list[tuple[int, int | None]] = []
    original = DataDownload.on_progressed

    def on_progressed(self, message):
        shown.append((message.done, message.total))
        original(self, message)

    monkeypatch.setattr(DataDownload, "on_progressed", on_progressed)
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, RUN)
        await pilot.press("ctrl+r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DataDownload) and not screen.training  # asked first: nothing runs yet
        assert app.focused is dialog.query_one("#dl-go", Button)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert shown and shown[-1] == (len(payload), len(payload))  # progress was shown, to the end
        assert imdb.default_archive().read_bytes() == payload
        await wait_for(pilot, lambda: screen.result is not None)  # the run went on by itself
        assert not screen.result.error and "finished 1 epoch" in screen.status_note


@run_async
async def test_declining_or_a_failed_download_leaves_nothing_and_says_so(tmp_path, served, monkeypatch):
    base, _ = served
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot, RUN)
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and not screen.training
        assert "needs the IMDb reviews" in screen.status_note
        monkeypatch.setitem(download.SOURCE, "url", f"{base}/gone")
        await pilot.press("ctrl+r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DataDownload)
        await pilot.press("d")
        await wait_for(pilot, lambda: "HTTP 404" in str(dialog.query_one("#dl-status").render()))
        assert str(dialog.query_one("#dl-go", Button).label).startswith("Try again")
        assert not imdb.default_archive().exists()
        assert [p.name for p in imdb.default_archive().parent.iterdir()] == []  # no part file left
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and not screen.training
