"""The `tutor` command: bare, it opens the Textual tutor; subcommands are quick terminal paths.

Nothing heavy is imported at module level: `tutor predict` must start fast and never import
Textual, so every command imports what it needs inside its body.
"""

from __future__ import annotations

import sys

import typer

from tutor.errors import TutorError

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Learn recurrent neural networks by running them. Run without a command to open the tutor.",
)


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        from tutor.tui.app import run_app  # the only place the CLI reaches the TUI

        run_app()


def _register() -> None:
    from tutor.commands import bench, data, lessons, predict, progress, train

    app.command("predict")(predict.predict)
    app.add_typer(train.app, name="train")
    app.add_typer(lessons.app, name="lessons")
    app.add_typer(data.app, name="data")
    app.add_typer(progress.app, name="progress")
    app.add_typer(bench.app, name="bench")


_register()


def fail(message: str, code: int = 1) -> None:
    """Print one clear line on stderr and exit non-zero."""
    print(f"tutor: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def main() -> None:
    try:
        app()
    except TutorError as exc:
        fail(str(exc))
    except ValueError as exc:  # the engine's and data layer's message for bad input
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
