"""`tutor data`: download the IMDb reviews and say which data the tutor can see."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from tutor.errors import TutorError

app = typer.Typer(help="Get the course's data sets and see what is present.", no_args_is_help=True)

_MD5_WITHOUT_ASKING = 256 << 20  # an archive this large or smaller is checked by md5 without --verify
_HOW_TO_GET = (
    "get it with `tutor data download imdb` (84 MB), or point $TUTOR_IMDB (or --path) at an aclImdb folder or .tar.gz"
)


@app.command()
def download(
    dataset: Annotated[str, typer.Argument(help="The data set to fetch: imdb.")],
    url: Annotated[str | None, typer.Option(help="Download from this URL (for testing).")] = None,
    md5: Annotated[str | None, typer.Option(help="Expected md5 of the file at --url (32 hex digits).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Download even if present (replaces it once verified).")
    ] = False,
    verify: Annotated[
        bool, typer.Option("--verify", help="Check an archive already present by its md5 too, however large.")
    ] = False,
) -> None:
    """Download a data set into the tutor's user data directory (verified, then renamed)."""
    from tutor.data import imdb  # imported here: `tutor --help` stays light

    if dataset.lower() != "imdb":
        raise TutorError(f"unknown data set {dataset!r}: only imdb is downloaded (NYSE is bundled)")
    expected_md5 = imdb.check_md5(md5) if md5 is not None else imdb.IMDB_MD5  # before any network
    expected_size = imdb.IMDB_SIZE if url is None else None
    dest = imdb.default_archive()
    for stale in imdb.remove_stale_parts(dest.parent):
        typer.echo(f"removed {stale.name}, left by a download that did not finish", err=True)
    if dest.exists() and not force:
        # the md5 of an 84 MB file takes a fraction of a second: checked unless the file is huge
        cheap = dest.stat().st_size <= _MD5_WITHOUT_ASKING
        problem = imdb.archive_problem(dest, expected_size, expected_md5 if (verify or cheap) else None)
        if problem is not None:
            raise TutorError(
                f"the IMDb archive {dest} is damaged: {problem}. Replace it with `tutor data download imdb --force`"
            )
        typer.echo(f"IMDb archive already present and verified: {dest} (use --force to download again)")
        return

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    console = Console(stderr=True)  # stdout keeps only the result line
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # no bar (nor stray blank line) when piped or logged
    )
    with progress:
        task = progress.add_task("IMDb reviews", total=None)

        def report(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        path = imdb.download(url or imdb.IMDB_URL, dest, md5=expected_md5, progress=report, size=expected_size)
    size = path.stat().st_size
    typer.echo(f"IMDb archive downloaded and verified: {path} ({size / 1e6:.1f} MB)")


def _count_folder(root: Path) -> int:
    base = root / "aclImdb" if (root / "aclImdb").is_dir() else root
    total = 0
    for split in ("train", "test"):
        for label in ("pos", "neg"):
            folder = base / split / label
            if folder.is_dir():
                total += sum(1 for e in os.scandir(folder) if e.name.endswith(".txt"))
    return total


_STATUS_JSON = (
    "One JSON object instead of the text: "
    '{"imdb": {"found", "path", "origin" ("downloaded", "$TUTOR_IMDB" or "--path"), "kind" ("folder" or "archive"), '
    '"reviews" (a folder\'s labelled reviews), "size_mb", "verified" (with --verify: true, or false and "problem"), '
    '"splits" (with --count: reviews per split), "how_to_get" (when not found)}, '
    '"nyse": {"found", "path", "trading_days"}}; a field that does not apply is null.'
)


def imdb_status(path: Path | None, count: bool, verify: bool) -> dict[str, Any]:
    """What `tutor data status` knows of the IMDb reviews (the --json shape)."""
    from tutor.data import imdb

    info: dict[str, Any] = dict.fromkeys(
        ("found", "path", "origin", "kind", "reviews", "size_mb", "verified", "problem", "splits", "how_to_get")
    )
    source = imdb.find_imdb(path)
    if source is None:
        return info | {"found": False, "how_to_get": _HOW_TO_GET}
    if path is not None:
        origin = "--path"
    elif os.environ.get(imdb.IMDB_ENV):
        origin = f"${imdb.IMDB_ENV}"
    else:
        origin = "downloaded"
    info |= {"found": True, "path": str(source), "origin": origin}
    if source.is_dir():
        return info | {"kind": "folder", "reviews": _count_folder(source)}
    info |= {"kind": "archive", "size_mb": round(source.stat().st_size / 1e6, 1)}
    if verify:  # against the official archive's size and md5
        problem = imdb.archive_problem(source, imdb.IMDB_SIZE, imdb.IMDB_MD5)
        info |= {"verified": problem is None, "problem": problem}
    if count:  # a full pass of decompression: seconds, so only on request
        info["splits"] = {split: len(data) for split, data in imdb.read_imdb_splits(source).items()}
    return info


def nyse_status() -> dict[str, Any]:
    """Where the bundled NYSE data is and how many trading days it holds (the --json shape)."""
    from tutor.data import nyse

    csv_path = nyse.nyse_csv()
    if not csv_path.is_file():
        return {"found": False, "path": str(csv_path), "trading_days": None}
    with open(csv_path, encoding="utf-8") as f:
        days = sum(1 for _ in f) - 1
    return {"found": True, "path": str(csv_path), "trading_days": days}


def _imdb_line(info: dict[str, Any]) -> str:
    from tutor.data import imdb

    if not info["found"]:
        return f"IMDb reviews: not found; {info['how_to_get']}"
    if info["kind"] == "folder":
        detail = f"folder, {info['reviews']:,} labelled reviews"
    else:
        detail = f"archive, {info['size_mb']:.1f} MB"
        if info["verified"] is True:
            detail += ", the official archive (size and md5 verified)"
        elif info["verified"] is False:
            detail += f"; not the official archive: {info['problem']}"
            if info["path"] == str(imdb.default_archive()):
                detail += " (replace it: tutor data download imdb --force)"
        if info["splits"] is not None:
            detail += ", " + ", ".join(f"{s} {n:,} reviews" for s, n in info["splits"].items())
    return f"IMDb reviews: {info['path']} ({info['origin']}; {detail})"


@app.command()
def status(
    path: Annotated[Path | None, typer.Option(help="Check this IMDb folder or .tar.gz.")] = None,
    count: Annotated[bool, typer.Option("--count", help="Count an archive's reviews too.")] = False,
    verify: Annotated[
        bool, typer.Option("--verify", help="Check an archive against the official one's size and md5.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help=_STATUS_JSON)] = False,
) -> None:
    """Say which data sets the tutor can use, and where they are."""
    from tutor.data import imdb

    imdb.remove_stale_parts(imdb.default_archive().parent)
    found = {"imdb": imdb_status(path, count, verify), "nyse": nyse_status()}
    if json_out:
        typer.echo(json.dumps(found, ensure_ascii=False))
        return
    typer.echo(_imdb_line(found["imdb"]))
    nyse = found["nyse"]
    if nyse["found"]:
        typer.echo(f"NYSE: bundled, {nyse['path']} ({nyse['trading_days']:,} trading days)")
    else:
        typer.echo(f"NYSE: missing from the installation (expected {nyse['path']})")
