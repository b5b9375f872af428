"""The learner's progress and saved training runs, in SQLite under the user's tutor home.

Every write is one transaction (WAL journal), so killing the app mid-write loses at most that
write and never corrupts the file. A file that cannot be used (not a database, unreadable, or
from a newer tutor) is moved aside, never silently reset, and `ProgressStore.notice` says so.
One connection is shared under a lock, so a TUI worker thread may write while the UI reads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.course.model import Lesson

SCHEMA_VERSION = 1
DB_NAME = "progress.sqlite3"

_SCHEMA_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    lesson_id TEXT NOT NULL,
    exercise_id TEXT NOT NULL,
    answer TEXT NOT NULL,
    passed INTEGER NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX attempts_by_exercise ON attempts (lesson_id, exercise_id);
CREATE TABLE exercise_state (
    lesson_id TEXT NOT NULL,
    exercise_id TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    passed INTEGER NOT NULL,      -- 1 once any attempt passed; a later wrong attempt keeps it
    last_answer TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (lesson_id, exercise_id)
);
CREATE TABLE lesson_state (
    lesson_id TEXT PRIMARY KEY,
    position REAL NOT NULL DEFAULT 0,
    opened_at REAL NOT NULL
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    config TEXT NOT NULL,
    history TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ExerciseState:
    """What the learner has done on one exercise."""

    attempts: int = 0
    passed: bool = False
    last_answer: str | None = None


@dataclass(frozen=True)
class LessonProgress:
    """Exercises passed out of the lesson's total."""

    done: int
    total: int

    @property
    def complete(self) -> bool:
        """True when every exercise of the lesson is passed."""
        return self.total > 0 and self.done >= self.total


@dataclass(frozen=True)
class RunInfo:
    """A saved training run without its (possibly long) history."""

    id: int
    name: str
    created_at: float
    config: dict[str, Any]


@dataclass(frozen=True)
class SavedRun(RunInfo):
    """A saved training run with its history (per-epoch logs)."""

    history: dict[str, Any]


class StoreError(Exception):
    """The database cannot be used (raised internally; the store recovers by moving it aside)."""


