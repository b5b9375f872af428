"""The progress store under faults: a healthy file is never moved aside and never lost.

Locked by another connection, a full disk, a read-only file, folder or disk, two processes
creating a fresh store at once: each keeps the file where it is, says what was not saved, and
never raises out of the course facade. Real faults where the machine allows (a tmpfs when the
tests run as root), simulated ones otherwise.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from store_faults import FailingConnection, fill, remount, tmpfs

from tutor.course import store as store_module
from tutor.course.access import Course
from tutor.course.loader import load_lessons
from tutor.course.model import Exercise, Lesson
from tutor.course.store import DB_NAME, ProgressNotSaved, ProgressStore


def _exercise(n: int = 0) -> Exercise:
    return Exercise(
        id=f"ex{n}",
        lesson_id="demo",
        kind="quiz",
        title=f"Quiz {n}",
        prompt_markdown="p",
        hint="h",
        solution="s",
        answer=1.0,
    )


LESSON = Lesson(
    id="demo", number=1, title="Demo", summary="s", body_markdown="b", exercises=(_exercise(0), _exercise(1))
)


def _course(store: ProgressStore) -> tuple[Course, list[str]]:
    told: list[str] = []
    course = Course(lessons=[LESSON], store=store)
    course.set_reporter(told.append)
    return course, told


def _seed(db: Path) -> None:
    with ProgressStore(db) as store:
        store.record_attempt("demo", "ex0", "1", True)
        store.set_reading_position("demo", 12.0)
        store.save_run("run", {"model": "LSTM"}, {"loss": [0.5]})


def _moved_aside(folder: Path) -> list[Path]:
    return [p for p in folder.glob(f"{DB_NAME}.broken-*") if not p.name.endswith(("-wal", "-shm", "-journal"))]


# ------------------------------------------------------------------------------------ locked


def test_a_database_locked_by_another_connection_is_kept_and_writes_are_reported_once(tmp_path):
    db = tmp_path / DB_NAME
    _seed(db)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program in the middle of a long write
    try:
        store = ProgressStore(db, busy_timeout=0.2)
        assert store.notice is None and store.saving  # WAL: reading is not blocked by a writer
        course, told = _course(store)
        assert course.progress(LESSON) == (1, 2)
        assert course.record_attempt(_exercise(1), "1", True) is False
        assert course.record_attempt(_exercise(1), "2", True) is False  # the same fault: told once
        assert course.remember_position("demo", 30.0) is False
        assert len(told) == 1 and "locked by another program" in told[0] and "Quiz 1" in told[0]
        with pytest.raises(ProgressNotSaved, match="locked"):
            store.record_attempt("demo", "ex1", "x", True)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert course.record_attempt(_exercise(1), "3", True) is True
    assert told[-1] == "Progress is being saved again."
    assert course.progress(LESSON) == (2, 2)
    store.close()
    assert not _moved_aside(tmp_path)
    with ProgressStore(db) as again:
        assert again.exercise_state("demo", "ex1").attempts == 1 and again.reading_position("demo") == 12.0


def test_a_database_locked_at_opening_is_left_in_place(tmp_path):
    db = tmp_path / DB_NAME
    _seed(db)
    other = sqlite3.connect(db, isolation_level=None)
    # a program that holds the whole file (exclusive locking mode, rollback journal): even
    # reading has to wait, so the store cannot open it
    other.execute("PRAGMA journal_mode=DELETE")
    other.execute("PRAGMA locking_mode=EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("UPDATE lesson_state SET position = position")
    try:
        with ProgressStore(db, busy_timeout=0.2) as store:
            assert not store.saving
            assert store.notice is not None and "locked by another program" in store.notice
            assert "left as it is" in store.notice
            course, told = _course(store)
            assert course.record_attempt(_exercise(0), "1", True)  # kept for the session, no crash
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not _moved_aside(tmp_path)
    with ProgressStore(db) as store:
        assert store.notice is None
        assert store.exercise_state("demo", "ex0").attempts == 1  # the file as it was
        assert len(store.list_runs()) == 1


# --------------------------------------------------------------------------------- disk full


def test_a_full_disk_keeps_the_file_and_says_what_was_not_saved(tmp_path):
    with tmpfs(tmp_path / "disk", 512) as disk:
        if disk is None:  # no tmpfs here: inject SQLITE_FULL into the store's writes instead
            db = tmp_path / DB_NAME
            _seed(db)
            store = ProgressStore(db)
            failing = FailingConnection(store._conn, 13, "database or disk is full")
            store._conn = failing  # type: ignore[assignment]
            free = lambda: setattr(failing, "failing", False)  # noqa: E731
        else:
            db = disk / DB_NAME
            _seed(db)
            store = ProgressStore(db)
            filler = fill(disk)
            free = filler.unlink
        course, told = _course(store)
        big = "x" * 200_000  # more than any space left
        assert course.record_attempt(_exercise(1), big, True) is False
        assert course.save_run("big", {}, {"loss": [0.1] * 50_000}) is None
        assert len(told) == 1 and ("disk is full" in told[0] or "could not be written" in told[0])
        assert course.progress(LESSON) == (1, 2)  # what was saved before is still there
        free()
        assert course.record_attempt(_exercise(1), "1", True) is True
        assert told[-1] == "Progress is being saved again."
        store.close()
        with ProgressStore(db) as again:
            assert again.notice is None
            assert again.exercise_state("demo", "ex1").last_answer == "1"
            assert [r.name for r in again.list_runs()] == ["run"]
        assert not _moved_aside(db.parent)


def test_a_fresh_store_on_a_full_disk_runs_in_memory_and_says_so(tmp_path):
    with tmpfs(tmp_path / "disk", 64) as disk:
        if disk is None:
            pytest.skip("needs a tmpfs (root): a fresh file's creation cannot be made to fail otherwise")
        fill(disk)
        with ProgressStore(disk / "home" / DB_NAME) as store:
            assert not store.saving and store.notice is not None and "not being saved" in store.notice
            store.record_attempt("demo", "ex0", "1", True)
            assert store.exercise_state("demo", "ex0").passed  # kept for the session


# -------------------------------------------------------------------------------- read-only


def simulate_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Open every file read-only, as SQLite does when the file or its folder cannot be written."""
    real = store_module._uri
    monkeypatch.setattr(store_module, "_uri", lambda path, mode: real(path, "ro" if mode == "rwc" else mode))


