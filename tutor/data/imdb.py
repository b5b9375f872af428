"""The Large Movie Review Dataset (aclImdb): find it, read it (folder or .tar.gz), download it."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import secrets
import tarfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tutor import paths
from tutor.errors import TutorError

IMDB_URL = "http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
IMDB_MD5 = "7c2ac02c03563afcf9b574c7e56c153a"
IMDB_SIZE = 84_125_825  # bytes of aclImdb_v1.tar.gz
SIZE_MARGIN = 1 << 20  # a download may exceed its expected size by this much before it is stopped
UNKNOWN_SIZE_LIMIT = 1 << 30  # the most a download of unknown size (another --url) may bring
IMDB_ARCHIVE = "aclImdb_v1.tar.gz"
IMDB_ENV = "TUTOR_IMDB"
SPLITS = ("train", "test")
_LABELS = {"neg": 0, "pos": 1}
# "<...>/train/pos/123_9.txt"; train/unsup (unlabelled) never matches, so it is skipped
_REVIEW = re.compile(r"(?:^|/)(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
_CHUNK = 1 << 20

ProgressCallback = Callable[[int, "int | None"], None]


@dataclass
class ImdbSplit:
    """One split's reviews: ordered by label (neg, then pos) and then by numeric review id."""

    texts: list[str]
    labels: np.ndarray  # int8: 1 positive, 0 negative
    ratings: np.ndarray  # int8: the star rating from the file name (1-4 neg, 7-10 pos)
    ids: np.ndarray  # int32: the review id from the file name (unique within a label folder)

    def __len__(self) -> int:
        return len(self.texts)


def _user_data_dir() -> Path:
    return paths.user_home() / "data"


def default_archive() -> Path:
    """Where ``tutor data download imdb`` puts the archive (it may not exist yet)."""
    return _user_data_dir() / IMDB_ARCHIVE


