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
from dataclasses import dataclass, field
from typing import Any

from tutor.errors import TutorError

# Lesson 9's LSTM experiment, a little shorter: long enough (seconds per run) for timer noise
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


# -- key latency -----------------------------------------------------------------------------------

# A run long enough to outlast the keys (it is stopped once they are measured).
LATENCY_CONFIG: dict[str, Any] = {**CONFIG, "epochs": 10_000}
LATENCY_SIZES: tuple[tuple[int, int], ...] = ((60, 20), (80, 24), (160, 48))
TIMEOUT = 10.0  # seconds a key may take before the bench gives up on it


@dataclass
class KeyTiming:
    """One key of the tour: what it should do, and each time it took until that was on screen."""

    key: str
    does: str
    seconds: list[float]
    cpu: list[float] = field(default_factory=list)  # the app process's processor time for it

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def worst(self) -> float:
        return max(self.seconds)


def key_tour() -> list[tuple[str, str, Callable[[Any], bool]]]:
    """The keys pressed while a run trains, each with what it does and how to see it is done."""
    from textual.widgets import TabbedContent

    from tutor.tui.screens.course_map import CourseMapScreen
    from tutor.tui.screens.dashboard import DashboardScreen
    from tutor.tui.screens.help import HelpScreen
    from tutor.tui.screens.lesson import LessonScreen
    from tutor.tui.screens.playground import PlaygroundScreen

    def tab(name: str) -> Callable[[Any], bool]:
        return lambda app: (
            isinstance(app.screen, DashboardScreen) and app.screen.query_one(TabbedContent).active == name
        )

    def screen(kind: type) -> Callable[[Any], bool]:
        return lambda app: isinstance(app.screen, kind)

    def paused(state: bool) -> Callable[[Any], bool]:
        return lambda app: app.screen.switches is not None and app.screen.switches.paused == state

    return [
        ("f1", "open help", screen(HelpScreen)),
        ("escape", "close help", screen(DashboardScreen)),
        ("right", "Runs tab", tab("runs")),
        ("left", "Live tab", tab("live")),
        ("left", "Setup tab", tab("setup")),
        ("right", "Live tab", tab("live")),
        ("ctrl+g", "pause", paused(True)),
        ("ctrl+g", "resume", paused(False)),
        ("f2", "course map", screen(CourseMapScreen)),
        ("enter", "open lesson", screen(LessonScreen)),
        ("f2", "course map", screen(CourseMapScreen)),
        ("f3", "dashboard", screen(DashboardScreen)),
        ("f4", "playground", screen(PlaygroundScreen)),
        ("f3", "dashboard", screen(DashboardScreen)),
    ]


async def _key_latencies(
    config: Mapping[str, Any], size: tuple[int, int], rounds: int, profile_prefix: str = ""
) -> list[KeyTiming]:
    """Press the tour's keys `rounds` times while `config` trains; the seconds until each showed.

    With `profile_prefix`, each key's work is profiled (cProfile) into a file of that prefix.
    """
    import cProfile
    import time

    profile = cProfile.Profile() if profile_prefix else None

    from textual import events
    from textual.drivers.headless_driver import HeadlessDriver

    from tutor.tui.app import TutorApp
    from tutor.tui.screens.dashboard import DashboardScreen

    class Terminal(HeadlessDriver):
        """Headless input, but the app writes its frames as it would to a terminal (then dropped)."""

        @property
        def is_headless(self) -> bool:
            return False

    class TimedApp(TutorApp):
        def __init__(self) -> None:
            super().__init__()
            self.frames: list[float] = []

        def post_display_hook(self) -> None:
            self.frames.append(time.perf_counter())

    tour = key_tour()
    timings = [KeyTiming(key, does, []) for key, does, _ in tour]
    app = TimedApp()
    async with app.run_test(size=size) as pilot:
        assert app._driver is not None
        app._driver.__class__ = Terminal  # frames are rendered to escape codes, as in a terminal
        app.goto_mode("train")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        screen.begin(dict(config))
        while not screen.live.history.get("loss"):  # the plots have something to draw
            if screen.result is not None:
                raise TutorError(f"the run ended before the keys were pressed: {screen.result.error or 'finished'}")
            await asyncio.sleep(0.05)
        try:
            for _ in range(rounds):
                for timing, (key, _does, done) in zip(timings, tour, strict=True):
                    await asyncio.sleep(0.3)  # the app back to its steady state: timers, redraws
                    sent, cpu = time.perf_counter(), time.process_time()
                    if profile is not None:
                        profile.enable()
                    app._driver.send_message(events.Key(key, None))
                    while not done(app) and time.perf_counter() - sent < TIMEOUT:
                        await asyncio.sleep(0.001)
                    seen = time.perf_counter()
                    while not any(t >= seen for t in app.frames[-3:]) and time.perf_counter() - sent < TIMEOUT:
                        await asyncio.sleep(0.001)  # the first frame drawn once the key has acted
                    shown = next((t for t in app.frames if t >= seen), time.perf_counter())
                    if profile is not None:
                        profile.disable()
                        profile.dump_stats(f"{profile_prefix}-{len(timing.seconds)}-{key}-{_does}.prof")
                        profile.clear()
                    timing.seconds.append(shown - sent)
                    timing.cpu.append(time.process_time() - cpu)
        finally:
            if isinstance(app.screen, DashboardScreen):
                app.screen.action_stop()
            elif screen.switches is not None:
                screen.switches.request_stop()
            await app.workers.wait_for_complete()
    return timings


def key_latency(
    config: Mapping[str, Any] = LATENCY_CONFIG,
    size: tuple[int, int] = SIZE,
    rounds: int = 3,
) -> list[KeyTiming]:
    """Seconds from each key of the tour to the frame showing its effect, while `config` trains."""
    from tutor.training.client import end_training_process

    previous = os.environ.get("TUTOR_HOME")
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as home:
        os.environ["TUTOR_HOME"] = home
        try:
            return asyncio.run(_key_latencies(config, size, rounds))
        finally:
            end_training_process()
            if previous is None:
                os.environ.pop("TUTOR_HOME", None)
            else:
                os.environ["TUTOR_HOME"] = previous


def keys(rounds: int = 3, sizes: tuple[tuple[int, int], ...] = LATENCY_SIZES) -> None:
    """Print how long each key takes to show its effect while a run trains, at each size."""
    import typer
    from rich.console import Console

    console = Console(stderr=True)
    config = LATENCY_CONFIG
    label = f"{config['model']} {config['units']}u T={config['seq_len']}, {config['n_train']} sequences"
    typer.echo(f"key to frame while {label} trains; median and worst of {rounds} round(s), ms")
    worst = 0.0
    for width, height in sizes:
        with console.status(f"pressing keys at {width}x{height}..."):
            timings = key_latency(config, (width, height), rounds)
        typer.echo(f"{width}x{height}:")
        for t in timings:
            cpu = statistics.median(t.cpu) * 1000
            typer.echo(f"  {t.key:<8} {t.does:<12} {t.median * 1000:6.0f} {t.worst * 1000:6.0f}   cpu {cpu:5.0f}")
        worst = max([worst, *(t.worst for t in timings)])
    verdict = "within" if worst <= 0.2 else "over"
    typer.echo(f"slowest key: {worst * 1000:.0f} ms ({verdict} the 200 ms bar)")


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
