"""`tutor bench`: speed measured side by side, printed as ratios."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import typer

app = typer.Typer(
    help="Benchmarks, reported as ratios measured side by side in one run. Each takes --json: one JSON object "
    "on stdout (progress stays on stderr); its fields are listed in each command's --help.",
    no_args_is_help=True,
)

_ENGINE_JSON = (
    'One JSON object instead of the table: {"repeats", "dtype", "threads" (the default count), "torch" '
    '(installed?), "rows": [{"layer", "pass" ("train" or "infer"), "batch", "steps", "inputs", "units", '
    '"one_thread": {"engine_ms", "torch_ms", "torch_over_engine", "spread"}, "default_threads": {same}}], '
    '"geometric_mean": {"one_thread", "default_threads"} (torch / engine), "gemm_gflops", "largest": {"layer", '
    '"pass", "gflops", "share_of_gemm"}}; torch figures are null without PyTorch.'
)
_TUI_JSON = (
    'One JSON object instead of the text: {"speed": {"training", "epochs", "width", "height", "headless_s": [...], '
    '"in_app_s": [...], "pair_ratios": [...], "ratio" (in-app / headless speed, medians), "bar"}, "keys": '
    '{"training", "rounds", "sizes": [{"width", "height", "keys": [{"key", "does", "median_ms", "worst_ms", '
    '"cpu_ms"}]}], "slowest_ms", "bar_ms"}}; a part left out (--no-speed, --no-keys) is null.'
)
_PREDICT_JSON = (
    'One JSON object instead of the table: {"reviews", "repeats", "source", "variants": [{"label", "threads", '
    '"seconds": [...], "median_s", "reviews_per_s", "peak_mb"}], "two_over_one_threads" (time ratio)}.'
)


def _timing(t: Any) -> dict[str, Any]:
    return {
        "engine_ms": round(t.engine_s * 1e3, 3),
        "torch_ms": None if t.torch_s is None else round(t.torch_s * 1e3, 3),
        "torch_over_engine": None if t.ratio is None else round(t.ratio, 4),
        "spread": round(t.spread, 4),
    }


@app.command("engine")
def engine(
    repeats: int = typer.Option(7, min=1, help="Timed runs per row and thread setting (the median is kept)."),
    models: str = typer.Option("SimpleRNN,LSTM,GRU", help="Comma-separated layers to time."),
    json_out: bool = typer.Option(False, "--json", help=_ENGINE_JSON),
) -> None:
    """Time the engine's recurrent layers against torch.nn (when PyTorch is installed), at one
    BLAS thread and at the default count; print torch / engine ratios and the GEMM rate reached."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from tutor.bench import MODELS, bench, cases, gemm_rate, geometric_mean, thread_count, threads

    chosen = tuple(m.strip() for m in models.split(",") if m.strip())
    unknown = [m for m in chosen if m not in MODELS]
    if unknown or not chosen:
        raise typer.BadParameter(f"unknown model {', '.join(unknown) or models!r}: choose from {', '.join(MODELS)}")
    n = thread_count()
    console = Console(stderr=json_out)  # with --json, stdout holds the JSON alone
    with console.status("timing...") as status:
        rows = bench(repeats, cases(chosen), progress=lambda msg: status.update(f"timing {msg}"))
        status.update("timing the matrix-product rate")
        with threads(n):
            rate = gemm_rate()
    large = max(rows, key=lambda r: (r.mode == "train", r.flops))
    reached = large.flops / large.default.engine_s
    means = {}
    for pick in ("one", "default"):
        ratios = [getattr(r, pick).ratio for r in rows if getattr(r, pick).ratio is not None]
        means[pick] = geometric_mean(ratios) if ratios else None
    if json_out:
        report = {
            "repeats": repeats,
            "dtype": "float32",
            "threads": n,
            "torch": any(r.one.ratio is not None for r in rows),
            "rows": [
                {
                    "layer": r.model,
                    "pass": r.mode,
                    **dict(zip(("batch", "steps", "inputs", "units"), r.shape, strict=True)),
                    "one_thread": _timing(r.one),
                    "default_threads": _timing(r.default),
                }
                for r in rows
            ],
            "geometric_mean": {
                "one_thread": None if means["one"] is None else round(means["one"], 4),
                "default_threads": None if means["default"] is None else round(means["default"], 4),
            },
            "gemm_gflops": round(rate / 1e9, 2),
            "largest": {
                "layer": large.model,
                "pass": large.mode,
                "gflops": round(reached / 1e9, 2),
                "share_of_gemm": round(reached / rate, 4),
            },
        }
        typer.echo(json.dumps(report))
        return
    table = Table(
        title=f"float32, median of {repeats} alternating runs", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False
    )
    for col in ("layer", "pass", "B,T,D,H", "ms 1t", "t/e 1t", f"ms {n}t", f"t/e {n}t", "spread"):
        table.add_column(col, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(
            row.model,
            row.mode,
            ",".join(map(str, row.shape)),
            f"{row.one.engine_s * 1e3:.1f}",
            "-" if row.one.ratio is None else f"{row.one.ratio:.2f}",
            f"{row.default.engine_s * 1e3:.1f}",
            "-" if row.default.ratio is None else f"{row.default.ratio:.2f}",
            f"{max(row.one.spread, row.default.spread):.0%}",
        )
    console.print(table)
    console.print(
        "train: forward + backward; infer: forward only. ms: the engine's time; t/e: torch time / "
        "engine time (above 1: the engine is faster); "
        "1t, {n}t: BLAS threads; spread: (slowest - fastest) / median of the engine's runs "
        "(large: a busy machine, trust the ratios less).".replace("{n}", str(n))
    )
    for label, pick in (("1 thread", "one"), (f"{n} threads", "default")):
        if means[pick] is not None:
            console.print(f"geometric mean of torch / engine at {label}: [bold]{means[pick]:.2f}[/]")
    if not any(r.one.ratio is not None for r in rows):
        console.print("PyTorch is not installed: engine times only (pip install torch for the ratios).")
    console.print(
        f"matrix products: {rate / 1e9:.1f} GFLOP/s at {n} threads (1024³ float32); the {large.model} at "
        f"{', '.join(map(str, large.shape))} reaches {reached / 1e9:.1f} GFLOP/s in its products' arithmetic, "
        f"[bold]{reached / rate:.0%}[/] of that rate"
    )


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
    json_out: bool = typer.Option(False, "--json", help=_TUI_JSON),
) -> None:
    """Time the same training headless and inside the dashboard (the in-app / headless speed ratio),
    then how long keys take to show their effect while a run trains (60x20, 80x24, 160x48)."""
    from tutor.bench_tui import keys as run_keys
    from tutor.bench_tui import tui as run

    def quiet(_line: str) -> None:
        pass

    echo = quiet if json_out else typer.echo
    report: dict[str, Any] = {"speed": None, "keys": None}
    if speed:
        report["speed"] = run(repeats=repeats, epochs=epochs, model=str(model), echo=echo)
    if keys:
        report["keys"] = run_keys(rounds=rounds, echo=echo)
    if json_out:
        typer.echo(json.dumps(report))


