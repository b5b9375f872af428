"""The learner's progress and saved training runs, in SQLite under the user's tutor home.

Every write is one transaction, so killing the app mid-write loses at most that write and never
corrupts the file. The journal is WAL on a local disk and the rollback journal on a network file
system (NFS, SMB), where WAL's shared memory does not work.

Faults are told apart, because only one kind justifies touching the file:
- unusable (not a database, damaged, not the tutor's, from a newer tutor): moved aside, never
  deleted; a fresh store starts and `notice` names where the old file went;
- transient (locked by another program, disk full, read-only, an I/O error): the file stays
  where it is. Writes wait `busy_timeout` seconds for another program's transaction, then raise
  `ProgressNotSaved` with the reason; reads raise `ProgressUnavailable`. When the file cannot
  be written at all (read-only file, folder or disk) the store copies what it can read into
  memory and carries on there: `saving` is False and `notice` says that nothing is being saved.

One connection is shared under a lock, so a TUI worker thread may write while the UI reads.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tutor.course.model import Lesson
from tutor.course.netfs import is_network_path
from tutor.errors import TutorError

SCHEMA_VERSION = 2
DB_NAME = "progress.sqlite3"
BUSY_TIMEOUT = 3.0  # seconds a write waits for another program's transaction (they take milliseconds)

_SCHEMA_V1 = (
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    """CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        lesson_id TEXT NOT NULL,
        exercise_id TEXT NOT NULL,
        answer TEXT NOT NULL,
        passed INTEGER NOT NULL,
        created_at REAL NOT NULL
    )""",
    "CREATE INDEX attempts_by_exercise ON attempts (lesson_id, exercise_id)",
    """CREATE TABLE exercise_state (
        lesson_id TEXT NOT NULL,
        exercise_id TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        passed INTEGER NOT NULL,      -- 1 once any attempt passed; a later wrong attempt keeps it
        last_answer TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (lesson_id, exercise_id)
    )""",
    """CREATE TABLE lesson_state (
        lesson_id TEXT PRIMARY KEY,
        position REAL NOT NULL DEFAULT 0,
        opened_at REAL NOT NULL
    )""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        created_at REAL NOT NULL,
        config TEXT NOT NULL,
        history TEXT NOT NULL
    )""",
)

# version 2: the student's name (for exports) and when each solution was first shown
_SCHEMA_V2 = (
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE solution_views (
        lesson_id TEXT NOT NULL,
        exercise_id TEXT NOT NULL,
        shown_at REAL NOT NULL,
        PRIMARY KEY (lesson_id, exercise_id)
    )""",
)
_MIGRATIONS = {1: _SCHEMA_V1, 2: _SCHEMA_V2}  # version -> the statements that reach it

T = TypeVar("T")


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


class StoreFault(TutorError):
    """A transient fault of the progress file (locked, disk full, I/O error): the file is kept."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProgressNotSaved(StoreFault):
    """One write could not be stored; `reason` says why in words for the learner."""


class ProgressUnavailable(StoreFault):
    """One read could not be done; `reason` says why."""


class _Unusable(Exception):
    """The file is not a progress database this tutor can use: the only reason to move it aside."""


# SQLite's primary result codes (exc.sqlite_errorcode & 0xFF), from sqlite3.h
_PERM, _BUSY, _LOCKED, _NOMEM, _READONLY, _IOERR, _CORRUPT = 3, 5, 6, 7, 8, 10, 11
_FULL, _CANTOPEN, _AUTH, _NOTADB = 13, 14, 23, 26


def _fault(exc: sqlite3.Error) -> tuple[str, str] | None:
    """(kind, reason for the learner) of an error the store can live with; None for a bug.

    kind is "corrupt" (move the file aside), "readonly" (carry on in memory), or "busy",
    "full", "io" (keep the file, report the write as not saved, try again next time).
    """
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    primary = code & 0xFF
    if primary in (_BUSY, _LOCKED):
        return "busy", "the progress file is locked by another program"
    if primary in (_READONLY, _PERM, _AUTH):
        return "readonly", "the progress file or its folder is read-only"
    if primary == _CANTOPEN:
        return "readonly", "the progress file cannot be opened for writing (is its folder read-only?)"
    if primary == _FULL:
        return "full", "the disk is full"
    if primary in (_IOERR, _NOMEM):
        return "io", f"the disk could not be written ({exc}; is it full?)"
    if primary in (_CORRUPT, _NOTADB):
        return "corrupt", f"{type(exc).__name__}: {exc}"
    return None


def _jsonable(value: Any) -> Any:
    """NumPy arrays and scalars as plain lists and numbers for json.dumps."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store a {type(value).__name__} in a run's JSON")


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _check_schema(conn: sqlite3.Connection, tables: set[str]) -> None:
    """Raise _Unusable unless this is a tutor progress database this version can read."""
    if "schema_version" not in tables:
        raise _Unusable("it is not a tutor progress database")
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    version = row[0] if row else None
    if not isinstance(version, int):
        raise _Unusable("it has no schema version")
    if version > SCHEMA_VERSION:
        raise _Unusable(f"it was written by a newer tutor (schema {version}; this one knows {SCHEMA_VERSION})")
    if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
        raise _Unusable("SQLite reports it is damaged")


