"""A lesson: its prose as Markdown, then its exercises, and its live views on `v`; position and answers are kept."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, Static, TextArea

from tutor.tui.views.panel import ViewPanel
from tutor.tui.widgets.exercises import PANELS, ExerciseChecked, ExercisePanel

if TYPE_CHECKING:
    from tutor.course.model import Lesson
    from tutor.tui.app import TutorApp


WIDE = 150  # columns: room for 75-column prose and a 75-column view side by side


def focus_panel(panel: ExercisePanel) -> None:
    """Put focus in an exercise without scrolling: on its choices, picker or button, not on a
    text field, so single-letter keys (`v`, `e`) and `esc` keep their lesson meaning."""
    target = panel.query("RadioSet, Select, Button").first()
    target.focus(scroll_visible=False)


class LessonScreen(Screen[None]):
    """One lesson, read top to bottom, with its exercises after the prose."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "check", "Check", priority=True),
        Binding("ctrl+t", "hint", "Hint", priority=True),
        Binding("ctrl+o", "solution", "Solution", priority=True),
        Binding("ctrl+n", "step(1)", "Next", priority=True),
        Binding("ctrl+b", "step(-1)", "Prev", priority=True, show=False),
        Binding("e", "exercises", "Exercises", show=False),
        Binding("v", "views", "Views"),
        Binding("escape", "back", "Back"),
        # In a code editor escape leaves the editor (TextArea does it itself): the footer says so.
        Binding("escape", "leave_editor", "Leave editor"),
    ]
    # From this width the views sit beside the prose; below it a view takes the prose's place.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (WIDE, "-wide")]

    app: TutorApp  # type: ignore[assignment]

    def __init__(self, lesson_id: str) -> None:
        super().__init__(id=f"lesson-{lesson_id}")
        self.lesson_id = lesson_id

    @property
    def lesson(self) -> Lesson:
        return self.app.course.lesson(self.lesson_id)

    def compose(self) -> ComposeResult:
        lesson = self.lesson
        yield Header(icon="∿")
        with Horizontal(id="lesson-body"):
            with VerticalScroll(id="lesson-scroll"):
                yield Markdown(id="prose")
                if lesson.exercises:
                    yield Static(f"Exercises ({len(lesson.exercises)})", id="exercises-heading")
                for number, exercise in enumerate(lesson.exercises, 1):
                    yield PANELS[exercise.kind](exercise, number)
            if lesson.views:
                yield ViewPanel(lesson.views, id="view-panel")
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        lesson = self.lesson
        self.title = f"Lesson {lesson.number} of {len(self.app.course.lessons)}"
        self.refresh_subtitle()
        await self.query_one("#prose", Markdown).update(lesson.body_markdown)
        position = self.app.course.open_lesson(self.lesson_id)
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        scroll.focus()
        # The prose is laid out on the next refresh; only then does the old offset exist again.
        self.call_after_refresh(self.restore_position, position)

    def restore_position(self, position: float) -> None:
        """Scroll back to where the learner was; if that shows an exercise, put focus in it."""
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        scroll.scroll_to(y=position, animate=False, immediate=True)  # now: the focus below needs it
        if position > 0 and (panel := self.visible_panel()) is not None:
            focus_panel(panel)

    def refresh_subtitle(self) -> None:
        """Lesson title and exercises passed, in the header."""
        lesson = self.lesson
        done, total = self.app.course.progress(lesson)
        self.sub_title = f"{lesson.title} · {done}/{total} exercises"

    def save_position(self) -> None:
        """Remember how far down the learner has read."""
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        self.app.course.remember_position(self.lesson_id, float(scroll.scroll_y))

    def on_screen_resume(self) -> None:
        """Back from the dashboard: show how the experiment runs went."""
        self.refresh_subtitle()
        for panel in self.query(ExercisePanel):
            result = self.app.experiment_results.get(panel.exercise.key)
            if panel.exercise.kind == "experiment" and result is not None:
                panel.show_result(result)

    def on_screen_suspend(self) -> None:
        self.save_position()

    def on_unmount(self) -> None:
        try:
            self.save_position()
        except Exception:  # widgets may already be gone when the app is closing
            pass

    def focused_panel(self) -> ExercisePanel | None:
        """The exercise that has focus (in one of its widgets), if any."""
        node = self.focused
        while node is not None:
            if isinstance(node, ExercisePanel):
                return node
            node = node.parent
        return None

    def visible_panel(self) -> ExercisePanel | None:
        """The exercise the learner is looking at: the one that fills most of the lesson's
        viewport (a panel shown whole counts as full), the upper one on a tie; None if none shows."""
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        height = scroll.scrollable_content_region.height
        viewport = Region(0, round(scroll.scroll_y), max(1, scroll.virtual_size.width), height)
        best: tuple[float, ExercisePanel] | None = None
        for panel in self.query(ExercisePanel):
            region = panel.virtual_region
            shown = region.intersection(viewport).height
            if shown <= 0 or region.height <= 0:
                continue
            score = shown / min(region.height, height)
            if best is None or score > best[0]:
                best = (score, panel)
        return best[1] if best else None

    def current_panel(self) -> ExercisePanel | None:
        """The exercise the learner is working on: the focused one, else the one in view,
        else the first not passed."""
        if (panel := self.focused_panel() or self.visible_panel()) is not None:
            return panel
        panels = list(self.query(ExercisePanel))
        for panel in panels:
            if not self.app.course.passed(panel.exercise):
                return panel
        return panels[0] if panels else None

    def _with_panel(self) -> ExercisePanel | None:
        self._show_prose()
        panel = self.current_panel()
        if panel is None:
            self.notify("This lesson has no exercises.")
        else:
            panel.scroll_visible(animate=False)
            if self.focused_panel() is None:  # so the next key acts on this exercise too
                focus_panel(panel)
        return panel

    def action_check(self) -> None:
        if panel := self._with_panel():
            panel.submit()

    def action_hint(self) -> None:
        if panel := self._with_panel():
            panel.show_hint()

    def action_solution(self) -> None:
        if (panel := self._with_panel()) and not panel.show_solution():
            from tutor.course.checking import solution_locked_text

            ex = panel.exercise
            attempts = self.app.course.state(ex).attempts
            self.notify(solution_locked_text(ex.solution_after_attempts, attempts), severity="warning")

    def action_exercises(self) -> None:
        self._show_prose()
        panels = list(self.query(ExercisePanel))
        if panels:
            panels[0].scroll_visible(top=True, animate=False)
            first = panels[0].query("RadioSet, Input, Select, TextArea, Button").first()
            first.focus()

    def action_step(self, step: int) -> None:
        target = self.app.course.neighbour(self.lesson_id, step)
        if target is None:
            self.notify("That was the last lesson." if step > 0 else "This is the first lesson.")
            return
        self.save_position()
        self.app.open_lesson(target.id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`v` only where the lesson has views (hidden from the footer elsewhere); `esc` is "Back"
        except in a code editor, where it leaves the editor (the bindings refresh on focus)."""
        if action == "views":
            return bool(self.lesson.views)
        if action in ("back", "leave_editor"):
            return isinstance(self.focused, TextArea) == (action == "leave_editor")
        return True

    def action_leave_editor(self) -> None:
        """What escape does in a TextArea (which handles it before this binding is reached)."""
        self.focus_next()

    def action_views(self) -> None:
        """Show the lesson's next live view; after the last one, close the panel."""
        panel = self.query_one("#view-panel", ViewPanel)
        shown = panel.cycle()
        self.set_class(shown, "-views-open")
        if shown and panel.current is not None:
            view = panel.current
            # typing goes straight to a view's field (sentence, word); otherwise its keys work
            self.call_after_refresh(lambda: (view.query("Input").first() if view.query("Input") else view).focus())
        else:
            self.query_one("#lesson-scroll", VerticalScroll).focus()

    def close_views(self) -> bool:
        """Close the view panel if it is open; True if it was."""
        panels = self.query(ViewPanel)
        if not panels or not panels.first().is_open:
            return False
        panels.first().select(-1)
        self.remove_class("-views-open")
        self.query_one("#lesson-scroll", VerticalScroll).focus()
        return True

    def _show_prose(self) -> None:
        """Exercise keys need the prose: on a narrow screen a view covers it, so close the view."""
        if not self.has_class("-wide"):
            self.close_views()

    def action_back(self) -> None:
        if self.close_views():
            return
        self.save_position()
        self.dismiss()

    def on_exercise_checked(self, message: ExerciseChecked) -> None:
        """Record the attempt; the map and the header show the new progress."""
        self.app.course.record_attempt(message.exercise, message.answer, message.result.passed)
        self.refresh_subtitle()
        if message.result.passed:
            self.notify(message.result.message, title="Passed", timeout=4)