def _jsonable(value: Any) -> Any:
    """NumPy arrays and scalars as plain lists and numbers for json.dumps."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store a {type(value).__name__} in a run's JSON")


class ProgressStore:
    """Progress, answers, reading positions and saved runs of one learner."""

    def __init__(self, path: Path | str | None = None) -> None:
        if path is None:
            from tutor.paths import user_home

            path = user_home() / DB_NAME
        self.path = Path(path)
        self.notice: str | None = None  # shown by the TUI when the store had to recover
        self._lock = threading.RLock()
        self._conn = self._open()

    # ----------------------------------------------------------------------- opening / recovery

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect_and_migrate()
        except StoreError as exc:
            reason = str(exc)
        except sqlite3.Error as exc:
            reason = f"{type(exc).__name__}: {exc}"
        moved = self._move_aside()
        if moved is None:
            self.notice = (
                f"Your progress file {self.path} cannot be used ({reason}) and could not be moved "
                "aside. Progress in this session will not be saved."
            )
            return self._connect(Path(":memory:"))
        self.notice = (
            f"Your progress file could not be used ({reason}). It was moved to {moved.name} "
            f"(in {moved.parent}) and a fresh one was started; nothing was deleted."
        )
        return self._connect_and_migrate()

    def _connect(self, path: Path) -> sqlite3.Connection:
        # autocommit mode: transactions are explicit (BEGIN IMMEDIATE in _write)
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
        conn.row_factory = sqlite3.Row
        return conn

    def _connect_and_migrate(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect(self.path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                # one script, one transaction: a half-created schema is never committed
                script = (
                    f"BEGIN IMMEDIATE;{_SCHEMA_V1}"
                    f"INSERT INTO schema_version (version) VALUES ({SCHEMA_VERSION}); COMMIT;"
                )
                try:
                    conn.executescript(script)
                except sqlite3.Error:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                return conn
            if "schema_version" not in tables:
                raise StoreError("it is not a tutor progress database")
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
            version = row[0] if row else None
            if not isinstance(version, int):
                raise StoreError("it has no schema version")
            if version > SCHEMA_VERSION:
                raise StoreError(f"it was written by a newer tutor (schema {version})")
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise StoreError("SQLite reports it is damaged")
            # future schema versions migrate here, one step per version, each in a transaction
            return conn
        except BaseException:
            conn.close()
            raise

    def _move_aside(self) -> Path | None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.broken-{stamp}-{n}")
        try:
            self.path.rename(target)
        except OSError:
            return None
        for suffix in ("-wal", "-shm"):  # the journal belongs to the broken file
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                try:
                    side.rename(target.with_name(target.name + suffix))
                except OSError:
                    pass
        return target

    def close(self) -> None:
        """Close the database (the store cannot be used afterwards)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is stored, or none of it."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    # ------------------------------------------------------------------------------ exercises

    def record_attempt(self, lesson_id: str, exercise_id: str, answer: str, passed: bool) -> ExerciseState:
        """Store one attempt (the answer text or source) and return the exercise's new state."""
        now = time.time()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO attempts (lesson_id, exercise_id, answer, passed, created_at) VALUES (?, ?, ?, ?, ?)",
                (lesson_id, exercise_id, answer, int(passed), now),
            )
            conn.execute(
                "INSERT INTO exercise_state VALUES (?, ?, 1, ?, ?, ?)"
                " ON CONFLICT (lesson_id, exercise_id) DO UPDATE SET"
                " attempts = attempts + 1, passed = max(passed, excluded.passed),"
                " last_answer = excluded.last_answer, updated_at = excluded.updated_at",
                (lesson_id, exercise_id, int(passed), answer, now),
            )
        return self.exercise_state(lesson_id, exercise_id)

    def exercise_state(self, lesson_id: str, exercise_id: str) -> ExerciseState:
        """Attempts, passed, and the latest answer of one exercise (zeros if never tried)."""
        rows = self._read(
            "SELECT attempts, passed, last_answer FROM exercise_state WHERE lesson_id = ? AND exercise_id = ?",
            (lesson_id, exercise_id),
        )
        if not rows:
            return ExerciseState()
        return ExerciseState(rows[0]["attempts"], bool(rows[0]["passed"]), rows[0]["last_answer"])

    def exercise_states(self, lesson_id: str) -> dict[str, ExerciseState]:
        """Every tried exercise of a lesson, by exercise id."""
        rows = self._read(
            "SELECT exercise_id, attempts, passed, last_answer FROM exercise_state WHERE lesson_id = ?",
            (lesson_id,),
        )
        return {r["exercise_id"]: ExerciseState(r["attempts"], bool(r["passed"]), r["last_answer"]) for r in rows}

    def attempt_history(self, lesson_id: str, exercise_id: str) -> list[tuple[float, bool, str]]:
        """(time, passed, answer) of every attempt, oldest first."""
        rows = self._read(
            "SELECT created_at, passed, answer FROM attempts WHERE lesson_id = ? AND exercise_id = ? ORDER BY id",
            (lesson_id, exercise_id),
        )
        return [(r["created_at"], bool(r["passed"]), r["answer"]) for r in rows]

    def lesson_progress(self, lesson: Lesson) -> LessonProgress:
        """Passed exercises of the lesson (only those still in the lesson file) out of its total."""
        states = self.exercise_states(lesson.id)
        done = sum(1 for ex in lesson.exercises if states.get(ex.id, ExerciseState()).passed)
        return LessonProgress(done, len(lesson.exercises))

    def course_progress(self, lessons: Iterable[Lesson]) -> dict[str, LessonProgress]:
        """`lesson_progress` for each lesson, by lesson id."""
        return {lesson.id: self.lesson_progress(lesson) for lesson in lessons}

    def reset_exercise(self, lesson_id: str, exercise_id: str) -> None:
        """Forget one exercise's state and attempts (for a learner's "start over")."""
        with self._write() as conn:
            for table in ("attempts", "exercise_state"):
                conn.execute(
                    f"DELETE FROM {table} WHERE lesson_id = ? AND exercise_id = ?",
                    (lesson_id, exercise_id),
                )

    # ---------------------------------------------------------------------- reading position

    def open_lesson(self, lesson_id: str) -> float:
        """Mark the lesson as the last opened one; return its saved reading position."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO lesson_state (lesson_id, position, opened_at) VALUES (?, 0, ?)"
                " ON CONFLICT (lesson_id) DO UPDATE SET opened_at = excluded.opened_at",
                (lesson_id, time.time()),
            )
        return self.reading_position(lesson_id)

    def set_reading_position(self, lesson_id: str, position: float) -> None:
        """Remember how far the learner scrolled in a lesson (any float the TUI likes)."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO lesson_state (lesson_id, position, opened_at) VALUES (?, ?, ?)"
                " ON CONFLICT (lesson_id) DO UPDATE SET position = excluded.position",
                (lesson_id, float(position), time.time()),
            )

    def reading_position(self, lesson_id: str) -> float:
        """The saved reading position of a lesson (0 if never opened)."""
        rows = self._read("SELECT position FROM lesson_state WHERE lesson_id = ?", (lesson_id,))
        return float(rows[0]["position"]) if rows else 0.0

    def last_opened(self) -> tuple[str, float] | None:
        """(lesson_id, reading position) of the lesson opened most recently, for "continue"."""
        rows = self._read("SELECT lesson_id, position FROM lesson_state ORDER BY opened_at DESC, rowid DESC LIMIT 1")
        return (rows[0]["lesson_id"], float(rows[0]["position"])) if rows else None

    # ------------------------------------------------------------------------------------ runs

    def save_run(self, name: str, config: Mapping[str, Any], history: Mapping[str, Any]) -> int:
        """Store a finished training run; return its id."""
        config_json = json.dumps(dict(config), default=_jsonable)
        history_json = json.dumps(dict(history), default=_jsonable)
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO runs (name, created_at, config, history) VALUES (?, ?, ?, ?)",
                (name, time.time(), config_json, history_json),
            )
            run_id = cur.lastrowid
        assert run_id is not None
        return run_id

    def list_runs(self) -> list[RunInfo]:
        """Saved runs, newest first, without their histories."""
        rows = self._read("SELECT id, name, created_at, config FROM runs ORDER BY id DESC")
        return [RunInfo(r["id"], r["name"], r["created_at"], json.loads(r["config"])) for r in rows]

    def load_run(self, run_id: int) -> SavedRun:
        """One saved run with its history (KeyError if there is none with this id)."""
        rows = self._read("SELECT * FROM runs WHERE id = ?", (run_id,))
        if not rows:
            raise KeyError(f"no saved run with id {run_id}")
        r = rows[0]
        return SavedRun(r["id"], r["name"], r["created_at"], json.loads(r["config"]), json.loads(r["history"]))

    def delete_run(self, run_id: int) -> bool:
        """Delete a saved run; False if there was none with this id."""
        with self._write() as conn:
            return conn.execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount > 0


def open_store(path: Path | str | None = None) -> ProgressStore:
    """The learner's store (default: `progress.sqlite3` in `tutor.paths.user_home()`)."""
    return ProgressStore(path)
