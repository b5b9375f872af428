"""The training dashboard: set up a run, watch it train live, compare saved runs."""

from __future__ import annotations

import json
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
from tutor.tui.tasks_bridge import DEFAULTS, TASKS
from tutor.tui.training import (
    BatchProgress,
    EpochDone,
    RunControl,
    TrainingDone,
    run_training,
)
from tutor.tui.widgets.gradmap import GradHeatmap
from tutor.tui.widgets.plots import CachedPlot, log10_norms, plot_series

if TYPE_CHECKING:
    from tutor.course.model import Exercise
    from tutor.tui.app import TutorApp

REDRAW_INTERVAL = 0.3  # seconds: plots redraw at most ~3 times a second, whatever training does
# form field -> (label, kind) for the numeric settings
NUMBER_FIELDS: dict[str, tuple[str, type]] = {
    "units": ("Units", int),
    "seq_len": ("Seq. length", int),
    "lr": ("Learn. rate", float),
    "clipnorm": ("Clip (0=off)", float),
    "epochs": ("Epochs", int),
    "batch_size": ("Batch size", int),
}
# Every value a lesson's preset may hold is an option (the course layer's vocabulary), so a
# preset always fits the form; running one the dashboard cannot train yet gives a clear notice.
SELECT_FIELDS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "task": ("Task", [(TASKS[t].label if t in TASKS else t, t) for t in experiments.TASKS]),
    "model": ("Model", [(m, m) for m in experiments.MODELS]),
    "optimizer": ("Optimiser", [(o, o) for o in experiments.OPTIMIZERS]),
}


def run_label(config: dict[str, Any]) -> str:
    """A short name for a run: model, units and sequence length."""
    return f"{config.get('model')} {config.get('units')}u T={config.get('seq_len')}"


def experiment_logs(done: TrainingDone) -> dict[str, Any]:
    """What an experiment goal reads: per-epoch histories plus the first layer's step norms."""
    logs: dict[str, Any] = dict(done.history)
    if done.step_norms:
        logs["step_grad_norms"] = next(iter(done.step_norms.values()))
    logs["epochs"] = len(done.history.get("loss", []))
    return logs


