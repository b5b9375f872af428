"""Lesson experiments: which presets are valid, and whether a finished run reached the goal.

A preset is checked against its task's settings table (`tutor.tasks`), the same table the
dashboard's form and `tutor train` read, so a typo or an out-of-range value in a lesson file
fails the lesson-file test instead of a learner's run.

A run is judged on what actually ran: every setting the experiment does not leave to the
learner (`editable`) is fixed, whether the preset names it or leaves it at its default (the
full data set, say), and the judge compares each with the settings the run reports it used
before it looks at the goal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tutor.course.goals import NAMED_GOALS, evaluate_goal, final_values, goal_names
from tutor.course.model import CheckResult, Exercise
from tutor.tasks.settings import SettingError

if TYPE_CHECKING:
    from tutor.tasks.base import RunConfig

# The task registry (and with it NumPy and the engine) is imported inside the functions that
# need it: importing the course layer stays light, and the sandbox process that runs a
# learner's code (tutor.course.sandbox) must not find the engine already loaded.


def validate_config(config: Mapping[str, Any]) -> None:
    """Raise ValueError (a SettingError) on a preset no run could use.

    Needs `task` and `model`; every other key must be a setting of that task and model that a
    lesson may preset, with a value the settings table allows.
    """
    from tutor.tasks import registry

    for key in ("task", "model"):
        if key not in config:
            raise SettingError(key, "is missing")
    task = registry.get_task(str(config["task"]))
    task.resolve(config, strict=True)
    for key in config:
        if key not in ("task", "model") and not task.settings[key].lesson:
            raise SettingError(key, "cannot be preset by a lesson (it is a `tutor train` option)")


def validate_editable(config: Mapping[str, Any], editable: Sequence[str]) -> None:
    """Raise ValueError if the learner is offered a setting the dashboard cannot show."""
    from tutor.tasks import registry

    task = registry.get_task(str(config["task"]))
    for key in editable:
        if key == "task":
            raise SettingError(key, "cannot be editable: an experiment is about its task")
        if key != "model" and (key not in task.settings or not task.settings[key].form):
            raise SettingError(key, "cannot be editable: the dashboard has no field for it")


def run_config(exercise: Exercise, choices: Mapping[str, Any] | None = None) -> RunConfig:
    """The settings a run of `exercise` uses: its preset, and the learner's `choices` for the
    settings it leaves to them (choices for any other setting are ignored)."""
    from tutor.tasks import registry

    config = dict(exercise.config)
    config.update({k: v for k, v in (choices or {}).items() if k in exercise.editable})
    return registry.resolve(config)


def fixed_settings(exercise: Exercise) -> tuple[str, ...]:
    """The settings a run must keep for this experiment: all but the editable ones."""
    return tuple(k for k in run_config(exercise) if k not in exercise.editable)


# -- judging a finished run ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExperimentRun:
    """What the judge reads of a finished run."""

    config: Mapping[str, Any]  # the settings the run actually used, as the task resolved them
    metrics: Mapping[str, float | int | None] = field(default_factory=dict)  # final figures
    history: Mapping[str, Sequence[float]] = field(default_factory=dict)  # per epoch
    step_norms: Sequence[Sequence[float]] = ()  # the first recurrent layer's, one row per epoch
    diverged: bool = False
    sizes: Mapping[str, int] = field(default_factory=dict)  # examples trained and validated on

    def logs(self) -> dict[str, Any]:
        """What a goal reads: final figures, per-epoch histories, the step norms, `epochs`."""
        logs: dict[str, Any] = {k: v for k, v in self.metrics.items() if v is not None}
        logs.update({k: list(v) for k, v in self.history.items()})  # per epoch wins: the last epoch counts
        if self.diverged and logs.get("loss"):
            # training stopped on a blown-up loss: "the loss blew up" is what a goal like loss >= 1 means
            loss = list(logs["loss"])
            loss[-1] = loss[-1] if math.isfinite(loss[-1]) else math.inf
            logs["loss"] = loss
        if self.step_norms:
            logs["step_grad_norms"] = [list(row) for row in self.step_norms]
        logs["epochs"] = len(self.history.get("loss", []))
        return logs


def differences(exercise: Exercise, used: Mapping[str, Any]) -> list[str]:
    """How the settings a run used differ from the experiment's, one phrase per setting."""
    try:
        expected = run_config(exercise, used)
    except SettingError as exc:  # the run's choices are not ones this experiment allows
        return [str(exc)]
    from tutor.tasks import registry

    settings = registry.get_task(expected.task).settings
    out = []
    for key, value in expected.items():
        if key in exercise.editable:
            continue
        actual = used.get(key)
        if actual != value:
            unset = settings[key].unset if key in settings else ""
            out.append(f"{key} was {_show(actual, unset)}, the experiment fixes {_show(value, unset)}")
    return out


def _show(value: Any, unset: str = "") -> str:
    """A setting's value as the learner reads it (an unset one by what it means: "all")."""
    if value is None:
        return unset or "unset"
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe(used: Mapping[str, Any], sizes: Mapping[str, int]) -> str:
    """The run's settings in one line, data sizes first (what the result was measured on)."""
    parts = []
    if sizes:
        parts.append(f"{sizes.get('train', 0):,} training and {sizes.get('val', 0):,} validation examples")
    skip = {"task", "n_train", "n_val", "source", "subset"}
    parts += [f"{k} {_show(v)}" for k, v in used.items() if k not in skip and v is not None]
    return "This run used: " + ", ".join(parts) + "."


def judge_run(exercise: Exercise, run: ExperimentRun) -> CheckResult:
    """Whether `run` is this experiment (its fixed settings) and reached its goal."""
    if exercise.kind != "experiment":
        raise ValueError(f"exercise {exercise.id!r} is a {exercise.kind}, not an experiment")
    used = describe(run.config, run.sizes)
    wrong = differences(exercise, run.config)
    if wrong:
        return CheckResult(
            False,
            "This run is not the experiment, so the goal was not judged: " + "; ".join(wrong) + ".",
            ["Start the experiment again from the lesson: it restores the settings it fixes.", used],
        )
    result = check_experiment(exercise, run.logs())
    return CheckResult(result.passed, result.message, [*result.details, used])


def check_experiment(exercise: Exercise, logs: Mapping[str, Any]) -> CheckResult:
    """Judge a finished run's logs by the exercise's goal; `logs` maps metric names to values.

    Per-epoch lists are accepted: their last element counts. A named goal (see
    `tutor.course.goals.NAMED_GOALS`) receives the logs as they are. The run's settings are not
    looked at here: `judge_run` checks them first.
    """
    if exercise.kind != "experiment":
        raise ValueError(f"exercise {exercise.id!r} is a {exercise.kind}, not an experiment")
    goal = exercise.goal.strip()
    if goal in NAMED_GOALS:
        return NAMED_GOALS[goal](logs)
    try:
        reached = evaluate_goal(goal, logs)
    except KeyError as exc:
        return CheckResult(False, f"The run did not report {exc.args[0]!r}, which the goal needs.")
    except (TypeError, ZeroDivisionError, ValueError) as exc:
        return CheckResult(False, f"The goal could not be evaluated on this run ({exc}).")
    shown = ", ".join(
        f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}"
        for k, v in final_values(logs).items()
        if k in goal_names(goal)
    )
    if reached:
        return CheckResult(True, f"Goal reached: {exercise.goal_text}", [shown] if shown else [])
    return CheckResult(False, f"Not yet: {exercise.goal_text}", [f"This run: {shown}"] if shown else [])
