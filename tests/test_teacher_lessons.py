"""A teacher's lesson folder (TUTOR_LESSONS / --lessons): own lessons, a course.toml choosing and
ordering lessons, the solution-unlock setting, and the example folder lessons/examples end to end:
`tutor lessons init`, `tutor lessons check DIR`, the course map, `tutor lessons --json`, a student
passing the teacher's code exercise with `tutor check`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_tui_support import lesson_built, run_async
from typer.testing import CliRunner

from tutor import paths
from tutor.cli import app
from tutor.course import load_lessons, open_store
from tutor.course.checking import can_show_solution, run_codes, solution_locked_text
from tutor.course.syllabus import course_lessons, load_syllabus, read_manifest

runner = CliRunner()
EXAMPLES = paths.lessons_dir() / "examples"
EXAMPLE = EXAMPLES / "17-moving-average.md"
MODULE = ["sequences", "recurrent-network", "moving-average", "vanishing-gradients", "lstm"]

OWN_LESSON = """+++
id = "{id}"
number = {number}
title = "A lesson of my own"
summary = "One quiz."
+++

# Mine

```exercise
id = "{exercise}"
kind = "quiz"
title = "Two and two"
prompt = "2 + 2?"
answer = 4
hint = "Count."
solution = "4."
```
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "home"))
    # `--lessons DIR` sets TUTOR_LESSONS for the process: set-then-delete makes monkeypatch
    # remove it again after each test (a plain delenv of an unset variable records nothing)
    monkeypatch.setenv("TUTOR_LESSONS", "")
    monkeypatch.delenv("TUTOR_LESSONS")


def own(folder: Path, name: str = "17-mine.md", id: str = "mine", number: int = 17, exercise: str = "mine-quiz"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(OWN_LESSON.format(id=id, number=number, exercise=exercise), encoding="utf-8")
    return folder


def manifest(folder: Path, text: str) -> Path:
    (folder / "course.toml").write_text(text, encoding="utf-8")
    return folder


# ------------------------------------------------------------------------------ the course layer


def test_without_a_folder_the_course_is_the_bundled_lessons():
    lessons = course_lessons()
    assert [lesson.id for lesson in lessons] == [lesson.id for lesson in load_lessons()]
    assert [lesson.number for lesson in lessons] == list(range(1, len(lessons) + 1))  # numbered by place
    assert all(ex.solution_after_attempts == 1 for lesson in course_lessons() for ex in lesson.exercises)


def test_own_lessons_without_a_manifest_follow_the_course_by_number(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_LESSONS", str(own(tmp_path / "t")))
    lessons = course_lessons()
    assert [lesson.id for lesson in lessons][-2:] == ["considerations", "mine"]
    assert [lesson.number for lesson in lessons] == list(range(1, len(load_lessons()) + 2))


def test_a_manifest_chooses_orders_and_renumbers_and_sets_the_unlock(tmp_path):
    folder = manifest(
        own(tmp_path),
        'lessons = ["lstm", "mine", "sequences"]\n'
        '[solutions]\nafter_attempts = 3\n[solutions.lessons]\nmine = "never"\n',
    )
    syllabus = load_syllabus(folder)
    assert [(lesson.number, lesson.id) for lesson in syllabus.lessons] == [(1, "lstm"), (2, "mine"), (3, "sequences")]
    unlock = {lesson.id: {ex.solution_after_attempts for ex in lesson.exercises} for lesson in syllabus.lessons}
    assert unlock == {"lstm": {3}, "mine": {None}, "sequences": {3}}
    assert [lesson.id for lesson in syllabus.own] == ["mine"] and not syllabus.unchosen


def test_a_manifest_may_only_set_the_unlock(tmp_path):
    syllabus = load_syllabus(manifest(tmp_path, "[solutions]\nafter_attempts = 0\n"))
    assert len(syllabus.lessons) == len(load_lessons())
    assert all(ex.solution_after_attempts == 0 for lesson in syllabus.lessons for ex in lesson.exercises)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('lessons = ["sequences", "lstn"]\n', "names 'lstn', which is neither a lesson of the course nor one in"),
        ('lessons = ["sequences", "lstn"]\n', "did you mean 'lstm'?"),
        ("lessons = []\n", "'lessons' is empty"),
        ('lessons = ["lstm", "lstm"]\n', "lists ['lstm'] more than once"),
        ('lesson = ["lstm"]\n', "unknown key(s) ['lesson']"),
        ("lessons = 'lstm'\n", "'lessons' must be a list of lesson ids"),
        ("[solutions]\nafter_attempts = -1\n", 'after_attempts must be a number of attempts (0 or more) or "never"'),
        ("[solutions]\nafter_attempt = 2\n", "[solutions]: unknown key(s) ['after_attempt']"),
        (
            'lessons = ["lstm"]\n[solutions.lessons]\nsequences = 2\n',
            "'sequences', which is not a lesson of this course",
        ),
        ("lessons = [\n", "invalid TOML"),
    ],
)
def test_manifest_mistakes_are_clear_errors_naming_the_file(tmp_path, text, problem):
    folder = manifest(tmp_path, text)
    with pytest.raises(ValueError) as caught:
        load_syllabus(folder)
    assert str(caught.value).startswith(str(folder / "course.toml")) and problem in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"id": "lstm"}, "lesson id 'lstm' is the course's lesson 10 (10-lstm.md); progress is kept by lesson id"),
        ({"exercise": "rnn-forward"}, "exercise id 'rnn-forward' is also used in the course's lesson 4"),
        ({"name": "03-mine.md", "number": 3}, "lesson number 3 is also the course's lesson 03-word-embeddings.md"),
    ],
)
def test_a_teachers_ids_and_numbers_may_not_reuse_the_courses(tmp_path, kwargs, problem):
    folder = own(tmp_path, **kwargs)
    with pytest.raises(ValueError, match="17-mine.md|03-mine.md") as caught:
        load_syllabus(folder)
    assert problem in str(caught.value)