def _version(conn: sqlite3.Connection) -> int:
    """The schema version of a tutor database (0 for an empty file)."""
    if "schema_version" not in _tables(conn):
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and isinstance(row[0], int) else 0


def _migrate(conn: sqlite3.Connection) -> None:
    """Create the tables of an empty file, or bring an older schema up to date.

    Each version's step is one transaction, and the version is read again under the write lock:
    two processes opening the same old (or empty) file at once migrate it once.
    """
    for version in range(_version(conn) + 1, SCHEMA_VERSION + 1):  # none (no lock taken) when current
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = _version(conn)
            if current == 0 and version == 1 and _tables(conn):
                raise _Unusable("it is not a tutor progress database")  # filled by another program meanwhile
            if current < version:
                for statement in _MIGRATIONS[version]:
                    conn.execute(statement)
                if version == 1:
                    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
                else:
                    conn.execute("UPDATE schema_version SET version = ?", (version,))
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite rolls back by itself when it cannot (e.g. after an I/O error)


def _uri(path: Path, mode: str) -> str:
    """A SQLite URI for ``path``: mode rwc (read, write, create), ro, or immutable (no locks at all)."""
    query = "immutable=1" if mode == "immutable" else f"mode={mode}"
    return f"{Path(os.path.abspath(path)).as_uri()}?{query}"


