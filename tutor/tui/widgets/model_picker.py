"""A small dialog to pick the playground's sentiment model: the bundled one, a saved file, or a path."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

BUNDLED = ""  # the picker's answer for "the bundled model"


def saved_models(folder: Path) -> list[Path]:
    """The .npz files in `folder` (where the tutor keeps trained models), newest first."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.glob("*.npz") if p.is_file()]
    return sorted(files, key=lambda p: (-p.stat().st_mtime, p.name))


class ModelPicker(ModalScreen[str | None]):
    """Pick a model: answers BUNDLED, a file path, or None when dismissed with Escape."""

    DEFAULT_CSS = """
    ModelPicker {
        align: center middle;
    }
    ModelPicker > Vertical {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    ModelPicker OptionList {
        height: auto;
        max-height: 10;
    }
    ModelPicker Label {
        width: 100%;  /* the hints wrap inside the dialog rather than run past its edge */
        color: $text-muted;
        margin: 1 0 0 0;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_picker", "Cancel")]

    def __init__(self, folder: Path, current: str = BUNDLED) -> None:
        super().__init__()
        self.folder = folder
        self.current = current
        self.files = saved_models(folder)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Sentiment model (⏎ picks, Esc cancels)")
            options = [Option("Bundled model", id="bundled")]
            options += [Option(p.name, id=f"file-{i}") for i, p in enumerate(self.files)]
            yield OptionList(*options, id="models")
            yield Label(
                f"…or type the path of a model saved by `tutor train imdb --out` "
                f"(saved models listed from {self.folder}):"
            )
            yield Input(placeholder="path/to/model.npz", id="model-path", compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

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

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