def test_with_a_manifest_a_teachers_number_may_repeat_the_courses(tmp_path):
    folder = manifest(own(tmp_path, name="03-mine.md", number=3), 'lessons = ["mine", "word-embeddings"]\n')
    assert [lesson.id for lesson in course_lessons(folder)] == ["mine", "word-embeddings"]


def test_the_solution_unlock_count():
    assert not can_show_solution(0) and can_show_solution(1)  # the course's own setting
    assert not can_show_solution(1, after=2) and can_show_solution(2, after=2)
    assert can_show_solution(0, after=0)
    assert not can_show_solution(50, after=None) and can_show_solution(0, passed=True, after=None)
    assert "after your first attempt" in solution_locked_text(1, 0)
    assert "after 3 attempts (1 so far)" in solution_locked_text(3, 1)
    assert "once you have passed" in solution_locked_text(None, 4)


# ---------------------------------------------------------------------------------- the CLI


def test_a_folder_that_is_not_there_is_one_line_and_predict_does_not_load_lessons(tmp_path):
    result = runner.invoke(app, ["--lessons", str(tmp_path / "nowhere"), "lessons"])
    assert (
        result.exit_code == 2
        and result.stderr.strip() == f"tutor: error: --lessons {tmp_path / 'nowhere'}: no such folder"
    )
    env = {"TUTOR_HOME": str(tmp_path), "TUTOR_LESSONS": str(tmp_path / "nowhere"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "tutor", "lessons"], capture_output=True, text=True, env=env)
    assert (
        proc.returncode == 1 and proc.stderr == f"tutor: error: TUTOR_LESSONS={tmp_path / 'nowhere'}: no such folder\n"
    )
    code = (
        "import sys; from typer.testing import CliRunner; from tutor.cli import app;"
        "r = CliRunner().invoke(app, ['predict', 'A warm film']); assert r.exit_code == 0, r.output;"
        "assert 'tutor.course.loader' not in sys.modules, 'predict loaded lessons'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**env, "PYTHONPATH": str(Path.cwd())})


def test_lessons_check_on_a_folder_warns_and_reports(tmp_path):
    folder = own(tmp_path / "t")
    own(folder, name="13-draft.md", id="draft", number=13, exercise="draft-quiz")
    (folder / "attention.md").write_text("# a lesson without its number\n", encoding="utf-8")
    (folder / "manifest.toml").write_text("lessons = []\n", encoding="utf-8")
    (folder / "README.md").write_text("notes\n", encoding="utf-8")
    manifest(folder, 'lessons = ["sequences", "mine"]\n[solutions]\nafter_attempts = 2\n')
    result = runner.invoke(app, ["lessons", "check", str(folder)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert (
        f"{folder / 'attention.md'}: warning: the lesson folder ignores this file: lesson files are named NN-slug.md"
        in out
    )
    assert (
        f"{folder / 'manifest.toml'}: warning: the lesson folder ignores this file: the manifest is named course.toml"
        in out
    )
    assert "README.md" not in out
    assert f"{folder / '13-draft.md'}: warning: course.toml does not choose it, so students do not see it" in out
    assert f"{folder}: ok: students get 2 lessons; solutions unlock after 2 attempts:" in out
    assert "   1. sequences  Sequences everywhere\n   2. mine       A lesson of my own  (yours)\n" in out
    assert f"{folder / '17-mine.md'}: ok (1 exercises)" in out

    own(folder, name="14-clash.md", id="clash", number=14, exercise="rnn-forward")
    result = runner.invoke(app, ["lessons", "check", "--parse-only", str(folder)])
    assert result.exit_code == 1
    assert "exercise id 'rnn-forward' is also used in the course's lesson 4" in result.stdout
    result = runner.invoke(app, ["lessons", "check", "--parse-only", str(folder / "14-clash.md")])
    assert result.exit_code == 1 and "exercise id 'rnn-forward' is already used by lesson 4" in result.stdout
    own(folder, name="15-copy.md", id="mine", number=15, exercise="mine-2")  # a sibling's lesson id
    result = runner.invoke(app, ["lessons", "check", "--parse-only", str(folder / "15-copy.md")])
    assert result.exit_code == 1 and "lesson id 'mine' is already used by lesson 17 (mine, 17-mine.md)" in result.stdout


def test_init_writes_the_example_folder_and_never_overwrites(tmp_path):
    folder = tmp_path / "module"
    result = runner.invoke(app, ["lessons", "init", str(folder)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["17-moving-average.md", "course.toml"]
    assert (folder / "17-moving-average.md").read_bytes() == EXAMPLE.read_bytes()
    assert f"tutor lessons check {folder}" in result.stdout
    (folder / "course.toml").write_text("# mine\n", encoding="utf-8")
    again = runner.invoke(app, ["lessons", "init", str(folder)])
    assert again.exit_code != 0 and (folder / "course.toml").read_text(encoding="utf-8") == "# mine\n"


# ------------------------------------------------------------------ the example, end to end


def test_the_example_manifest_names_every_course_lesson():
    text = (EXAMPLES / "course.toml").read_text(encoding="utf-8")
    for lesson in load_lessons():
        assert f'"{lesson.id}",' in text, f"lessons/examples/course.toml does not mention {lesson.id}"
    assert read_manifest(EXAMPLES / "course.toml").lessons == tuple(MODULE)


def test_the_example_lesson_has_one_of_each_kind_whose_solutions_pass_and_starters_fail():
    syllabus = load_syllabus(EXAMPLES)
    (lesson,) = syllabus.own
    assert [ex.kind for ex in lesson.exercises] == ["quiz", "code", "experiment"]
    quiz, code, experiment = lesson.exercises
    from tutor.course import check_quiz

    assert check_quiz(quiz, "0.0387").passed and not check_quiz(quiz, "0.1").passed
    solution, starter, *lazy = run_codes(
        code,
        [
            code.solution,
            code.starter,
            # the smoothing everyone has seen, started from the first reading (pandas' adjust=False)
            code.solution.replace("h = np.zeros(B)", "h = x[:, 0].copy()"),
            # a cumulative mean: a moving average, but not this one
            "import numpy as np\n"
            "def moving_average(x, a):\n    return np.cumsum(x, 1) / np.arange(1, x.shape[1] + 1)\n",
            # the last state only
            code.solution.replace("return states", "return h"),
        ],
    )
    assert solution.passed, solution
    assert not starter.passed and "Error" not in starter.message
    assert not any(result.passed for result in lazy)
    assert any("start from h0 = 0" in line for line in [lazy[0].message, *lazy[0].details])
    # the experiment's preset misses its goal, and the change it asks for reaches it (NYSE: bundled)
    from tutor.course.goals import evaluate_goal
    from tutor.tasks.registry import run

    def reached(**change) -> bool:
        result = run({**experiment.config, **change})
        if isinstance(result, dict):
            metrics, history = result["metrics"], result["history"]
        else:  # the task layer's RunResult
            metrics, history = result.metrics, result.history
        logs = {k: v for k, v in metrics.items() if v is not None} | dict(history)
        return bool(evaluate_goal(experiment.goal, logs))

    assert not reached()
    assert reached(lag=5)


def test_the_teachers_folder_is_closed_to_exercise_code(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_LESSONS", str(EXAMPLES))
    ex = load_syllabus().own[0].exercise("moving-average-states")
    peek = f"text = open({str(EXAMPLE)!r}).read()\n" + ex.solution
    (result,) = run_codes(ex, [peek])
    assert not result.passed and "the checker's files are not open to exercise code" in result.message


def test_a_student_completes_the_teachers_exercise_with_tutor_check(tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_LESSONS", str(EXAMPLES))
    listed = json.loads(runner.invoke(app, ["lessons", "--json"]).stdout)
    assert [(row["number"], row["id"]) for row in listed] == list(enumerate(MODULE, 1))
    assert "moving-average-states" in runner.invoke(app, ["check", "--list"]).stdout
    assert "build-csr" not in runner.invoke(app, ["check", "--list"]).stdout  # lesson 2 is not chosen

    mine = tmp_path / "ema.py"
    mine.write_text(runner.invoke(app, ["check", "moving-average-states", "--starter"]).stdout, encoding="utf-8")
    assert runner.invoke(app, ["check", "moving-average-states", str(mine)]).exit_code == 1
    mine.write_text(EXAMPLE.read_text(encoding="utf-8").split("solution = '''\n")[1].split("'''")[0])
    result = runner.invoke(app, ["check", "moving-average-states", str(mine), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["passed"] and json.loads(result.stdout)["saved"]
    with open_store() as store:
        state = store.exercise_state("moving-average", "moving-average-states")
    assert state.attempts == 2 and state.passed
    row = next(
        row for row in json.loads(runner.invoke(app, ["lessons", "--json"]).stdout) if row["id"] == "moving-average"
    )
    assert (row["number"], row["passed"], row["total"]) == (3, 1, 3)


def test_lessons_option_works_like_the_variable(tmp_path, monkeypatch):
    listed = runner.invoke(app, ["lessons", "--lessons", str(EXAMPLES), "--json"])
    assert [row["id"] for row in json.loads(listed.stdout)] == MODULE
    for args in (["--lessons", str(EXAMPLES), "check"], ["check", "--lessons", str(EXAMPLES)]):
        monkeypatch.setenv("TUTOR_LESSONS", "")  # the option set it for this process
        listed = runner.invoke(app, [*args, "--list", "--json"])
        assert "moving-average" in {row["lesson"] for row in json.loads(listed.stdout)} <= set(MODULE)


@run_async
async def test_the_course_map_shows_exactly_the_chosen_lessons_and_the_unlock_applies(tmp_path, monkeypatch):
    from textual.widgets import Input, OptionList

    from tutor.tui.app import TutorApp
    from tutor.tui.screens.lesson import LessonScreen

    monkeypatch.setenv("TUTOR_LESSONS", str(EXAMPLES))
    app = TutorApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        options = app.screen.query_one("#lessons", OptionList)
        titles = [str(options.get_option_at_index(n).prompt).split("\n")[0] for n in range(options.option_count)]
        assert [title.split(".")[0].strip() for title in titles] == ["1", "2", "3", "4", "5"]
        assert [options.get_option_at_index(n).id for n in range(options.option_count)] == MODULE
        assert titles[2].startswith(" 3. A moving average is a recurrent network")
        await pilot.press("down", "down", "enter")
        screen = await lesson_built(pilot)
        assert isinstance(screen, LessonScreen) and screen.lesson_id == "moving-average"
        assert "Lesson 3 of 5" in screen.title
        panel = screen.query_one("#ex-moving-average-weight")
        field = panel.query_one(Input)
        for attempt in range(2):  # this course unlocks solutions after two attempts
            field.focus()
            field.value = "0.5"
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("ctrl+o")
            await pilot.pause()
            assert panel.query_one(".ex-solution").display is (attempt == 1)
        notices = [n.message for n in app._notifications]
        assert any("after 2 attempts (1 so far)" in message for message in notices), notices


def test_the_walk_through_shows_what_the_check_prints_and_help_names_the_variable():
    readme = (paths.lessons_dir() / "README.md").read_text(encoding="utf-8")
    shown = readme.split("### 4. Check the folder")[1].split("```\n")[1].splitlines()
    result = runner.invoke(app, ["lessons", "check", "--parse-only", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    printed = result.stdout.replace(str(EXAMPLES), "~/rnn-module").splitlines()
    assert printed[:6] == shown[:6]
    assert "TUTOR_LESSONS" in " ".join(runner.invoke(app, ["--help"]).output.split())


def test_the_example_folder_ships_in_the_wheel(tmp_path):
    """`tutor lessons init` copies it from an installed tutor, not from a checkout."""
    import zipfile

    root = Path(__file__).resolve().parents[1]
    code = f"from hatchling.build import build_wheel; print(build_wheel({str(tmp_path)!r}))"
    name = subprocess.run(
        [sys.executable, "-c", code], cwd=root, check=True, capture_output=True, text=True
    ).stdout.split()[-1]
    names = zipfile.ZipFile(tmp_path / name).namelist()
    for file in ("17-moving-average.md", "course.toml"):
        assert f"tutor/_resources/lessons/examples/{file}" in names


def test_an_unknown_id_without_a_near_one_lists_the_ids(tmp_path):
    with pytest.raises(ValueError, match=r"'zebra', which is neither .*; the lesson ids are: sequences, bag-of-words"):
        load_syllabus(manifest(tmp_path, 'lessons = ["zebra"]\n'))


def test_checking_the_courses_own_folder_is_not_a_clash_with_itself():
    result = runner.invoke(app, ["lessons", "check", "--parse-only", str(paths.lessons_dir())])
    assert result.exit_code == 0, result.output
    assert f"{paths.lessons_dir()}: {len(load_lessons())} lessons parse cleanly" in result.stdout
