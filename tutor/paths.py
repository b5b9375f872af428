"""Where things live: the learner's data directory and the bundled lessons and assets."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

APP_NAME = "rnn-tutor"
HOME_ENV = "TUTOR_HOME"  # relocates everything the tutor writes (tests point it at tmp_path)
LESSONS_ENV = "TUTOR_LESSONS"  # a teacher's lesson folder (tutor.course.syllabus); `--lessons DIR` sets it

_PACKAGE = Path(__file__).resolve().parent


def user_home() -> Path:
    """The directory for progress, saved runs, models and downloads (created on demand).

    A home that cannot be created (a read-only disk) is still returned: reading works where
    there is something to read, and each writer reports its own failure.
    """
    env = os.environ.get(HOME_ENV)
    if env:
        path = Path(env).expanduser()
    else:
        import platformdirs  # only when needed: keeps `tutor predict` start-up light

        path = platformdirs.user_data_path(APP_NAME, appauthor=False)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return path


def resource_dir(name: str) -> Path:
    """A bundled top-level folder (``lessons`` or ``assets``).

    An installed wheel carries them as ``tutor/_resources/<name>``; a source checkout (editable
    install, or running from the repository) has them beside the package.
    """
    for candidate in (_PACKAGE / "_resources" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled folder {name!r} not found next to {_PACKAGE}")


def lessons_dir() -> Path:
    return resource_dir("lessons")


def teacher_lessons_dir() -> Path | None:
    """The teacher's lesson folder `TUTOR_LESSONS` names, if it is set (whether it exists is not checked)."""
    value = os.environ.get(LESSONS_ENV, "").strip()
    return Path(value).expanduser() if value else None


def assets_dir() -> Path:
    return resource_dir("assets")


def models_dir() -> Path:
    """Where models the learner trains are kept for the playground to offer (`tutor train --out` anywhere)."""
    return user_home() / "models"


# `.{name}.{pid}.tmp` (a model being saved) and `.{name}.{pid}.{random}.part` (a download)
_TEMPORARY = re.compile(r"^\..+\.(\d+)(?:\.[0-9a-f]+)?\.(?:tmp|part)$")
STALE_AFTER = 60.0  # seconds without a write after which a dead process's temporary file is removed
ABANDONED_AFTER = 86400.0  # ... and after which any temporary file is (its process id may be reused)


def _alive(pid: int) -> bool | None:
    """Whether a process with this id runs here (None where that cannot be told)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete temporary files that killed saves and downloads left in ``folder``; return them.

    A file is stale when its process is gone and it has not been written for STALE_AFTER
    seconds (a live writer on another machine sharing the folder keeps touching it), or when
    nothing has written it for a day. Never raises: cleaning up must not stop the work.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = _TEMPORARY.match(entry.name)
        if m is None:
            continue
        try:
            idle = now - entry.stat(follow_symlinks=False).st_mtime
            if not entry.is_file(follow_symlinks=False):
                continue
            alive = _alive(int(m.group(1)))
            if idle > ABANDONED_AFTER or (alive is False and idle > STALE_AFTER):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed
