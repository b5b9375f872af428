"""The project's shape: bundled folders resolve, and the engine stays free of the rest."""

import subprocess
import sys

from tutor import paths


def test_bundled_folders_resolve():
    assert (paths.lessons_dir() / "README.md").is_file()
    assert paths.assets_dir().is_dir()


def test_tutor_home_env_relocates_user_data(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    assert paths.user_home() == tmp_path / "home"
    assert (tmp_path / "home").is_dir()


def test_cli_help_runs_without_textual():
    code = (
        "import sys; from typer.testing import CliRunner; from tutor.cli import app;"
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output;"
        "assert 'textual' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
