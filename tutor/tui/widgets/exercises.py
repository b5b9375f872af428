"""One panel per exercise kind: quiz, code and experiment, each with hint, result and solution."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content, Span
from textual.css.query import NoMatches
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
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
from tutor.tui.fit_text import fit_columns
from tutor.tui.messages import ExperimentRequested
from tutor.tui.prose_parts import plain_fences
from tutor.tui.widgets.check_figures import CheckFigures

if TYPE_CHECKING:
    from tutor.tui.app import TutorApp

KIND_LABEL = {"quiz": "Quiz", "code": "Code", "experiment": "Experiment"}
# the numeric quiz's example answers: none may be (or round to) an answer of the course's quizzes,
# since every numeric quiz shows them (tests/test_quiz_giveaways.py)
NUMBER_PLACEHOLDER = "e.g. 42, 3/8, 1.5e-4 or 0.5**3"


@dataclass
class ExerciseChecked(Message):
    """An exercise was judged (posted by the panel, handled by the lesson screen)."""

    exercise: Exercise
    answer: str
    result: CheckResult


@dataclass
class CodeFigure(Message):
    """The checker drew a figure while it ran the learner's code (posted from the worker thread)."""

    figure: dict[str, Any]


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


W = TypeVar("W", bound=Widget)


def hidden(widget: W) -> W:
    """`widget`, hidden until there is something to show in it."""
    widget.display = False
    return widget


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


PRINTED = "Your code printed:"  # the checker's heading for what the learner's code printed


def result_text(result: CheckResult, explained: bool = False, explanation: str = "", width: int = 0) -> Content:
    """A verdict as the learner reads it: a coloured first line, then the details.

    `explained`: the details are prose (a quiz's explanation), reflowed and styled by `prose()`;
    otherwise they are shown line by line, as they are (a code error, the values of a run).
    `explanation`: prose shown after the details (a code or experiment exercise's, after a pass).
    `width`: the room the verdict has; what the code printed (a `summary()` table) is narrowed
    to it, aligned, rather than wrapped.
    """
    mark, style = ("✔ ", "bold green") if result.passed else ("✘ ", "bold red")
    text = Content.assemble((mark, style), (result.message, "bold"))
    details = list(result.details)
    if width and PRINTED in details:
        start = details.index(PRINTED) + 1
        details[start:] = fit_columns(details[start:], width - 2)
    for line in details:
        text = text + ("\n\n" + prose(line) if explained else Content("\n  " + line))
    if explanation.strip():
        text = text + "\n\n" + prose(explanation)
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
    """What every exercise panel shows: title, prompt, answer widgets, verdict, hint, solution.

    The panel itself takes focus only when the lesson offers it as the next exercise (after a
    pass): it is then marked like any focused exercise, `enter` or `tab` go into its answer, and
    the arrow and page keys still scroll the lesson. It leaves the focus chain once it loses focus.
    """

    app: TutorApp
    can_focus = False
    ANSWER_WIDGETS = "RadioSet, Input, Select, TextArea, Button"

    keys = "ctrl+r check · ctrl+t hint · ctrl+o solution"  # the line under the panel

    def __init__(self, exercise: Exercise, number: int) -> None:
        super().__init__(id=f"ex-{exercise.id}", classes="exercise")
        self.exercise = exercise
        self.number = number
        self.checking = False

    @property
    def label(self) -> str:
        """How the lesson names this exercise: "Quiz 2", "Code 3"."""
        return f"{KIND_LABEL[self.exercise.kind]} {self.number}"

    def title_text(self, passed: bool = False) -> Text:
        done = "  ✔" if passed or self.app.course.passed(self.exercise) else ""
        return Text.assemble((f"{self.label}: ", "bold"), (self.exercise.title, "bold"), (done, "bold green"))

    def compose(self) -> ComposeResult:
        ex = self.exercise
        yield Static(self.title_text(), classes="ex-title")
        yield Markdown(plain_fences(ex.prompt_markdown), classes="ex-prompt")
        yield from self.compose_answer()
        yield hidden(Prose("", classes="ex-result"))
        yield from self.compose_figures()
        yield hidden(Prose("", classes="ex-hint"))
        yield hidden(Markdown("", classes="ex-solution"))
        yield Static(Text(self.keys, style="dim"), classes="ex-keys")

    def compose_answer(self) -> ComposeResult:
        """The kind-specific answer widgets."""
        yield from ()

    def compose_figures(self) -> ComposeResult:
        """What the check drew, under the verdict (code exercises)."""
        yield from ()

    def restore(self, answer: str) -> None:
        """Put a previously submitted answer back into the widgets."""

    def submit(self) -> None:
        """Judge the current answer (kinds that block do it in a worker)."""

    explained = False  # a pass's details are the explanation, as prose (quizzes: see check_quiz)

    @property
    def verdict(self) -> Static:
        """The widget that shows the verdict."""
        return self.query_one(".ex-result", Static)

    @property
    def hint(self) -> Static:
        return self.query_one(".ex-hint", Static)

    @property
    def solution(self) -> Markdown:
        return self.query_one(".ex-solution", Markdown)

    def answer_widget(self) -> Widget:
        """Where the learner answers: the choices, the field, the editor or the button."""
        return self.query(self.ANSWER_WIDGETS).first()

    def show_result(self, result: CheckResult) -> None:
        """Show a verdict; after a pass, with the exercise's explanation."""
        widget = self.verdict
        explanation = self.exercise.explanation if result.passed and not self.explained else ""
        width = widget.content_size.width or self.content_size.width or self.app.size.width - 9
        explained = self.explained and result.passed
        widget.update(result_text(result, explained=explained, explanation=explanation, width=width))
        widget.set_class(result.passed, "-passed")
        widget.set_class(not result.passed, "-failed")
        widget.display = True
        if result.passed:
            self.query_one(".ex-title", Static).update(self.title_text(passed=True))

    def show_hint(self) -> None:
        """Show the hint (always allowed: it teaches the idea)."""
        hint = self.hint
        hint.update(Content.styled("Hint: ", "bold") + prose(self.exercise.hint or "none for this one."))
        hint.display = True

    def offer(self) -> None:
        """Take focus as the next exercise, without scrolling (the verdict above stays in view)."""
        self.can_focus = True
        self.focus(scroll_visible=False)

    def on_blur(self) -> None:
        self.can_focus = False

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter" and self.has_focus:  # offered as the next exercise: go into it
            event.stop()
            self.answer_widget().focus()

    def solution_markdown(self) -> str:
        """The reference solution as Markdown."""
        return self.exercise.solution

    async def show_solution(self) -> bool:
        """Show the reference solution if the learner has tried; False if not yet allowed."""
        from tutor.course.checking import can_show_solution

        state = self.app.course.state(self.exercise)
        if not can_show_solution(state.attempts, state.passed, self.exercise.solution_after_attempts):
            return False
        solution = self.solution
        solution.display = True
        await solution.update("**Solution**\n\n" + self.solution_markdown())
        self.app.course.solution_shown(self.exercise)  # a teacher's export says the solution was seen
        return True

    def on_mount(self) -> None:
        answer = self.app.course.state(self.exercise).last_answer
        if answer:
            try:
                self.restore(answer)
            except NoMatches:  # its widgets are gone: the lesson was closed as it was being built
                pass

    def report(self, answer: str, result: CheckResult) -> None:
        """Show the verdict and tell the screen (which records the attempt)."""
        self.show_result(result)
        self.post_message(ExerciseChecked(self.exercise, answer, result))


