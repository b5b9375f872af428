"""The dashboard's view of the tasks: the task registry seen through the setup form.

Everything trainable comes from `tutor.tasks.registry` (the same code `tutor train` runs): which
models a task has, its defaults, its metric, its data and the run itself. This module only adds
what the form needs: which fields apply to a task and model, quick defaults for free play, and
notices that say what to do when data is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tutor.errors import TutorError
from tutor.tasks import registry
from tutor.tasks.base import RECURRENT, RunResult, TaskData

RECURRENT_MODELS = RECURRENT

# Settings a run starts from; a lesson's preset or the learner's form overrides them.
DEFAULTS: dict[str, Any] = registry.get_task("long_dependency").defaults("SimpleRNN")

# Free play on IMDb starts from lesson 9's preset size: the full data at 500 words takes hours
# per epoch with a recurrent model, which is the learner's choice to make, not the default.
QUICK: dict[str, dict[str, Any]] = {
    "imdb": {
        "n_train": 2000,
        "n_val": 500,
        "seq_len": 200,
        "epochs": 3,
        "lr": 0.003,
        "optimizer": "adam",
        "batch_size": 32,
    },
}

# form fields in display order; which of them a run shows depends on its task and model
FIELD_ORDER: tuple[str, ...] = (
    "units",
    "seq_len",
    "lag",
    "day_of_week",
    "embed_dim",
    "vocab_size",
    "n_train",
    "n_val",
    "dropout",
    "lr",
    "clipnorm",
    "epochs",
    "batch_size",
    "seed",
)

IMDB_HELP = (
    "run `tutor data download imdb` (84 MB) in a terminal, or set TUTOR_IMDB to an "
    "aclImdb folder or .tar.gz, then start again"
)

METRIC_LABELS = {"accuracy": "accuracy", "r2": "R²"}


@dataclass(frozen=True)
class TaskInfo:
    """A task the dashboard offers: its name, label, models and metric."""

    name: str
    label: str
    models: tuple[str, ...]
    metric: str = "accuracy"


TASKS: dict[str, TaskInfo] = {
    name: TaskInfo(name, spec.title, spec.models, spec.metric) for name, spec in registry.TASKS.items()
}


def metric_label(metric: str) -> str:
    """How a metric is written for the learner ("R²" for r2)."""
    return METRIC_LABELS.get(metric, metric)


def is_baseline(config: Mapping[str, Any]) -> bool:
    """True for models fitted in one go (lasso, AR, naive): one final figure, no epochs."""
    task = registry.TASKS.get(str(config.get("task")))
    return task is not None and task.is_baseline(str(config.get("model")))


def task_defaults(task: str, model: str | None = None) -> dict[str, Any]:
    """The full config the form shows for a task and model in free play."""
    spec = registry.get_task(task)
    name = model if model in spec.models else spec.models[0]
    config = spec.defaults(name)
    if name in RECURRENT_MODELS:
        config.update(QUICK.get(spec.name, {}))
    return config


def form_fields(task: str, model: str) -> tuple[str, ...]:
    """The settings that matter for this task and model, in display order (optimizer included)."""
    if task not in registry.TASKS:
        return tuple(k for k in FIELD_ORDER if k in DEFAULTS) + ("optimizer",)
    spec = registry.get_task(task)
    name = model if model in spec.models else spec.models[0]
    keys = {s.name for s in spec.settings.for_model(name) if s.form}
    return tuple(k for k in FIELD_ORDER if k in keys) + (("optimizer",) if "optimizer" in keys else ())


def resolve(config: Mapping[str, Any]) -> dict[str, Any]:
    """The registry's full config; TutorError for a task or model it cannot train."""
    task = config.get("task")
    if task not in registry.TASKS:
        raise TutorError(f"the {task} task cannot be trained in the dashboard: pick one of {', '.join(TASKS)}")
    try:
        return dict(registry.resolve({k: v for k, v in config.items() if v is not None}))
    except ValueError as exc:
        raise TutorError(str(exc)) from None


def load_data(config: Mapping[str, Any]) -> TaskData:
    """The run's arrays; a missing IMDb copy becomes a TutorError that says what to do."""
    cfg = registry.resolve(config)
    return registry.get_task(cfg.task).load(cfg)


def run(
    config: Mapping[str, Any],
    data: TaskData,
    callbacks: Iterable[Any],
    progress: Callable[[Any], bool | None],
) -> RunResult:
    """Train (or fit) and score the model: the registry's result."""
    return registry.run(config, callbacks=list(callbacks), progress=progress, data=data)
