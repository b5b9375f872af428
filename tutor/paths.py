"""Where things live: the learner's data directory and the bundled lessons and assets."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "rnn-tutor"
HOME_ENV = "TUTOR_HOME"  # relocates everything the tutor writes (tests point it at tmp_path)

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


def assets_dir() -> Path:
    return resource_dir("assets")


def models_dir() -> Path:
    """Where models the learner trains are kept for the playground to offer (`tutor train --out` anywhere)."""
    return user_home() / "models"
