"""What every task is: a settings table, data loading, model building and a run with a typed result.

A task (`Task`) is one kind of thing the tutor trains: the long-dependency toy, IMDb reviews as
word sequences, IMDb bags of words, the IMDb lasso, the NYSE forecast. `TaskGroup` shows several
of them under one name (the course's "imdb" task offers the lasso, the bag-of-words network and
the recurrent models). The registry (`tutor.tasks.registry`) maps names to tasks.

A run goes: `task.resolve(config)` once (defaults filled in, every value checked against the
settings table) -> `task.load(cfg)` -> `task.run(cfg, data, callbacks, progress)` -> `RunResult`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from tutor.tasks.settings import Setting, SettingError, Settings

if TYPE_CHECKING:
    from tutor.engine import Callback, Sequential

RECURRENT: tuple[str, ...] = ("SimpleRNN", "LSTM", "GRU")
CONVOLUTIONAL: tuple[str, ...] = ("Conv1D",)

# the spellings `tutor train` offers, in its order, and the models and settings they stand for
MODEL_ALIASES: dict[str, tuple[str, Mapping[str, Any]]] = {
    "lasso": ("lasso", {}),
    "mlp": ("mlp", {}),
    "rnn": ("SimpleRNN", {}),
    "lstm": ("LSTM", {}),
    "gru": ("GRU", {}),
    "ar": ("ar", {"day_of_week": False}),
    "ar-dow": ("ar", {"day_of_week": True}),
    "naive": ("naive", {}),
    "conv": ("Conv1D", {}),
    # other spellings a config may use
    "simplernn": ("SimpleRNN", {}),
    "simple_rnn": ("SimpleRNN", {}),
    "ar_dow": ("ar", {"day_of_week": True}),
    "yesterday": ("naive", {}),
    "conv1d": ("Conv1D", {}),
    "cnn": ("Conv1D", {}),
}
CLI_MODEL_NAMES: tuple[str, ...] = ("lasso", "mlp", "rnn", "lstm", "gru", "conv", "ar", "ar-dow", "naive")
CANONICAL_MODELS: frozenset[str] = frozenset(canonical for canonical, _ in MODEL_ALIASES.values())

METRIC_LABELS = {"accuracy": "accuracy", "r2": "R²"}


def canonical_model(model: str) -> tuple[str, dict[str, Any]]:
    """The model's own name (``SimpleRNN`` for ``rnn``) and the settings its alias implies."""
    key = str(model).strip()
    if key in CANONICAL_MODELS:
        return key, {}
    if key.lower() in MODEL_ALIASES:
        canonical, implied = MODEL_ALIASES[key.lower()]
        return canonical, dict(implied)
    raise SettingError("model", f"{model!r} is unknown")


def recurrent_layer(model: str) -> Any:
    """The engine's layer class for a recurrent model, by any of its names (``rnn``, ``LSTM``)."""
    from tutor import engine

    name, _ = canonical_model(model)
    if name not in RECURRENT:
        raise SettingError("model", f"{model!r} is not a recurrent layer: pick one of {', '.join(RECURRENT)}")
    return getattr(engine, name)


# -- what a run reads, how it is set up, what it reports ------------------------------------------


@dataclass(frozen=True)
class RunConfig(Mapping[str, Any]):
    """A run's settings, resolved once: every setting of the model, defaults filled in, checked.

    Reads like the dict it was made from (``cfg["units"]``, ``dict(cfg)``), with ``task`` and
    ``model`` among the keys.
    """

    task: str
    model: str
    settings: Mapping[str, Any]  # every setting of this model, without task and model
    name: str = ""  # the model as it was asked for ("ar-dow"), for reports

    def _all(self) -> dict[str, Any]:
        return {"task": self.task, "model": self.model, **self.settings}

    def __getitem__(self, key: str) -> Any:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return 2 + len(self.settings)

    def plain(self) -> dict[str, Any]:
        """The settings as JSON-ready values (what a saved run or model keeps)."""
        return {k: v for k, v in self._all().items() if v is None or isinstance(v, int | float | str | bool)}


@dataclass
class TaskData:
    """Arrays for one configured run: what the model reads (x) and the targets (y)."""

    x_train: Any
    y_train: np.ndarray
    x_val: Any
    y_val: np.ndarray
    metric: str  # "accuracy" or "r2": the epoch log key, with "val_" for the validation part
    x_test: Any = None
    y_test: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)  # e.g. the vocabulary, for saved models

    def sizes(self) -> dict[str, int]:
        """How many examples each part holds: what the run actually trained and scored on."""
        out = {"train": len(self.y_train), "val": len(self.y_val)}
        if self.y_test is not None:
            out["test"] = len(self.y_test)
        return out


@dataclass(frozen=True)
class Stage:
    """A stage of a run began (data, train, evaluate, test), or the lasso path took a step."""

    name: str
    info: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


# hears about stages; returning True asks the run to stop (the lasso path checks it)
Progress = Callable[[Stage], "bool | None"]


def tell(progress: Progress | None, stage: str, **info: Any) -> bool:
    """Report a stage; True if the listener asked to stop."""
    return bool(progress(Stage(stage, MappingProxyType(info)))) if progress is not None else False


@dataclass
class RunResult:
    """A finished (or stopped) run: final figures, per-epoch history, the trained model."""

    config: RunConfig
    metric: str  # "accuracy" or "r2"
    metrics: dict[str, float | int | None]  # final figures: val_accuracy, test_r2, best_epoch...
    history: dict[str, list[float]]  # per epoch; a baseline has one entry per figure
    epochs: int  # epochs trained (0 for a baseline)
    sizes: dict[str, int]  # examples in each part the run used: train, val (test)
    seconds: float = 0.0
    interrupted: bool = False  # stopped early (Ctrl-C, the dashboard's stop)
    diverged: bool = False  # the loss blew up: training stopped
    trained: Sequential | None = None  # the model, or a baseline's weights as one (None: naive)
    step_grad_norms: dict[str, list[np.ndarray]] = field(default_factory=dict)  # per layer, per epoch
    path: list[dict[str, float]] = field(default_factory=list)  # the lasso's λ path

    @property
    def task(self) -> str:
        return self.config.task

    @property
    def model(self) -> str:
        return self.config.model


def finite(metrics: Mapping[str, Any]) -> dict[str, float | int | None]:
    """Plain numbers for JSON: NaN and infinity become None, counts stay integers."""
    out: dict[str, float | int | None] = {}
    for key, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            continue
        if isinstance(value, int | np.integer):
            out[key] = int(value)
        else:
            out[key] = float(value) if math.isfinite(value) else None
    return out


# -- tasks ----------------------------------------------------------------------------------------


class Task(ABC):
    """One kind of run: its models, its settings table, its data, its models and its run."""

    name: str = ""
    title: str = ""
    metric: str = "accuracy"
    models: tuple[str, ...] = ()
    settings: Settings = Settings(())
    baselines: frozenset[str] = frozenset()  # models fitted in one go: no epochs
    needs_download: bool = False
    keeps_models: bool = False  # the dashboard keeps its trained models for the playground
    notes: str = ""
    # What the lessons call the part scored after every epoch (the figures logged as "val_..."):
    # "val" for a held-out validation part, "test" where the course scores on its test days.
    scored_on: str = "val"
    # `tutor train`: the command's name (None: not offered there), its help, and what it starts
    # from where the table's default is not the figure that command reproduces
    command: str | None = None
    command_help: str = ""
    command_defaults: Mapping[str, Any] = MappingProxyType({})

    @property
    def metric_label(self) -> str:
        """The metric as a learner reads it ("R²")."""
        return METRIC_LABELS.get(self.metric, self.metric)

    def is_baseline(self, model: str) -> bool:
        return model in self.baselines

    def defaults(self, model: str | None = None) -> dict[str, Any]:
        """The full config of `model` (the task's first if None) at the table's defaults."""
        name = self.models[0] if model is None else self.own_model(model)[0]
        return {"task": self.name, "model": name, **self.settings.defaults(name)}

    def own_model(self, model: str) -> tuple[str, dict[str, Any]]:
        """The model's name and implied settings; SettingError if the task has no such model."""
        try:
            name, implied = canonical_model(model)
        except SettingError:
            raise SettingError("model", f"{model!r} is unknown: pick one of {', '.join(self.models)}") from None
        if name not in self.models:
            raise SettingError(
                "model", f"{name} does not apply to the {self.name} task: pick one of {', '.join(self.models)}"
            )
        return name, implied

    def resolve(self, config: Mapping[str, Any], strict: bool = False) -> RunConfig:
        """Defaults filled in and every value checked: the one config a run uses.

        Settings that do not apply to the model are dropped (a preset written for the LSTM
        keeps working when the learner picks the lasso), or refused when `strict` (the CLI's
        options, a lesson's preset). None means "not given": the default.
        """
        asked = str(config.get("model") or self.models[0])
        model, implied = self.own_model(asked)
        table = self.settings
        values = table.defaults(model)
        for key, value in config.items():
            if key in ("task", "model") or value is None:
                continue
            if key not in table:
                raise SettingError(key, f"is not a setting of the {self.name} task")
            if not table[key].applies_to(model):
                if strict:
                    raise SettingError(key, f"does not apply to the {model} model")
                continue
            values[key] = table[key].check(value)
        for key, value in implied.items():
            values[key] = table[key].check(value)
        self.complete(model, values)
        return RunConfig(self.name, model, MappingProxyType(values), name=asked)

    def complete(self, model: str, values: dict[str, Any]) -> None:
        """Fill in settings whose default depends on others, and check combinations (in place)."""
        return None  # most tasks have neither

    @abstractmethod
    def load(self, cfg: RunConfig) -> TaskData:
        """The arrays the run's model reads; TutorError (saying what to do) if data is missing."""

    def build(self, cfg: RunConfig, data: TaskData) -> Sequential:
        """A compiled engine model for the run (a baseline has none: ValueError)."""
        raise ValueError(f"{cfg.model} is fitted directly, not trained by the engine: use run()")

    def run(
        self,
        cfg: RunConfig,
        data: TaskData,
        callbacks: Sequence[Callback] = (),
        progress: Progress | None = None,
    ) -> RunResult:
        """Train (or fit) and score the model. Ctrl-C ends it early with `interrupted` set.

        By default the engine model of `build` is trained with `fit` and scored; baselines and
        tasks that score in their own way override this."""
        from tutor.tasks.fitting import train_and_score  # fitting builds on this module

        return train_and_score(cfg, data, self.build(cfg, data), callbacks, progress)

    def metadata(self, cfg: RunConfig, data: TaskData) -> dict[str, Any]:
        """What a saved model carries besides weights (enough for `tutor predict` to read it)."""
        return {"task": self.name, "model": cfg.model, "config": cfg.plain()}

    def label(self, cfg: Mapping[str, Any]) -> str:
        """A short name for a run: the model and the settings that shape it."""
        return f"{cfg.get('model')} {cfg.get('units')}u"

    def owner(self, model: str) -> Task:
        """The task that runs `model` (itself, except in a group)."""
        return self


class TaskGroup(Task):
    """Several tasks offered under one name: each model runs in the task that has it."""

    def __init__(
        self,
        name: str,
        title: str,
        *members: Task,
        notes: str = "",
        command: str | None = None,
        command_help: str = "",
    ) -> None:
        metrics = {m.metric for m in members}
        if len(metrics) != 1:
            raise ValueError(f"the {name} group mixes metrics {sorted(metrics)}")
        self._members = members
        # instance attributes shadow the class-level declarations of Task
        self.name = name
        self.title = title
        self.metric = metrics.pop()
        self.models = tuple(model for m in members for model in m.models)
        self.settings = Settings.merge((m.settings, m.models) for m in members)
        self.baselines = frozenset().union(*(m.baselines for m in members))
        self.needs_download = any(m.needs_download for m in members)
        self.keeps_models = any(m.keeps_models for m in members)
        parts = {m.scored_on for m in members}
        self.scored_on = parts.pop() if len(parts) == 1 else "val"
        self.notes = notes
        self.command = command
        self.command_help = command_help

    def owner(self, model: str) -> Task:
        for member in self._members:
            if model in member.models:
                return member
        raise SettingError("model", f"{model} does not apply to the {self.name} task")

    def complete(self, model: str, values: dict[str, Any]) -> None:
        self.owner(model).complete(model, values)

    def load(self, cfg: RunConfig) -> TaskData:
        return self.owner(cfg.model).load(cfg)

    def build(self, cfg: RunConfig, data: TaskData) -> Sequential:
        return self.owner(cfg.model).build(cfg, data)

    def run(
        self,
        cfg: RunConfig,
        data: TaskData,
        callbacks: Sequence[Callback] = (),
        progress: Progress | None = None,
    ) -> RunResult:
        return self.owner(cfg.model).run(cfg, data, callbacks, progress)

    def metadata(self, cfg: RunConfig, data: TaskData) -> dict[str, Any]:
        return {**self.owner(cfg.model).metadata(cfg, data), "task": self.name}

    def label(self, cfg: Mapping[str, Any]) -> str:
        return self.owner(str(cfg.get("model"))).label(cfg)


def settings_of(tasks: Iterable[Task]) -> dict[str, Setting]:
    """Every setting any of `tasks` has, first appearance first (the form's fields)."""
    out: dict[str, Setting] = {}
    for task in tasks:
        for name, setting in task.settings.items():
            out.setdefault(name, setting)
    return out
