"""Where things live: the learner's data directory and the bundled lessons and assets."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "rnn-tutor"
HOME_ENV = "TUTOR_HOME"  # relocates everything the tutor writes (tests point it at tmp_path)
LESSONS_ENV = "TUTOR_LESSONS"  # a teacher's lesson folder (tutor.course.syllabus); `--lessons DIR` sets it

_PACKAGE = Path(__file__).resolve().parent


def user_home() -> Path:
    """The directory for progress, saved runs, models and downloads (created on demand)."""
    env = os.environ.get(HOME_ENV)
    if env:
        path = Path(env).expanduser()
    else:
        import platformdirs  # only when needed: keeps `tutor predict` start-up light

        path = platformdirs.user_data_path(APP_NAME, appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
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
