"""The order of a quiz's choices: shuffled per learner, the same after a restart, checked as written."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from test_tui_support import choice_button, demo_app, lesson_built, run_async
from textual.widgets import RadioButton

from tutor.course import check_quiz, load_lessons
from tutor.course.choice_order import SEED_FILE, choice_order, learner_seed

CHOICE_QUIZZES = [ex for lesson in load_lessons() for ex in lesson.exercises if ex.quiz_style == "choice"]


def test_the_seed_is_made_once_and_kept(tmp_path):
    seed = learner_seed(tmp_path)
    assert len(seed) == 32 and (tmp_path / SEED_FILE).read_text().strip() == seed
    assert learner_seed(tmp_path) == seed
    other = tmp_path / "other"
    other.mkdir()
    assert learner_seed(other) != seed  # 128 random bits each


def test_a_damaged_seed_file_is_replaced_and_two_starts_at_once_agree(tmp_path):
    (tmp_path / SEED_FILE).write_text("")  # a start killed between creating and writing it
    seed = learner_seed(tmp_path)
    assert len(seed) == 32 and learner_seed(tmp_path) == seed
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with ThreadPoolExecutor(8) as pool:
        seeds = set(pool.map(lambda _: learner_seed(fresh), range(16)))
    assert len(seeds) == 1 and not list(fresh.glob("*.tmp"))


def test_a_read_only_home_still_gives_a_stable_order(tmp_path, monkeypatch):
    home = tmp_path / "ro"
    home.mkdir()
    if os.geteuid() == 0:  # root writes anyway: simulate the permission check

        def refuse(self, *args, **kwargs):
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(Path, "write_text", refuse)
    else:
        home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        seed = learner_seed(home)
        assert len(seed) == 32 and learner_seed(home) == seed
        assert not (home / SEED_FILE).exists()
    finally:
        home.chmod(stat.S_IRWXU)


def test_the_order_is_a_permutation_stable_per_seed_and_differs_between_learners():
    orders_a = [choice_order("a" * 32, ex) for ex in CHOICE_QUIZZES]
    orders_b = [choice_order("b" * 32, ex) for ex in CHOICE_QUIZZES]
    for ex, order in zip(CHOICE_QUIZZES, orders_a, strict=True):
        assert sorted(order) == list(range(len(ex.choices)))
    assert orders_a == [choice_order("a" * 32, ex) for ex in CHOICE_QUIZZES]
    assert orders_a != orders_b
    # the point of it: the right answer is not at the same place in every quiz
    assert len({order.index(ex.answer) for ex, order in zip(CHOICE_QUIZZES, orders_a, strict=True)}) > 1


def test_the_checker_judges_the_lessons_index_whatever_the_order():
    for ex in CHOICE_QUIZZES:
        order = choice_order("c" * 32, ex)
        shown = order.index(ex.answer)  # where the learner sees the right answer
        assert check_quiz(ex, order[shown]).passed
        assert not check_quiz(ex, order[(shown + 1) % len(order)]).passed


def shown_choices(app) -> list[str]:
    panel = app.screen.query_one("#ex-pick")
    return [" ".join(str(b.label).split()) for b in panel.query(RadioButton)]


@run_async
async def test_the_app_shows_the_same_order_after_a_restart_and_another_learner_sees_another(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    app = demo_app(tmp_path, seed=None)  # the install's own seed, made on first use
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await lesson_built(pilot)
        first = shown_choices(app)
        choice_button(app.screen.query_one("#ex-pick"), "0.25").value = True
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.course.passed(app.screen.lesson.exercise("pick"))
        # what is stored is the lesson's index of the choice, not where it was shown
        assert app.course.state(app.screen.lesson.exercise("pick")).last_answer == "1"
    assert (home / SEED_FILE).exists()  # the seed is kept next to the progress store
    assert sorted(first) == ["0.25", "0.5", "1"]
    app = demo_app(tmp_path, seed=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await lesson_built(pilot)
        assert shown_choices(app) == first
        assert choice_button(app.screen.query_one("#ex-pick"), "0.25").value  # the answer comes back
    # another learner: another home with its own seed (one whose order differs, so the test is sure)
    pick = app.course.lesson("demo").exercise("pick")
    other = next(
        s for s in (f"{n:032x}" for n in range(100)) if [pick.choices[i] for i in choice_order(s, pick)] != first
    )
    monkeypatch.setenv("TUTOR_HOME", str(tmp_path / "someone-else"))
    (tmp_path / "someone-else").mkdir()
    (tmp_path / "someone-else" / SEED_FILE).write_text(other)
    app = demo_app(tmp_path, seed=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await lesson_built(pilot)
        assert shown_choices(app) != first and sorted(shown_choices(app)) == sorted(first)
