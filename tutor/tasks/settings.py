"""Settings tables: every setting a task's run takes, with its type, default, bounds and help.

One table per task is the single source for the dashboard's setup form, the options of
`tutor train` and the validation of lesson experiments, so the three cannot disagree. A
setting may apply to some of the task's models only (the lasso has no learning rate), and its
default may differ by model (16 units for the bag-of-words network, 32 for the recurrent ones).

Upper bounds are there to refuse sizes that cannot run on a laptop (100,000 units, sequences of
a hundred million steps) with a clear sentence instead of a MemoryError; they are generous
enough for every experiment the course suggests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from tutor.errors import TutorError

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class SettingError(TutorError, ValueError):
    """A setting with a value it cannot take; `key` names the setting, `problem` says why.

    A ValueError too, for the callers that validate configs (the lesson loader) and report any
    ValueError with the file it came from.
    """

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key} {problem}")
        self.key = key
        self.problem = problem


class SizeError(SettingError):
    """Sizes each within bounds whose combination cannot fit in memory; the message is whole."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(key, message)
        self.args = (message,)

    def __str__(self) -> str:
        return self.problem


@dataclass(frozen=True)
class Setting:
    """One setting of a run."""

    name: str
    kind: type  # int, float, bool or str
    default: Any  # None: not set, and `unset` says what that means
    help: str  # one line, for the CLI's --help and the form's tooltip
    label: str = ""  # the form's label (default: the name)
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # the bound itself is not allowed (a learning rate > 0)
    high_open: bool = False  # (dropout < 1)
    choices: tuple[Any, ...] = ()
    unset: str = ""  # what leaving it unset means ("every review"); settings whose default is None
    models: frozenset[str] | None = None  # the models it applies to; None: all of the task's
    model_defaults: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    flag: str | None = ""  # the `tutor train` option ("" derives --seq-len from seq_len; None: none)
    form: bool = True  # shown in the dashboard's setup form
    lesson: bool = True  # a lesson's experiment may preset it

    @property
    def title(self) -> str:
        """How the form labels it."""
        return self.label or self.name

    @property
    def option(self) -> str | None:
        """The `tutor train` option, or None if the command has none for it."""
        if self.flag is None:
            return None
        return self.flag or "--" + self.name.replace("_", "-")

    def applies_to(self, model: str) -> bool:
        return self.models is None or model in self.models

    def default_for(self, model: str) -> Any:
        return self.model_defaults.get(model, self.default)

    def but(self, **changes: Any) -> Setting:
        """A copy with some fields changed: tasks share the common settings and adjust them."""
        if "models" in changes and changes["models"] is not None:
            changes["models"] = frozenset(changes["models"])
        if "model_defaults" in changes:
            changes["model_defaults"] = MappingProxyType(dict(changes["model_defaults"]))
        return replace(self, **changes)

    # -- checking -----------------------------------------------------------------------------

    def check(self, value: Any) -> Any:
        """`value` as the run uses it (an int given for a float becomes a float).

        Raises SettingError with a sentence a learner can act on.
        """
        if value is None:
            if self.default is None:
                return None
            raise SettingError(self.name, "needs a value")
        if self.kind is bool:
            if not isinstance(value, bool):
                raise SettingError(self.name, "must be true or false")
            return value
        if self.kind is str:
            if not isinstance(value, str):
                raise SettingError(self.name, "must be text")
            if self.choices and value not in self.choices:
                raise SettingError(self.name, f"must be one of {', '.join(map(str, self.choices))} (got {value!r})")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingError(self.name, "must be " + ("an integer" if self.kind is int else "a number"))
        if self.kind is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise SettingError(self.name, f"must be an integer (got {value:g})")
                value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise SettingError(self.name, f"must be a finite number (got {value})")
        if self.choices and value not in self.choices:
            raise SettingError(self.name, f"must be one of {', '.join(map(str, self.choices))} (got {value})")
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            raise SettingError(self.name, f"must be {'above' if self.low_open else 'at least'} {_num(self.low)}")
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            raise SettingError(self.name, f"must be {'below' if self.high_open else 'at most'} {_num(self.high)}")
        return value

    def parse(self, text: str) -> Any:
        """A value typed as text (the form's fields); blank means unset."""
        text = text.strip()
        if not text:
            if self.default is None:
                return None
            raise SettingError(self.name, "needs a value")
        if self.kind is bool:
            lowered = text.lower()
            if lowered in ("true", "yes", "1"):
                return True
            if lowered in ("false", "no", "0"):
                return False
            raise SettingError(self.name, f"must be yes or no (got {text!r})")
        if self.kind is str:
            return self.check(text)
        try:
            number: int | float = int(text) if self.kind is int else float(text)
        except ValueError:
            raise SettingError(
                self.name, f"must be {'an integer' if self.kind is int else 'a number'}, not {text!r}"
            ) from None
        return self.check(number)

    def bounds(self) -> str:
        """The allowed range in words, e.g. "1 to 1,024" (empty when unbounded)."""
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        low = None if self.low is None else ("above " if self.low_open else "") + _num(self.low)
        high = None if self.high is None else ("below " if self.high_open else "") + _num(self.high)
        if low and high:
            return f"{low} to {high}"
        if low:
            return f"{low} or more" if not self.low_open else low
        return f"up to {high}" if high else ""


