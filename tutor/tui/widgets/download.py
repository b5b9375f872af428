"""Fetch the IMDb reviews from inside the app: asked first, with progress, and the run resumes after.

A run on the IMDb reviews that finds none on this machine (no `TUTOR_IMDB`, nothing downloaded)
offers this dialog instead of failing with a command to type elsewhere. The download itself is
`tutor.data.imdb.download` (the same as `tutor data download imdb`: a hidden part file, checked
by md5, renamed into place only when complete), run in a thread worker; its progress arrives as
messages a few times a second. Esc or Cancel stops it at the next chunk, leaving nothing behind.
The dialog answers True once the archive is in place, and the dashboard then starts the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Label, ProgressBar, Static
from textual.worker import get_current_worker

from tutor.data import imdb

SIZE_TEXT = "84 MB"  # what the learner is asked to fetch
# where from and the checksum (tests point these at a local server)
SOURCE: dict[str, str | None] = {"url": imdb.IMDB_URL, "md5": imdb.IMDB_MD5}
PROGRESS_INTERVAL = 0.15  # seconds between progress messages


def imdb_missing() -> bool:
    """True when no IMDb source is set or downloaded (a `TUTOR_IMDB` that points nowhere is the run's to report)."""
    from tutor.errors import TutorError

    try:
        return imdb.find_imdb() is None
    except TutorError:
        return False


class Cancelled(Exception):
    """The learner cancelled the download (raised inside it, so it cleans up after itself)."""


@dataclass
class Progressed(Message):
    done: int
    total: int | None


@dataclass
class Finished(Message):
    path: str = ""
    error: str = ""


class DataDownload(ModalScreen[bool]):
    """Download the IMDb reviews: True once they are here, False if the learner did not want them."""

    DEFAULT_CSS = """
    DataDownload {
        align: center middle;
    }
    DataDownload > Vertical {
        width: 70;
        max-width: 100%;
        height: auto;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    DataDownload Label, DataDownload Static {
        width: 100%;
        margin: 0 0 1 0;
    }
    DataDownload ProgressBar {
        margin: 0 0 1 0;
    }
    DataDownload Horizontal {
        height: auto;
    }
    DataDownload Button {
        margin: 0 2 0 0;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("d", "download", "Download"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.downloading = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                "This run trains on the IMDb movie reviews, which are not on this machine yet. "
                f"Download them now ({SIZE_TEXT}, once; checked, then kept in {imdb.default_archive().parent})? "
                "The run starts when they are here."
            )
            yield ProgressBar(total=None, show_eta=True, id="dl-bar")
            yield Static("", id="dl-status")
            with Horizontal():
                yield Button("Download (d)", id="dl-go", variant="primary", compact=True)
                yield Button("Cancel (esc)", id="dl-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#dl-bar").display = False
        self.query_one("#dl-go", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "dl-go":
            self.action_download()
        else:
            self.action_cancel()

    def action_download(self) -> None:
        if self.downloading:
            return
        self.downloading = True
        self.query_one("#dl-bar").display = True
        self.query_one("#dl-go", Button).disabled = True
        self.query_one("#dl-status", Static).update("Connecting…")
        self.fetch(SOURCE["url"] or imdb.IMDB_URL, SOURCE["md5"])

    def action_cancel(self) -> None:
        if self.downloading:
            self.workers.cancel_group(self, "download")  # stops at its next chunk and cleans up
        self.dismiss(False)

    @work(thread=True, exclusive=True, exit_on_error=False, group="download")
    def fetch(self, url: str, md5: str | None) -> None:
        """The download, off the UI thread; it reports only by posting messages."""
        worker = get_current_worker()
        last = 0.0

        def report(done: int, total: int | None) -> None:
            nonlocal last
            if worker.is_cancelled:
                raise Cancelled
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL or (total is not None and done >= total):
                last = now
                self.post_message(Progressed(done, total))

        try:
            path = imdb.download(url, md5=md5, progress=report)
        except Cancelled:
            return
        except Exception as exc:  # a failed download is a message in the dialog, never a traceback
            self.post_message(Finished(error=str(exc) or type(exc).__name__))
        else:
            self.post_message(Finished(path=str(path)))

    def on_progressed(self, message: Progressed) -> None:
        bar = self.query_one("#dl-bar", ProgressBar)
        bar.update(total=message.total, progress=message.done)
        of = f" of {message.total / 1e6:.1f}" if message.total else ""
        self.query_one("#dl-status", Static).update(f"{message.done / 1e6:.1f}{of} MB")

    def on_finished(self, message: Finished) -> None:
        if not self.downloading:
            return
        self.downloading = False
        if message.error:
            self.query_one("#dl-status", Static).update(f"{message.error}. Try again, or cancel.")
            go = self.query_one("#dl-go", Button)
            go.label = "Try again (d)"
            go.disabled = False
            go.focus()
            return
        self.app.notify(
            f"The IMDb reviews are here ({Path(message.path).name}): starting your run.", title="Download", timeout=6
        )
        self.dismiss(True)
