"""One panel per exercise kind: quiz, code and experiment, each with hint, result and solution."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content, Span
from textual.geometry import Size
from textual.message import Message
from textual.widgets import (
    Button,
    Input,
    Label,
    Markdown,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TextArea,
)

from tutor.course.model import CheckResult, Exercise

if TYPE_CHECKING:
    from tutor.tui.app import TutorApp

KIND_LABEL = {"quiz": "Quiz", "code": "Code", "experiment": "Experiment"}


@dataclass
class ExerciseChecked(Message):
    """An exercise was judged (posted by the panel, handled by the lesson screen)."""

    exercise: Exercise
    answer: str
    result: CheckResult


@dataclass
class CodeRan(Message):
    """The sandbox returned a verdict on the learner's code (posted from the worker thread)."""

    source: str
    result: CheckResult


_MARKDOWN = MarkdownIt("commonmark")
_INLINE_STYLES = {"em": ".prose--em", "strong": ".prose--strong", "s": ".prose--strong", "link": ".prose--link"}


def _inline(tokens: list[Token]) -> Content:
    """One paragraph's inline Markdown as Content: a line break in the source is a space."""
    text: list[str] = []
    spans: list[Span] = []
    opened: list[tuple[str, int]] = []
    position = 0

    def add(piece: str) -> None:
        nonlocal position
        text.append(piece)
        position += len(piece)

    for token in tokens:
        kind = token.type
        if kind in ("text", "html_inline"):
            add(token.content)
        elif kind == "softbreak":
            add(" ")
        elif kind == "hardbreak":
            add("\n")
        elif kind == "code_inline":
            spans.append(Span(position, position + len(token.content), ".prose--code"))
            add(token.content)
        elif kind == "image":
            add(token.content)
        elif kind.endswith("_open") and kind[:-5] in _INLINE_STYLES:
            opened.append((_INLINE_STYLES[kind[:-5]], position))
        elif kind.endswith("_close") and opened:
            style, start = opened.pop()
            spans.append(Span(start, position, style))
    return Content("".join(text), spans)


def prose(markdown: str) -> Content:
    """Exercise prose (a hint, an explanation) as the learner should read it.

    Lessons write these as TOML multi-line strings, broken wherever the line got long: a single
    line break is a space (the widget wraps to its width), a blank line still starts a new
    paragraph. `code`, *emphasis* and **strong** are styled (see Prose), code blocks kept as they are,
    list items get a bullet.
    """
    blocks: list[tuple[bool, Content]] = []  # (a list item after another?, the block)
    bullet = ""
    depth = 0
    first_item = False
    for token in _MARKDOWN.parse(markdown.strip()):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            first_item = depth == 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif kind == "list_item_open":
            bullet = "  " * (depth - 1) + (f"{token.info}{token.markup} " if token.info else "• ")
        elif kind == "inline":
            blocks.append((depth > 0 and not first_item, Content(bullet) + _inline(token.children or [])))
            bullet, first_item = "", False
        elif kind in ("fence", "code_block"):
            code = token.content.rstrip("\n")
            blocks.append((False, Content(code, [Span(0, len(code), ".prose--code")])))
    content = Content("")
    for n, (item, block) in enumerate(blocks):
        if n:  # list items one per line; paragraphs and code blocks apart
            content += "\n" if item else "\n\n"
        content += block
    return content


