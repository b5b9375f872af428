"""Downloads against a hostile local server: endless bodies, trickles, silence; stale and damaged files."""

from __future__ import annotations

import hashlib
import http.server
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor import paths
from tutor.commands.data import app
from tutor.data import imdb
from tutor.data.imdb import IMDB_ARCHIVE, download
from tutor.errors import TutorError

PAYLOAD = bytes(range(256)) * 64  # 16 KB


class _Hostile(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.send_response(200)
        try:
            if self.path == "/endless":  # no length, and it never ends
                self.end_headers()
                while True:
                    self.wfile.write(b"x" * 65536)
            elif self.path == "/trickle":  # a byte now and then: no single read ever times out
                self.send_header("Content-Length", str(len(PAYLOAD)))
                self.end_headers()
                for byte in PAYLOAD:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.05)
            elif self.path == "/steady":  # 2 KB/s: fast enough for the stall rule, too slow for a deadline
                self.send_header("Content-Length", str(len(PAYLOAD)))
                self.end_headers()
                for at in range(0, len(PAYLOAD), 200):
                    self.wfile.write(PAYLOAD[at : at + 200])
                    self.wfile.flush()
                    time.sleep(0.1)
            elif self.path == "/silent":  # headers, a little, then nothing
                self.send_header("Content-Length", str(len(PAYLOAD)))
                self.end_headers()
                self.wfile.write(PAYLOAD[:100])
                self.wfile.flush()
                time.sleep(30)
            elif self.path == "/huge":  # announces far more than the file the tutor expects
                self.send_header("Content-Length", str(10**12))
                self.end_headers()
            else:
                self.send_header("Content-Length", str(len(PAYLOAD)))
                self.end_headers()
                self.wfile.write(PAYLOAD)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


MD5 = hashlib.md5(PAYLOAD).hexdigest()


def _fails(url: str, dest: Path, match: str, **kw) -> str:
    with pytest.raises(TutorError, match=match) as info:
        download(url, dest, md5=MD5, **kw)
    assert [p.name for p in dest.parent.iterdir()] == []  # nothing half-written is left
    return str(info.value)


def test_an_endless_body_stops_at_the_expected_size(server, tmp_path):
    message = _fails(
        f"{server}/endless", tmp_path / "dl" / "a.tar.gz", "sent more than the expected", size=len(PAYLOAD)
    )
    assert "16,384 bytes" in message


def test_an_endless_body_of_unknown_size_stops_at_the_hard_cap(server, tmp_path, monkeypatch):
    monkeypatch.setattr(imdb, "UNKNOWN_SIZE_LIMIT", 1 << 20)
    _fails(f"{server}/endless", tmp_path / "dl" / "a.tar.gz", "sent more than the expected 1,048,576 bytes")


def test_a_trickle_is_a_stall_and_the_message_says_how_much_arrived(server, tmp_path):
    message = _fails(
        f"{server}/trickle", tmp_path / "dl" / "a.tar.gz", "stalled", timeout=5, stall_window=0.5, min_rate=1000
    )
    assert "bytes received in all" in message


def test_an_overall_deadline_ends_a_slow_but_steady_download(server, tmp_path):
    message = _fails(
        f"{server}/steady", tmp_path / "dl" / "a.tar.gz", "gave up after 0.5 s", timeout=5, deadline=0.5, min_rate=10
    )
    assert "bytes received from" in message


def test_silence_hits_the_per_read_timeout_with_the_bytes_received(server, tmp_path):
    _fails(f"{server}/silent", tmp_path / "dl" / "a.tar.gz", r"no data for 0.5 s \(100 bytes received", timeout=0.5)


def test_a_length_other_than_the_expected_size_is_refused_before_reading(server, tmp_path):
    _fails(
        f"{server}/huge",
        tmp_path / "dl" / "a.tar.gz",
        "announces 1,000,000,000,000 bytes, expected 16,384",
        size=len(PAYLOAD),
    )


def test_md5_is_checked_as_hex_up_front(tmp_path):
    with pytest.raises(TutorError, match="32 hexadecimal digits"):
        download("http://127.0.0.1:9/never-reached", tmp_path / "a.tar.gz", md5="not-an-md5")
    runner = CliRunner()
    result = runner.invoke(app, ["download", "imdb", "--url", "http://127.0.0.1:9/x", "--md5", "xyz"])
    assert result.exit_code == 1 and "32 hexadecimal digits" in str(result.exception)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporary_files_are_removed_on_the_next_run(server, tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    data = tmp_path / "home" / "data"
    data.mkdir(parents=True)
    dead = _dead_pid()
    stale = data / f".{IMDB_ARCHIVE}.{dead}.0badc0de.part"
    fresh = data / f".{IMDB_ARCHIVE}.{dead}.00c0ffee.part"  # just written: maybe a live download elsewhere
    mine = data / f".{IMDB_ARCHIVE}.{os.getpid()}.1234abcd.part"  # a live process's
    other = data / "notes.part"
    for f in (stale, fresh, mine, other):
        f.write_bytes(b"partial")
    old = time.time() - 2 * paths.STALE_AFTER
    os.utime(stale, (old, old))
    os.utime(mine, (old, old))
    result = CliRunner().invoke(app, ["download", "imdb", "--url", f"{server}/ok", "--md5", MD5])
    assert result.exit_code == 0, result.output
    assert not stale.exists() and fresh.exists() and mine.exists() and other.exists()
    assert (data / IMDB_ARCHIVE).read_bytes() == PAYLOAD


def test_a_killed_download_leaves_a_part_that_the_next_run_removes(server, tmp_path):
    dest = tmp_path / "dl" / IMDB_ARCHIVE
    code = (
        "import sys; from tutor.data.imdb import download\n"
        f"download({server + '/trickle'!r}, {str(dest)!r}, md5=None, timeout=30)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 60
    while not list(dest.parent.glob("*.part")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    (part,) = dest.parent.glob("*.part")
    old = time.time() - 2 * paths.STALE_AFTER
    os.utime(part, (old, old))
    assert paths.remove_stale_temporaries(dest.parent) == [part]
    assert not part.exists()


def test_an_archive_already_present_is_verified(server, tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    ok = runner.invoke(app, ["download", "imdb", "--url", f"{server}/ok", "--md5", MD5])
    assert ok.exit_code == 0, ok.output
    archive = tmp_path / "home" / "data" / IMDB_ARCHIVE
    again = runner.invoke(app, ["download", "imdb", "--url", f"{server}/ok", "--md5", MD5])
    assert again.exit_code == 0 and "already present and verified" in again.output
    archive.write_bytes(PAYLOAD[:-1] + b"!")  # same size, one byte changed
    bad = runner.invoke(app, ["download", "imdb", "--url", f"{server}/ok", "--md5", MD5])
    assert bad.exit_code == 1 and "damaged" in str(bad.exception) and "md5" in str(bad.exception)
    assert "tutor data download imdb --force" in str(bad.exception)
    # the official archive's size is known: a truncated one is caught without the network
    truncated = runner.invoke(app, ["download", "imdb"])
    assert truncated.exit_code == 1 and "expected 84,125,825" in str(truncated.exception)
    forced = runner.invoke(app, ["download", "imdb", "--url", f"{server}/ok", "--md5", MD5, "--force"])
    assert forced.exit_code == 0 and archive.read_bytes() == PAYLOAD
    status = runner.invoke(app, ["status", "--verify"])
    assert status.exit_code == 0 and "not the official archive" in status.output
