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


def test_the_metadata_has_classifiers_and_the_readmes_pictures_exist(tmp_path):
    import re
    import subprocess
    import sys
    from email.parser import Parser
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = f"from hatchling.build import prepare_metadata_for_build_wheel as p; print(p({str(tmp_path)!r}))"
    name = subprocess.run(
        [sys.executable, "-c", code], cwd=root, check=True, capture_output=True, text=True
    ).stdout.split()[-1]
    metadata = Parser().parsestr((tmp_path / name / "METADATA").read_text(encoding="utf-8"))
    classifiers = metadata.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers and "Environment :: Console" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers)  # the SPDX License-Expression says it
    readme = (root / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert pictures and readme.index(pictures[0]) < readme.index("## Using it")  # a screenshot near the top
    for picture in pictures:
        assert (root / picture).is_file(), picture
