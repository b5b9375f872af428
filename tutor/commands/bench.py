"""`tutor bench`: speed measured side by side, printed as ratios."""

from __future__ import annotations

from enum import StrEnum

import typer

app = typer.Typer(help="Benchmarks, reported as ratios measured side by side in one run.", no_args_is_help=True)


@app.command("engine")
def engine(repeats: int = typer.Option(7, min=1, help="Timed runs per shape (the median is kept).")) -> None:
    """Time the engine's LSTM forward+backward against torch.nn.LSTM (when PyTorch is installed)."""
    from rich.console import Console
    from rich.table import Table

    from tutor.bench import bench_lstm, geometric_mean, thread_count

    console = Console()
    with console.status("timing...") as status:
        rows = bench_lstm(repeats=repeats, progress=lambda msg: status.update(f"timing {msg}"))
    table = Table(title=f"LSTM forward + backward, float32, {thread_count()} threads, median of {repeats}")
    for col in ("B, T, D, H", "engine ms", "torch ms", "torch / engine"):
        table.add_column(col, justify="right")
    for row in rows:
        table.add_row(
            ", ".join(map(str, row.shape)),
            f"{row.engine_s * 1e3:.1f}",
            "-" if row.torch_s is None else f"{row.torch_s * 1e3:.1f}",
            "-" if row.ratio is None else f"{row.ratio:.2f}",
        )
    console.print(table)
    ratios = [r.ratio for r in rows if r.ratio is not None]
    if ratios:
        mean = geometric_mean(ratios)
        console.print(f"geometric mean of torch / engine: [bold]{mean:.2f}[/] (above 1: the engine is faster)")
    else:
        console.print("PyTorch is not installed: engine times only (pip install torch for the ratios).")


class RecurrentModel(StrEnum):
    SimpleRNN = "SimpleRNN"
    LSTM = "LSTM"
    GRU = "GRU"


@app.command("tui")
def tui(
    repeats: int = typer.Option(5, min=1, help="Alternating headless / in-app pairs."),
    epochs: int = typer.Option(10, min=1, help="Epochs per run (short runs are noisy)."),
    model: RecurrentModel = typer.Option(RecurrentModel.LSTM, help="The model, on the long-dependency task."),
    speed: bool = typer.Option(True, "--speed/--no-speed", help="Time training in the app against headless."),
    keys: bool = typer.Option(True, "--keys/--no-keys", help="Time each key while a run trains, at 3 sizes."),
    rounds: int = typer.Option(3, min=1, help="Times each key is pressed, per terminal size."),
) -> None:
    """Time the same training headless and inside the dashboard (the in-app / headless speed ratio),
    then how long keys take to show their effect while a run trains (60x20, 80x24, 160x48)."""
    from tutor.bench_tui import keys as run_keys
    from tutor.bench_tui import tui as run

    if speed:
        run(repeats=repeats, epochs=epochs, model=str(model))
    if keys:
        run_keys(rounds=rounds)


@app.command("predict")
def predict(
    reviews: int = typer.Option(25_000, min=1, help="How many reviews the file holds."),
    repeats: int = typer.Option(3, min=1, help="Alternating runs of each variant (the median is kept)."),
) -> None:
    """Reviews per second through `tutor predict --file` (a fresh process per run), and peak memory."""
    from rich.console import Console
    from rich.table import Table

    from tutor.bench_predict import bench_predict

    console = Console()
    with console.status("preparing reviews...") as status:
        variants, source = bench_predict(reviews, repeats, progress=lambda msg: status.update(f"timing {msg}"))
    table = Table(title=f"tutor predict --file: {reviews:,} reviews, median of {repeats}")
    for col in ("variant", "BLAS threads", "seconds", "reviews / s", "peak MB"):
        table.add_column(col, justify="right")
    for v in variants:
        table.add_row(
            v.label, str(v.threads), f"{v.median_s:.2f}", f"{reviews / v.median_s:,.0f}", f"{max(v.peak_mb):.0f}"
        )
    console.print(table)
    console.print(f"reviews: {source}")
    one, two = variants[0], variants[2]
    console.print(f"2 BLAS threads / 1 thread, time: [bold]{two.median_s / one.median_s:.2f}[/] (tutor predict uses 1)")