@pytest.mark.parametrize("how", ["tmpfs", "simulated"])
def test_a_read_only_database_is_read_and_nothing_crashes(tmp_path, monkeypatch, how):
    with tmpfs(tmp_path / "disk", 1024) as disk:
        if how == "tmpfs":
            if disk is None:
                pytest.skip("needs a tmpfs (root)")
            db = disk / DB_NAME
            _seed(db)
            assert remount(disk, "ro")
        else:
            db = tmp_path / DB_NAME
            _seed(db)
            simulate_read_only(monkeypatch)
        store = ProgressStore(db)
        course, told = _course(store)
        assert course.progress(LESSON) == (1, 2)  # reading works
        assert course.open_lesson("demo") == 12.0
        assert course.record_attempt(_exercise(1), "1", True) is True  # kept for this session
        assert course.remember_position("demo", 40.0)
        assert course.save_run("r2", {}, {}) is not None
        assert course.progress(LESSON) == (2, 2)
        assert not course.saving
        notices = told + ([course.notice] if course.notice else [])
        assert len(notices) == 1 and "not being saved" in notices[0] and "read-only" in notices[0]
        store.close()
        if how == "tmpfs":
            assert remount(disk, "rw")
        monkeypatch.undo()
        assert not _moved_aside(db.parent)
        with ProgressStore(db) as again:  # the file as it was
            assert again.exercise_state("demo", "ex1").attempts == 0
            assert again.reading_position("demo") == 12.0


def test_a_read_only_home_without_a_store_starts_empty_and_says_so(tmp_path, monkeypatch):
    with tmpfs(tmp_path / "disk", 1024) as disk:
        if disk is not None:
            assert remount(disk, "ro")
            db = disk / "home" / DB_NAME  # the home folder cannot even be created
        else:
            simulate_read_only(monkeypatch)
            db = tmp_path / DB_NAME
        with ProgressStore(db) as store:
            assert not store.saving and store.notice is not None and "not being saved" in store.notice
            course, told = _course(store)
            assert course.record_attempt(_exercise(0), "1", True)
            assert course.progress(LESSON) == (1, 2)
            assert told == []  # the opening notice said it all
        assert not db.exists()


