"""The learner's own exercise file: kept in step with the app's editor, never overwritten."""

from __future__ import annotations

import pytest

from tutor.course.workspace import MAX_BYTES, ExerciseFile, editor_command, exercise_file


def test_the_file_lives_in_the_tutors_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    assert exercise_file("rnn-forward") == tmp_path / "exercises" / "rnn-forward.py"


def test_opening_the_editor_writes_the_apps_text_and_a_check_keeps_the_file_in_step(tmp_path):
    file = ExerciseFile(tmp_path / "exercises" / "double.py")
    assert file.on_open("starter") == "starter" and file.read() is None  # no file: nothing written yet
    file.after_check("mine")  # a learner who never used their editor gets no file
    assert file.read() is None
    text, notice = file.before_editing("mine")
    assert (text, notice) == ("mine", "") and file.read() == "mine"
    file.after_check("mine, better")  # checked in the app: the file follows
    assert file.read() == "mine, better"


def test_edits_made_outside_the_app_win_and_are_never_overwritten(tmp_path):
    path = tmp_path / "double.py"
    file = ExerciseFile(path)
    file.before_editing("app text")
    path.write_text("edited outside")
    file.after_check("app text")  # a check in the app does not overwrite the outside edit
    assert path.read_text() == "edited outside"
    text, notice = file.before_editing("app text")  # only the file changed: it is shown
    assert (text, notice) == ("edited outside", "") and path.read_text() == "edited outside"
    # a new app session: the file is newer than the last checked answer
    assert ExerciseFile(path).on_open("last checked answer") == "edited outside"


def test_when_both_sides_changed_the_apps_text_is_kept_beside_the_file(tmp_path):
    path = tmp_path / "double.py"
    file = ExerciseFile(path)
    file.before_editing("v1")
    path.write_text("v2 from outside")
    text, notice = file.before_editing("v2 from the app")
    assert text == "v2 from outside" and "in-app" in notice
    assert (tmp_path / "double.in-app.py").read_text() == "v2 from the app"
    assert path.read_text() == "v2 from outside"


def test_a_file_that_is_not_an_exercise_is_refused_without_reading_it_all(tmp_path):
    big = tmp_path / "big.py"
    big.write_bytes(b"#" * (MAX_BYTES + 10))
    with pytest.raises(ValueError, match="larger than"):
        ExerciseFile(big).read()
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="not UTF-8"):
        ExerciseFile(binary).read()


def test_the_editor_comes_from_visual_then_editor():
    assert editor_command({}) is None
    assert editor_command({"EDITOR": "  "}) is None
    assert editor_command({"EDITOR": "nano"}) == (["nano"], "EDITOR")
    assert editor_command({"EDITOR": "nano", "VISUAL": "code --wait"}) == (["code", "--wait"], "VISUAL")
    assert editor_command({"EDITOR": "'/opt/my editor/bin/ed' -n"}) == (["/opt/my editor/bin/ed", "-n"], "EDITOR")
    with pytest.raises(ValueError, match="cannot be read"):
        editor_command({"EDITOR": "vim 'unclosed"})