class DashboardScreen(Screen[None]):
    """Train a recurrent network on a task and watch loss, metric and per-step gradients."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "start", "Start", priority=True),
        Binding("ctrl+g", "pause", "Pause", priority=True),
        Binding("ctrl+s", "stop", "Stop", priority=True),
        Binding("ctrl+l", "leave_experiment", "Free play", priority=True),
        Binding("f2", "app.goto_mode('map')", "Map"),
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
        # the UI thread real time and so take the GIL from training, redraw once per epoch.
        self.status_dirty = False
        self.plots_dirty = False
        self.status_note = "Set up a run, then press ctrl+r."
        self.overlay_ids: list[int] = []  # saved run ids shown in the Runs tab
        self.show_timing = True  # snapshot tests turn it off: seconds differ run to run

    # ------------------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header(icon="∿")
        yield Static(id="run-status")
        with TabbedContent(initial="setup", id="dash-tabs"):
            with TabPane("Setup", id="setup"), VerticalScroll():
                with Grid(id="setup-form"):
                    for key, (label, options) in SELECT_FIELDS.items():
                        yield Label(label)
                        yield Select(options, value=DEFAULTS[key], allow_blank=False,
                                     id=f"f-{key}", compact=True)
                    for key, (label, kind) in NUMBER_FIELDS.items():
                        yield Label(label)
                        yield Input(str(DEFAULTS[key]), id=f"f-{key}", compact=True,
                                    type="integer" if kind is int else "number")
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
        self.query_one("#f-model").focus()

    # ------------------------------------------------------------------------------ the form

    def read_form(self) -> dict[str, Any]:
        """The run settings in the form (ValueError names a bad field)."""
        config = dict(self.config)
        for key in SELECT_FIELDS:
            config[key] = self.query_one(f"#f-{key}", Select).value
        for key, (label, kind) in NUMBER_FIELDS.items():
            text = self.query_one(f"#f-{key}", Input).value.strip()
            try:
                config[key] = kind(text)
            except ValueError:
                raise ValueError(f"{label}: {text!r} is not a valid number") from None
        experiments.validate_config(config)
        return config

    def fill_form(self, config: dict[str, Any], editable: tuple[str, ...] | None = None) -> None:
        """Show `config` in the form; with `editable`, lock every other field."""
        for key in SELECT_FIELDS:
            widget = self.query_one(f"#f-{key}", Select)
            if key in config:
                widget.value = config[key]
            widget.disabled = editable is not None and key not in editable
        for key in NUMBER_FIELDS:
            widget = self.query_one(f"#f-{key}", Input)
            if key in config:
                widget.value = str(config[key])
            widget.disabled = editable is not None and key not in editable

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
            self.notify(f"{exc}. Fix it in Setup and start again.", title="Cannot start",
                        severity="error")
            self.show_tab("setup")
            return
        self.begin(config)

    def begin(self, config: dict[str, Any]) -> None:
        """Start training `config` in a thread worker and show the Live tab."""
        self.config = config
        self.history = {}
        self.progress = None
        self.query_one(GradHeatmap).clear()
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
        self.fill_form(self.config, editable=None)
        self.status_note = "Free play: every setting is yours."
        self.redraw(force=True)
        self.refresh_bindings()

    def load_experiment(self, exercise: Exercise) -> None:
        """Preset the form from an experiment exercise and start it."""
        if self.training:
            self.notify("A run is already training: stop it before starting the experiment.",
                        severity="warning")
            return
        self.experiment = exercise
        config = {**DEFAULTS, **dict(exercise.config)}
        self.fill_form(config, editable=exercise.editable)
        self.refresh_bindings()
        self.begin(config)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"b-start": self.action_start, "b-pause": self.action_pause,
                   "b-stop": self.action_stop}
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
        self.set_buttons()
        epochs = len(message.history.get("loss", []))
        if message.error:
            self.status_note = "failed: " + message.error
            self.notify(message.error, title="Training failed", severity="error", timeout=10)
        elif message.diverged:
            self.status_note = "diverged: the loss became NaN or infinite"
            self.notify("The loss became NaN or infinite: lower the learning rate or set "
                        "clipping (e.g. 1.0), then start again.", title="Diverged",
                        severity="warning", timeout=10)
        else:
            how = "stopped" if message.stopped else "finished"
            self.status_note = f"{how} after {epochs} epoch(s)" + self.timing(message.seconds)
        if epochs and not message.error:
            self.save_run(message)
        if self.experiment is not None and epochs and not message.error:
            self.judge_experiment(message)
        self.redraw(force=True)

    def timing(self, seconds: float) -> str:
        """" in 1.2 s", unless timing is hidden."""
        return f" in {seconds:.1f} s" if self.show_timing else ""

    def save_run(self, message: TrainingDone) -> None:
        """Keep the finished run in the store so it can be overlaid later."""
        store = self.app.course.store
        if store is None:
            return
        history: dict[str, Any] = dict(message.history)
        history["step_grad_norms"] = message.step_norms
        history["seconds"] = message.seconds
        run_id = store.save_run(run_label(message.config), message.config, history)
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
        self.notify(result.message + ("" if result.passed else " Change a setting and rerun."),
                    title="Goal reached" if result.passed else "Goal not reached yet",
                    severity="information" if result.passed else "warning", timeout=10)

    # --------------------------------------------------------------------------- drawing

    def status_text(self) -> Text:
        """One or two lines: the experiment's goal, the run and where it is."""
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.experiment is not None:
            text.append("Goal: ", style="bold")
            text.append(self.experiment.goal_text + "\n")
        config = self.config
        text.append(run_label(config), style="bold")
        text.append(f" · {config.get('optimizer')} lr={config.get('lr')}")
        if self.progress is not None and self.training:
            p = self.progress
            text.append(f" · ep {p.epoch + 1}/{config.get('epochs')} "
                        f"batch {p.batch}/{p.batches} · loss {p.loss:.3f}")
        text.append(" · " + self.status_note, style="dim")
        return text

    def redraw(self, force: bool = False) -> None:
        """Redraw what changed since the last tick (called on a timer; `force` redraws all)."""
        if self.status_dirty or force:
            self.status_dirty = False
            # fixed height, so no layout pass: a layout would repaint every plot
            self.query_one("#run-status", Static).update(self.status_text(), layout=False)
        if not (self.plots_dirty or force):
            return
        self.plots_dirty = False
        history = self.history
        plot_series(self.query_one("#loss-plot", CachedPlot), "loss per epoch",
                    [("train", history.get("loss", [])), ("val", history.get("val_loss", []))])
        plot_series(self.query_one("#metric-plot", CachedPlot), "accuracy per epoch",
                    [("train", history.get("accuracy", [])),
                     ("val", history.get("val_accuracy", []))], ylim=(0, 1))
        heatmap = self.query_one(GradHeatmap)
        heatmap.refresh()
        latest = log10_norms(heatmap.rows[-1]) if heatmap.rows else []
        plot_series(self.query_one("#grad-plot", CachedPlot), "last epoch: log₁₀‖∂L/∂hₜ‖ by t",
                    [("", latest)])

    # ------------------------------------------------------------------------------ runs

    def refresh_runs(self) -> None:
        """List saved runs (newest first); marked ones are overlaid below the table."""
        table = self.query_one("#runs-table", DataTable)
        table.clear()
        store = self.app.course.store
        runs = store.list_runs() if store is not None else []
        for info in runs:
            cfg = info.config
            table.add_row("✓" if info.id in self.overlay_ids else "", str(info.id), info.name,
                          str(cfg.get("optimizer", "")), str(cfg.get("lr", "")),
                          str(cfg.get("epochs", "")), key=str(info.id))
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
        store = self.app.course.store
        losses: list[tuple[str, list[float]]] = []
        norms: list[tuple[str, list[float]]] = []
        for run_id in self.overlay_ids if store is not None else []:
            try:
                run = store.load_run(run_id)
            except KeyError:
                continue
            label = f"#{run.id} {run.config.get('model')}"
            losses.append((label, run.history.get("val_loss") or run.history.get("loss") or []))
            layers = run.history.get("step_grad_norms") or {}
            rows = next(iter(layers.values()), []) if isinstance(layers, dict) else []
            norms.append((label, log10_norms(rows[-1]) if rows else []))
        plot_series(self.query_one("#overlay-loss", CachedPlot), "val loss", losses)
        plot_series(self.query_one("#overlay-grad", CachedPlot), "log₁₀‖∂L/∂hₜ‖, last epoch",
                    norms)
