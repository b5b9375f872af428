"""The dashboard's setup form: task, model and the settings that apply to them, from the task's table.

The form owns its fields. Every field comes from a settings table (`tutor.tasks.settings`), so
its label, its kind and the bounds it is checked against are those `tutor train` and the lesson
files use. In free play every setting of the chosen task and model is the learner's; with an
experiment loaded, only the ones it leaves editable are, and the rest show the values the run
will use (the preset's, or the table's default where the preset sets nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from tutor.course.model import Exercise
from tutor.tasks import registry
from tutor.tasks.base import RECURRENT, Task
from tutor.tasks.settings import Setting, SettingError, SizeError, merge_order

# Free play on IMDb with a recurrent model starts from lesson 12's preset size: the full data at
# 500 words takes hours per epoch, which is the learner's choice to make, not the default.
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
FIRST = {"task": "long_dependency", "model": "SimpleRNN"}  # what the form shows first


class FieldError(ValueError):
    """A setting the form cannot use; `key` names its field."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def form_settings(tasks: Iterable[Task]) -> dict[str, Setting]:
    """Every setting a form field shows, in an order that keeps each task's own order."""
    tasks = list(tasks)
    found = {name: s for task in tasks for name, s in task.settings.items() if s.form}
    order = merge_order([[n for n in task.settings if n in found] for task in tasks])
    return {name: found[name] for name in order}


FIELDS: dict[str, Setting] = form_settings(registry.TASKS.values())


def free_play_defaults(task: str, model: str | None = None) -> dict[str, Any]:
    """What the form shows for a task and model in free play."""
    spec = registry.get_task(task)
    name = model if model in spec.models else spec.models[0]
    config = spec.defaults(name)
    if name in RECURRENT:
        config.update(QUICK.get(spec.name, {}))
    return config


def _text(value: Any) -> str:
    """A setting as the form writes it."""
    return "" if value is None else str(value)