class ProgressStore:
    """Progress, answers, reading positions and saved runs of one learner."""

    def __init__(self, path: Path | str | None = None, *, busy_timeout: float | None = None) -> None:
        if path is None:
            from tutor.paths import user_home

            path = user_home() / DB_NAME
        self.path = Path(path)
        self.busy_timeout = BUSY_TIMEOUT if busy_timeout is None else busy_timeout
        self.notice: str | None = None  # what happened to the file, for the app and CLI to show
        self.saving = True  # False: writes last for this session only (`notice` says why)
        self.why_not_saving = ""  # the reason alone, when not saving
        self.journal_mode = ""  # "wal" or "delete" once open
        self._lock = threading.RLock()
        self._conn = self._open()

    # ----------------------------------------------------------------------- opening / recovery

    def _connect(self, target: str) -> sqlite3.Connection:
        # autocommit mode: transactions are explicit (BEGIN IMMEDIATE in _write)
        conn = sqlite3.connect(
            target,
            uri=target.startswith("file:"),
            isolation_level=None,
            check_same_thread=False,
            timeout=self.busy_timeout,
        )
        conn.row_factory = sqlite3.Row
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            return self._open_file()
        except _Unusable as exc:
            return self._move_aside_and_start_again(str(exc))
        except sqlite3.Error as exc:
            kind, reason = _fault(exc) or ("io", f"{type(exc).__name__}: {exc}")
            if kind == "corrupt":
                return self._move_aside_and_start_again(reason)
            return self._open_in_memory(kind, reason)
        except OSError as exc:  # the folder cannot be created
            return self._open_in_memory("readonly", f"its folder cannot be created ({exc.strerror or exc})")

    def _open_file(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect(_uri(self.path, "rwc"))
        try:
            self._set_journal_mode(conn)
            conn.execute("PRAGMA synchronous=FULL")
            tables = _tables(conn)
            if tables:
                _check_schema(conn, tables)
            _migrate(conn)
            return conn
        except BaseException:
            conn.close()
            raise

    def _set_journal_mode(self, conn: sqlite3.Connection) -> None:
        wanted = "DELETE" if is_network_path(self.path) else "WAL"
        try:
            row = conn.execute(f"PRAGMA journal_mode={wanted}").fetchone()
        except sqlite3.OperationalError as exc:
            fault = _fault(exc)
            if fault is None or fault[0] != "busy":
                raise
            # another process holds the file: keep whatever mode it is in (switching needs it alone)
            row = conn.execute("PRAGMA journal_mode").fetchone()
        self.journal_mode = str(row[0]).lower()

    def _move_aside_and_start_again(self, reason: str) -> sqlite3.Connection:
        moved = self._move_aside()
        if moved is None:
            return self._open_in_memory(
                "unusable", f"it cannot be used ({reason}) and could not be moved aside", read_old=False
            )
        self.notice = (
            f"Your progress file could not be used ({reason}). It was moved to {moved.name} "
            f"(in {moved.parent}) and a fresh one was started; nothing was deleted."
        )
        try:
            return self._open_file()
        except (sqlite3.Error, _Unusable, OSError) as exc:
            fault = _fault(exc) if isinstance(exc, sqlite3.Error) else None
            kind, why = fault or ("io", str(exc))
            moved_notice = self.notice
            conn = self._open_in_memory(kind, why, read_old=False)
            self.notice = f"{moved_notice} {self.notice}"
            return conn

    def _open_in_memory(self, kind: str, reason: str, *, read_old: bool = True) -> sqlite3.Connection:
        """Carry on in memory: with a copy of the file when it can be read, else empty. The file is kept."""
        memory = self._connect(":memory:")
        copied = False
        # a locked file would make the copy wait as long again, for nothing
        if read_old and kind != "busy" and self.path.is_file():
            copied = self._copy_into(memory)
        _migrate(memory)  # a fresh schema, or the copy of an older one brought up to date
        self.saving = False
        self.why_not_saving = reason
        self.journal_mode = "memory"
        if kind == "busy":
            self.notice = (
                f"Your progress could not be opened: {reason} (waited {self.busy_timeout:g} s). "
                f"The file was left as it is ({self.path}). This session starts without it and saves "
                "nothing: close the other program and restart the tutor."
            )
        elif kind == "unusable":
            self.notice = f"Your progress file {self.path}: {reason}. Progress in this session will not be saved."
        elif copied:
            self.notice = (
                f"Progress is not being saved: {reason} ({self.path}). Your progress so far can be seen; "
                "anything new is kept only until the tutor closes."
            )
        else:
            self.notice = (
                f"Progress is not being saved: {reason} ({self.path}). Anything new is kept only until "
                "the tutor closes."
            )
        return memory

    def _copy_into(self, memory: sqlite3.Connection) -> bool:
        """Copy the file into ``memory`` read-only; False when it cannot be read."""
        for mode in ("ro", "immutable"):  # immutable: a WAL file in a read-only folder (no -shm possible)
            try:
                source = self._connect(_uri(self.path, mode))
                try:
                    tables = _tables(source)
                    if tables:
                        _check_schema(source, tables)
                    source.backup(memory)
                finally:
                    source.close()
                return bool(tables)
            except _Unusable:
                return False
            except sqlite3.Error:
                continue
        return False

    def _stop_saving(self, reason: str) -> None:
        """The file turned out to be read-only: keep going on a copy in memory."""
        memory = self._connect(":memory:")
        try:
            self._conn.backup(memory)
            rest = "Your progress so far can be seen; anything new is kept only until the tutor closes."
        except sqlite3.Error:  # not even readable now: carry on empty rather than fail the write
            memory.close()
            memory = self._connect(":memory:")
            _migrate(memory)
            rest = "Anything new is kept only until the tutor closes."
        self._conn.close()
        self._conn = memory
        self.saving = False
        self.why_not_saving = reason
        self.journal_mode = "memory"
        self.notice = f"Progress is not being saved: {reason} ({self.path}). {rest}"

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
        for suffix in ("-wal", "-shm", "-journal"):  # the journal belongs to the broken file
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

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
        return result

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """One write transaction: all of it is stored, or none of it (ProgressNotSaved says why)."""
        with self._lock:
            try:
                return self._transaction(work)
            except sqlite3.Error as exc:
                fault = _fault(exc)
                if fault is None:
                    raise  # a bug, not the file's fault
                kind, reason = fault
                if kind == "readonly" and self.saving:
                    self._stop_saving(reason)
                    return self._transaction(work)
                if kind == "corrupt":
                    reason = f"the progress file is damaged ({reason}); the tutor moves it aside when it next starts"
                raise ProgressNotSaved(reason) from exc

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as exc:
                fault = _fault(exc)
                if fault is None:
                    raise
                raise ProgressUnavailable(fault[1]) from exc

    # ------------------------------------------------------------------------------ exercises

    def record_attempt(self, lesson_id: str, exercise_id: str, answer: str, passed: bool) -> ExerciseState:
        """Store one attempt (the answer text or source) and return the exercise's new state."""
        now = time.time()

        def write(conn: sqlite3.Connection) -> None:
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

        self._write(write)
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

        def write(conn: sqlite3.Connection) -> None:
            for table in ("attempts", "exercise_state"):
                conn.execute(f"DELETE FROM {table} WHERE lesson_id = ? AND exercise_id = ?", (lesson_id, exercise_id))

        self._write(write)

    # ---------------------------------------------------------------------- reading position

    def open_lesson(self, lesson_id: str) -> float:
        """Mark the lesson as the last opened one; return its saved reading position."""
        now = time.time()
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO lesson_state (lesson_id, position, opened_at) VALUES (?, 0, ?)"
                " ON CONFLICT (lesson_id) DO UPDATE SET opened_at = excluded.opened_at",
                (lesson_id, now),
            )
        )
        return self.reading_position(lesson_id)

    def set_reading_position(self, lesson_id: str, position: float) -> None:
        """Remember how far the learner scrolled in a lesson (any float the TUI likes)."""
        now = time.time()
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO lesson_state (lesson_id, position, opened_at) VALUES (?, ?, ?)"
                " ON CONFLICT (lesson_id) DO UPDATE SET position = excluded.position",
                (lesson_id, float(position), now),
            )
        )

    def reading_position(self, lesson_id: str) -> float:
        """The saved reading position of a lesson (0 if never opened)."""
        rows = self._read("SELECT position FROM lesson_state WHERE lesson_id = ?", (lesson_id,))
        return float(rows[0]["position"]) if rows else 0.0

    def last_opened(self) -> tuple[str, float] | None:
        """(lesson_id, reading position) of the lesson opened most recently, for "continue"."""
        rows = self._read("SELECT lesson_id, position FROM lesson_state ORDER BY opened_at DESC, rowid DESC LIMIT 1")
        return (rows[0]["lesson_id"], float(rows[0]["position"])) if rows else None

    # ------------------------------------------------------------- for teachers: name, export, reset

    def setting(self, key: str) -> str | None:
        """A stored setting (e.g. the student's name), or None."""
        rows = self._read("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting, replacing its old value."""
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        )

    def record_solution_shown(self, lesson_id: str, exercise_id: str) -> None:
        """Remember that the learner saw this exercise's solution (the first time is kept)."""
        now = time.time()
        self._write(
            lambda conn: conn.execute(
                "INSERT OR IGNORE INTO solution_views (lesson_id, exercise_id, shown_at) VALUES (?, ?, ?)",
                (lesson_id, exercise_id, now),
            )
        )

    def solutions_shown(self) -> dict[tuple[str, str], float]:
        """When each solution was first shown, by (lesson id, exercise id)."""
        rows = self._read("SELECT lesson_id, exercise_id, shown_at FROM solution_views")
        return {(r["lesson_id"], r["exercise_id"]): float(r["shown_at"]) for r in rows}

    def last_attempts(self) -> dict[tuple[str, str], float]:
        """When each exercise was last attempted, by (lesson id, exercise id)."""
        rows = self._read("SELECT lesson_id, exercise_id, updated_at FROM exercise_state")
        return {(r["lesson_id"], r["exercise_id"]): float(r["updated_at"]) for r in rows}

    def last_activity(self) -> dict[str, float]:
        """The time of the learner's last attempt or visit in each lesson, by lesson id."""
        rows = self._read(
            "SELECT lesson_id, max(t) AS t FROM ("
            " SELECT lesson_id, created_at AS t FROM attempts"
            " UNION ALL SELECT lesson_id, opened_at FROM lesson_state"
            " UNION ALL SELECT lesson_id, shown_at FROM solution_views"
            ") GROUP BY lesson_id"
        )
        return {r["lesson_id"]: float(r["t"]) for r in rows}

    def reset(self, lesson_id: str | None = None) -> None:
        """Forget the progress of one lesson, or of all: attempts, states, positions, solutions seen.

        Saved runs and settings (the student's name) are kept. One transaction: all or nothing.
        """
        where, params = ("WHERE lesson_id = ?", (lesson_id,)) if lesson_id is not None else ("", ())

        def write(conn: sqlite3.Connection) -> None:
            for table in ("attempts", "exercise_state", "lesson_state", "solution_views"):
                conn.execute(f"DELETE FROM {table} {where}", params)

        self._write(write)

    def backup(self, target: Path) -> Path:
        """A consistent copy of the whole store at ``target`` (SQLite's online backup)."""
        with self._lock:
            copy = sqlite3.connect(str(target))
            try:
                self._conn.backup(copy)
            finally:
                copy.close()
        return target

    # ------------------------------------------------------------------------------------ runs

    def save_run(self, name: str, config: Mapping[str, Any], history: Mapping[str, Any]) -> int:
        """Store a finished training run; return its id."""
        config_json = json.dumps(dict(config), default=_jsonable)
        history_json = json.dumps(dict(history), default=_jsonable)
        now = time.time()
        cursor = self._write(
            lambda conn: conn.execute(
                "INSERT INTO runs (name, created_at, config, history) VALUES (?, ?, ?, ?)",
                (name, now, config_json, history_json),
            )
        )
        run_id = cursor.lastrowid
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
        cursor = self._write(lambda conn: conn.execute("DELETE FROM runs WHERE id = ?", (run_id,)))
        return cursor.rowcount > 0


def open_store(path: Path | str | None = None) -> ProgressStore:
    """The learner's store (default: `progress.sqlite3` in `tutor.paths.user_home()`)."""
    return ProgressStore(path)
