"""The course map (start screen): lessons in order, progress, and "continue where I left off"."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from tutor.tui.screens.base import TutorScreen
from tutor.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from tutor.course.model import Lesson
    from tutor.tui.app import TutorApp


SUMMARY_INDENT = "    "  # a lesson's description sits under its title


def progress_bar(done: int, total: int, width: int = 5) -> str:
    """A short text bar for exercises passed of total."""
    if total == 0:
        return " " * width
    filled = round(width * done / total)
    return "█" * filled + "░" * (width - filled)


class CourseMapScreen(TutorScreen[None]):
    """Lessons in order with their progress."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "continue", "Continue"),
        Binding("enter", "open", "Open"),
        Binding("f3", "app.goto_mode('train')", "Train"),
        Binding("f4", "app.goto_mode('play')", "Play"),
    ]

    app: TutorApp

    def compose(self) -> ComposeResult:
        yield Header(icon="∿")
        yield Static(id="continue")
        yield OptionList(id="lessons")
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_lessons()
        self.query_one("#lessons", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.refresh_lessons()

    def on_resize(self) -> None:
        self.refresh_lessons()  # the descriptions are wrapped to the width

    def _last_lesson(self) -> Lesson | None:
        """The lesson the learner was reading last, if the store knows it."""
        course = self.app.course
        lesson_id = course.last_lesson_id()
        try:
            return course.lesson(lesson_id) if lesson_id else None
        except KeyError:
            return None

    def refresh_lessons(self) -> None:
        """Rebuild the lesson list and the continue line from the store."""
        course = self.app.course
        options = self.query_one("#lessons", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        done_total = [0, 0]
        # the room an option's text has: the list's width once laid out (the screen's before
        # that), less its scrollbar (always reserved: see #lessons) and the option's padding.
        # Wrapped here to exactly that width, so no line is wrapped again by the list (which
        # left one word alone on a line, flush left, at 60 columns).
        room = (options.content_size.width or self.app.size.width - 2) - 2 - 2
        for lesson in course.lessons:
            done, total = course.progress(lesson)
            done_total[0] += done
            done_total[1] += total
            prompt = Text()
            mark = " ✓" if total and done == total else ""
            progress = f"{progress_bar(done, total)} {done}/{total}{mark}"
            heading = f"{lesson.number:>2}. {lesson.title}"
            if len(heading) + 2 + len(progress) <= room:
                prompt.append(heading, style="bold")
                prompt.append(f"  {progress}\n")
            else:  # the title wraps under itself, the progress goes below it
                lines = textwrap.wrap(heading, max(room, 16), subsequent_indent=SUMMARY_INDENT)
                prompt.append("\n".join(lines), style="bold")
                prompt.append(f"\n{SUMMARY_INDENT}{progress}\n")
            # wrapped here, so every line of the description keeps the same indent
            lines = textwrap.wrap(lesson.summary, max(room - len(SUMMARY_INDENT), 16)) or [""]
            prompt.append("\n".join(SUMMARY_INDENT + line for line in lines), style="dim")
            options.add_option(Option(prompt, id=lesson.id))
        if highlighted is not None and highlighted < options.option_count:
            options.highlighted = highlighted
        last = self._last_lesson()
        line = Text()
        if course.problem:
            line.append(course.problem, style="bold red")
        elif last is not None:
            line.append("Continue where you left off: ", style="bold")
            line.append(f"{last.number}. {last.title}")
            line.append("  (press c)", style="dim")
        else:
            line.append("Welcome! Press Enter to open the highlighted lesson.", style="bold")
        line.append(f"\nExercises passed: {done_total[0]} of {done_total[1]}", style="dim")
        self.query_one("#continue", Static).update(line)
        if highlighted is None and course.lessons:
            options.highlighted = course.lessons.index(last) if last is not None else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.open_lesson(event.option.id)

    def action_open(self) -> None:
        options = self.query_one("#lessons", OptionList)
        if options.highlighted is not None:
            self.app.open_lesson(options.get_option_at_index(options.highlighted).id or "")

    def action_continue(self) -> None:
        last = self._last_lesson()
        if last is None and self.app.course.lessons:
            last = self.app.course.lessons[0]
        if last is not None:
            self.app.open_lesson(last.id)
