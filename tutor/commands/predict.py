"""`tutor predict`: the sentiment of a review, and which words moved the model most.

    tutor predict "A moving, beautifully acted film."
    tutor predict --json "..."              one JSON object
    tutor predict --file reviews.txt        one review per line -> one JSON line per review
    cat reviews.txt | tutor predict --file -

This is the quick path: only typer is imported at module level, and the work imports NumPy, the
engine and the tokenizer (never Textual or Rich).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from tutor.errors import TutorError

CHUNK = 2048  # reviews per batch when reading a file: bounded memory, output as it goes


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
    """Classify a review as positive or negative with the bundled model (or --model)."""
    if (text is None) == (file is None):
        raise TutorError("give either a review as TEXT or --file PATH (one review per line, '-' for stdin)")
    from tutor import sentiment
    from tutor.engine.threads import set_blas_threads

    sm = sentiment.load_model(model)
    set_blas_threads(1)  # a review's small products run faster on one BLAS thread (see `tutor bench engine`)
    if file is not None:
        _predict_file(sm, file, top, not no_trajectory)
        return
    result = sentiment.predict_text(text, sm, top=top)
    if json_out:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print_human(result)


def _print_human(r: dict[str, Any]) -> None:
    typer.echo(f"{r['label']} (probability of positive: {r['probability']:.3f})")
    if r["truncated"]:
        typer.echo(f"read the last {len(r['tokens'])} of {r['n_words']} words")
    if r["influence"]:
        moves = ", ".join(f"{w['word']} {w['change']:+.3f}" for w in r["influence"])
        typer.echo(f"words that moved it most: {moves}")


def _read_lines(file: str) -> list[str]:
    """All lines of the file (or stdin), strictly UTF-8: a clear error names the bad line."""
    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).expanduser().read_bytes()
    except FileNotFoundError:
        raise TutorError(f"no such file: {file}") from None
    except IsADirectoryError:
        raise TutorError(f"{file} is a folder, not a file of reviews") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        where = "stdin" if file == "-" else file
        raise TutorError(f"{where} is not UTF-8 text (line {line}, byte {exc.start}): convert it to UTF-8") from None
    if text.startswith("\ufeff"):  # a byte-order mark some editors write
        text = text[1:]
    return text.splitlines()


def _predict_file(sm, file: str, top: int, trajectory: bool) -> None:
    """One JSON line per input line, in order; a line with no words gets an ``error`` entry."""
    from tutor import sentiment
    from tutor.data.text import tokenize

    lines = _read_lines(file)
    if not lines:
        raise TutorError(f"no reviews in {'stdin' if file == '-' else file}: expected one review per line")
    empty = 0
    out = sys.stdout
    for start in range(0, len(lines), CHUNK):
        chunk = lines[start : start + CHUNK]
        good = [i for i, line in enumerate(chunk) if tokenize(line)]
        results = sentiment.predict_texts([chunk[i] for i in good], sm, top=top, trajectory=trajectory) if good else []
        by_line: dict[int, dict[str, Any]] = dict(zip(good, results, strict=True))
        rows = []
        for i in range(len(chunk)):
            if i in by_line:
                rows.append(json.dumps({"line": start + i + 1, **by_line[i]}, ensure_ascii=False))
            else:
                empty += 1
                rows.append(json.dumps({"line": start + i + 1, "error": "empty review: no words to read"}))
        out.write("\n".join(rows) + "\n")
        out.flush()
    if empty:
        print(f'tutor: {empty} of {len(lines)} lines had no words (marked with "error")', file=sys.stderr)


app = typer.Typer(add_completion=False, help="Classify reviews with the sentiment model.")
app.command()(predict)