def _num(value: float) -> str:
    """A bound as a learner reads it: 1,024; 0.5."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


class Settings(Mapping[str, Setting]):
    """A task's settings, by name, in the order the form shows them."""

    def __init__(self, settings: Iterable[Setting]) -> None:
        self._settings: dict[str, Setting] = {}
        for setting in settings:
            if setting.name in self._settings:
                raise ValueError(f"setting {setting.name!r} is listed twice")
            self._settings[setting.name] = setting

    def __getitem__(self, name: str) -> Setting:
        return self._settings[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._settings)

    def __len__(self) -> int:
        return len(self._settings)

    def for_model(self, model: str) -> tuple[Setting, ...]:
        """The settings that apply to `model`, in order."""
        return tuple(s for s in self._settings.values() if s.applies_to(model))

    def defaults(self, model: str) -> dict[str, Any]:
        """Every setting of `model` at its default."""
        return {s.name: s.default_for(model) for s in self.for_model(model)}

    @staticmethod
    def merge(tables: Iterable[tuple[Settings, tuple[str, ...]]]) -> Settings:
        """One table for several tasks shown as one (each with its models): per-model defaults.

        A setting two of them share must agree on its type, bounds and help; its default may
        differ by model.
        """
        merged: dict[str, Setting] = {}
        tables = list(tables)
        for table, models in tables:
            for setting in table.values():
                own = frozenset(m for m in models if setting.applies_to(m))
                defaults = {m: setting.default_for(m) for m in own}
                if setting.name not in merged:
                    merged[setting.name] = setting.but(models=own, model_defaults=defaults)
                    continue
                known = merged[setting.name]
                same = known.but(models=None, model_defaults={}, default=None)
                if same != setting.but(models=None, model_defaults={}, default=None):
                    raise ValueError(f"setting {setting.name!r} differs between the merged tasks")
                assert known.models is not None
                merged[setting.name] = known.but(
                    models=known.models | own, model_defaults={**known.model_defaults, **defaults}
                )
        order = merge_order([list(table) for table, _ in tables])
        return Settings(merged[name] for name in order)


def merge_order(orders: Iterable[Sequence[str]]) -> list[str]:
    """One order of the names of several lists that keeps each list's own order where it can."""
    merged: list[str] = []
    for names in orders:
        previous = -1
        for name in names:
            if name in merged:
                previous = merged.index(name)
                continue
            merged.insert(previous + 1, name)
            previous += 1
    return merged


# -- the settings most tasks share (tasks adjust defaults and models with `but`) -----------------

UNITS = Setting(
    "units", int, 16, "Hidden units of the recurrent layer (or of each hidden layer).", "Units", low=1, high=1024
)
EPOCHS = Setting("epochs", int, 10, "Passes over the training data.", "Epochs", low=1, high=10_000)
BATCH_SIZE = Setting("batch_size", int, 64, "Examples per gradient step.", "Batch size", low=1, high=65_536)
OPTIMIZER = Setting(
    "optimizer", str, "rmsprop", "How the gradient moves the weights.", "Optimiser", choices=("sgd", "adam", "rmsprop")
)
LR = Setting("lr", float, 0.001, "Learning rate: the size of each step.", "Learn. rate", low=0.0, low_open=True)
CLIPNORM = Setting(
    "clipnorm", float, 0.0, "Clip the gradient's global norm to this (0: no clipping).", "Clip (0=off)", low=0.0
)
DROPOUT = Setting(
    "dropout", float, 0.0, "Share of the recurrent layer's inputs dropped while training.", "Dropout",
    low=0.0, high=1.0, high_open=True,
)  # fmt: skip
SEED = Setting("seed", int, 0, "Seed for the initial weights and the batch order.", "Seed", low=0, high=2**32 - 1)
N_TRAIN = Setting("n_train", int, None, "Training examples to use.", "Train size", low=1)
N_VAL = Setting("n_val", int, None, "Validation examples to use.", "Val. size", low=1)

TRAINING: tuple[Setting, ...] = (EPOCHS, BATCH_SIZE, OPTIMIZER, LR, CLIPNORM, SEED)
