"""A small dialog to pick the playground's sentiment model: the bundled one, a saved file, or a path.

Each saved model is listed with what it is (task, model and size), how far it trained (epochs
trained of those planned, and whether it was stopped) and its final figure. `Delete` removes
the highlighted file, after asking.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tutor.tui.widgets.confirm import ConfirmScreen

BUNDLED = ""  # the picker's answer for "the bundled model"


def saved_models(folder: Path) -> list[Path]:
    """The .npz files in `folder` (where the tutor keeps trained models), newest first."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.glob("*.npz") if p.is_file()]
    return sorted(files, key=lambda p: (-p.stat().st_mtime, p.name))


def describe_model(meta: dict[str, Any]) -> str:
    """One line on a saved model: "imdb · LSTM 16u · 3/3 epochs · val accuracy 0.812"."""
    if not meta:
        return "not a model file the tutor can read"
    if not meta.get("task") and not meta.get("config"):
        return "a sentiment model (saved without its task and settings)"
    from tutor.tasks import registry
    from tutor.tasks.base import METRIC_LABELS

    found = meta.get("config")
    config: dict[str, Any] = found if isinstance(found, dict) else {}
    task_name = str(meta.get("task") or config.get("task") or "?")
    task = registry.TASKS.get(task_name)
    parts = [task_name]
    try:
        parts.append(task.label(config) if task is not None and config else str(meta.get("model", "?")))
    except Exception:  # a label from settings this version does not know: the model's name will do
        parts.append(str(meta.get("model", "?")))
    planned, trained = config.get("epochs"), meta.get("epochs_trained")
    if planned is not None:
        epochs = f"{trained if trained is not None else '?'}/{planned} epochs"
        parts.append(("stopped " if meta.get("stopped") else "") + epochs)
    metric = task.metric if task is not None else "accuracy"
    value = meta.get(f"val_{metric}")
    if isinstance(value, int | float):
        part = task.scored_on if task is not None else "val"
        parts.append(f"{part} {METRIC_LABELS.get(metric, metric)} {value:.3f}")
    return " · ".join(parts)


class ModelPicker(ModalScreen[str | None]):
    """Pick a model: answers BUNDLED, a file path, or None when dismissed with Escape."""

    DEFAULT_CSS = """
    ModelPicker {
        align: center middle;
    }
    ModelPicker > Vertical {
        width: 84;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    ModelPicker OptionList {
        height: auto;
        max-height: 12;
    }
    ModelPicker Label {
        width: 100%;  /* the hints wrap inside the dialog rather than run past its edge */
        color: $text-muted;
        margin: 1 0 0 0;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_picker", "Cancel"),
        Binding("delete", "delete_model", "Delete model"),
    ]

    def __init__(self, folder: Path, current: str = BUNDLED) -> None:
        super().__init__()
        self.folder = folder
        self.current = current
        self.files: list[Path] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Sentiment model (⏎ picks, Del deletes a saved one, Esc cancels)")
            yield OptionList(id="models")
            yield Label(
                f"…or type the path of a model saved by `tutor train imdb --out` "
                f"(saved models listed from {self.folder}):"
            )
            yield Input(placeholder="path/to/model.npz", id="model-path", compact=True)

    def on_mount(self) -> None:
        self.list_models()
        self.query_one(OptionList).focus()

    def list_models(self) -> None:
        """List the bundled model and the saved ones, each with what it is."""
        from tutor.training.saving import model_metadata

        self.files = saved_models(self.folder)
        options = [Option("Bundled model", id="bundled")]
        for i, path in enumerate(self.files):
            prompt = Text(path.name)
            prompt.append("\n  " + describe_model(model_metadata(path)), style="dim")
            options.append(Option(prompt, id=f"file-{i}"))
        option_list = self.query_one(OptionList)
        highlighted = option_list.highlighted
        option_list.set_options(options)
        if highlighted is None:  # first listed: the model in use
            current = [i + 1 for i, path in enumerate(self.files) if self.current and str(path) == self.current]
            highlighted = current[0] if current else 0
        option_list.highlighted = min(highlighted, len(options) - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if option_id == "bundled":
            self.dismiss(BUNDLED)
        else:
            self.dismiss(str(self.files[int(option_id.removeprefix("file-"))]))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if path:
            self.dismiss(path)

    def action_delete_model(self) -> None:
        """Delete the highlighted saved model (not the bundled one), once the learner says yes."""
        option_list = self.query_one(OptionList)
        index = option_list.highlighted
        option_id = option_list.get_option_at_index(index).id if index is not None else None
        if not option_id or not option_id.startswith("file-"):
            self.notify("Only a model you trained can be deleted: highlight one of yours.", severity="warning")
            return
        path = self.files[int(option_id.removeprefix("file-"))]

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                self.notify(f"{path.name} was not deleted: {exc.strerror or exc}", severity="error")
                return
            in_use = Path(self.current).resolve() == path.resolve() if self.current else False
            note = " The playground keeps the copy it has loaded until you pick another." if in_use else ""
            self.notify(f"{path.name} deleted.{note}", title="Models", timeout=6)
            self.list_models()

        self.app.push_screen(ConfirmScreen(f"Delete the saved model {path.name}? This cannot be undone."), answer)

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
