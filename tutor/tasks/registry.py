"""The tasks the tutor can train, by name: the one list the dashboard, lessons and `tutor train` read.

    task = get_task("imdb")                   # title, metric, models, settings table
    cfg = task.resolve({"model": "lstm", "epochs": 2})   # once per run: defaults, checks
    data = task.load(cfg)                     # TaskData: arrays for the chosen model
    result = task.run(cfg, data, callbacks=[...])         # RunResult: figures, history, model

Adding a task means one new module (a `Task` subclass with its settings table; see
`tutor/tasks/longdep.py` for a small one) and one line in `TASKS` below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tutor.tasks.base import RunConfig, RunResult, Task, TaskData, TaskGroup
from tutor.tasks.chars import Chars
from tutor.tasks.fluent import Fluent
from tutor.tasks.forecast import Nyse
from tutor.tasks.imdb import ImdbBagOfWords, ImdbLasso, ImdbSequence
from tutor.tasks.longdep import LongDependency
from tutor.tasks.reverse import Reverse
from tutor.tasks.settings import SettingError

if TYPE_CHECKING:
    from tutor.engine import Callback
    from tutor.tasks.base import Progress

TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        LongDependency(),
        TaskGroup(
            "imdb", "IMDb review sentiment", ImdbLasso(), ImdbBagOfWords(), ImdbSequence(),
            notes="validation: a fixed 20% of the train split; lasso and mlp read bag-of-words rows",
            command="imdb",
            command_help=(
                "IMDb sentiment: validation accuracy on a held-out 20% of the train split "
                "(and the test split if present)."
            ),
        ),
        TaskGroup("imdb_bow", "IMDb sentiment from bags of words", ImdbLasso(), ImdbBagOfWords()),
        Nyse(),
        Chars(),
        Fluent(),
        Reverse(),
    )
}  # fmt: skip

# other spellings of the names
TASK_ALIASES = {"longdep": "long_dependency", "long-dependency": "long_dependency", "imdb-bow": "imdb_bow"}


def get_task(name: str) -> Task:
    """The task called `name` (``longdep`` and other spellings accepted); SettingError if none."""
    key = str(name).lower()
    key = TASK_ALIASES.get(key, key)
    if key not in TASKS:
        raise SettingError("task", f"{name!r} is unknown: pick one of {', '.join(TASKS)}")
    return TASKS[key]


def resolve(config: Mapping[str, Any], strict: bool = False) -> RunConfig:
    """`config` (with a ``task``) resolved by its task: see `Task.resolve`."""
    if not config.get("task"):
        raise SettingError("task", "is missing")
    return get_task(str(config["task"])).resolve(config, strict=strict)


def run(
    config: Mapping[str, Any],
    callbacks: Sequence[Callback] = (),
    progress: Progress | None = None,
    data: TaskData | None = None,
) -> RunResult:
    """Resolve, load, train (or fit) and score one config: the whole run, for scripts and tests."""
    cfg = config if isinstance(config, RunConfig) else resolve(config)
    task = get_task(cfg.task)
    if data is None:
        from tutor.tasks.base import tell

        tell(progress, "data", task=cfg.task)
        data = task.load(cfg)
    return task.run(cfg, data, callbacks, progress)
