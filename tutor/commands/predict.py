"""`tutor predict`: the sentiment of a review, and which words moved the model most.

    tutor predict "A moving, beautifully acted film."
    tutor predict --json "..."              one JSON object
    tutor predict --file reviews.txt        one review per line -> one JSON line per review
    cat reviews.txt | tutor predict         (or --file -): answers stream out batch by batch

This is the quick path: only typer is imported at module level, and the work imports NumPy, the
engine and the tokenizer (never Textual or Rich).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer

from tutor.errors import TutorError

if TYPE_CHECKING:
    from tutor.data.stream import Review
    from tutor.sentiment import Encoded, SentimentModel

CHUNK = 2048  # most reviews per batch: answers go out batch by batch
QUEUED = 512  # most tokenised lines read ahead (the batch being taken holds up to CHUNK more)
WAIT = 0.3  # seconds without a new line before a partial batch is classified (a slow producer)


def predict(
    text: Annotated[str | None, typer.Argument(help="The review to classify (or use --file).")] = None,
    file: Annotated[str | None, typer.Option("--file", "-f", help="One review per line; '-' reads stdin.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON (always JSON lines with --file).")] = False,
    model: Annotated[Path | None, typer.Option("--model", help="A model saved by `tutor train imdb --out`.")] = None,
    top: Annotated[int, typer.Option(min=0, help="How many of the most influential words to list.")] = 5,
    no_trajectory: Annotated[
        bool, typer.Option("--no-trajectory", help="With --file: only label and probability (faster, smaller).")
    ] = False,
) -> None:
    """Classify a review as positive or negative with the bundled model (or --model).

    With no TEXT and no --file, reviews piped in on stdin are read one per line (as --file -).
    """
    if text is not None and file is not None:
        raise TutorError("give either a review as TEXT or --file PATH (one review per line, '-' for stdin), not both")
    if text is None and file is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise TutorError("give a review as TEXT, or --file PATH (one review per line), or pipe reviews in")
        file = "-"
    _one_blas_thread()
    from tutor import sentiment

    try:
        sm = sentiment.load_model(model)
    except ValueError as exc:  # a file that is not a model: the message says so
        raise TutorError(str(exc)) from None
    if file is not None or text is None:
        _predict_file(sm, file or "-", top, not no_trajectory)
        return
    assert text is not None  # one of TEXT and --file was given (checked above)
    try:
        result = sentiment.predict_text(text, sm, top=top)
    except ValueError as exc:  # a review with no words
        raise TutorError(str(exc)) from None
    if json_out:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print_human(result)


def _one_blas_thread() -> None:
    """Ask BLAS for one thread (unless the user chose): predict's matrices are small, and a
    second thread costs more in hand-offs than it gains (measured by `tutor bench predict`)."""
    if "numpy" in sys.modules:  # too late: BLAS reads these when NumPy loads it
        return
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")


def _print_human(r: dict[str, Any]) -> None:
    typer.echo(f"{r['label']} (probability of positive: {r['probability']:.3f})")
    if r["truncated"]:
        typer.echo(f"read the last {len(r['tokens'])} of {r['n_words']} words")
    if r["influence"]:
        moves = ", ".join(f"{w['word']} {w['change']:+.3f}" for w in r["influence"])
        typer.echo(f"words that moved it most: {moves}")


def _open_input(file: str) -> tuple[BinaryIO, str, int | None]:
    """(binary stream, its name for messages, its size when it is a regular file)."""
    if file == "-":
        return sys.stdin.buffer, "stdin", None
    path = Path(file).expanduser()
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise TutorError(f"no such file: {file}") from None
    except IsADirectoryError:
        raise TutorError(f"{file} is a folder, not a file of reviews") from None
    size = os.fstat(stream.fileno()).st_size if path.is_file() else None
    return stream, file, size


Item = tuple[int, "Encoded | None"]  # (line number, the review as the model reads it; None: no words)


class _ReadAhead:
    """A thread that reads, tokenises and encodes lines ahead of the model, at most ``limit`` of them.

    Tokenising and looking words up there lets that work overlap with the recurrent layer's
    NumPy work in the main thread. Items go through a deque under one condition, so the main
    thread takes a whole batch per lock (a queue.Queue would take one lock per line).
    """

    def __init__(self, reviews: Iterator[Review], sm: SentimentModel, limit: int) -> None:
        self.items: deque[Item] = deque()
        self.cond = threading.Condition()
        self.limit = limit
        self.finished = False
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(reviews, sm), daemon=True)
        self.thread.start()

    def _run(self, reviews: Iterator[Review], sm: SentimentModel) -> None:
        from tutor.sentiment import encode_words

        try:
            for review in reviews:
                item = (review.line, encode_words(review.words, review.n_words, sm) if review.n_words else None)
                with self.cond:
                    while len(self.items) >= self.limit:
                        self.cond.wait()
                    self.items.append(item)
                    self.cond.notify_all()
        except BaseException as exc:  # handed to the main thread, which raises it
            self.error = exc
        finally:
            with self.cond:
                self.finished = True
                self.cond.notify_all()

    def take(self, most: int, wait: float) -> list[Item]:
        """Up to ``most`` lines: blocks for the first, then waits at most ``wait`` s for more.

        A file fills every batch at once; a producer that writes a few lines and keeps stdin
        open gets its answers after ``wait`` seconds, not at the end of the input. An empty
        list means the input has ended; a reading error is raised once the lines before it
        are taken.
        """
        batch: list[Item] = []
        with self.cond:
            while not self.items and not self.finished:
                self.cond.wait()
            deadline = time.monotonic() + wait
            while True:
                # move what has arrived into the batch: that makes room for the reader at once
                while self.items and len(batch) < most:
                    batch.append(self.items.popleft())
                self.cond.notify_all()
                left = deadline - time.monotonic()
                if len(batch) >= most or self.finished and not self.items or left <= 0:
                    break
                self.cond.wait(left)
            if not batch and self.error is not None:
                raise self.error
            return batch


class _Progress:
    """Lines done and their rate on stderr, when stderr is a terminal (silent otherwise)."""

    def __init__(self, size: int | None, stream: BinaryIO) -> None:
        self.on = sys.stderr.isatty()
        self.size, self.stream = size, stream
        self.started = time.monotonic()
        self.shown = 0.0

    def update(self, lines: int) -> None:
        """Show the count after a batch (at most four times a second)."""
        now = time.monotonic()
        if not self.on or now - self.shown < 0.25:
            return
        self.shown = now
        rate = lines / max(now - self.started, 1e-9)
        where = ""
        if self.size:
            try:
                where = f" · {100 * self.stream.tell() / self.size:.0f}% read"
            except (OSError, ValueError):
                pass
        sys.stderr.write(f"\r{lines:,} lines · {rate:,.0f} lines/s{where}\x1b[K")
        sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def _predict_file(sm: SentimentModel, file: str, top: int, trajectory: bool) -> None:
    """One JSON line per input line, in order, batch by batch as the input arrives.

    A line with no words gets an ``error`` entry. Memory stays bounded whatever the input: the
    reading thread keeps at most QUEUED tokenised lines (each its last maxlen words) ahead of
    the batch being classified, and a long line is tokenised piece by piece.
    """
    from tutor import sentiment
    from tutor.data.stream import read_reviews

    stream, name, size = _open_input(file)
    ahead = _ReadAhead(read_reviews(stream, sm.maxlen, name=name), sm, QUEUED)
    progress = _Progress(size, stream)
    lines = empty = 0
    out = sys.stdout
    try:
        while batch := ahead.take(CHUNK, WAIT):
            good = [encoded for _, encoded in batch if encoded is not None]
            answers = iter(sentiment.predict_json(good, sm, top=top, trajectory=trajectory) if good else [])
            rows = []
            for line, encoded in batch:
                if encoded is not None:
                    rows.append(f'{{"line": {line}, {next(answers)[1:]}')
                else:
                    empty += 1
                    rows.append(f'{{"line": {line}, "error": "empty review: no words to read"}}')
            out.write("\n".join(rows) + "\n")
            out.flush()
            lines += len(batch)
            progress.update(lines)
    finally:
        progress.close()
        if stream is not sys.stdin.buffer:
            stream.close()
    if not lines:
        raise TutorError(f"no reviews in {name}: expected one review per line")
    if empty:
        print(f'tutor: {empty} of {lines} lines had no words (marked with "error")', file=sys.stderr)


app = typer.Typer(add_completion=False, help="Classify reviews with the sentiment model.")
app.command()(predict)
