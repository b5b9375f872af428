"""The training dashboard: set up a run, watch it train live, compare saved runs.

Three widgets own their parts (`SetupForm`, `LivePanel`, `RunsPanel`); the screen holds the
run under way (its switches, its settings, where it is) and routes the training process's
reports to them. A lesson experiment arrives from the app (`load_experiment`); its verdict,
judged by the course layer, goes back up as an `ExperimentJudged` message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Header, Input, Static, TabbedContent, TabPane, Tabs
from textual.worker import get_current_worker

from tutor.course.experiments import describe
from tutor.tasks import registry
from tutor.tasks.base import METRIC_LABELS, RECURRENT, Task
from tutor.training.control import Switches
from tutor.training.protocol import BatchReport, DoneReport
from tutor.tui.messages import ExperimentJudged
from tutor.tui.screens.base import TutorScreen
from tutor.tui.training import BatchProgress, EpochDone, StageProgress, TrainingDone, run_training
from tutor.tui.widgets.keybar import KeyBar
from tutor.tui.widgets.live_panel import LivePanel
from tutor.tui.widgets.runs_panel import RunsPanel
from tutor.tui.widgets.setup_form import FIRST, FieldError, SetupForm, free_play_defaults

if TYPE_CHECKING:
    from tutor.course.model import CheckResult, Exercise
    from tutor.tui.app import TutorApp

REDRAW_INTERVAL = 0.3  # seconds: plots redraw at most ~3 times a second, whatever training does


def run_label(config: dict[str, Any]) -> str:
    """A short name for a run: the model and the settings that shape it."""
    task = registry.TASKS.get(str(config.get("task")))
    return task.label(config) if task is not None else str(config.get("model"))


def duration(seconds: float) -> str:
    """A time as the status line says it: "340 ms", "6.6 s", "2 min 05 s"."""
    if seconds < 1.0:
        return f"{max(seconds * 1000, 1):.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def task_of(config: dict[str, Any]) -> Task | None:
    """The task a config names (None if it names none the registry has)."""
    return registry.TASKS.get(str(config.get("task")))


def scored_on(config: dict[str, Any]) -> str:
    """What the lessons call the part scored after each epoch: "val", or "test" (NYSE)."""
    task = task_of(config)
    return task.scored_on if task is not None else "val"


def sizes_text(sizes: dict[str, int]) -> str:
    """The data a run actually used, e.g. "20,000/5,000 examples"."""
    return f"{sizes['train']:,}/{sizes['val']:,} examples" if "train" in sizes and "val" in sizes else ""


def fitted(parts: list[tuple[str, str]], width: int) -> Text:
    """(text, style) parts joined by " · ", leaving out the last ones while the line is wider than
    `width` (the first always stays: cut with an ellipsis if it must be)."""
    parts = [(words, style) for words, style in parts if words]
    while len(parts) > 1 and cell_len(" · ".join(words for words, _ in parts)) > width:
        parts.pop()
    line = Text(no_wrap=True, overflow="ellipsis")
    for n, (words, style) in enumerate(parts):
        line.append((" · " if n else "") + words, style=style)
    return line


class DashboardScreen(TutorScreen[None]):
    """Train a recurrent network on a task and watch loss, metric and per-step gradients."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "start", "Start", priority=True),
        Binding("ctrl+g", "pause", "Pause", priority=True),
        Binding("ctrl+s", "stop", "Stop", priority=True),
        Binding("ctrl+l", "leave_experiment", "Free play", priority=True),
        Binding("f2", "app.goto_mode('map')", "Course"),
    ]

    app: TutorApp

    def __init__(self) -> None:
        super().__init__()
        self.switches: Switches | None = None  # the run under way, if any
        self.experiment: Exercise | None = None
        self.config: dict[str, Any] = {}  # the settings of the run under way (or the last one)
        self.progress: BatchReport | None = None
        self.epochs_done = 0  # epochs the run under way has finished
        self.epoch_seconds = 0.0  # its training time when the last epoch ended (pauses excluded)
        self.result: DoneReport | None = None  # the last finished run
        self.verdict: CheckResult | None = None  # the last experiment run's, as the course judged it
        self.status_note = "Set up a run, then press ctrl+r."
        self.status_dirty = False
        self.show_timing = True  # snapshot tests turn it off: seconds differ run to run

    # ------------------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header(icon="∿")
        yield Static(id="run-status")
        with TabbedContent(initial="setup", id="dash-tabs"):
            with TabPane("Setup", id="setup"):
                yield SetupForm(id="setup-panel")
            with TabPane("Live", id="live"):
                yield LivePanel(id="live-grid")
            with TabPane("Runs", id="runs"):
                yield RunsPanel(self.app.course, id="runs-panel")
        yield KeyBar()

    def on_mount(self) -> None:
        self.config = free_play_defaults(FIRST["task"], FIRST["model"])
        self.redraw(force=True)
        self.set_interval(REDRAW_INTERVAL, self.redraw)
        # The tab strip, not a field: the first Tab then lands on Task, then Model; and focus in
        # the Setup pane would switch the tabs back to Setup when a lesson's experiment has
        # already shown Live (the experiment can arrive before this runs on a first visit).
        self.query_one(Tabs).focus()

    @property
    def form(self) -> SetupForm:
        return self.query_one(SetupForm)

    @property
    def live(self) -> LivePanel:
        return self.query_one(LivePanel)

    @property
    def runs(self) -> RunsPanel:
        return self.query_one(RunsPanel)

    @property
    def training(self) -> bool:
        return self.switches is not None

    # ----------------------------------------------------------------------------- actions

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
            config = self.form.read()
        except FieldError as exc:
            self.notify(f"{exc}. Fix it in Setup and start again.", title="Cannot start", severity="error")
            self.show_tab("setup")
            self.query_one(f"#f-{exc.key}").focus()  # straight back into the field to fix
            return
        self.begin(config)

    def begin(self, config: dict[str, Any]) -> None:
        """Start training `config` in a thread worker and show the Live tab.

        A run on data that is not on this machine yet (the IMDb reviews) first offers to download
        it, and starts once it is here.
        """
        task = registry.TASKS.get(str(config.get("task")))
        if task is not None and task.needs_download and not config.get("source"):
            from tutor.tui.widgets.download import DataDownload, imdb_missing

            if imdb_missing():

                def downloaded(yes: bool | None) -> None:
                    if yes:
                        self.begin(config)
                    else:
                        self.status_note = "not started: this run needs the IMDb reviews (ctrl+r offers them again)"
                        self.redraw_status()

                self.app.push_screen(DataDownload(), downloaded)
                return
        self.config = config
        model = str(config.get("model"))
        self.live.begin(
            config,
            task.metric if task is not None else "accuracy",
            baseline=task is not None and task.is_baseline(model),
            recurrent=model in RECURRENT,
            scored_on=scored_on(config),
        )
        self.progress = None
        self.epochs_done, self.epoch_seconds = 0, 0.0
        self.result = None
        self.verdict = None
        self.switches = Switches()
        self.status_note = "starting…"
        self.set_buttons()
        self.show_tab("live")
        self.redraw(force=True)
        self.train(config, self.switches)

    @work(thread=True, exclusive=True, exit_on_error=False, group="training")
    def train(self, config: dict[str, Any], switches: Switches) -> None:
        """The whole run, off the UI thread; it reports only by posting messages."""
        worker = get_current_worker()
        run_training(config, self, switches, lambda: worker.is_cancelled)

    def action_pause(self) -> None:
        if self.switches is not None:
            paused = self.switches.toggle_pause()
            self.status_note = "paused: ctrl+g resumes" if paused else "resumed"
            self.form.set_paused(paused)
            self.redraw_status()

    def action_stop(self) -> None:
        if self.switches is not None:
            self.switches.request_stop()
            self.status_note = "stopping after this batch…"
            self.redraw_status()

    def action_leave_experiment(self) -> None:
        self.experiment = None
        self.form.leave_experiment()
        self.status_note = "Free play: every setting is yours."
        self.redraw(force=True)
        self.refresh_bindings()

    def load_experiment(self, exercise: Exercise) -> None:
        """Show an experiment exercise's settings in the form and start it."""
        if self.training:
            self.notify("A run is already training: stop it before starting the experiment.", severity="warning")
            return
        self.experiment = exercise
        config = self.form.load_experiment(exercise)
        self.refresh_bindings()
        self.begin(config)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a setting starts the run; while one trains, it moves on to the next field."""
        event.stop()
        if self.training:
            self.focus_next()
        else:
            self.action_start()

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
        self.form.set_running(self.training)
        self.refresh_bindings()

    # ------------------------------------------------------------------- training messages

    def on_batch_progress(self, message: BatchProgress) -> None:
        self.progress = message.report
        self.live.add_batches(message.report)
        if self.status_note == "starting…" or self.status_note.startswith("preparing"):
            self.status_note = "training…"  # the data is ready: that note is out of date
        self.status_dirty = True

    def on_stage_progress(self, message: StageProgress) -> None:
        """Data loading, scoring, or a step of the lasso path."""
        stage, info = message.report.stage, message.report.info
        if stage == "data":
            task = registry.TASKS.get(str(info.get("task")))
            self.status_note = f"preparing the {task.title} data…" if task is not None else "preparing the data…"
        elif stage == "lasso":
            self.live.add_lasso_step(float(info["val_accuracy"]))
            self.status_note = (
                f"lasso λ {info['step']}/{info['steps']}: {info['nonzero']} words, "
                f"{scored_on(self.config)} accuracy {info['val_accuracy']:.3f}"
            )
        elif stage in ("evaluate", "test"):
            self.status_note = f"scoring on the {'validation' if stage == 'evaluate' else 'test'} part…"
        elif stage == "train" and self.live.baseline:
            self.status_note = "fitting…"
        self.status_dirty = True

    def on_epoch_done(self, message: EpochDone) -> None:
        report = message.report
        self.live.add_epoch(report)
        took = report.seconds - self.epoch_seconds  # the report's seconds count from the first batch
        self.epochs_done, self.epoch_seconds = report.epoch + 1, report.seconds
        self.status_note = f"epoch {report.epoch + 1} took {duration(took)}" if self.show_timing else ""
        self.status_dirty = True

    def on_training_done(self, message: TrainingDone) -> None:
        done = message.report
        self.switches = None
        self.result = done
        if not done.error:
            self.config = dict(done.config)  # what the run actually used
        self.set_buttons()
        self.live.finish(done)
        self.status_note = self.outcome(done)
        if done.error:
            self.notify(done.error, title="Training failed", severity="error", timeout=10)
        elif done.diverged:
            self.notify(
                "The loss blew up (NaN, infinite or a thousand times its start): lower the learning rate or "
                "set clipping (e.g. 1.0), then start again.",
                title="Diverged",
                severity="warning",
                timeout=10,
            )
        if done.saved_model:
            self.notify(
                f"Saved as {Path(done.saved_model).name}: try it in the playground (F4, then ctrl+o).",
                title="Model kept",
                timeout=8,
            )
        if done.finished:
            self.form.show_last_run(describe(done.config, done.sizes))
            self.save_run(done)
            if self.experiment is not None and done.stopped:
                self.notify(
                    "A run you stopped is not the experiment: it is kept in Runs, marked stopped, but not judged. "
                    "Run it to the end (fewer epochs, if the experiment lets you set them).",
                    title="Not judged",
                    severity="warning",
                    timeout=10,
                )
            elif self.experiment is not None:
                self.judge_experiment(self.experiment, done)
        self.redraw(force=True)

    def outcome(self, done: DoneReport) -> str:
        """How the run ended, in the status line, with the data it used."""
        sizes = sizes_text(done.sizes)
        used = f" · {sizes}" if sizes else ""
        if done.error:
            return "failed: " + done.error
        if done.diverged:
            return "diverged: the loss blew up; try a smaller learning rate"
        if done.baseline:
            return "fitted: " + self.figures(done) + self.timing(done.seconds) + used
        planned = done.config.get("epochs")
        if not done.epochs:
            return "stopped by you before the first epoch ended: nothing kept"
        figures = self.figures(done, train=False)
        if done.stopped:
            of = f" of {planned}" if planned else ""
            return f"stopped by you after {done.epochs}{of} epochs: {figures}{used}"
        epochs = f"{done.epochs} epoch" + ("" if done.epochs == 1 else "s")
        return f"finished {epochs}{self.timing(done.seconds)}: {figures}{used}"

    def figures(self, done: DoneReport, train: bool = True) -> str:
        """The final figures of a run as its lesson names them, e.g. "val R² 0.615 (train 0.571)"."""
        metric = done.metric
        name = METRIC_LABELS.get(metric, metric)
        part = scored_on(done.config)
        val = done.metrics.get(f"val_{metric}")
        fit = done.metrics.get(metric) if train else None  # epoch runs show it in their curves
        if val is None:
            return f"no {part} figure"
        # a test figure stays out: settings are compared on validation, the test part scored once
        text = f"{part} {name} {val:.3f}"
        return text + (f" (train {fit:.3f})" if fit is not None else "")

    def timing(self, seconds: float) -> str:
        """ " in 1.2 s", unless timing is hidden (or unknown: a run that never started)."""
        return f" in {duration(seconds)}" if self.show_timing and seconds > 0 else ""

    def save_run(self, done: DoneReport) -> None:
        """Keep the finished run so it can be overlaid later."""
        history: dict[str, Any] = dict(done.history)
        history["step_grad_norms"] = done.step_norms
        history["seconds"] = done.seconds
        history["metrics"] = done.metrics
        history["sizes"] = done.sizes
        config = {**done.config, "epochs_trained": done.epochs} if done.epochs else dict(done.config)
        if done.stopped:
            config["stopped"] = True
        self.runs.keep(run_label(done.config), config, history, metric=done.metric)

    def judge_experiment(self, exercise: Exercise, done: DoneReport) -> None:
        """Have the course judge the run on the experiment, record the attempt, report the verdict."""
        from tutor.course.experiments import ExperimentRun, judge_run

        run = ExperimentRun(
            config=done.config,
            metrics=done.metrics,
            history=done.history,
            step_norms=next(iter(done.step_norms.values()), []),
            diverged=done.diverged,
            sizes=done.sizes,
        )
        result = self.verdict = judge_run(exercise, run)
        self.app.course.record_attempt(exercise, json.dumps(done.config), result.passed)
        self.post_message(ExperimentJudged(exercise, result))
        used = sizes_text(done.sizes)
        self.notify(
            result.message
            + (f" (on {used})" if used else "")
            + ("" if result.passed else " Change a setting and rerun."),
            title="Goal reached" if result.passed else "Goal not reached yet",
            severity="information" if result.passed else "warning",
            timeout=10,
        )

    # --------------------------------------------------------------------------- drawing

    def status_text(self) -> Text:
        """Two lines: the experiment's goal, or the run and its optimiser; then where the run is or how it ended."""
        text = Text(no_wrap=True, overflow="ellipsis")
        config = self.config
        optimiser = ""
        if not self.live.baseline and config.get("lr") is not None:
            optimiser = f"{config.get('optimizer')} lr={config.get('lr')}"
        width = self.size.width - 2 if self.size.width else 10**6  # the line's padding; not laid out yet: all
        if self.experiment is not None:
            text.append("Goal: ", style="bold")
            text.append(self.experiment.goal_text + "\n")
            # where the run is and how it ended come first: what does not fit is left out from the end
            parts = [(run_label(config), "bold"), *self.state_parts(), (optimiser, "dim")]
            return text.append_text(fitted(parts, width))
        # no goal to show: the run on the first line, what it is doing (or how it ended) on the second,
        # so at 60 and 80 columns the verdict is not cut off behind the settings
        text.append(run_label(config), style="bold")
        if optimiser:
            text.append(" · " + optimiser, style="dim")
        return text.append("\n").append_text(fitted(self.state_parts(), width))

    def state_parts(self) -> list[tuple[str, str]]:
        """Where the run is and the note on it, in the order they give way when space is short
        (last first: the data sizes after a result, the loss during an epoch)."""
        parts = self.position().removeprefix(" · ").split(" · ") + self.status_note.split(" · ")
        return [(part, "") for part in parts if part]

    def position(self) -> str:
        """Where a training run is: " · epoch 4/10 batch 3/16 · loss 0.215" ("" when idle or fitting).

        The epoch counts from the epochs reported done: batch reports are sparser (a few a second)
        and may still describe an epoch that has since ended.
        """
        if not self.training or self.live.baseline or self.epochs_done == 0 and self.progress is None:
            return ""
        planned = self.config.get("epochs")
        current = self.epochs_done + 1
        if planned is not None and current > int(planned):
            return f" · {self.epochs_done}/{planned} epochs done"
        p = self.progress
        if p is not None and p.epoch + 1 == current:
            return f" · epoch {current}/{planned} batch {p.batch}/{p.batches} · loss {p.loss:.3f}"
        return f" · epoch {current}/{planned}"

    def redraw(self, force: bool = False) -> None:
        """Redraw what changed since the last tick (called on a timer; `force` redraws all)."""
        if not self.is_current and not force:
            return  # out of sight (another mode, or help over it): what changed waits for the next tick in view
        if self.status_dirty or force:
            self.redraw_status()
        self.live.redraw(force, self.training)

    def on_resize(self) -> None:
        self.status_dirty = True  # what fits on the status line changed

    def redraw_status(self) -> None:
        """The status line alone (a key's answer: the plots redraw on their own schedule)."""
        self.status_dirty = False
        # fixed height, so no layout pass: a layout would repaint every plot
        self.query_one("#run-status", Static).update(self.status_text(), layout=False)
