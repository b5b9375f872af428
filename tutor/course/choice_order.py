"""The order in which a learner sees a quiz's choices: shuffled per learner, the same on every start.

A lesson lists its choices in the order its author wrote them, and authors tend to put the right
one second. Each install keeps a random seed in a small file next to the progress store; a
choice quiz shows its choices sorted by a hash of (seed, lesson, exercise, choice index), so
two learners see different orders and one learner sees the same order after every restart.
The checker and the progress store only ever see the lesson's own index of a choice.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

from tutor.course.model import Exercise

SEED_FILE = "choice-seed"  # in the tutor's home, next to progress.sqlite3
_SEED = re.compile(r"[0-9a-f]{32}")


def learner_seed(home: Path | None = None) -> str:
    """This install's seed (32 hex digits), made on first use and kept in `home` / SEED_FILE.

    Two processes starting at once agree on one seed (the file is created whole, once, by a
    hard link). When the home cannot be written, the seed is derived from its path instead:
    still the same on every start, only not secret.
    """
    if home is None:
        from tutor.paths import user_home

        home = user_home()
    path = home / SEED_FILE
    seed = _read_seed(path)
    if seed is not None:
        return seed
    seed = secrets.token_hex(16)
    temporary = path.with_name(f"{SEED_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        temporary.write_text(seed + "\n", encoding="ascii")
        try:
            os.link(temporary, path)  # fails if another process made the file first: keep theirs
        except FileExistsError:
            if _read_seed(path) is None:  # a file left empty or damaged: replace it whole
                os.replace(temporary, path)
        except OSError:  # a file system without hard links: a rename is atomic too
            os.replace(temporary, path)
    except OSError:
        return hashlib.sha256(str(home.resolve()).encode("utf-8")).hexdigest()[:32]
    finally:
        temporary.unlink(missing_ok=True)
    return _read_seed(path) or seed


def _read_seed(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if _SEED.fullmatch(text) else None


def choice_order(seed: str, exercise: Exercise) -> tuple[int, ...]:
    """The lesson's choice indices in the order this learner sees them (position -> index)."""

    def rank(index: int) -> bytes:
        key = f"{seed}\0{exercise.lesson_id}\0{exercise.id}\0{index}".encode()
        return hashlib.sha256(key).digest()

    return tuple(sorted(range(len(exercise.choices)), key=rank))
