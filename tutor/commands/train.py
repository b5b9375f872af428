"""`tutor train`: train one of the course's models from the terminal and report its figures.

    tutor train imdb --model lstm --epochs 10 --out lstm.npz
    tutor train nyse --model ar-dow --json
    tutor train longdep --model gru --length 50

One command per task that has one (`Task.command`), and its options are the task's settings
table: the same names, bounds and help as the dashboard's form and the lesson files. An option
that does not apply to the chosen model is an error, not silently ignored.

Progress (a rich bar and one line per epoch) goes to stderr, so ``--json`` leaves stdout holding
exactly one JSON object. Ctrl-C stops after the current batch; with ``--out`` the best model so
far (by validation metric) is already on disk, written by a checkpoint after every improvement.
A run that diverges says so and exits 1, with or without ``--json``.
"""

from __future__ import annotations

import inspect
import json
import math
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tutor.errors import TutorError
from tutor.tasks import registry
from tutor.tasks.base import CLI_MODEL_NAMES, MODEL_ALIASES, Task
from tutor.tasks.settings import Setting, SettingError, SizeError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from tutor.tasks.base import RunResult, Stage
    from tutor.training.saving import BestCheckpoint

app = typer.Typer(help="Train the course's models and report their figures.", no_args_is_help=True)

DIVERGED = "diverged: the loss became NaN, infinite or a thousand times its start; try a smaller learning rate (--lr)"

# options every command has besides its task's settings
COMMON = ("model", "out", "json_out")


def _choices(name: str, values: list[str]) -> Any:
    """A StrEnum of `values` (how typer offers a fixed set of choices)."""
    return StrEnum(name, [(v, v) for v in values])


def model_names(task: Task) -> list[str]:
    """The `--model` spellings of a task's models, in the course's order (ar and ar-dow both)."""
    return [name for name in CLI_MODEL_NAMES if MODEL_ALIASES[name][0] in task.models]


def _default_text(task: Task, setting: Setting) -> str:
    """ "(default: 32)", "(default: 16 for mlp, 32 for rnn/lstm/gru)", or what unset means."""
    if setting.name in task.command_defaults:
        return f" (default: {task.command_defaults[setting.name]})"
    names = [n for n in model_names(task) if setting.applies_to(MODEL_ALIASES[n][0])]
    values: dict[str, list[str]] = {}
    for name in names:
        value = setting.default_for(MODEL_ALIASES[name][0])
        values.setdefault("" if value is None else str(value), []).append(name)
    if set(values) <= {""}:
        return ""  # unset by default: the help says what that means
    if len(values) == 1:
        (value,) = values
        return f" (default: {value})"
    return " (default: " + ", ".join(f"{v or setting.unset} for {'/'.join(n)}" for v, n in values.items()) + ")"


def _option(task: Task, setting: Setting) -> inspect.Parameter:
    """The typer option for one setting: its flag, type, bounds and help, from the table."""
    only = ""
    if setting.models is not None and set(setting.models) != set(task.models):
        names = [n for n in model_names(task) if MODEL_ALIASES[n][0] in setting.models]
        only = f" Only for {', '.join(names)}."
    help_text = setting.help + only + _default_text(task, setting)
    assert setting.option is not None
    if setting.kind is bool:  # a switch: given means true
        info = typer.Option(setting.option, help=help_text)
        return inspect.Parameter(
            setting.name, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[bool, info]
        )
    kind: Any = setting.kind
    if setting.choices:
        kind = _choices(f"{setting.name}_choices", [str(c) for c in setting.choices])
    bounds: dict[str, Any] = {}
    if not setting.choices and setting.kind in (int, float):
        # typer has closed bounds only: an open one (lr > 0, dropout < 1) is the table's to check
        if setting.low is not None and not setting.low_open:
            bounds["min"] = setting.low
        if setting.high is not None and not setting.high_open:
            bounds["max"] = setting.high
        if setting.low_open or setting.high_open:
            help_text += f" Allowed: {setting.bounds()}."
    info = typer.Option(setting.option, help=help_text, show_default=False, **bounds)
    return inspect.Parameter(
        setting.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[kind | None, info]
    )


