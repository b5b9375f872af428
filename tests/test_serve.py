"""`tutor serve`: the app in a browser through textual-serve (local only unless --public)."""

import asyncio
import socket
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.commands.serve import is_local


def test_only_loopback_addresses_count_as_local():
    assert all(is_local(h) for h in ("localhost", "127.0.0.1", "::1", "127.0.0.2"))
    assert not any(is_local(h) for h in ("0.0.0.0", "::", "192.168.1.5", "example.org"))


def test_a_public_address_needs_public(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "tutor", "serve", "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("tutor: error: 0.0.0.0 can be reached from other machines")
    assert "--public" in proc.stderr


def test_without_the_extra_it_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)  # makes the import fail
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code != 0
    assert 'pip install "rnn-tutor[serve]"' in str(result.exception)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_served_page_runs_the_tutor_over_its_websocket(tmp_path):
    pytest.importorskip("textual_serve")
    aiohttp = pytest.importorskip("aiohttp")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tutor", "serve", "--port", str(port)],
        env={"TUTOR_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    async def visit() -> tuple[str, bytes]:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):  # the server is up within a few seconds
                try:
                    async with session.get(f"http://localhost:{port}/") as page:
                        html = await page.text()
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("the server never answered")
            seen = b""
            async with session.ws_connect(f"http://localhost:{port}/ws?width=80&height=24") as ws:
                deadline = time.monotonic() + 60
                while b"Sequences everywhere" not in seen and time.monotonic() < deadline:
                    msg = await ws.receive(timeout=60)
                    if msg.type == aiohttp.WSMsgType.BINARY:
                        seen += msg.data
                    elif msg.type == aiohttp.WSMsgType.TEXT:
                        seen += msg.data.encode()
                    else:
                        break
            return html, seen

    try:
        html, seen = asyncio.run(visit())
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert f"ws://localhost:{port}/ws" in html
    assert b"Sequences everywhere" in seen, seen[-500:]  # the course map's first lesson, drawn by the app
    assert "Code exercises you check in the browser run on this machine." in err