class SetupForm(Widget):
    """Task, model and settings; Start, Pause and Stop."""

    DEFAULT_CSS = """
    SetupForm { height: 1fr; }
    SetupForm > VerticalScroll { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.experiment: Exercise | None = None
        self.about_experiment = ""  # the note on what an experiment fixes
        self.last_run = ""  # the settings the last run used, as the course describes them
        self.touched: set[str] = set()  # fields the learner typed into since picking the task
        self.options_task = FIRST["task"]  # the task whose models the model list holds

    def compose(self) -> ComposeResult:
        first = free_play_defaults(FIRST["task"], FIRST["model"])
        # not a tab stop of its own: focusing a field scrolls the form to it
        with VerticalScroll(can_focus=False):
            with Grid(id="setup-form"):
                yield Label("Task", id="l-task")
                yield Select(
                    [(task.title, name) for name, task in registry.TASKS.items()],
                    value=FIRST["task"],
                    allow_blank=False,
                    id="f-task",
                    compact=True,
                )
                yield Label("Model", id="l-model")
                models = registry.get_task(FIRST["task"]).models
                yield Select(
                    [(m, m) for m in models], value=FIRST["model"], allow_blank=False, id="f-model", compact=True
                )
                for key, setting in FIELDS.items():
                    yield Label(setting.title, id=f"l-{key}")
                    if setting.kind is bool or setting.choices:
                        options = (
                            [("no", False), ("yes", True)]
                            if setting.kind is bool
                            else [(str(c), c) for c in setting.choices]
                        )
                        value = first.get(key, options[0][1])
                        yield Select(options, value=value, allow_blank=False, id=f"f-{key}", compact=True)
                    else:
                        yield Input(
                            _text(first.get(key)),
                            id=f"f-{key}",
                            compact=True,
                            type="integer" if setting.kind is int else "number",
                            placeholder=setting.unset,
                            tooltip=setting.help,
                        )
            with Horizontal(id="setup-buttons"):
                yield Button("Start", id="b-start", variant="success", compact=True)
                yield Button("Pause", id="b-pause", compact=True, disabled=True)
                yield Button("Stop", id="b-stop", variant="error", compact=True, disabled=True)
            yield Static(id="setup-note")

    def on_mount(self) -> None:
        self.show_fields()
        self.call_after_refresh(lambda: self.touched.clear())  # mounting inputs is not the learner typing

    # -- what the form shows ------------------------------------------------------------------

    @property
    def chosen_task(self) -> Task:
        """The task picked in the form (not `task`: that is the widget's asyncio task)."""
        return registry.get_task(str(self.query_one("#f-task", Select).value))

    @property
    def model(self) -> str:
        return str(self.query_one("#f-model", Select).value)

    def shown_fields(self) -> tuple[str, ...]:
        """The settings that apply to the task and model now in the form, in the form's order."""
        task = self.chosen_task
        model = self.model if self.model in task.models else task.models[0]
        keys = {s.name for s in task.settings.for_model(model) if s.form}
        return tuple(k for k in FIELDS if k in keys)

    def show_fields(self) -> None:
        """Show only the settings that apply to the chosen task and model."""
        shown = set(self.shown_fields())
        for key in FIELDS:
            for prefix in ("l", "f"):
                self.query_one(f"#{prefix}-{key}").display = key in shown

    def fill(self, config: Mapping[str, Any], editable: Iterable[str] | None = None) -> None:
        """Show `config` (its task's free-play values fill any gap); with `editable`, lock the rest."""
        task_name = str(config.get("task", self.chosen_task.name))
        config = {**free_play_defaults(task_name, config.get("model")), **config}
        unlocked = None if editable is None else set(editable)
        # programmatic changes must not look like the learner picking a task or model
        with self.prevent(Select.Changed, Input.Changed):
            model_select = self.query_one("#f-model", Select)
            if task_name != self.options_task:
                model_select.set_options([(m, m) for m in registry.get_task(task_name).models])
                self.options_task = task_name
            for key in ("task", "model", *FIELDS):
                widget = self.query_one(f"#f-{key}")
                if key in config:
                    if isinstance(widget, Select):
                        if config[key] is not None:
                            widget.value = config[key]
                    elif isinstance(widget, Input):
                        widget.value = _text(config[key])
                widget.disabled = unlocked is not None and key not in unlocked
        self.show_fields()

    def load_experiment(self, exercise: Exercise) -> dict[str, Any]:
        """Show the experiment's settings, locked except those it leaves editable; its config."""
        from tutor.course.experiments import run_config

        self.experiment = exercise
        config = dict(run_config(exercise))
        self.fill(config, editable=exercise.editable)
        fixed = [k for k in exercise.config if k not in exercise.editable and k != "task"]
        mine = ", ".join(exercise.editable) or "none"
        self.about_experiment = (
            f"Experiment: the greyed settings are fixed ({', '.join(fixed)} and the defaults the preset "
            f"leaves alone); yours to change: {mine}. ctrl+l leaves it for free play."
        )
        self.show_note()
        return config

    def leave_experiment(self) -> None:
        """Free play: every field is the learner's again (the values stay)."""
        self.experiment = None
        self.about_experiment = ""
        self.fill({}, editable=None)
        self.show_note()

    def show_last_run(self, text: str) -> None:
        """What the last run used (its settings and the data it read), below the form."""
        self.last_run = text
        self.show_note()

    def show_note(self) -> None:
        notes = (self.about_experiment, self.last_run)
        self.query_one("#setup-note", Static).update("\n\n".join(t for t in notes if t))

    def set_running(self, running: bool) -> None:
        """Start is for an idle form, Pause and Stop for a running one."""
        self.query_one("#b-start", Button).disabled = running
        self.query_one("#b-pause", Button).disabled = not running
        self.query_one("#b-pause", Button).label = "Pause"
        self.query_one("#b-stop", Button).disabled = not running

    def set_paused(self, paused: bool) -> None:
        self.query_one("#b-pause", Button).label = "Resume" if paused else "Pause"

    # -- reading it ---------------------------------------------------------------------------

    def read(self) -> dict[str, Any]:
        """The settings of the run the form describes, checked (FieldError names a bad field).

        Only fields that apply to the task and model count. In an experiment only its editable
        fields are read: every other setting is the experiment's, whatever a locked field shows.
        """
        task = self.chosen_task
        chosen: dict[str, Any] = {"task": task.name, "model": self.model}
        for key in self.shown_fields():
            setting = FIELDS[key]
            widget = self.query_one(f"#f-{key}")
            if isinstance(widget, Select):
                chosen[key] = widget.value
                continue
            assert isinstance(widget, Input)
            try:
                chosen[key] = task.settings[key].parse(widget.value)
            except SettingError as exc:
                raise FieldError(key, f"{setting.title} {exc.problem}") from None
        try:
            if self.experiment is not None:
                from tutor.course.experiments import run_config

                return dict(run_config(self.experiment, chosen))
            return dict(task.resolve(chosen))
        except SizeError as exc:
            raise FieldError(exc.key, str(exc)) from None
        except SettingError as exc:
            label = FIELDS[exc.key].title if exc.key in FIELDS else exc.key
            raise FieldError(exc.key, f"{label} {exc.problem}") from None

    # -- the learner's picks --------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        """The learner picked a task or model: offer its settings (in free play, its defaults)."""
        key = (event.select.id or "")[2:]
        if key not in ("task", "model"):
            self.touched.add(key)  # the optimiser the learner picked stays, as typed numbers do
            return
        if event.value == Select.BLANK:
            return
        task = self.chosen_task
        if key == "task":
            self.touched.clear()
            editable = None if self.experiment is None else self.experiment.editable
            self.fill({"task": task.name} if self.experiment else free_play_defaults(task.name), editable)
            return
        if self.experiment is not None:
            self.show_fields()
            return
        # another model of the same task: what the learner typed stays, the rest follows the model
        new = free_play_defaults(task.name, self.model)
        with self.prevent(Input.Changed, Select.Changed):
            for field, value in new.items():
                widget = self.query(f"#f-{field}").first() if field in FIELDS else None
                if widget is None or field in self.touched:
                    continue
                if isinstance(widget, Input):
                    widget.value = _text(value)
                elif isinstance(widget, Select) and value is not None:
                    widget.value = value
        self.show_fields()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Remember the settings the learner typed: picking another model keeps them."""
        self.touched.add((event.input.id or "")[2:])
