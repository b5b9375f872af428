"""The `tutor` command: bare, it opens the Textual tutor; subcommands are quick terminal paths.

Nothing heavy is imported at module level: `tutor predict` must start fast and never import
Textual, so every command imports what it needs inside its body.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from tutor.errors import TutorError

_HELP = (
    "Learn recurrent neural networks (RNN, LSTM, GRU) by running them.\n\n"
    "Run without a command to open the tutor: sixteen lessons, a training dashboard and a sentiment playground, "
    "all in the terminal. In the app, F1 lists the keys and the footer shows the ones that work where you are "
    "(enter opens a lesson, ctrl+r checks an exercise, ctrl+t gives a hint, F2/F3/F4 switch between course, "
    "dashboard and playground, ctrl+q quits).\n\n"
    "Your progress, answers and saved runs are kept in SQLite under your user data directory; TUTOR_HOME "
    "relocates it. TUTOR_IMDB points the tutor at a copy of the IMDb reviews. TUTOR_LESSONS (or --lessons) "
    "points it at a teacher's lesson folder: lessons of their own, and a course.toml choosing the lessons "
    "you get (tutor lessons init DIR starts one)."
)

app = typer.Typer(
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=_HELP,
)


def _hide_flag_placeholders() -> None:
    """Show on/off flags in help without a value placeholder (typer 0.2x prints `<bool>`: a flag takes none)."""
    from typer.core import TyperOption

    shown = getattr(TyperOption, "display_type_rich", None)
    if shown is None:  # older typer: flags were never given a placeholder
        return

    def display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
        return None if self.is_flag and not self.count else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign,assignment]


_hide_flag_placeholders()


def _print_version(value: bool) -> None:
    if value:
        from tutor import __version__

        print(f"rnn-tutor {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
    lessons: Path | None = typer.Option(
        None,
        "--lessons",
        metavar="DIR",
        show_default=False,
        help="A teacher's lesson folder: extra lessons, and a course.toml choosing the lessons (as TUTOR_LESSONS).",
    ),
) -> None:
    from tutor.commands.lessons import use_lessons_option

    use_lessons_option(lessons)  # only checks the folder exists: `tutor predict` loads no lessons
    if ctx.invoked_subcommand is None:
        # textual-serve (tutor serve) runs the app through its web driver, with pipes for stdin/stdout
        if not os.environ.get("TEXTUAL_DRIVER") and not (sys.stdin.isatty() and sys.stdout.isatty()):
            fail(
                "the tutor app needs a terminal (stdin or stdout is not one); "
                "`tutor --help` lists the commands that work in scripts and pipes",
                code=2,
            )
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
    from tutor.commands import bench, check, data, lessons, predict, progress, serve

    app.command("predict")(predict.predict)
    app.command("check")(check.check)
    app.command("serve")(serve.serve)
    train = typer.Typer(
        cls=_TrainCommands, help="Train the course's models and report their figures.", no_args_is_help=True
    )
    app.add_typer(train, name="train")
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