def make_command(task: Task) -> Callable[..., None]:
    """`tutor train <task.command>`: one option per setting of the task's table, plus the common ones."""
    names = model_names(task)
    models = _choices(f"{task.name}_models", names)
    default_model = task.command_defaults.get("model")
    model_default: Any = inspect.Parameter.empty
    if default_model is not None:
        model_default = models(next(n for n in names if MODEL_ALIASES[n][0] == default_model))
    help_models = ", ".join(names)
    params = [
        inspect.Parameter(
            "model",
            inspect.Parameter.KEYWORD_ONLY,
            default=model_default,
            annotation=Annotated[models, typer.Option(help=f"The model: {help_models}.")],
        ),
        *(_option(task, s) for s in task.settings.values() if s.option is not None),
        inspect.Parameter(
            "out",
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                Path | None, typer.Option("--out", help="Save the model here (.npz); the best so far survives Ctrl-C.")
            ],
        ),
        inspect.Parameter(
            "json_out",
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=Annotated[
                bool, typer.Option("--json", help="Print one JSON object with the final metrics on stdout.")
            ],
        ),
    ]

    def command(**options: Any) -> None:
        out, json_out = options.pop("out"), options.pop("json_out")
        model = options.pop("model")
        given = {
            k: (v.value if isinstance(v, StrEnum) else v)
            for k, v in options.items()
            if v is not None and not (v is False and task.settings[k].kind is bool)
        }
        config = {**task.command_defaults, **given, "task": task.name, "model": model.value}
        _train(task, config, set(given), out, json_out)

    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__doc__ = task.command_help
    command.__name__ = task.command or task.name
    return command


for _task in registry.TASKS.values():
    if _task.command:
        app.command(_task.command)(make_command(_task))


# -- the shared run -----------------------------------------------------------------------------


def _resolve(task: Task, config: dict[str, Any], given: set[str]) -> Any:
    """The run's config, checked strictly for the options given: SettingError names the option."""
    try:
        return task.resolve(config, strict=True)
    except SizeError as exc:
        raise TutorError(str(exc)) from None
    except SettingError as exc:
        setting = task.settings.get(exc.key)
        name = setting.option if setting is not None and setting.option and exc.key in given else exc.key
        raise TutorError(f"{name} {exc.problem}") from None


def _train(task: Task, config: dict[str, Any], given: set[str], out: Path | None, json_out: bool) -> None:
    from rich.console import Console

    from tutor.training.saving import BestCheckpoint, check_destination

    started = time.perf_counter()
    console = Console(stderr=True)
    if out is not None:
        out = check_destination(out)  # before training: a long run must not end in "cannot save"
    cfg = _resolve(task, config, given)
    try:
        with console.status(f"preparing the {task.title} data..."):
            data = task.load(cfg)
    except KeyboardInterrupt:
        console.print("stopped before training began")
        raise typer.Exit(130) from None
    callbacks: list[Any] = []
    checkpoint = None
    meta = task.metadata(cfg, data)
    if out is not None and not task.is_baseline(cfg.model):
        checkpoint = BestCheckpoint(out, f"val_{data.metric}", meta)
        callbacks.append(checkpoint)
    progress_cb = _EpochProgress(console, data.metric)
    callbacks.append(progress_cb)
    with progress_cb:
        result = task.run(cfg, data, callbacks=callbacks, progress=progress_cb.stage)
    saved = _save(result, out, checkpoint, meta, console)
    result.seconds = time.perf_counter() - started  # the whole command, data preparation included
    _report(result, saved, json_out, console)
    if result.interrupted:
        raise typer.Exit(130)  # the shell's code for Ctrl-C, after the figures and the best model are kept
    if result.diverged:
        raise typer.Exit(1)


def _save(
    result: RunResult, out: Path | None, checkpoint: BestCheckpoint | None, meta: dict[str, Any], console: Console
) -> str | None:
    """Where the model went: the checkpoint's best epoch, or the fitted baseline."""
    from tutor.training.saving import save_model

    if out is None:
        return None
    if checkpoint is not None:
        if checkpoint.saved_epoch is None:
            console.print(f"[yellow]no epoch finished with a validation figure: nothing saved to {out}[/]")
            return None
        console.print(
            f"saved the best model (epoch {checkpoint.saved_epoch + 1}, "
            f"val_{result.metric} {checkpoint.best:.4f}) to {out}"
        )
        return str(out)
    if result.trained is None:
        console.print(f"[yellow]the {result.model} forecast has no weights: nothing saved[/]")
        return None
    save_model(result.trained, out, meta, result.metrics)
    console.print(f"saved the fitted model to {out}")
    return str(out)


