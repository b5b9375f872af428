"""The training dashboard: set up a run, watch it train live, compare saved runs."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
    Tabs,
)
from textual.worker import get_current_worker

from tutor.course import experiments
from tutor.tui import tasks_bridge
from tutor.tui.tasks_bridge import DEFAULTS, TASKS, form_fields, metric_label
from tutor.tui.training import (
    BatchProgress,
    EpochDone,
    RunControl,
    StageProgress,
    TrainingDone,
    run_training,
)
from tutor.tui.widgets.gradmap import GradHeatmap
from tutor.tui.widgets.plots import CachedPlot, log10_norms, plot_levels, plot_series

if TYPE_CHECKING:
    from tutor.course.model import Exercise
    from tutor.tui.app import TutorApp

REDRAW_INTERVAL = 0.3  # seconds: plots redraw at most ~3 times a second, whatever training does
# While a run trains, drawing the plots may take at most this share of the time: plotext builds
# each figure in Python, and the UI's processor time is the training's on a two-core machine.
PLOT_SHARE = 0.05
# form field -> (label, kind, lowest value, whether the lowest is allowed, may be left blank)
NUMBER_FIELDS: dict[str, tuple[str, type, float, bool, bool]] = {
    "units": ("Units", int, 1, True, False),
    "seq_len": ("Seq. length", int, 2, True, False),
    "lag": ("Lag (days)", int, 1, True, False),
    "embed_dim": ("Embed dim", int, 1, True, False),
    "vocab_size": ("Vocab size", int, 3, True, False),
    "n_train": ("Train size", int, 1, True, True),  # IMDb: blank = every training review
    "n_val": ("Val. size", int, 1, True, True),
    "dropout": ("Dropout", float, 0.0, True, False),
    "lr": ("Learn. rate", float, 0.0, False, False),
    "clipnorm": ("Clip (0=off)", float, 0.0, True, False),
    "epochs": ("Epochs", int, 1, True, False),
    "batch_size": ("Batch size", int, 1, True, False),
    "seed": ("Seed", int, 0, True, False),
}
# Every task a lesson may preset is listed (the course's vocabulary); one the registry cannot
# train gives a clear notice. Models follow the chosen task.
TASK_OPTIONS = [(TASKS[t].label if t in TASKS else t, t) for t in dict.fromkeys([*TASKS, *experiments.TASKS])]
SELECT_FIELDS: dict[str, tuple[str, list[tuple[str, Any]]]] = {
    "task": ("Task", TASK_OPTIONS),
    "model": ("Model", [(m, m) for m in TASKS[DEFAULTS["task"]].models]),
    "optimizer": ("Optimiser", [(o, o) for o in experiments.OPTIMIZERS]),
    "day_of_week": ("Day of week", [("no", False), ("yes", True)]),
}
FIELDS = (*SELECT_FIELDS, *NUMBER_FIELDS)


class FieldError(ValueError):
    """A setting the form cannot use; `key` names its field."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def model_options(task: str) -> list[tuple[str, str]]:
    """The models a task offers (every course model for a task the registry lacks)."""
    models = TASKS[task].models if task in TASKS else experiments.MODELS
    return [(m, m) for m in models]


def run_label(config: dict[str, Any]) -> str:
    """A short name for a run: the model and the settings that shape it."""
    model, task = config.get("model"), config.get("task")
    if model in ("ar", "naive"):
        return f"{model} lag={config.get('lag')}" + (" +day" if config.get("day_of_week") else "")
    if model in ("lasso", "mlp"):
        size = f" {config.get('units')}u" if model == "mlp" else ""
        return f"{model}{size} {config.get('vocab_size')} words"
    if task == "nyse":
        return f"{model} {config.get('units')}u lag={config.get('lag')}"
    return f"{model} {config.get('units')}u T={config.get('seq_len')}"