class Prose(Static):
    """A Static for exercise prose: styles the `code`, *em* and **strong** spans of `prose()`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"prose--code", "prose--em", "prose--strong", "prose--link"}
    DEFAULT_CSS = """
    Prose {
        height: auto;
        &:dark > .prose--code {
            background: $warning 10%;
            color: $text-warning 95%;
        }
        &:light > .prose--code {
            background: $error 5%;
            color: $text-error 95%;
        }
        & > .prose--em {
            text-style: italic;
        }
        & > .prose--strong {
            text-style: bold;
        }
        & > .prose--link {
            text-style: underline;
        }
    }
    """


def result_text(result: CheckResult, explained: bool = False) -> Content:
    """A verdict as the learner reads it: a coloured first line, then the details.

    `explained`: the details are prose (a quiz's explanation), reflowed and styled by `prose()`;
    otherwise they are shown line by line, as they are (a code error, the values of a run).
    """
    mark, style = ("✔ ", "bold green") if result.passed else ("✘ ", "bold red")
    text = Content.assemble((mark, style), (result.message, "bold"))
    for line in result.details:
        text = text + ("\n\n" + prose(line) if explained else Content("\n  " + line))
    return text


class ChoiceButton(RadioButton):
    """A radio button whose long label wraps onto more lines, under itself, instead of being cut
    off (Textual's RadioButton is one line high). Keys and clicks are a RadioButton's."""

    DEFAULT_CSS = """
    ChoiceButton {
        height: auto;
    }
    """

    def _label_lines(self, width: int) -> list[Content]:
        """The label wrapped to what is left of `width` beside the button and its padding."""
        room = max(8, width - self._button.cell_length - 2)
        return self._label.wrap(room) or [Content("")]

    def render(self) -> Content:
        button = self._button
        style = self.get_visual_style("toggle--label")
        lines = self._label_lines(self.content_size.width)
        wide = max(line.cell_length for line in lines)
        indent = Content(" " * button.cell_length)
        return Content("\n").join(
            Content.assemble(
                button if n == 0 else indent, line.pad(1, 1 + wide - line.cell_length).stylize_before(style)
            )
            for n, line in enumerate(lines)
        )

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._label_lines(width))


class ExercisePanel(Vertical):
    """What every exercise panel shows: title, prompt, answer widgets, verdict, hint, solution."""

    app: TutorApp  # type: ignore[assignment]

    keys = "ctrl+r check · ctrl+t hint · ctrl+o solution"  # the line under the panel

    def __init__(self, exercise: Exercise, number: int) -> None:
        super().__init__(id=f"ex-{exercise.id}", classes="exercise")
        self.exercise = exercise
        self.number = number
        self.checking = False

    def compose(self) -> ComposeResult:
        ex = self.exercise
        done = "  ✔" if self.app.course.passed(ex) else ""
        yield Static(
            Text.assemble((f"{KIND_LABEL[ex.kind]} {self.number}: ", "bold"), (ex.title, "bold"), (done, "bold green")),
            classes="ex-title",
        )
        yield Markdown(ex.prompt_markdown, classes="ex-prompt")
        yield from self.compose_answer()
        yield Prose("", classes="ex-result")
        yield Prose("", classes="ex-hint")
        yield Markdown("", classes="ex-solution")
        yield Static(Text(self.keys, style="dim"), classes="ex-keys")

    def compose_answer(self) -> ComposeResult:
        """The kind-specific answer widgets."""
        yield from ()

    def restore(self, answer: str) -> None:
        """Put a previously submitted answer back into the widgets."""

    def submit(self) -> None:
        """Judge the current answer (kinds that block do it in a worker)."""

    explained = False  # the verdict's details are prose (see result_text)

    def show_result(self, result: CheckResult) -> None:
        """Show a verdict."""
        widget = self.query_one(".ex-result", Static)
        widget.update(result_text(result, explained=self.explained))
        widget.set_class(result.passed, "-passed")
        widget.set_class(not result.passed, "-failed")
        widget.display = True

    def show_hint(self) -> None:
        """Show the hint (always allowed: it teaches the idea)."""
        hint = self.query_one(".ex-hint", Static)
        hint.update(Content.styled("Hint: ", "bold") + prose(self.exercise.hint or "none for this one."))
        hint.display = True

    def solution_markdown(self) -> str:
        """The reference solution as Markdown."""
        return self.exercise.solution

    def show_solution(self) -> bool:
        """Show the reference solution if the learner has tried; False if not yet allowed."""
        from tutor.course.checking import can_show_solution

        state = self.app.course.state(self.exercise)
        if not can_show_solution(state.attempts, state.passed):
            return False
        solution = self.query_one(".ex-solution", Markdown)
        solution.update("**Solution**\n\n" + self.solution_markdown())
        solution.display = True
        self.app.course.solution_shown(self.exercise)  # a teacher's export says the solution was seen
        return True

    def on_mount(self) -> None:
        for selector in (".ex-result", ".ex-hint", ".ex-solution"):
            self.query_one(selector).display = False
        answer = self.app.course.state(self.exercise).last_answer
        if answer:
            self.restore(answer)

    def report(self, answer: str, result: CheckResult) -> None:
        """Show the verdict and tell the screen (which records the attempt)."""
        self.show_result(result)
        self.post_message(ExerciseChecked(self.exercise, answer, result))


class QuizPanel(ExercisePanel):
    """Multiple choice (radio buttons), sorting (one select per item) or a number."""

    explained = True  # a right answer comes with the lesson's explanation

    def compose_answer(self) -> ComposeResult:
        ex = self.exercise
        if ex.quiz_style == "choice":
            with RadioSet(classes="quiz-choices"):
                for choice in ex.choices:
                    yield ChoiceButton(choice)
        elif ex.quiz_style == "sort":
            options = [(choice, n) for n, choice in enumerate(ex.choices)]
            for n, item in enumerate(ex.items):
                with Horizontal(classes="sort-row"):
                    yield Label(item, classes="sort-item")
                    yield Select(options, prompt="choose…", id=f"sort-{n}", compact=True)
        else:
            yield Input(placeholder="your answer, e.g. 0.25 or 1/4", classes="quiz-number")
        yield Button("Check", classes="ex-check", compact=True)

    def current_answer(self) -> tuple[Any, str] | None:
        """(answer for check_quiz, text to store), or None when nothing is chosen yet."""
        ex = self.exercise
        if ex.quiz_style == "choice":
            index = self.query_one(RadioSet).pressed_index
            return None if index < 0 else (index, str(index))
        if ex.quiz_style == "sort":
            picks = [self.query_one(f"#sort-{n}", Select).value for n in range(len(ex.items))]
            if any(p is Select.NULL for p in picks):
                return None
            return picks, json.dumps(picks)
        text = self.query_one(Input).value.strip()
        return (text, text) if text else None

    def submit(self) -> None:
        from tutor.course.checking import check_quiz

        current = self.current_answer()
        if current is None:
            self.app.notify("Choose an answer first.", severity="warning")
            return
        answer, stored = current
        self.report(stored, check_quiz(self.exercise, answer))

    def restore(self, answer: str) -> None:
        ex = self.exercise
        try:
            if ex.quiz_style == "choice":
                buttons = list(self.query(RadioButton))
                buttons[int(answer)].value = True
            elif ex.quiz_style == "sort":
                for n, pick in enumerate(json.loads(answer)):
                    self.query_one(f"#sort-{n}", Select).value = pick
            else:
                self.query_one(Input).value = answer
        except (ValueError, IndexError, TypeError):  # an answer from an older lesson version
            pass

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()


class CodeEditor(TextArea):
    """TextArea.code_editor that keeps indentation: enter starts the new line at the current
    line's indent, one level deeper after a line ending in ':' (as Python editors do)."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter" and not self.read_only:
            event.stop()
            event.prevent_default()
            self._restart_blink()
            start, end = self.selection
            row, column = min(start, end)
            before = self.document[row][:column]
            indent = before[: len(before) - len(before.lstrip())]
            if before.rstrip().endswith(":"):
                indent += "\t" if self.indent_type == "tabs" else " " * self.indent_width
            self.replace("\n" + indent, start, end, maintain_selection_offset=False)
            return
        await super()._on_key(event)


class CodePanel(ExercisePanel):
    """A Python editor; the learner's code runs in a sandboxed child process, off the UI thread."""

    # Tab indents in the editor, so it cannot move focus: say what does (Textual's TextArea)
    keys = "ctrl+r check · ctrl+t hint · ctrl+o solution · esc leaves the editor"

    def compose_answer(self) -> ComposeResult:
        yield CodeEditor.code_editor(self.exercise.starter, language="python", theme="css", classes="code-editor")
        yield Button("Run and check", classes="ex-check", compact=True)

    def solution_markdown(self) -> str:
        return f"```python\n{self.exercise.solution.rstrip()}\n```"

    def restore(self, answer: str) -> None:
        self.query_one(TextArea).text = answer

    def submit(self) -> None:
        if self.checking:
            self.app.notify("Still running your code…")
            return
        self.checking = True
        result = self.query_one(".ex-result", Static)
        result.update(Text("… running your code", style="italic"))
        result.display = True
        self.query_one(".ex-check", Button).disabled = True
        self._run(self.query_one(TextArea).text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="code")
    def _run(self, source: str) -> None:
        """Run the learner's code in its sandbox (blocking, so in a thread)."""
        from tutor.course.checking import run_code

        try:
            result = run_code(self.exercise, source, timeout=self.app.code_timeout)
        except Exception as exc:  # the checker itself failed: say so instead of a traceback
            result = CheckResult(False, f"The checker could not run your code: {exc}")
        self.post_message(CodeRan(source, result))

    def on_code_ran(self, message: CodeRan) -> None:
        message.stop()
        self.checking = False
        self.query_one(".ex-check", Button).disabled = False
        self.report(message.source, message.result)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.submit()


class ExperimentPanel(ExercisePanel):
    """A preset training run with a goal; it runs in the training dashboard."""

    def compose_answer(self) -> ComposeResult:
        ex = self.exercise
        config = Text()
        for key, value in ex.config.items():
            editable = key in ex.editable
            config.append(f"  {key:<11}", style="bold" if editable else "dim")
            config.append(f"{value}")
            config.append("  (yours to change)\n" if editable else "\n", style="dim")
        yield Static(config, classes="exp-config")
        yield Static(Text.assemble(("Goal: ", "bold"), ex.goal_text), classes="exp-goal")
        yield Button("Run in the dashboard", classes="ex-check", compact=True)

    def submit(self) -> None:
        self.app.start_experiment(self.exercise)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.submit()


PANELS: dict[str, type[ExercisePanel]] = {
    "quiz": QuizPanel,
    "code": CodePanel,
    "experiment": ExperimentPanel,
}
