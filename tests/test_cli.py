"""The `tutor` command line: subcommands, and one clear line for bad input."""

import subprocess
import sys

from typer.testing import CliRunner

from tutor.cli import app

runner = CliRunner()


def test_lessons_lists_the_course_with_progress(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path))
    result = runner.invoke(app, ["lessons"])
    assert result.exit_code == 0, result.output
    assert "Sequences everywhere" in result.output and "0/" in result.output


def test_lessons_check_reports_a_bad_file(tmp_path):
    bad = tmp_path / "99-bad.md"
    bad.write_text("no front matter here\n")
    result = runner.invoke(app, ["lessons", "check", str(bad)])
    assert result.exit_code == 1
    assert "front matter" in result.output
    # the bundled course parses (running its solutions and starters is test_lessons.py's part)
    assert runner.invoke(app, ["lessons", "check", "--parse-only"]).exit_code == 0


def test_bad_input_is_one_line_on_stderr_and_exit_1(tmp_path):
    env = {"TUTOR_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "tutor", "data", "status", "--path", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("tutor: error:")


def test_version_and_short_help():
    from tutor import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"rnn-tutor {__version__}"
    result = runner.invoke(app, ["-h"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    # a student's first minute: what it is, the main keys, where progress is kept
    assert "recurrent neural networks" in text and "F1" in text and "ctrl+r" in text
    assert "TUTOR_HOME" in text and "TUTOR_IMDB" in text and "--install-completion" in text


def test_flags_are_shown_without_a_value_placeholder():
    for args in (["--help"], ["predict", "--help"], ["train", "imdb", "--help"]):
        result = runner.invoke(app, args, terminal_width=100)
        assert result.exit_code == 0, result.output
        assert "<bool>" not in result.output
        assert "--json" in result.output or args == ["--help"]


def test_bare_tutor_without_a_terminal_says_so_and_exits_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tutor"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={"TUTOR_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stdout == "" and "\x1b" not in proc.stderr
    assert proc.stderr.startswith("tutor: error: the tutor app needs a terminal")