def epochs_cell(config: dict[str, Any]) -> str:
    """Epochs a saved run trained, "9/30" when it was stopped early (runs saved before: as set)."""
    planned, trained = config.get("epochs"), config.get("epochs_trained")
    if trained is None or planned is None or trained >= planned:
        return "" if planned is None else str(planned)
    return f"{trained}/{planned}"


def experiment_logs(done: TrainingDone) -> dict[str, Any]:
    """What an experiment goal reads: final figures, per-epoch histories, first layer's step norms."""
    logs: dict[str, Any] = {k: v for k, v in done.metrics.items() if v is not None}
    logs.update(done.history)  # per-epoch values win: a goal judges the last finished epoch
    if done.diverged and logs.get("loss"):
        # the engine stops on a NaN loss; "the loss blew up" is what a goal like loss >= 1 means
        loss = list(logs["loss"])
        loss[-1] = loss[-1] if math.isfinite(loss[-1]) else math.inf
        logs["loss"] = loss
    if done.step_norms:
        logs["step_grad_norms"] = next(iter(done.step_norms.values()))
    logs["epochs"] = len(done.history.get("loss", []))
    return logs


def _text(value: Any) -> str:
    """A setting as the form writes it."""
    return "" if value is None else str(value)


class DashboardScreen(Screen[None]):
    """Train a recurrent network on a task and watch loss, metric and per-step gradients."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "start", "Start", priority=True),
        Binding("ctrl+g", "pause", "Pause", priority=True),
        Binding("ctrl+s", "stop", "Stop", priority=True),
        Binding("ctrl+l", "leave_experiment", "Free play", priority=True),
        Binding("f2", "app.goto_mode('map')", "Course"),
    ]

    app: TutorApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.control: RunControl | None = None
        self.experiment: Exercise | None = None
        self.config: dict[str, Any] = dict(DEFAULTS)
        self.history: dict[str, list[float]] = {}
        self.progress: BatchProgress | None = None
        self.grad_layer = ""
        # Two flags: batch progress only changes the status line (cheap); the plots, which cost
        # real processor time, redraw at most once per epoch and within PLOT_SHARE.
        self.status_dirty = False
        self.plots_dirty = False
        self.plots_drawn_at = 0.0  # time.monotonic() of the last plot redraw
        self.status_note = "Set up a run, then press ctrl+r."
        self.overlay_ids: list[int] = []  # saved run ids shown in the Runs tab
        self.preset: dict[str, Any] = {}  # the experiment's config, for settings the form lacks
        self.touched: set[str] = set()  # fields the learner typed into since picking the task
        self.options_task = str(DEFAULTS["task"])  # the task whose models the model list holds
        self.metric = TASKS[DEFAULTS["task"]].metric
        self.result: TrainingDone | None = None  # the last finished run
        self.lasso_path: list[float] = []  # validation accuracy at each λ of a running lasso
        self.show_timing = True  # snapshot tests turn it off: seconds differ run to run

    # ------------------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header(icon="∿")
        yield Static(id="run-status")
        with TabbedContent(initial="setup", id="dash-tabs"):
            # not a tab stop of its own: focusing a field scrolls the form to it
            with TabPane("Setup", id="setup"), VerticalScroll(can_focus=False):
                with Grid(id="setup-form"):
                    for key, (label, options) in SELECT_FIELDS.items():
                        yield Label(label, id=f"l-{key}")
                        yield Select(
                            options,
                            value=DEFAULTS.get(key, options[0][1]),
                            allow_blank=False,
                            id=f"f-{key}",
                            compact=True,
                        )
                    for key, (label, kind, *_) in NUMBER_FIELDS.items():
                        value = DEFAULTS.get(key)
                        yield Label(label, id=f"l-{key}")
                        yield Input(
                            "" if value is None else str(value),
                            id=f"f-{key}",
                            compact=True,
                            type="integer" if kind is int else "number",
                        )
                with Horizontal(id="setup-buttons"):
                    yield Button("Start", id="b-start", variant="success", compact=True)
                    yield Button("Pause", id="b-pause", compact=True, disabled=True)
                    yield Button("Stop", id="b-stop", variant="error", compact=True, disabled=True)
                yield Static(id="setup-note")
            with TabPane("Live", id="live"), Grid(id="live-grid"):
                yield CachedPlot(id="loss-plot")
                yield CachedPlot(id="metric-plot")
                yield GradHeatmap(id="gradmap")
                yield CachedPlot(id="grad-plot")
            with TabPane("Runs", id="runs"):
                yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
                with Horizontal(id="overlay"):
                    yield CachedPlot(id="overlay-loss")
                    yield CachedPlot(id="overlay-grad")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        table.add_columns("overlay (⏎)", "id", "run", "opt", "lr", "epochs")
        self.refresh_runs()
        self.redraw(force=True)
        self.set_interval(REDRAW_INTERVAL, self.redraw)
        self.show_fields()
        self.call_after_refresh(lambda: self.touched.clear())  # mounting inputs is not the learner typing
        self.query_one("#f-model").focus()

    # ------------------------------------------------------------------------------ the form

    def read_form(self) -> dict[str, Any]:
        """The run settings shown in the form (ValueError names a bad field).

        Only the fields that apply to the task and model count; an experiment's preset supplies
        the rest, so a hidden field never carries another task's value into the run.
        """
        task = self.query_one("#f-task", Select).value
        config: dict[str, Any] = dict(self.preset) if self.preset.get("task") == task else {}
        config["task"] = task
        config["model"] = self.query_one("#f-model", Select).value
        for key in self.shown_fields():
            if key in SELECT_FIELDS:
                config[key] = self.query_one(f"#f-{key}", Select).value
                continue
            label, kind, low, inclusive, optional = NUMBER_FIELDS[key]
            text = self.query_one(f"#f-{key}", Input).value.strip()
            if not text and optional:
                config[key] = None
                continue
            try:
                value = kind(text)
            except ValueError:
                raise FieldError(key, f"{label}: {text!r} is not a valid number") from None
            if value < low or (value == low and not inclusive) or (key == "dropout" and value >= 1):
                bound = "below 1" if key == "dropout" and value >= 1 else f"{'>=' if inclusive else '>'} {low:g}"
                raise FieldError(key, f"{label} must be {bound} ({key} = {text})")
            config[key] = value
        if config.get("n_train") is None:
            config.pop("n_train", None)
            config.pop("n_val", None)  # the registry holds out its fixed share of every review
        return config

    def shown_fields(self) -> tuple[str, ...]:
        """The fields that apply to the task and model now in the form."""
        task = self.query_one("#f-task", Select).value
        return form_fields(str(task), str(self.query_one("#f-model", Select).value))

    def fill_form(self, config: dict[str, Any], editable: tuple[str, ...] | None = None) -> None:
        """Show `config` in the form (its task's defaults fill any gap); with `editable`, lock the rest."""
        if config.get("task") in TASKS:
            config = {**tasks_bridge.task_defaults(config["task"], config.get("model")), **config}
        # programmatic changes must not look like the learner picking a task or model
        with self.prevent(Select.Changed, Input.Changed):
            task = config.get("task", self.query_one("#f-task", Select).value)
            model_select = self.query_one("#f-model", Select)
            if task != self.options_task:
                model_select.set_options(model_options(str(task)))
                self.options_task = str(task)
            for key in SELECT_FIELDS:
                widget = self.query_one(f"#f-{key}", Select)
                if key in config and config[key] is not None:
                    widget.value = config[key]
                widget.disabled = editable is not None and key not in editable
            for key in NUMBER_FIELDS:
                widget = self.query_one(f"#f-{key}", Input)
                if key in config:
                    widget.value = "" if config[key] is None else str(config[key])
                widget.disabled = editable is not None and key not in editable
        self.show_fields()

    def show_fields(self) -> None:
        """Show only the settings that apply to the chosen task and model."""
        shown = set(self.shown_fields()) | {"task", "model"}
        for key in FIELDS:
            for prefix in ("l", "f"):
                self.query_one(f"#{prefix}-{key}").display = key in shown

    def on_select_changed(self, event: Select.Changed) -> None:
        """The learner picked a task or model: offer its settings (in free play, its defaults)."""
        key = (event.select.id or "")[2:]
        if key not in ("task", "model") or event.value == Select.BLANK:
            return
        task = str(self.query_one("#f-task", Select).value)
        if self.experiment is not None or task not in TASKS:
            if key == "task":
                self.fill_form({"task": task}, editable=self.experiment.editable if self.experiment else None)
            self.show_fields()
            return
        model = str(self.query_one("#f-model", Select).value)
        new = tasks_bridge.task_defaults(task, model)
        if key == "task":
            self.touched.clear()
            self.fill_form(new)
            return
        # another model of the same task: what the learner typed stays, the rest follows the model
        with self.prevent(Input.Changed):
            for field, value in new.items():
                if field in NUMBER_FIELDS and field not in self.touched:
                    self.query_one(f"#f-{field}", Input).value = _text(value)
        self.show_fields()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Remember the settings the learner typed: picking another model keeps them."""
        self.touched.add((event.input.id or "")[2:])

    # ----------------------------------------------------------------------------- actions

    @property
    def training(self) -> bool:
        return self.control is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out what does not apply now (the footer follows)."""
        if action == "start":
            return not self.training or None
        if action in ("pause", "stop"):
            return self.training or None
        if action == "leave_experiment":
            return self.experiment is not None
        return True

    def action_start(self) -> None:
        if self.training:
            self.notify("A run is already training: stop it first (ctrl+s).", severity="warning")
            return
        try:
            config = self.read_form()
        except ValueError as exc:
            self.notify(f"{exc}. Fix it in Setup and start again.", title="Cannot start", severity="error")
            self.show_tab("setup")
            if isinstance(exc, FieldError):  # straight back into the field to fix
                self.query_one(f"#f-{exc.key}").focus()
            return
        self.begin(config)

    def begin(self, config: dict[str, Any]) -> None:
        """Start training `config` in a thread worker and show the Live tab."""
        self.config = config
        self.metric = TASKS[config["task"]].metric if config.get("task") in TASKS else "accuracy"
        self.history = {}
        self.progress = None
        self.result = None
        self.lasso_path = []
        recurrent = config.get("model") in tasks_bridge.RECURRENT_MODELS
        self.query_one(GradHeatmap).clear(
            "Training: the first epoch's row appears when it ends."
            if recurrent
            else f"{config.get('model')} reads no sequence: no per-step gradient to show."
        )
        self.control = RunControl()
        self.status_note = "starting…"
        self.set_buttons()
        self.show_tab("live")
        self.redraw(force=True)
        self.train(config, self.control)

    @work(thread=True, exclusive=True, exit_on_error=False, group="training")
    def train(self, config: dict[str, Any], control: RunControl) -> None:
        """The whole run, off the UI thread; it reports only by posting messages."""
        worker = get_current_worker()
        control.cancelled = lambda: worker.is_cancelled
        run_training(config, self, control)

    def action_pause(self) -> None:
        if self.control is not None:
            paused = self.control.toggle_pause()
            self.status_note = "paused: ctrl+g resumes" if paused else "resumed"
            self.query_one("#b-pause", Button).label = "Resume" if paused else "Pause"
            self.redraw(force=True)

    def action_stop(self) -> None:
        if self.control is not None:
            self.control.request_stop()
            self.status_note = "stopping after this batch…"
            self.redraw(force=True)

    def action_leave_experiment(self) -> None:
        self.experiment = None
        self.preset = {}
        self.fill_form({}, editable=None)
        self.status_note = "Free play: every setting is yours."
        self.redraw(force=True)
        self.refresh_bindings()

    def load_experiment(self, exercise: Exercise) -> None:
        """Preset the form from an experiment exercise and start it."""
        if self.training:
            self.notify("A run is already training: stop it before starting the experiment.", severity="warning")
            return
        self.experiment = exercise
        self.preset = dict(exercise.config)
        task, model = self.preset.get("task"), self.preset.get("model")
        defaults = tasks_bridge.task_defaults(task, model) if task in TASKS else dict(DEFAULTS)
        config = {**defaults, **self.preset}
        self.fill_form(config, editable=exercise.editable)
        self.refresh_bindings()
        self.begin(config)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"b-start": self.action_start, "b-pause": self.action_pause, "b-stop": self.action_stop}
        if event.button.id in actions:
            actions[event.button.id]()

    def show_tab(self, tab: str) -> None:
        """Switch tab and focus the tab strip: focus left in a hidden pane would switch back."""
        tabs = self.query_one(TabbedContent)
        tabs.active = tab
        tabs.query_one(Tabs).focus()

    def set_buttons(self) -> None:
        self.query_one("#b-start", Button).disabled = self.training
        self.query_one("#b-pause", Button).disabled = not self.training
        self.query_one("#b-pause", Button).label = "Pause"
        self.query_one("#b-stop", Button).disabled = not self.training
        self.refresh_bindings()

    # ------------------------------------------------------------------- training messages

    def on_batch_progress(self, message: BatchProgress) -> None:
        self.progress = message
        if self.status_note == "starting…" or self.status_note.startswith("preparing"):
            self.status_note = "training…"  # the data is ready: that note is out of date
        self.status_dirty = True

    def on_stage_progress(self, message: StageProgress) -> None:
        """Data loading, scoring, or a step of the lasso path."""
        info = message.info
        if message.stage == "data":
            self.status_note = (
                f"preparing the {TASKS[info['task']].label} data…"
                if info.get("task") in TASKS
                else "preparing the data…"
            )
        elif message.stage == "lasso":
            self.lasso_path.append(float(info["val_accuracy"]))
            self.status_note = (
                f"lasso λ {info['step']}/{info['steps']}: {info['nonzero']} words, "
                f"val accuracy {info['val_accuracy']:.3f}"
            )
            self.plots_dirty = True
        elif message.stage in ("evaluate", "test"):
            self.status_note = f"scoring on the {'validation' if message.stage == 'evaluate' else 'test'} part…"
        elif message.stage == "train" and tasks_bridge.is_baseline(self.config):
            self.status_note = "fitting…"
        self.status_dirty = True

    def on_epoch_done(self, message: EpochDone) -> None:
        for key, value in message.logs.items():
            self.history.setdefault(key, []).append(value)
        if message.step_norms:
            self.grad_layer, row = next(iter(message.step_norms.items()))
            self.query_one(GradHeatmap).add_row(row, self.grad_layer)
        self.status_note = f"epoch {message.epoch + 1} done" + self.timing(message.seconds)
        self.status_dirty = self.plots_dirty = True

    def on_training_done(self, message: TrainingDone) -> None:
        self.control = None
        self.result = message
        self.set_buttons()
        epochs = len(message.history.get("loss", []))
        finished = bool(epochs or (message.baseline and message.metrics))
        if message.baseline and not message.error:
            self.history = dict(message.history)
        if message.error:
            self.status_note = "failed: " + message.error
            self.notify(message.error, title="Training failed", severity="error", timeout=10)
        elif message.diverged:
            self.status_note = "diverged: the loss became NaN or infinite"
            self.notify(
                "The loss became NaN or infinite: lower the learning rate or set "
                "clipping (e.g. 1.0), then start again.",
                title="Diverged",
                severity="warning",
                timeout=10,
            )
        elif message.baseline:
            self.status_note = "fitted: " + self.figures(message) + self.timing(message.seconds)
        elif not epochs:
            self.status_note = "stopped before the first epoch ended"
        else:
            how = "stopped" if message.stopped else "finished"
            self.status_note = (
                f"{how} after {epochs} epoch(s): " + self.figures(message, train=False) + self.timing(message.seconds)
            )
        heatmap = self.query_one(GradHeatmap)
        if not heatmap.rows and heatmap.empty_text.startswith("Training:"):  # no epoch will come now
            heatmap.clear("The run ended before its first epoch: no gradient norms to show.")
        if message.saved_model:
            self.notify(
                f"Saved as {Path(message.saved_model).name}: try it in the playground (F4, then ctrl+o).",
                title="Model kept",
                timeout=8,
            )
        if finished and not message.error:
            self.save_run(message)
        if self.experiment is not None and finished and not message.error:
            self.judge_experiment(message)
        self.redraw(force=True)

    def figures(self, message: TrainingDone, train: bool = True) -> str:
        """The final validation (and training) figure of a run, e.g. "val R² 0.413 (train 0.571)"."""
        metric = message.metric
        val = message.metrics.get(f"val_{metric}")
        fit = message.metrics.get(metric) if train else None  # epoch runs show it in their curves
        if val is None:
            return "no validation figure"
        text = f"val {metric_label(metric)} {val:.3f}"
        return text + (f" (train {fit:.3f})" if fit is not None else "")

    def timing(self, seconds: float) -> str:
        """ " in 1.2 s", unless timing is hidden."""
        return f" in {seconds:.1f} s" if self.show_timing else ""

    def save_run(self, message: TrainingDone) -> None:
        """Keep the finished run in the store so it can be overlaid later."""
        history: dict[str, Any] = dict(message.history)
        history["step_grad_norms"] = message.step_norms
        history["seconds"] = message.seconds
        history["metrics"] = message.metrics
        epochs = len(message.history.get("loss", []))
        config = {**message.config, "epochs_trained": epochs} if epochs else dict(message.config)
        run_id = self.app.course.save_run(run_label(message.config), config, history)
        if run_id is None:  # not stored (the course has told the learner why)
            return
        self.overlay_ids = ([run_id] + self.overlay_ids)[:4]
        self.refresh_runs()

    def judge_experiment(self, message: TrainingDone) -> None:
        """Check the experiment's goal on this run and record the attempt."""
        from tutor.course.checking import check_experiment

        exercise = self.experiment
        assert exercise is not None
        result = check_experiment(exercise, experiment_logs(message))
        self.app.course.record_attempt(exercise, json.dumps(message.config), result.passed)
        self.app.experiment_results[exercise.key] = result
        self.notify(
            result.message + ("" if result.passed else " Change a setting and rerun."),
            title="Goal reached" if result.passed else "Goal not reached yet",
            severity="information" if result.passed else "warning",
            timeout=10,
        )

    # --------------------------------------------------------------------------- drawing

    def status_text(self) -> Text:
        """One or two lines: the experiment's goal, the run and where it is."""
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.experiment is not None:
            text.append("Goal: ", style="bold")
            text.append(self.experiment.goal_text + "\n")
        config = self.config
        text.append(run_label(config), style="bold")
        # where the run is and how it ended come first: at 80 columns the line's end is cut off
        if self.progress is not None and self.training:
            p = self.progress
            text.append(f" · ep {p.epoch + 1}/{config.get('epochs')} batch {p.batch}/{p.batches} · loss {p.loss:.3f}")
        text.append(" · " + self.status_note)
        if not tasks_bridge.is_baseline(config) and config.get("lr") is not None:
            text.append(f" · {config.get('optimizer')} lr={config.get('lr')}", style="dim")
        return text

    def redraw(self, force: bool = False) -> None:
        """Redraw what changed since the last tick (called on a timer; `force` redraws all)."""
        if self.status_dirty or force:
            self.status_dirty = False
            # fixed height, so no layout pass: a layout would repaint every plot
            self.query_one("#run-status", Static).update(self.status_text(), layout=False)
        if not (self.plots_dirty or force):
            return
        now = time.monotonic()
        if not force and self.training and now - self.plots_drawn_at < self.plot_seconds() / PLOT_SHARE:
            return  # still dirty: drawn at a later tick
        self.plots_dirty = False
        self.plots_drawn_at = now
        history, metric = self.history, self.metric
        ylim = (0.0, 1.0) if metric == "accuracy" else None  # R² may start far below 0
        name = metric_label(metric)
        loss_plot = self.query_one("#loss-plot", CachedPlot)
        metric_plot = self.query_one("#metric-plot", CachedPlot)
        if tasks_bridge.is_baseline(self.config):
            # fitted in one go: one figure each, drawn as a level; the lasso's path is its history
            if self.lasso_path:
                plot_series(loss_plot, "lasso path: val accuracy by λ step", [("val", self.lasso_path)], ylim=ylim)
            else:
                plot_series(loss_plot, "no epochs: fitted in one go", [])
            result = self.result
            levels = (
                []
                if result is None or result.error
                else [
                    (f"{part} {value:.3f}", value)
                    for part, key in (("train", metric), ("val", f"val_{metric}"))
                    if (value := result.metrics.get(key)) is not None
                ]
            )
            value = result.metrics.get(f"val_{metric}") if result is not None else None
            title = f"{self.config.get('model')}: val {name} {value:.3f}" if value is not None else f"{name}"
            plot_levels(metric_plot, title, levels, ylim=ylim)
        else:
            plot_series(
                loss_plot, "loss per epoch", [("train", history.get("loss", [])), ("val", history.get("val_loss", []))]
            )
            plot_series(
                metric_plot,
                f"{name} per epoch",
                [("train", history.get(metric, [])), ("val", history.get(f"val_{metric}", []))],
                ylim=ylim,
            )
        heatmap = self.query_one(GradHeatmap)
        heatmap.refresh()
        latest = log10_norms(heatmap.rows[-1]) if heatmap.rows else []
        plot_series(self.query_one("#grad-plot", CachedPlot), "last epoch: log₁₀‖∂L/∂hₜ‖ by t", [("", latest)])

    def plot_seconds(self) -> float:
        """What drawing the live plots cost last time (measured as they painted)."""
        plots = self.query_one("#live-grid").query(CachedPlot)
        return sum(plot.build_seconds for plot in plots) + self.query_one(GradHeatmap).draw_seconds

    # ------------------------------------------------------------------------------ runs

    def refresh_runs(self) -> None:
        """List saved runs (newest first); marked ones are overlaid below the table."""
        table = self.query_one("#runs-table", DataTable)
        table.clear()
        for info in self.app.course.list_runs():
            cfg = info.config
            table.add_row(
                "✓" if info.id in self.overlay_ids else "",
                str(info.id),
                info.name,
                str(cfg.get("optimizer", "")),
                str(cfg.get("lr", "")),
                epochs_cell(cfg),
                key=str(info.id),
            )
        self.draw_overlay()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a run toggles it in the overlay."""
        run_id = int(event.row_key.value or 0)
        if run_id in self.overlay_ids:
            self.overlay_ids.remove(run_id)
        else:
            self.overlay_ids = (self.overlay_ids + [run_id])[-4:]
        self.refresh_runs()

    def draw_overlay(self) -> None:
        """Validation loss and last-epoch step norms of the marked runs, on shared axes."""
        losses: list[tuple[str, list[float]]] = []
        norms: list[tuple[str, list[float]]] = []
        for run_id in self.overlay_ids:
            run = self.app.course.load_run(run_id)
            if run is None:
                continue
            label = f"#{run.id} {run.config.get('model')}"
            losses.append((label, run.history.get("val_loss") or run.history.get("loss") or []))
            layers = run.history.get("step_grad_norms") or {}
            rows = next(iter(layers.values()), []) if isinstance(layers, dict) else []
            norms.append((label, log10_norms(rows[-1]) if rows else []))
        plot_series(self.query_one("#overlay-loss", CachedPlot), "val loss", losses)
        plot_series(self.query_one("#overlay-grad", CachedPlot), "log₁₀‖∂L/∂hₜ‖, last epoch", norms)