@app.command("predict")
def predict(
    reviews: int = typer.Option(25_000, min=1, help="How many reviews the file holds."),
    repeats: int = typer.Option(3, min=1, help="Alternating runs of each variant (the median is kept)."),
    json_out: bool = typer.Option(False, "--json", help=_PREDICT_JSON),
) -> None:
    """Reviews per second through `tutor predict --file` (a fresh process per run), and peak memory."""
    from rich.console import Console
    from rich.table import Table

    from tutor.bench_predict import bench_predict

    console = Console(stderr=json_out)  # with --json, stdout holds the JSON alone
    with console.status("preparing reviews...") as status:
        variants, source = bench_predict(reviews, repeats, progress=lambda msg: status.update(f"timing {msg}"))
    one, two = variants[0], variants[2]
    if json_out:
        report = {
            "reviews": reviews,
            "repeats": repeats,
            "source": source,
            "variants": [
                {
                    "label": v.label,
                    "threads": v.threads,
                    "seconds": [round(s, 4) for s in v.seconds],
                    "median_s": round(v.median_s, 4),
                    "reviews_per_s": round(reviews / v.median_s, 1),
                    "peak_mb": round(max(v.peak_mb), 1),
                }
                for v in variants
            ],
            "two_over_one_threads": round(two.median_s / one.median_s, 4),
        }
        typer.echo(json.dumps(report))
        return
    table = Table(title=f"tutor predict --file: {reviews:,} reviews, median of {repeats}")
    for col in ("variant", "BLAS threads", "seconds", "reviews / s", "peak MB"):
        table.add_column(col, justify="right")
    for v in variants:
        table.add_row(
            v.label, str(v.threads), f"{v.median_s:.2f}", f"{reviews / v.median_s:,.0f}", f"{max(v.peak_mb):.0f}"
        )
    console.print(table)
    console.print(f"reviews: {source}")
    console.print(f"2 BLAS threads / 1 thread, time: [bold]{two.median_s / one.median_s:.2f}[/] (tutor predict uses 1)")
