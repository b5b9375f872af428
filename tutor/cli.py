"""The `tutor` command: bare, it opens the Textual tutor; subcommands are quick terminal paths.

Nothing heavy is imported at module level: `tutor predict` must start fast and never import
Textual, so every command imports what it needs inside its body.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

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


class _TrainCommands(TyperGroup):
    """`tutor train`'s commands, built from the task registry only when `train` is used.

    They are generated from the tasks' settings tables, which import NumPy and the engine:
    `tutor --help`, `tutor data` and the app's start do not pay for that.
    """

    _group: TyperGroup | None = None  # (typer builds click objects; its click is private)

    def _commands(self) -> TyperGroup:
        if self._group is None:
            from tutor.commands.train import app as train_app

            group = typer.main.get_group(train_app)
            assert isinstance(group, TyperGroup)
            self._group = group
        return self._group

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self._commands().list_commands(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return self._commands().get_command(ctx, cmd_name)


def _register() -> None:
    from tutor.commands import bench, data, lessons, predict

    app.command("predict")(predict.predict)
    train = typer.Typer(
        cls=_TrainCommands, help="Train the course's models and report their figures.", no_args_is_help=True
    )
    app.add_typer(train, name="train")
    app.add_typer(lessons.app, name="lessons")
    app.add_typer(data.app, name="data")
    app.add_typer(bench.app, name="bench")


_register()


def fail(message: str, code: int = 1) -> None:
    """Print one clear line on stderr and exit non-zero."""
    print(f"tutor: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def main() -> None:
    """Run the command; a problem the learner can fix (TutorError) or an OS error is one line.

    Anything else is a bug and keeps its traceback: the commands turn the errors of bad input
    (a bad lesson file, a file that is not a model) into TutorError where they know that is
    what the error means.
    """
    try:
        app()
    except TutorError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