def test_a_store_that_turns_read_only_mid_session_keeps_going_in_memory(tmp_path):
    db = tmp_path / DB_NAME
    _seed(db)
    store = ProgressStore(db)
    store._conn.close()
    store._conn = store._connect(store_module._uri(db, "ro"))  # as if the file's permission changed
    course, told = _course(store)
    assert course.record_attempt(_exercise(1), "1", True) is True
    assert course.record_attempt(_exercise(1), "2", False) is True
    assert len(told) == 1 and "not being saved" in told[0]
    assert course.state(_exercise(1)).attempts == 2 and course.progress(LESSON) == (2, 2)
    store.close()
    with ProgressStore(db) as again:
        assert again.exercise_state("demo", "ex1").attempts == 0


# ------------------------------------------------------------------------------ concurrency


def _open_and_write(path: str, barrier: multiprocessing.synchronize.Barrier, queue: multiprocessing.Queue) -> None:
    barrier.wait()
    store = ProgressStore(path)
    store.record_attempt("demo", "ex0", "x", True)
    queue.put(store.notice)
    store.close()


def test_processes_creating_a_fresh_store_at_once_create_one_schema(tmp_path):
    ctx = multiprocessing.get_context("fork")
    n = 6
    for trial in range(4):
        db = tmp_path / f"{trial}.sqlite3"
        barrier, queue = ctx.Barrier(n), ctx.Queue()
        procs = [ctx.Process(target=_open_and_write, args=(str(db), barrier, queue)) for _ in range(n)]
        for p in procs:
            p.start()
        notices = [queue.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        assert notices == [None] * n
        assert not list(tmp_path.glob(f"{trial}.sqlite3.broken-*"))
        with ProgressStore(db) as store:
            assert store.exercise_state("demo", "ex0").attempts == n


# --------------------------------------------------------------------------- what is moved


def test_a_damaged_file_is_moved_aside_and_the_notice_names_where(tmp_path):
    db = tmp_path / DB_NAME
    _seed(db)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray(db.read_bytes())
    page = 4096
    raw[page * 2 : page * 2 + 200] = b"\xff" * 200  # scribble over a table's page
    db.write_bytes(bytes(raw))
    with ProgressStore(db) as store:
        moved = _moved_aside(tmp_path)
        assert len(moved) == 1 and store.notice is not None
        assert moved[0].name in store.notice and str(tmp_path) in store.notice
        assert store.saving


def test_an_unusable_file_that_cannot_be_moved_is_kept_and_nothing_crashes(tmp_path, monkeypatch):
    db = tmp_path / DB_NAME
    db.write_bytes(b"not a database" * 300)
    monkeypatch.setattr(Path, "rename", lambda self, target: (_ for _ in ()).throw(PermissionError(13, "denied")))
    with ProgressStore(db) as store:
        assert not store.saving and store.notice is not None and "could not be moved" in store.notice
        store.record_attempt("demo", "ex0", "1", True)
    assert db.read_bytes() == b"not a database" * 300


# ------------------------------------------------------------------------------------ CLI


def _run_tutor(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUTOR_HOME": str(home), "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_tutor_lessons_runs_on_a_read_only_home(tmp_path):
    """A read-only home with progress in it, and one where the home folder cannot be created."""
    with tmpfs(tmp_path / "disk", 1024) as mounted:
        if mounted is None and os.geteuid() == 0:
            pytest.skip("needs a tmpfs (root) or a non-root user to make a folder read-only")
        disk = tmp_path / "disk"
        home = disk / "home"
        first = load_lessons()[0]
        with ProgressStore(home / DB_NAME) as store:
            store.record_attempt(first.id, first.exercises[0].id, "x", True)
        if mounted is not None:
            assert remount(disk, "ro")
        else:
            os.chmod(home / DB_NAME, 0o444)
            os.chmod(home, 0o555)
            os.chmod(disk, 0o555)
        try:
            for where in (home, disk / "missing-home"):
                for args in (["lessons"], ["data", "status"], ["--help"]):
                    done = _run_tutor(where, *args)
                    assert done.returncode == 0, (args, done.stderr)
                    assert "Traceback" not in done.stderr
            listing = _run_tutor(home, "lessons").stdout
            assert f"1/{len(first.exercises)}" in listing  # the progress is read
        finally:
            if mounted is not None:
                remount(disk, "rw")
            else:
                os.chmod(disk, 0o755)
                os.chmod(home, 0o755)
