"""`tutor progress`: a student's name, exports for a teacher, reset with a backup, a class table; schema v2."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import sqlite3

import pytest
from test_tui_lesson import open_demo
from test_tui_support import demo_app, run_async
from typer.testing import CliRunner

from tutor.cli import app as cli
from tutor.course.access import load_course
from tutor.course.store import _SCHEMA_V1, DB_NAME, SCHEMA_VERSION, ProgressStore


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["progress", *args], input=input)


def _complete_first_exercises():
    """A student passes the first exercise of lesson 1, fails one of lesson 2, sees a solution."""
    course = load_course()
    one, two = course.lessons[0], course.lessons[1]
    assert course.record_attempt(one.exercises[0], "wrong", False)
    assert course.record_attempt(one.exercises[0], "right", True)
    assert course.record_attempt(two.exercises[0], "wrong", False)
    assert course.solution_shown(two.exercises[0])
    assert course.solution_shown(two.exercises[0])  # the first time is what counts
    return one, two


def test_a_student_exports_csv_with_their_name(tmp_path):
    one, two = _complete_first_exercises()
    assert _run("--name", "  Ann   Smith ").exit_code == 0
    result = _run("--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {row["student"] for row in rows} == {"Ann Smith"}
    assert len(rows) == sum(len(lesson.exercises) for lesson in load_course().lessons)
    first = next(r for r in rows if r["exercise_id"] == one.exercises[0].id)
    assert (first["attempts"], first["passed"], first["solution_shown"]) == ("2", "yes", "")
    seen = next(r for r in rows if r["exercise_id"] == two.exercises[0].id)
    assert seen["passed"] == "no" and seen["solution_shown"].startswith("20") and seen["lesson_last_activity"]


def test_json_export_and_summary_and_path(tmp_path):
    _complete_first_exercises()
    report = json.loads(_run("--json").stdout)
    assert report["format"] == "rnn-tutor progress" and report["student"] == ""
    assert report["lessons"][0]["passed"] == 1 and report["lessons"][1]["exercises"][0]["solution_shown"]
    summary = _run()
    assert summary.exit_code == 0 and "1/" in summary.stdout and "no name set" in summary.stdout
    assert _run("--path").stdout.strip() == str(tmp_path / "home" / DB_NAME)
    assert _run("--json", "--csv").exit_code == 1


def test_reset_one_lesson_asks_and_keeps_a_backup(tmp_path):
    one, two = _complete_first_exercises()
    assert _run("--name", "Ann").exit_code == 0
    refused = _run("reset", "--lesson", "1", input="n\n")  # CliRunner's stdin is not a terminal
    assert refused.exit_code == 1 and "--yes" in str(refused.exception)
    unknown = _run("reset", "--lesson", "nope", "--yes")
    assert unknown.exit_code == 1 and "no lesson 'nope'" in str(unknown.exception)
    done = _run("reset", "--lesson", one.id, "--yes")
    assert done.exit_code == 0, done.output
    course = load_course()
    assert course.progress(one) == (0, len(one.exercises))  # lesson 1 forgotten
    assert course.state(two.exercises[0]).attempts == 1  # lesson 2 kept
    assert course.student_name == "Ann"
    (backup,) = (tmp_path / "home").glob(f"{DB_NAME}.backup-*")
    with ProgressStore(backup) as old:
        assert old.exercise_state(one.id, one.exercises[0].id).passed
    assert _run("reset", "--yes").exit_code == 0
    assert load_course().state(two.exercises[0]).attempts == 0
    assert len(list((tmp_path / "home").glob(f"{DB_NAME}.backup-*"))) == 2


def test_reset_on_a_read_only_store_says_why(tmp_path, monkeypatch):
    _complete_first_exercises()
    from test_course_store_faults import simulate_read_only

    simulate_read_only(monkeypatch)
    result = _run("reset", "--yes")
    assert result.exit_code == 1 and "not reset: the progress file or its folder is read-only" in str(result.exception)


def test_merge_builds_a_class_table(tmp_path):
    _complete_first_exercises()
    _run("--name", "Ann")
    (tmp_path / "ann.csv").write_text(_run("--csv").stdout, encoding="utf-8")
    _run("reset", "--yes")
    _run("--name", "Bob")
    course = load_course()
    for ex in course.lessons[0].exercises:
        course.record_attempt(ex, "x", True)
    (tmp_path / "bob.json").write_text(_run("--json").stdout, encoding="utf-8")
    result = _run("merge", str(tmp_path / "bob.json"), str(tmp_path / "ann.csv"))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    header, ann, bob = rows
    n1 = len(course.lessons[0].exercises)
    assert (
        header[0] == "student"
        and header[1].startswith("01 ")
        and header[-5:-1]
        == [
            "passed",
            "exercises",
            "solutions shown",
            "last activity",
        ]
    )
    assert (ann[0], ann[1], ann[-5], ann[-3], ann[-1]) == ("Ann", f"1/{n1}", "1", "1", "ann.csv")
    assert (bob[0], bob[1], bob[-5]) == ("Bob", f"{n1}/{n1}", str(n1))
    (tmp_path / "junk.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    bad = _run("merge", str(tmp_path / "junk.csv"))
    assert bad.exit_code == 1 and "not a progress export" in str(bad.exception)


@run_async
async def test_showing_a_solution_in_the_app_is_recorded(tmp_path):
    app = demo_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        from textual.widgets import RadioButton

        list(screen.query_one("#ex-pick").query(RadioButton))[0].value = True
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
    with ProgressStore(tmp_path / "home" / DB_NAME) as store:
        assert ("demo", "pick") in store.solutions_shown()


# ------------------------------------------------------------------------------ schema v2


def _v1_file(path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in _SCHEMA_V1:
        conn.execute(statement)
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute("INSERT INTO exercise_state VALUES ('demo', 'ex0', 3, 1, 'x', 0)")
    conn.close()


def _open(path: str, barrier, queue) -> None:
    barrier.wait()
    with ProgressStore(path) as store:
        queue.put((store.notice, store.exercise_state("demo", "ex0").attempts))


def test_a_version_1_file_is_migrated_once_keeping_its_progress(tmp_path):
    db = tmp_path / DB_NAME
    _v1_file(db)
    ctx = multiprocessing.get_context("fork")
    n = 4
    barrier, queue = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_open, args=(str(db), barrier, queue)) for _ in range(n)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert results == [(None, 3)] * n
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    with ProgressStore(db) as store:
        store.record_solution_shown("demo", "ex0")
        assert store.solutions_shown().keys() == {("demo", "ex0")}
