"""`tutor train`: train one of the course's models from the terminal and report its figures.

    tutor train imdb --model lstm --epochs 10 --out lstm.npz
    tutor train nyse --model ar-dow --json
    tutor train longdep --model gru --length 50

Progress (a rich bar and one line per epoch) goes to stderr, so ``--json`` leaves stdout holding
exactly one JSON object. Ctrl-C stops after the current batch; with ``--out`` the best model so
far (by validation metric) is already on disk, written by a checkpoint after every improvement.
"""

from __future__ import annotations

import json
import math
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from tutor.errors import TutorError

app = typer.Typer(help="Train the course's models and report their figures.", no_args_is_help=True)


class ImdbModel(StrEnum):
    lasso = "lasso"
    mlp = "mlp"
    rnn = "rnn"
    lstm = "lstm"
    gru = "gru"


class Pool(StrEnum):
    last = "last"
    mean = "mean"


class NyseModel(StrEnum):
    rnn = "rnn"
    lstm = "lstm"
    gru = "gru"
    ar = "ar"
    ar_dow = "ar-dow"
    naive = "naive"


class LongdepModel(StrEnum):
    rnn = "rnn"
    lstm = "lstm"
    gru = "gru"


# options shared by the three commands
Epochs = Annotated[int | None, typer.Option(min=1, help="Passes over the training data (default: the course's).")]
Seed = Annotated[int, typer.Option(help="Seed for initial weights and batch order.")]
Out = Annotated[Path | None, typer.Option("--out", help="Save the model here (.npz); the best so far survives Ctrl-C.")]
Json = Annotated[bool, typer.Option("--json", help="Print one JSON object with the final metrics on stdout.")]
Lr = Annotated[float | None, typer.Option(min=0.0, help="Learning rate (default: the course's).")]
BatchSize = Annotated[int | None, typer.Option("--batch-size", min=1, help="Mini-batch size.")]
Units = Annotated[int | None, typer.Option(min=1, help="Hidden units of the recurrent layer (or each MLP layer).")]


@app.command()
def imdb(
    model: Annotated[ImdbModel, typer.Option(help="lasso / mlp on bag-of-words; rnn / lstm / gru on word sequences.")],
    epochs: Epochs = None,
    subset: Annotated[int | None, typer.Option(min=10, help="Use this many reviews only (quick runs).")] = None,
    seed: Seed = 0,
    out: Out = None,
    json_out: Json = False,
    lr: Lr = None,
    batch_size: BatchSize = None,
    units: Units = None,
    embed_dim: Annotated[int | None, typer.Option("--embed-dim", min=1, help="Word vector width.")] = None,
    dropout: Annotated[float | None, typer.Option(min=0.0, max=0.99, help="Recurrent layer's input dropout.")] = None,
    clipnorm: Annotated[float | None, typer.Option(min=0.0, help="Clip the gradient's global norm (0: off).")] = None,
    optimizer: Annotated[str | None, typer.Option(help="sgd, adam or rmsprop.")] = None,
    pool: Annotated[
        Pool, typer.Option(help="Classify from the last hidden state, or their mean over the words.")
    ] = Pool.last,
    mask_padding: Annotated[
        bool, typer.Option("--mask-padding", help="Skip the padding (trains by length: faster).")
    ] = False,
    vocab_size: Annotated[int | None, typer.Option("--vocab-size", min=3, help="Vocabulary ids (10,000).")] = None,
    data: Annotated[Path | None, typer.Option(help="aclImdb folder or .tar.gz (default: $TUTOR_IMDB).")] = None,
) -> None:
    """IMDb sentiment: validation accuracy on a held-out 20% of the train split (and the test split if present)."""
    config = {
        "task": "imdb",
        "model": model.value,
        "epochs": epochs,
        "subset": subset,
        "seed": seed,
        "lr": lr,
        "batch_size": batch_size,
        "units": units,
        "embed_dim": embed_dim,
        "dropout": dropout,
        "clipnorm": clipnorm,
        "optimizer": optimizer,
        "source": str(data) if data else None,
        "vocab_size": vocab_size,
    }
    if model in (ImdbModel.rnn, ImdbModel.lstm, ImdbModel.gru):
        config.update(pool=pool.value, mask_zero=mask_padding)
    elif pool is not Pool.last or mask_padding:
        raise TutorError("--pool and --mask-padding apply to the recurrent models (rnn, lstm, gru)")
    _train(config, out, json_out)


@app.command()
def nyse(
    model: Annotated[NyseModel, typer.Option(help="rnn (as the course), ar, ar-dow (with day of week), naive.")],
    epochs: Epochs = None,
    lag: Annotated[int, typer.Option(min=1, help="Days of history each forecast reads.")] = 5,
    seed: Seed = 0,
    out: Out = None,
    json_out: Json = False,
    lr: Lr = None,
    batch_size: BatchSize = None,
    units: Units = None,
    dropout: Annotated[float | None, typer.Option(min=0.0, max=0.99, help="Dropout after the RNN.")] = None,
) -> None:
    """NYSE log trading volume: test R² = 1 - RSS/TSS on the CSV's test days."""
    config = {
        "task": "nyse",
        "model": model.value,
        "epochs": epochs,
        "lag": lag,
        "seed": seed,
        "lr": lr,
        "batch_size": batch_size,
        "units": units,
        "dropout": dropout,
    }
    _train(config, out, json_out)


