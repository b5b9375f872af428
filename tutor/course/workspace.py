"""The learner's own file for a code exercise, for their editor and for `tutor check`.

`TUTOR_HOME/exercises/<exercise id>.py` (exercise ids are unique across the course). The app
writes its editor's text there before it opens `$EDITOR`, reads it back after, and keeps it in
step with what the learner checks in the app. Edits made to the file outside the app are never
overwritten: the app shows them instead, and if both sides changed, the app's text is kept in a
file beside it.
"""

from __future__ import annotations

import os
import secrets
import shlex
from collections.abc import Mapping
from pathlib import Path

MAX_BYTES = 1_000_000  # an exercise is a few functions; anything larger is not one


def exercises_dir(home: Path | None = None) -> Path:
    """Where the learner's exercise files live (not created until one is written)."""
    if home is None:
        from tutor.paths import user_home

        home = user_home()
    return home / "exercises"


def exercise_file(exercise_id: str, home: Path | None = None) -> Path:
    """The learner's file for one code exercise."""
    return exercises_dir(home) / f"{exercise_id}.py"


class ExerciseFile:
    """One exercise's file and what the app last wrote to it or read from it (`synced`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.synced: str | None = None

    def read(self) -> str | None:
        """The file's text, or None if there is no file. Raises OSError or ValueError (too
        large, not UTF-8) with a message for the learner."""
        try:
            with self.path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except FileNotFoundError:
            return None
        if len(data) > MAX_BYTES:
            raise ValueError(f"{self.path} is larger than {MAX_BYTES // 1_000_000} MB: not an exercise")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{self.path} is not UTF-8 text") from None

    def write(self, text: str) -> None:
        """Replace the file's text whole (a crash leaves the old file or the new, never half)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        try:
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, self.path)
        finally:
            temporary.unlink(missing_ok=True)
        self.synced = text

    def changed_outside(self) -> str | None:
        """The file's text if it was changed since the app last synced with it (or the app has
        never seen it), else None."""
        text = self.read()
        return text if text is not None and text != self.synced else None

    def on_open(self, shown: str) -> str:
        """The text the app's editor should show when the exercise opens: the file's, when the
        file exists and differs (it was edited after the last check), else `shown`."""
        text = self.read()
        if text is None:
            return shown
        self.synced = text
        return text

    def before_editing(self, shown: str) -> tuple[str, str]:
        """Make the file hold what the learner should edit; return (the text the app's editor
        should now show, a notice for the learner or "")."""
        outside = self.changed_outside()
        if outside is None or outside == shown:
            if self.read() != shown:
                self.write(shown)
            self.synced = shown
            return shown, ""
        if self.synced is not None and shown == self.synced:  # only the file changed: it wins
            self.synced = outside
            return outside, ""
        # both changed (or a file the app never saw): edit the file's version, keep the app's beside it
        aside = self.path.with_name(f"{self.path.stem}.in-app.py")
        ExerciseFile(aside).write(shown)
        self.synced = outside
        return outside, f"{self.path.name} was changed outside the app: editing it; the app's version is in {aside}"

    def after_check(self, shown: str) -> None:
        """After a check in the app: the file (if the learner uses one) follows, unless it holds
        edits the app has not seen."""
        if self.path.exists() and self.changed_outside() is None and shown != self.synced:
            self.write(shown)


def editor_command(environ: Mapping[str, str] | None = None) -> tuple[list[str], str] | None:
    """The learner's editor as a command line, and the variable it came from ($VISUAL first,
    as git does, then $EDITOR); None when neither is set. ValueError if it cannot be split."""
    environ = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = environ.get(name, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError as exc:
                raise ValueError(f"${name} ({value!r}) cannot be read as a command: {exc}") from None
            return words, name
    return None
