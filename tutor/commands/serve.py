"""`tutor serve`: the tutor in a web browser, through textual-serve (an optional extra).

Each browser tab that connects starts its own `python -m tutor` on this machine and talks to it
over a websocket. Code exercises run here too, so by default only this machine may connect.
"""

from __future__ import annotations

import ipaddress
import sys

import typer

from tutor.errors import TutorError

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
INSTALL_HINT = 'tutor serve needs the serve extra: pip install "rnn-tutor[serve]"'


def is_local(host: str) -> bool:
    """Whether binding to `host` keeps the server reachable from this machine only."""
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    port: int = typer.Option(8000, min=1, max=65535, help="The port to listen on."),
    host: str = typer.Option("localhost", help="The address to listen on (this machine only, unless --public)."),
    public: bool = typer.Option(
        False, "--public", help="Allow an address other machines can reach (a trusted classroom network)."
    ),
) -> None:
    """Open the tutor in a web browser: serves the app on http://localhost:8000 (code exercises run on this machine)."""
    if not is_local(host) and not public:
        raise TutorError(
            f"{host} can be reached from other machines, and code exercises run on this one: "
            "add --public to serve it on a network you trust"
        )
    try:
        from textual_serve.server import Server
    except ImportError as exc:
        raise TutorError(INSTALL_HINT) from exc

    # every browser tab runs its own tutor process, with this interpreter
    command = f'"{sys.executable}" -m tutor'
    server = Server(command, host=host, port=port, title="rnn-tutor")
    print(
        "Code exercises you check in the browser run on this machine."
        + ("" if is_local(host) else f" Anyone who can reach {host}:{port} can run code here."),
        file=sys.stderr,
    )
    server.serve()
