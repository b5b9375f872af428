"""The progress store: round trips, reopening, recovery from a broken file, threads."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

from tutor import paths
from tutor.course import Exercise, Lesson, ProgressStore, open_store
from tutor.course.store import DB_NAME, SCHEMA_VERSION


def _lesson(n_exercises: int = 3) -> Lesson:
    exercises = tuple(
        Exercise(
            id=f"ex{i}",
            lesson_id="demo",
            kind="quiz",
            title="t",
            prompt_markdown="p",
            hint="h",
            solution="s",
            answer=1.0,
        )
        for i in range(n_exercises)
    )
    return Lesson(id="demo", number=1, title="Demo", summary="s", body_markdown="b", exercises=exercises)


@pytest.fixture
def db(tmp_path):
    return tmp_path / DB_NAME


def test_default_location_honours_tutor_home(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    with open_store() as store:
        assert store.path == tmp_path / "home" / DB_NAME
        assert store.notice is None
    assert (tmp_path / "home" / DB_NAME).is_file()


def test_attempts_and_state_round_trip(db):
    with ProgressStore(db) as store:
        assert store.exercise_state("demo", "ex0").attempts == 0
        state = store.record_attempt("demo", "ex0", "0.5", passed=False)
        assert (state.attempts, state.passed, state.last_answer) == (1, False, "0.5")
        store.record_attempt("demo", "ex0", "1", passed=True)
        state = store.record_attempt("demo", "ex0", "2", passed=False)
        # passing is kept; the latest answer is what the learner sees again
        assert (state.attempts, state.passed, state.last_answer) == (3, True, "2")
        assert [p for _, p, _ in store.attempt_history("demo", "ex0")] == [False, True, False]
        assert set(store.exercise_states("demo")) == {"ex0"}


def test_lesson_progress_counts_only_current_exercises(db):
    lesson = _lesson(3)
    with ProgressStore(db) as store:
        store.record_attempt("demo", "ex0", "a", True)
        store.record_attempt("demo", "ex1", "a", False)
        store.record_attempt("demo", "gone", "a", True)  # removed from the lesson since
        progress = store.lesson_progress(lesson)
        assert (progress.done, progress.total, progress.complete) == (1, 3, False)
        assert store.course_progress([lesson]) == {"demo": progress}


def test_everything_survives_reopening(db):
    with ProgressStore(db) as store:
        store.record_attempt("demo", "ex0", "def f(): pass", True)
        store.open_lesson("demo")
        store.set_reading_position("demo", 42.5)
        run_id = store.save_run("lstm", {"model": "LSTM"}, {"loss": [0.7, 0.5]})
    with ProgressStore(db) as store:
        assert store.notice is None
        assert store.exercise_state("demo", "ex0").passed
        assert store.last_opened() == ("demo", 42.5)
        assert store.load_run(run_id).history == {"loss": [0.7, 0.5]}


def test_last_opened_is_the_most_recent(db):
    with ProgressStore(db) as store:
        assert store.last_opened() is None
        store.open_lesson("a")
        store.open_lesson("b")
        store.set_reading_position("a", 3)  # scrolling does not make a lesson the last opened
        assert store.last_opened() == ("b", 0.0)
        assert store.open_lesson("a") == 3.0
        assert store.last_opened() == ("a", 3.0)


def test_runs_round_trip_with_numpy_values(db):
    with ProgressStore(db) as store:
        history = {
            "loss": np.array([0.5, 0.25]),
            "val_accuracy": [np.float64(0.8)],
            "step_grad_norms": np.ones((2, 3)),
        }
        first = store.save_run("rnn", {"model": "SimpleRNN", "lr": 0.01}, history)
        second = store.save_run("lstm", {"model": "LSTM"}, {"loss": [1.0]})
        assert [r.id for r in store.list_runs()] == [second, first]
        run = store.load_run(first)
        assert run.name == "rnn" and run.config == {"model": "SimpleRNN", "lr": 0.01}
        assert run.history["loss"] == [0.5, 0.25]
        assert run.history["step_grad_norms"] == [[1.0] * 3] * 2
        assert store.delete_run(first) is True
        assert store.delete_run(first) is False
        with pytest.raises(KeyError):
            store.load_run(first)


def test_a_failed_write_leaves_nothing_behind(db):
    with ProgressStore(db) as store:
        with pytest.raises(TypeError):
            store.save_run("bad", {"x": object()}, {})
        assert store.list_runs() == []


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"this is not a database at all" * 100, "not a database"),
        (b"", None),  # an empty file is a fresh database, not a broken one
    ],
)
def test_garbage_file_is_moved_aside_with_a_notice(db, content, reason):
    db.write_bytes(content)
    with ProgressStore(db) as store:
        if reason is None:
            assert store.notice is None
            return
        assert store.notice is not None and "moved to" in store.notice
        store.record_attempt("demo", "ex0", "x", True)  # the fresh store works
    broken = list(db.parent.glob(f"{DB_NAME}.broken-*"))
    assert len(broken) == 1 and broken[0].read_bytes() == content  # nothing was lost


def test_newer_schema_is_moved_aside_not_overwritten(db):
    with ProgressStore(db) as store:
        store.record_attempt("demo", "ex0", "x", True)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with ProgressStore(db) as store:
        assert store.notice is not None and "newer" in store.notice
        assert store.exercise_state("demo", "ex0").attempts == 0
    assert len(list(db.parent.glob(f"{DB_NAME}.broken-*"))) == 1


def test_foreign_database_is_moved_aside(db):
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE something (x)")
    conn.commit()
    conn.close()
    with ProgressStore(db) as store:
        assert store.notice is not None and "not a tutor progress database" in store.notice


def test_concurrent_writes_from_threads(db):
    with ProgressStore(db) as store:
        errors: list[BaseException] = []

        def work(worker: int) -> None:
            try:
                for i in range(50):
                    store.record_attempt("demo", f"ex{worker}", str(i), i % 2 == 0)
                    store.save_run(f"w{worker}-{i}", {}, {"i": i})
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert [store.exercise_state("demo", f"ex{w}").attempts for w in range(4)] == [50] * 4
        assert len(store.list_runs()) == 200


def test_two_stores_on_one_file_see_each_others_writes(db):
    with ProgressStore(db) as a, ProgressStore(db) as b:
        a.record_attempt("demo", "ex0", "x", True)
        assert b.exercise_state("demo", "ex0").passed


def test_killing_a_writer_mid_way_keeps_the_file_whole(db):
    import subprocess
    import sys

    code = (
        "import sys\nfrom tutor.course import ProgressStore\n"
        f"store = ProgressStore({str(db)!r})\n"
        "for i in range(1_000_000):\n"
        "    store.save_run('r', {'i': i}, {'x': list(range(2000))})\n"
        "    store.record_attempt('demo', 'ex0', str(i), False)\n"
        "    if i == 20:\n"
        "        print('writing', flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"writing\n"
    proc.kill()  # SIGKILL: no cleanup, probably inside a transaction
    proc.wait()
    proc.stdout.close()
    with ProgressStore(db) as store:
        assert store.notice is None
        runs = store.list_runs()
        assert len(runs) >= 21
        for run in runs:
            assert len(store.load_run(run.id).history["x"]) == 2000
        # the run and the attempt of one loop turn are separate transactions: off by at most one
        assert store.exercise_state("demo", "ex0").attempts in (len(runs) - 1, len(runs))