@app.command()
def longdep(
    model: Annotated[LongdepModel, typer.Option(help="rnn, lstm or gru.")] = LongdepModel.lstm,
    length: Annotated[int, typer.Option(min=2, help="Sequence length: how far back the label lies.")] = 50,
    epochs: Epochs = None,
    seed: Seed = 0,
    out: Out = None,
    json_out: Json = False,
    lr: Lr = None,
    units: Units = None,
    n_train: Annotated[int, typer.Option("--n-train", min=1, help="Training sequences.")] = 2000,
) -> None:
    """The long-dependency toy task: the label is the first token of the sequence."""
    config = {
        "task": "long_dependency",
        "model": model.value,
        "seq_len": length,
        "epochs": epochs,
        "seed": seed,
        "lr": lr,
        "units": units,
        "n_train": n_train,
        "n_val": max(64, n_train // 4),
    }
    _train(config, out, json_out)


# -- the shared run -----------------------------------------------------------------------------


def _train(config: dict[str, Any], out: Path | None, json_out: bool) -> None:
    from rich.console import Console

    from tutor.tasks import registry

    started = time.perf_counter()
    console = Console(stderr=True)
    cfg = registry.resolve(config)
    task = registry.get_task(cfg.task)
    if out is not None:
        out = out.expanduser()
        if out.suffix != ".npz":
            raise TutorError(f"--out must name a .npz file, got {out}")
        if not out.parent.is_dir():
            raise TutorError(f"cannot save to {out}: the folder {out.parent} does not exist")
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
        from tutor.engine import ModelCheckpoint

        checkpoint = ModelCheckpoint(out, monitor=f"val_{data.metric}", mode="max", metadata=meta)
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


def _save(result: Any, out: Path | None, checkpoint: Any, meta: dict[str, Any], console: Any) -> str | None:
    """Where the model went: the checkpoint's best epoch, or the fitted baseline."""
    if out is None:
        return None
    if checkpoint is not None:
        if checkpoint.saved_epoch is None:
            console.print(f"[yellow]no epoch finished: nothing saved to {out}[/]")
            return None
        console.print(
            f"saved the best model (epoch {checkpoint.saved_epoch + 1}, "
            f"val_{result.metric} {checkpoint.best:.4f}) to {out}"
        )
        return str(out)
    if result.trained is None:
        console.print(f"[yellow]the {result.model} forecast has no weights: nothing saved[/]")
        return None
    result.trained.save(out, metadata={**meta, **{k: v for k, v in result.metrics.items() if v is not None}})
    console.print(f"saved the fitted model to {out}")
    return str(out)


def _report(result: Any, saved: str | None, json_out: bool, console: Any) -> None:
    metrics = result.metrics
    name = result.config.name or result.model
    if result.interrupted:
        console.print("[yellow]stopped by Ctrl-C: the figures below are for the model as it was[/]")
    if result.diverged:
        console.print("[red]the loss became NaN or infinite: training stopped (try a smaller --lr)[/]")
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
            "history": result.history,
            "config": {**result.config.plain(), "name": name},
        }
        typer.echo(json.dumps(_json_safe(payload)))
        return
    keys = [
        k
        for k in (f"val_{result.metric}", f"test_{result.metric}", result.metric, "lambda", "nonzero")
        if metrics.get(k) is not None
    ]
    typer.echo(
        f"{result.task} {name}: " + ", ".join(f"{k} {_fmt(metrics[k])}" for k in keys) + f" ({result.seconds:.1f} s)"
    )


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


class _EpochProgress:
    """A rich bar over batches and one line per epoch (loss and metrics), all on stderr.

    An engine callback (duck-typed: the engine calls whichever hooks exist) that also takes the
    registry's stage reports; the bar only shows on a terminal, the epoch lines always do.
    """

    def __init__(self, console, metric: str):
        self.console, self.metric = console, metric
        self.progress = None
        self.task = None
        self.epochs = 0
        self.started = 0.0
        self.model = None

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

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def set_model(self, model) -> None:
        self.model = model

    def stage(self, stage: Any) -> None:
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
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(f"epoch {epoch + 1}/{self.epochs}", total=self.steps, status="")
        self.epoch_started = time.perf_counter()

    def on_batch_end(self, batch: int, logs: dict[str, Any]) -> None:
        status = f"loss {logs['loss']:.4f}"
        if self.metric in logs:
            status += f"  {self.metric} {logs[self.metric]:.4f}"
        self.progress.update(self.task, completed=batch + 1, status=status)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        shown = [k for k in ("loss", self.metric, "val_loss", f"val_{self.metric}") if k in logs]
        line = "  ".join(f"{k} {logs[k]:.4f}" for k in shown)
        self.progress.console.print(
            f"epoch {epoch + 1}/{self.epochs}  {line}  ({time.perf_counter() - self.epoch_started:.0f} s)",
            soft_wrap=True,
        )

    def on_train_end(self, logs: dict[str, Any]) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
            self.task = None