class QuizPanel(ExercisePanel):
    """Multiple choice (radio buttons), sorting (one select per item) or a number."""

    explained = True  # a right answer comes with the lesson's explanation (check_quiz adds it)

    def __init__(self, exercise: Exercise, number: int) -> None:
        super().__init__(exercise, number)
        self.order: tuple[int, ...] = ()  # choice quiz: the lesson's index of each button, top down

    def compose_answer(self) -> ComposeResult:
        ex = self.exercise
        if ex.quiz_style == "choice":
            self.order = self.app.course.choice_order(ex)  # shuffled per learner, stable across starts
            with RadioSet(classes="quiz-choices"):
                for index in self.order:
                    yield ChoiceButton(ex.choices[index])
        elif ex.quiz_style == "sort":
            options = [(choice, n) for n, choice in enumerate(ex.choices)]
            for n, item in enumerate(ex.items):
                with Horizontal(classes="sort-row"):
                    yield Label(item, classes="sort-item")
                    yield Select(options, prompt="choose…", id=f"sort-{n}", compact=True)
        else:
            yield Input(placeholder=NUMBER_PLACEHOLDER, classes="quiz-number")
        yield Button("Check", classes="ex-check", compact=True)

    def current_answer(self) -> tuple[Any, str] | None:
        """(answer for check_quiz, text to store), or None when nothing is chosen yet."""
        ex = self.exercise
        if ex.quiz_style == "choice":
            shown = self.query_one(RadioSet).pressed_index
            if shown < 0:
                return None
            index = self.order[shown]  # the checker and the store use the lesson's own index
            return index, str(index)
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
                buttons[self.order.index(int(answer))].value = True
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
    """A Python editor; the learner's code runs in a sandboxed child process, off the UI thread.

    The learner may also edit the exercise in their own editor (`edit_outside`): its file is
    kept in step with this editor (see tutor.course.workspace).
    """

    # Tab indents in the editor, so it cannot move focus: say what does (Textual's TextArea)
    keys = "ctrl+r check · ctrl+t hint · ctrl+o solution · ctrl+e your $EDITOR · esc leaves the editor"

    def __init__(self, exercise: Exercise, number: int) -> None:
        super().__init__(exercise, number)
        from tutor.course.workspace import ExerciseFile, exercise_file

        self.file = ExerciseFile(exercise_file(exercise.id))

    def on_mount(self) -> None:
        super().on_mount()
        editors = self.query(TextArea)
        if not editors:  # gone: the lesson was closed as it was being built
            return
        editor = editors.first()
        try:  # edits made in the learner's own editor since the last check come first
            text = self.file.on_open(editor.text)
        except (OSError, ValueError):
            return  # the app's text stands; opening the editor will say what is wrong
        if text != editor.text:
            editor.text = text

    def compose_answer(self) -> ComposeResult:
        yield CodeEditor.code_editor(self.exercise.starter, language="python", theme="css", classes="code-editor")
        yield Button("Run and check", classes="ex-check", compact=True)

    def compose_figures(self) -> ComposeResult:
        yield CheckFigures(classes="ex-figures")

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
        self._figures().clear()
        self.query_one(".ex-check", Button).disabled = True
        source = self.query_one(TextArea).text
        try:
            self.file.after_check(source)
        except (OSError, ValueError) as exc:
            self.app.notify(f"{self.file.path.name} was not updated: {exc}", severity="warning")
        self._run(source)

    def edit_outside(self) -> None:
        """Open this exercise in the learner's $VISUAL or $EDITOR (the app hands over the
        terminal), then show and check what they saved. Every failure is one line."""
        from textual.app import SuspendNotSupported

        from tutor.course.workspace import editor_command

        editor = self.query_one(TextArea)
        path = self.file.path
        try:
            command = editor_command()
            text, notice = self.file.before_editing(editor.text)
        except (OSError, ValueError) as exc:
            self.app.notify(f"Your editor was not opened: {exc}", severity="error", timeout=10)
            return
        if text != editor.text:
            editor.text = text
        if notice:
            self.app.notify(notice, severity="warning", timeout=10)
        if command is None:
            self.app.notify(
                f"$EDITOR is not set: set it (e.g. export EDITOR=nano) to edit {path} in your editor.",
                severity="warning",
                timeout=10,
            )
            return
        words, variable = command
        try:
            with self.app.suspend():
                status = subprocess.run([*words, str(path)], check=False).returncode
        except SuspendNotSupported:
            self.app.notify(
                f"The app cannot hand over this terminal: edit {path} and run `tutor check {self.exercise.id} {path}`.",
                severity="warning",
                timeout=10,
            )
            return
        except OSError as exc:
            self.app.notify(f"${variable} ({words[0]}) could not be started: {exc.strerror}.", severity="error")
            return
        if status != 0:
            self.app.notify(f"{words[0]} exited with status {status}: nothing was checked.", severity="warning")
            return
        try:
            saved = self.file.read()
        except (OSError, ValueError) as exc:
            self.app.notify(f"Your file could not be read back: {exc}", severity="error")
            return
        if saved is None:
            self.app.notify(f"{path} is gone: nothing was checked.", severity="warning")
            return
        self.file.synced = saved
        editor.text = saved
        self.submit()

    @work(thread=True, exclusive=True, exit_on_error=False, group="code")
    def _run(self, source: str) -> None:
        """Run the learner's code in its sandbox (blocking, so in a thread)."""
        from tutor.course.checking import run_code

        try:
            result = run_code(
                self.exercise,
                source,
                timeout=self.app.code_timeout,
                on_figure=lambda figure: self.post_message(CodeFigure(figure)),
            )
        except Exception as exc:  # the checker itself failed: say so instead of a traceback
            result = CheckResult(False, f"The checker could not run your code: {exc}")
        self.post_message(CodeRan(source, result))

    def _figures(self) -> CheckFigures:
        return self.query_one(".ex-figures", CheckFigures)

    def on_code_figure(self, message: CodeFigure) -> None:
        message.stop()
        if self.checking:  # a figure of a check that has ended is in the verdict already
            self._figures().show(message.figure)

    def on_code_ran(self, message: CodeRan) -> None:
        message.stop()
        self.checking = False
        self.query_one(".ex-check", Button).disabled = False
        for figure in message.result.figures:
            self._figures().show(figure)
        self.report(message.source, message.result)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.submit()


class ExperimentPanel(ExercisePanel):
    """A preset training run with a goal; it runs in the training dashboard."""

    def compose_answer(self) -> ComposeResult:
        ex = self.exercise
        config = Text()
        width = max((len(key) for key in ex.config), default=0) + 2  # day_of_week is 11 letters
        for key, value in ex.config.items():
            editable = key in ex.editable
            config.append(f"  {key:<{width}}", style="bold" if editable else "dim")
            config.append(f"{value}")
            config.append("  (yours to change)\n" if editable else "\n", style="dim")
        yield Static(config, classes="exp-config")
        yield Static(Text.assemble(("Goal: ", "bold"), ex.goal_text), classes="exp-goal")
        yield Button("Run in the dashboard", classes="ex-check", compact=True)

    def submit(self) -> None:
        self.post_message(ExperimentRequested(self.exercise))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.submit()


PANELS: dict[str, type[ExercisePanel]] = {
    "quiz": QuizPanel,
    "code": CodePanel,
    "experiment": ExperimentPanel,
}