def find_imdb(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The IMDb source to use: ``path``, then ``$TUTOR_IMDB``, then the downloaded archive.

    An explicit path or variable that points nowhere is an error (silently falling back to
    another copy would train on data the learner did not ask for); no source at all is None.
    """
    for given, origin in ((path, "--path"), (os.environ.get(IMDB_ENV) or None, f"${IMDB_ENV}")):
        if given is not None:
            p = Path(given).expanduser()
            if not p.exists():
                raise TutorError(
                    f"IMDb data not found at {p} (from {origin}): run 'tutor data download imdb' "
                    f"or point {IMDB_ENV} at an aclImdb folder or aclImdb_v1.tar.gz"
                )
            return p
    for candidate in (default_archive(), _user_data_dir() / "aclImdb"):
        if candidate.exists():
            return candidate
    return None


def _iter_folder(root: Path, splits: tuple[str, ...]) -> Iterator[tuple[str, str, int, int, bytes]]:
    base = root / "aclImdb" if (root / "aclImdb").is_dir() else root
    for split in splits:
        for label in _LABELS:
            folder = base / split / label
            if not folder.is_dir():
                continue
            for entry in os.scandir(folder):
                m = _REVIEW.search(f"{split}/{label}/{entry.name}")
                if m and entry.is_file():
                    with open(entry.path, "rb") as f:
                        yield split, label, int(m.group(3)), int(m.group(4)), f.read()


def _iter_tar(archive: Path, splits: tuple[str, ...]) -> Iterator[tuple[str, str, int, int, bytes]]:
    # "r|gz" streams member by member: nothing is unpacked to disk and no random access is
    # needed, so a 84 MB archive is one sequential pass of decompression.
    try:
        with tarfile.open(archive, "r|gz") as tf:
            for member in tf:
                if not member.isfile():
                    continue
                m = _REVIEW.search(member.name)
                if m is None or m.group(1) not in splits:
                    continue
                f = tf.extractfile(member)
                if f is not None:
                    yield m.group(1), m.group(2), int(m.group(3)), int(m.group(4)), f.read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise TutorError(f"cannot read the IMDb archive {archive}: {exc}") from exc


def read_imdb_splits(source: str | os.PathLike[str], splits: tuple[str, ...] = SPLITS) -> dict[str, ImdbSplit]:
    """Read the requested splits in one pass; a split absent from the source is left out."""
    source = Path(source)
    unknown = set(splits) - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown IMDb split(s) {sorted(unknown)}; expected {list(SPLITS)}")
    if source.is_dir():
        records = _iter_folder(source, splits)
    elif source.is_file():
        records = _iter_tar(source, splits)
    else:
        raise TutorError(f"IMDb data not found at {source}")
    rows: dict[str, list[tuple[int, int, int, bytes]]] = {s: [] for s in splits}
    for split, label, review_id, rating, raw in records:
        rows[split].append((_LABELS[label], review_id, rating, raw))
    out: dict[str, ImdbSplit] = {}
    for split, items in rows.items():
        if not items:
            continue
        items.sort(key=lambda r: (r[0], r[1]))  # archive and directory orders are not stable
        out[split] = ImdbSplit(
            # the reviews are UTF-8; "replace" keeps one odd byte from aborting a 25k read
            texts=[r[3].decode("utf-8", errors="replace") for r in items],
            labels=np.array([r[0] for r in items], dtype=np.int8),
            ratings=np.array([r[2] for r in items], dtype=np.int8),
            ids=np.array([r[1] for r in items], dtype=np.int32),
        )
    return out


def read_imdb(source: str | os.PathLike[str], split: str = "train") -> ImdbSplit:
    """Read one split (``train`` or ``test``); raises TutorError when the source lacks it."""
    found = read_imdb_splits(source, (split,))
    if split not in found:
        raise TutorError(f"no {split} reviews in {source} (expected aclImdb/{split}/pos, neg)")
    return found[split]


def train_val_split(labels: np.ndarray, val_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sorted train and validation index arrays, stratified by label and fixed by ``seed``.

    The dev copy has no test split, so validation figures come from this held-out part.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    val_parts = []
    for value in np.unique(labels):  # sorted classes: the draw order does not depend on data
        idx = np.flatnonzero(labels == value)
        n_val = int(round(len(idx) * val_fraction))
        val_parts.append(rng.permutation(idx)[:n_val])
    val = np.sort(np.concatenate(val_parts)) if val_parts else np.zeros(0, dtype=np.int64)
    is_val = np.zeros(len(labels), dtype=bool)
    is_val[val] = True
    return np.flatnonzero(~is_val), val


_MD5_HEX = re.compile(r"[0-9a-fA-F]{32}")


def check_md5(md5: str) -> str:
    """``md5`` as 32 lower-case hex digits, or a TutorError saying what it should look like."""
    if not _MD5_HEX.fullmatch(md5.strip()):
        raise TutorError(f"--md5 must be 32 hexadecimal digits (an md5 checksum), got {md5!r}")
    return md5.strip().lower()


def file_md5(path: Path) -> str:
    """The md5 of a file, read in 1 MB pieces."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def archive_problem(path: Path, size: int | None = IMDB_SIZE, md5: str | None = IMDB_MD5) -> str | None:
    """What is wrong with an archive already present (None if nothing): its size, then its md5.

    Pass ``md5=None`` to check the size only (instant); the md5 reads the whole file (84 MB:
    a fraction of a second).
    """
    try:
        actual = path.stat().st_size
        if size is not None and actual != size:
            return f"it has {actual:,} bytes, expected {size:,}"
        if md5 is not None and (found := file_md5(path)) != md5.lower():
            return f"its md5 is {found}, expected {md5.lower()}"
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    return None


def remove_stale_parts(folder: Path) -> list[Path]:
    """Delete the temporary files of killed downloads and saves in ``folder`` (see paths)."""
    return paths.remove_stale_temporaries(folder)


class _Deadline:
    """Gives up on a transfer that takes too long overall, or that slows to a trickle.

    The per-read timeout alone never fires for a server that sends a byte every few seconds.
    """

    def __init__(self, deadline: float, stall_window: float, min_rate: float) -> None:
        self.start = time.monotonic()
        self.deadline, self.window, self.min_rate = deadline, stall_window, min_rate
        self.mark, self.mark_done = self.start, 0  # the start of the current rate window

    def check(self, done: int, url: str) -> None:
        now = time.monotonic()
        if now - self.start > self.deadline:
            raise TutorError(
                f"download failed: gave up after {self.deadline:g} s with {done:,} bytes received from {url} "
                "(try again later, or download the file yourself and point TUTOR_IMDB at it)"
            )
        if now - self.mark >= self.window:
            received = done - self.mark_done
            if received < self.min_rate * self.window:
                raise TutorError(
                    f"download failed: stalled ({received:,} bytes in the last {now - self.mark:.0f} s, "
                    f"{done:,} bytes received in all) from {url}"
                )
            self.mark, self.mark_done = now, done


def download(
    url: str = IMDB_URL,
    dest: str | os.PathLike[str] | None = None,
    md5: str | None = IMDB_MD5,
    progress: ProgressCallback | None = None,
    timeout: float = 60.0,
    size: int | None = None,
    deadline: float = 3600.0,
    stall_window: float = 60.0,
    min_rate: float = 1024.0,
) -> Path:
    """Fetch ``url`` to ``dest`` (default: the user data dir), verified by ``md5``.

    Bytes go to a hidden ``.part`` file beside ``dest``, which is renamed into place only once
    it is complete and its checksum matches; on any failure it is removed and a TutorError
    raised, so ``dest`` either is the verified file or is untouched. ``progress(done, total)``
    is called after each chunk (``total`` is None when neither ``size`` nor the server says).
    ``size`` is the expected byte count (default: IMDB_SIZE for IMDB_URL, else unknown).

    Bounded whatever the server does: more than the expected ``size`` (or the announced
    length) plus a small margin stops the transfer; so do no data for ``timeout`` seconds, less
    than ``min_rate`` bytes/s over ``stall_window`` seconds, and ``deadline`` seconds in all.
    Temporary files left by a killed download are removed first.
    """
    if md5 is not None:
        md5 = check_md5(md5)
    if size is None and url == IMDB_URL:
        size = IMDB_SIZE
    dest = Path(dest) if dest is not None else default_archive()
    dest.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(dest.parent)
    # a unique hidden name beside dest (same file system, so the final rename is atomic);
    # os.open with 0o666 rather than mkstemp's 0o600, so the result gets the usual umask mode
    tmp = dest.parent / f".{dest.name}.{os.getpid()}.{secrets.token_hex(4)}.part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    clock = _Deadline(deadline, stall_window, min_rate)
    try:
        digest = hashlib.md5()
        done = 0
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as resp:
                    length = resp.headers.get("Content-Length")
                    announced = int(length) if length and length.isdigit() else None
                    if size is not None and announced is not None and announced != size:
                        raise TutorError(
                            f"download failed: {url} announces {announced:,} bytes, expected {size:,} "
                            "(not the file the tutor expects)"
                        )
                    total = size if size is not None else announced
                    limit = (total if total is not None else UNKNOWN_SIZE_LIMIT) + SIZE_MARGIN
                    if progress:
                        progress(0, total)
                    # read1: whatever has arrived (up to a chunk), so the clock is checked even
                    # when the server trickles; read() would wait for a whole chunk
                    while chunk := resp.read1(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if done > limit:
                            raise TutorError(
                                f"download failed: {url} sent more than the expected "
                                f"{limit - SIZE_MARGIN:,} bytes (stopped at {done:,})"
                            )
                        if progress:
                            progress(done, total)
                        clock.check(done, url)
            except urllib.error.HTTPError as exc:
                msg = f"download failed: HTTP {exc.code} {exc.reason} from {url}"
                raise TutorError(msg) from exc
            except urllib.error.URLError as exc:
                raise TutorError(f"download failed: cannot reach {url} ({exc.reason})") from exc
            except TimeoutError as exc:
                raise TutorError(
                    f"download failed: no data for {timeout:g} s ({done:,} bytes received in all) from {url}"
                ) from exc
            except (http.client.HTTPException, OSError) as exc:
                # a reset connection, or a local write error (disk full)
                reason = str(exc) or type(exc).__name__
                raise TutorError(f"download failed after {done:,} bytes: {reason}") from exc
            # http.client returns a short body silently when the peer closes early: check it
            if total is not None and done != total:
                raise TutorError(f"download failed: connection cut after {done:,} of {total:,} bytes")
            out.flush()
            os.fsync(out.fileno())
        if md5 is not None and digest.hexdigest() != md5:
            raise TutorError(f"download failed: checksum mismatch (md5 {digest.hexdigest()}, expected {md5})")
        os.replace(tmp, dest)  # atomic on one file system: no half-written file under dest
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest
