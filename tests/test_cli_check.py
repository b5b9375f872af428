"""`tutor check` (a code exercise from your own editor), `tutor lessons --json` and
`tutor lessons check` (a lesson author's linter that runs solutions and starters)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from tutor import paths
from tutor.cli import app
from tutor.course import load_lessons, open_store

runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    return tmp_path


def _exercise(ex_id: str):
    return next(ex for lesson in load_lessons() for ex in lesson.exercises if ex.id == ex_id)


def test_the_editor_workflow_starter_fail_pass_and_progress(home):
    starter = runner.invoke(app, ["check", "rnn-forward", "--starter"])
    assert starter.exit_code == 0
    assert starter.stdout == _exercise("rnn-forward").starter.rstrip("\n") + "\n"
    mine = home / "rnn.py"
    mine.write_text(starter.stdout)

    failed = runner.invoke(app, ["check", "rnn-forward", str(mine)])
    assert failed.exit_code == 1, failed.output
    assert failed.stdout.startswith("rnn-forward: ✗ failed. 3 of 3 checks failed. Check 1: one step from a zero state")

    mine.write_text(_exercise("rnn-forward").solution)
    passed = runner.invoke(app, ["check", "rnn-forward", str(mine), "--json"])
    assert passed.exit_code == 0, passed.output
    verdict = json.loads(passed.stdout)
    assert verdict["exercise"] == "rnn-forward" and verdict["passed"] is True
    assert verdict["message"] == "All 3 checks passed." and verdict["details"] == [] and verdict["saved"]
    assert "SimpleRNN" in verdict["explanation"]

    with open_store() as store:  # the app's store: both attempts, and the pass
        state = store.exercise_state("recurrent-network", "rnn-forward")
    assert state.attempts == 2 and state.passed
    listed = json.loads(runner.invoke(app, ["lessons", "--json"]).stdout)
    lesson4 = next(row for row in listed if row["id"] == "recurrent-network")
    assert {k: lesson4[k] for k in ("number", "title", "passed")} == {
        "number": 4,
        "title": lesson4["title"],
        "passed": 1,
    }
    assert lesson4["total"] == len(load_lessons()[3].exercises)
    assert {
        "id": "rnn-forward",
        "kind": "code",
        "title": _exercise("rnn-forward").title,
        "passed": True,
        "attempts": 2,
    } in (lesson4["exercises"])
    assert re.search(r"^✓ rnn-forward +lesson  4", runner.invoke(app, ["check", "--list"]).stdout, re.M)


def test_usage_errors_exit_2_with_one_line(home):
    for args in (
        ["check"],
        ["check", "no-such-exercise", "x.py"],
        ["check", "sort-architectures", "x.py"],  # a quiz
        ["check", "rnn-forward"],  # no file
        ["check", "rnn-forward", str(home / "missing.py")],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("tutor: error: ") and len(result.stderr.strip().splitlines()) == 1
    binary = home / "binary.py"
    binary.write_bytes(b"\xff\xfe\x00")
    assert runner.invoke(app, ["check", "rnn-forward", str(binary)]).exit_code == 2


def test_an_attempt_that_cannot_be_saved_still_gets_its_verdict(home, monkeypatch):
    import tutor.course.store as store_module

    def broken(*args, **kwargs):
        raise store_module.ProgressNotSaved("another program holds the progress file locked")

    monkeypatch.setattr(store_module.ProgressStore, "record_attempt", broken)
    mine = home / "bag.py"
    mine.write_text(_exercise("bag-of-words").solution)
    result = runner.invoke(app, ["check", "bag-of-words", str(mine)])
    assert result.exit_code == 0
    assert "✓ passed" in result.stdout
    assert "tutor: warning: Not saved: your attempt" in result.stderr
    assert "another program holds the progress file locked" in result.stderr


def _lesson_file(tmp_path, name: str, solution: str, starter: str, ex_id: str = "double-it") -> str:
    text = (paths.lessons_dir() / "README.md").read_text(encoding="utf-8")
    example = re.search(r"^`````markdown\n(.*?)^`````$", text, re.S | re.M).group(1)
    example = example.replace("    return 2 * x\n'''", solution + "'''", 1)
    example = example.replace("def double(x):\n    return x\n'''", starter + "'''", 1)
    example = example.replace('id = "double"', f'id = "{ex_id}"')
    path = tmp_path / name
    path.write_text(example, encoding="utf-8")
    return str(path)


def test_lessons_check_runs_solutions_and_starters(home):
    good = _lesson_file(home, "99-example.md", "    return 2 * x\n", "def double(x):\n    return x\n")
    result = runner.invoke(app, ["lessons", "check", good])
    assert result.exit_code == 0, result.output
    assert "ok (4 exercises; 1 code: each solution passes, each starter fails)" in result.stdout

    wrong = _lesson_file(home, "99-wrong.md", "    return 3 * x\n", "def double(x):\n    return 2 * x\n")
    result = runner.invoke(app, ["lessons", "check", wrong])
    assert result.exit_code == 1
    assert "exercise 'double-it': the solution fails its own checks: 2 of 2 checks failed" in result.stdout
    assert "exercise 'double-it': the starter passes as it is" in result.stdout


def test_lessons_check_warns_about_a_file_a_lesson_folder_ignores_and_a_reused_id(home):
    odd = _lesson_file(home, "example.md", "    return 2 * x\n", "def double(x):\n    return x\n")
    result = runner.invoke(app, ["lessons", "check", "--parse-only", odd])
    assert result.exit_code == 0
    assert "warning: a lesson folder ignores this file: lesson files are named NN-slug.md" in result.stdout
    clash = _lesson_file(home, "99-clash.md", "    return 2 * x\n", "def double(x):\n    return x\n", "rnn-forward")
    result = runner.invoke(app, ["lessons", "check", "--parse-only", clash])
    assert result.exit_code == 1
    assert "exercise id 'rnn-forward' is already used by lesson 4" in result.stdout


def test_exercise_ids_are_unique_across_the_course(tmp_path):
    import shutil

    from tutor.course.loader import load_lessons as load

    for name in ("01-sequences.md", "02-bag-of-words.md"):
        shutil.copy(paths.lessons_dir() / name, tmp_path / name)
    second = tmp_path / "02-bag-of-words.md"
    second.write_text(second.read_text(encoding="utf-8").replace('id = "build-csr"', 'id = "bag-of-words"'))
    with pytest.raises(ValueError, match="exercise id 'bag-of-words' is also used in 01-sequences.md"):
        load(tmp_path)
