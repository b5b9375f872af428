"""In-app against headless training speed: the same run, alternately, in the same training process.

The issue's bar: training inside the dashboard runs at no less than 85% of the speed of the same
run headless. Both sides run the dashboard's training process (`tutor.training.process`), fresh each
time; headless, nothing but this bench reads its reports. Both time the engine's fit alone
(first batch to last epoch, data preparation and scoring excluded), so only what the app costs
the training shows.
Run it with ``tutor bench tui``.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tutor.errors import TutorError

# Lesson 7's LSTM experiment, a little shorter: long enough (seconds per run) for timer noise
# and the app's start-up to stay out of the figure.
CONFIG: dict[str, Any] = {
    "task": "long_dependency",
    "model": "LSTM",
    "units": 16,
    "seq_len": 50,
    "lr": 0.003,
    "optimizer": "adam",
    "epochs": 3,
    "batch_size": 32,
    "n_train": 2000,
    "n_val": 500,
    "seed": 0,
}
SIZE = (80, 24)


@dataclass
class BenchResult:
    """Fit seconds of each side, in the order they ran."""

    headless: list[float]
    in_app: list[float]

    @property
    def ratio(self) -> float:
        """In-app speed over headless speed (1.0: no cost; the bar is 0.85), from the medians."""
        return statistics.median(self.headless) / statistics.median(self.in_app)

    @property
    def pair_ratios(self) -> list[float]:
        """The same ratio for each alternating pair (shows the noise)."""
        return [h / a for h, a in zip(self.headless, self.in_app, strict=True)]


def headless_fit(config: Mapping[str, Any]) -> float:
    """Fit seconds of `config` in the dashboard's own training process, with no app attached.

    A fresh process, as in the app: timing it inside this (warmed-up) process would flatter the
    headless side with buffers and imports the app's fresh process has yet to make.
    """
    from tutor.training.client import Trainer
    from tutor.training.protocol import DoneReport, ProtocolError, decode

    trainer = Trainer()  # the dashboard's own client of the process, without the dashboard
    done: DoneReport | None = None
    try:
        trainer.send(json.dumps(dict(config)))
        while done is None and (line := trainer.reports.get()):
            try:
                report = decode(line)
            except ProtocolError:
                break
            done = report if isinstance(report, DoneReport) else None
    finally:
        trainer.close(wait=5.0)
    if done is None or done.error:
        raise TutorError(f"the headless run failed: {done.error if done else 'no report'}")
    return done.fit_seconds


async def _app_fit(config: Mapping[str, Any], size: tuple[int, int]) -> float:
    from tutor.tui.app import TutorApp
    from tutor.tui.screens.dashboard import DashboardScreen

    app = TutorApp()
    async with app.run_test(size=size) as pilot:
        app.goto_mode("train")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        screen.begin(dict(config))
        while screen.training or screen.result is None:
            await asyncio.sleep(0.05)  # the app keeps running its timers and messages meanwhile
        result = screen.result
    if result.error:
        raise TutorError(f"the in-app run failed: {result.error}")
    return result.fit_seconds


def in_app_fit(config: Mapping[str, Any], size: tuple[int, int] = SIZE) -> float:
    """Fit seconds of `config` run by the dashboard (Textual headless, live plots and all)."""
    from tutor.training.client import end_training_process

    try:
        return asyncio.run(_app_fit(config, size))
    finally:
        end_training_process()  # the next run starts a fresh process, as the headless side does


def bench_tui(
    config: Mapping[str, Any] = CONFIG,
    repeats: int = 3,
    size: tuple[int, int] = SIZE,
    progress: Callable[[str], None] | None = None,
) -> BenchResult:
    """Alternate headless and in-app runs `repeats` times each (after one warm-up of each)."""
    previous = os.environ.get("TUTOR_HOME")
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as home:
        os.environ["TUTOR_HOME"] = home  # the app saves its runs: not into the learner's store
        try:
            warm = {**config, "epochs": 1}
            if progress:
                progress("warm-up")
            headless_fit(warm)
            in_app_fit(warm, size)
            result = BenchResult([], [])
            for i in range(repeats):
                if progress:
                    progress(f"headless {i + 1}/{repeats}")
                result.headless.append(headless_fit(config))
                if progress:
                    progress(f"in the app {i + 1}/{repeats}")
                result.in_app.append(in_app_fit(config, size))
        finally:
            if previous is None:
                os.environ.pop("TUTOR_HOME", None)
            else:
                os.environ["TUTOR_HOME"] = previous
    return result


def tui(repeats: int = 5, epochs: int = 10, model: str = "LSTM") -> None:
    """Time the same training headless and inside the dashboard; print the in-app/headless ratio."""
    import typer
    from rich.console import Console

    console = Console(stderr=True)
    config = {**CONFIG, "epochs": epochs, "model": model}
    with console.status("timing...") as status:
        result = bench_tui(config, repeats=repeats, progress=lambda msg: status.update(f"timing: {msg}"))
    label = f"{config['model']} {config['units']}u T={config['seq_len']}, {config['n_train']} sequences"
    typer.echo(f"{label}, {epochs} epoch(s), app at {SIZE[0]}x{SIZE[1]}, {repeats} alternating pair(s)")
    typer.echo("headless fit s: " + " ".join(f"{s:.2f}" for s in result.headless))
    typer.echo("in-app fit s:   " + " ".join(f"{s:.2f}" for s in result.in_app))
    typer.echo("pair ratios:    " + " ".join(f"{r:.2f}" for r in result.pair_ratios))
    verdict = "meets" if result.ratio >= 0.85 else "is under"
    typer.echo(f"in-app / headless speed (medians): {result.ratio:.2f} ({verdict} the 0.85 bar)")