def _report(result: RunResult, saved: str | None, json_out: bool, console: Console) -> None:
    metrics = result.metrics
    name = result.config.name or result.model
    if result.interrupted:
        console.print("[yellow]stopped by Ctrl-C: the figures below are for the model as it was[/]")
    if result.diverged:
        console.print(f"[red]tutor: {DIVERGED}[/]", soft_wrap=True)
    if json_out:
        payload = {
            "task": result.task,
            "model": name,
            **metrics,
            "epochs": result.epochs,
            "seconds": round(result.seconds, 2),
            "interrupted": result.interrupted,
            "diverged": result.diverged,
            "saved": saved,
            "sizes": result.sizes,
            "history": result.history,
            "config": {**result.config.plain(), "name": name},
        }
        typer.echo(json.dumps(_json_safe(payload)))
        return
    if result.diverged:
        return  # its figures mean nothing
    keys = [
        k
        for k in (f"val_{result.metric}", f"test_{result.metric}", result.metric, "lambda", "nonzero")
        if metrics.get(k) is not None
    ]
    figures = ", ".join(f"{k} {_fmt(float(metrics[k] or 0))}" for k in keys)
    typer.echo(f"{result.task} {name}: {figures} ({result.seconds:.1f} s)")


def _fmt(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e-3 and value != 0 else f"{value:.4f}".rstrip("0").rstrip(".")


def _json_safe(value: Any) -> Any:
    """NaN and infinity are not JSON: they become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _engine_callback() -> type:
    from tutor.engine import Callback

    return Callback


class _EpochProgress(_engine_callback()):  # type: ignore[misc]
    """A rich bar over batches and one line per epoch (loss and metrics), all on stderr.

    An engine callback that also takes the task's stage reports; the bar only shows on a
    terminal, the epoch lines always do.
    """

    def __init__(self, console: Console, metric: str) -> None:
        self.console, self.metric = console, metric
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.epochs = 0
        self.steps = 0
        self.started = 0.0
        self.epoch_started = 0.0

    def __enter__(self) -> _EpochProgress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"),
            console=self.console,
            transient=True,
            disable=not self.console.is_terminal,
        )
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self.progress is not None
        self.progress.__exit__(*exc)

    def stage(self, stage: Stage) -> None:
        assert self.progress is not None
        info = stage.info
        if stage.name == "lasso":
            if self.task is None:
                self.task = self.progress.add_task("lasso path", total=info["steps"], status="")
            self.progress.update(
                self.task,
                completed=info["step"],
                status=f"λ {info['lambda']:.2e}  {info['nonzero']} words  val_accuracy {info['val_accuracy']:.4f}",
            )
        elif stage.name in ("evaluate", "test") and self.task is not None:
            self.progress.update(self.task, status=f"scoring on the {stage.name} part...")

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        self.epochs, self.steps = logs["epochs"], logs["steps"]
        self.started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        assert self.progress is not None
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(f"epoch {epoch + 1}/{self.epochs}", total=self.steps, status="")
        self.epoch_started = time.perf_counter()

    def on_batch_end(self, batch: int, logs: dict[str, Any]) -> None:
        assert self.progress is not None and self.task is not None
        status = f"loss {logs['loss']:.4f}"
        if self.metric in logs:
            status += f"  {self.metric} {logs[self.metric]:.4f}"
        self.progress.update(self.task, completed=batch + 1, status=status)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        assert self.progress is not None
        keys = ("loss", self.metric, "perplexity", "val_loss", f"val_{self.metric}", "val_perplexity")
        shown = [k for k in keys if k in logs]
        line = "  ".join(f"{k} {logs[k]:.4f}" for k in shown)
        self.progress.console.print(
            f"epoch {epoch + 1}/{self.epochs}  {line}  ({time.perf_counter() - self.epoch_started:.0f} s)",
            soft_wrap=True,
        )

    def on_train_end(self, logs: dict[str, Any]) -> None:
        if self.task is not None:
            assert self.progress is not None
            self.progress.remove_task(self.task)
            self.task = None
