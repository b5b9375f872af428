"""A lesson: its prose as Markdown, then its exercises, and its live views on `v`; position and answers are kept."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Offset, Region, Spacing
from textual.widget import Widget
from textual.widgets import Button, Header, Markdown, Static, TextArea

from tutor.tui.messages import ExperimentJudged
from tutor.tui.prose_parts import prose_parts
from tutor.tui.screens.base import TutorScreen
from tutor.tui.views.panel import ViewPanel
from tutor.tui.widgets.exercises import PANELS, CodePanel, ExerciseChecked, ExercisePanel
from tutor.tui.widgets.focus_scroll import FocusScroll
from tutor.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from tutor.course.model import CheckResult, Lesson
    from tutor.tui.app import TutorApp


WIDE = 150  # columns: room for 75-column prose and a 75-column view side by side
# A lesson is shown with the first FIRST_LINES source lines of its prose; the rest is mounted a
# frame at a time, PART_LINES of prose or one exercise per frame, each well under the 0.2 s a key
# may take (a whole lesson at once took 1 to 1.7 s while a run trained: `tutor bench tui`).
FIRST_LINES = 10
PART_LINES = 12


def focus_panel(panel: ExercisePanel) -> None:
    """Put focus in an exercise without scrolling: on its choices, picker or button, not on a
    text field, so single-letter keys (`v`, `e`) and `esc` keep their lesson meaning."""
    target = panel.query("RadioSet, Select, Button").first()
    target.focus(scroll_visible=False)


class LessonScreen(TutorScreen[None]):
    """One lesson, read top to bottom, with its exercises after the prose."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "check", "Check", priority=True),
        Binding("ctrl+t", "hint", "Hint", priority=True),
        Binding("ctrl+o", "solution", "Solution", priority=True),
        # only while a code exercise is the current one (check_action): elsewhere ctrl+e is a field's "end"
        Binding("ctrl+e", "editor", "Editor", priority=True),
        # not in the footer (80 columns hold no more): the button at the lesson's end says ctrl+n
        Binding("ctrl+n", "step(1)", "Next", priority=True, show=False),
        Binding("ctrl+b", "step(-1)", "Prev", priority=True, show=False),
        Binding("e", "exercises", "Exercises", show=False),
        Binding("v", "views", "Views"),
        Binding("escape", "back", "Back"),
        # In a code editor escape leaves the editor (TextArea does it itself): the footer says so.
        Binding("escape", "leave_editor", "Leave editor"),
    ]
    # From this width the views sit beside the prose; below it a view takes the prose's place.
    # (Textual declares it `ClassVar[...] | None`, which mypy reads as an instance variable)
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (WIDE, "-wide")]  # type: ignore[misc]

    app: TutorApp

    def __init__(self, lesson_id: str) -> None:
        super().__init__(id=f"lesson-{lesson_id}")
        self.lesson_id = lesson_id
        # experiment verdicts already shown, so a new one is revealed and announced once
        # experiment verdicts judged while the dashboard was on top, shown when the lesson returns
        self.pending_verdicts: dict[tuple[str, str], CheckResult] = {}
        self.editor_offered = False  # ctrl+e is in the footer (see offer_editor_key)
        self.prose: list[str] = []  # the lesson's prose in parts (see build)
        self.remaining: Iterator[Widget] = iter(())  # what build has still to mount
        self.building = False  # a build step is scheduled
        self.built = False  # every part of the lesson is mounted, and the reading position restored
        self.position = 0.0  # where the learner was reading when the lesson was opened
        self.waiting: list[str] = []  # exercise keys pressed before that: run once it is

    @property
    def lesson(self) -> Lesson:
        return self.app.course.lesson(self.lesson_id)

    def compose(self) -> ComposeResult:
        lesson = self.lesson
        self.prose = prose_parts(lesson.body_markdown, FIRST_LINES, PART_LINES)
        yield Header(icon="∿")
        with Horizontal(id="lesson-body"):
            with FocusScroll(id="lesson-scroll"):
                yield Markdown(self.prose[0], classes="prose")
            if lesson.views:
                yield ViewPanel(lesson.views, id="view-panel")
        yield KeyBar(show_command_palette=False)  # ctrl+p still works; help lists it
        self.remaining = self.rest()

    def rest(self) -> Iterator[Widget]:
        """What follows the prose's first part, top down: `build` mounts one a frame."""
        lesson = self.lesson
        for part in self.prose[1:]:
            yield Markdown(part, classes="prose")
        if lesson.exercises:
            yield Static(f"Exercises ({len(lesson.exercises)})", id="exercises-heading")
        for number, exercise in enumerate(lesson.exercises, 1):
            yield PANELS[exercise.kind](exercise, number)
        following = self.app.course.neighbour(lesson.id, 1)
        if following is not None:
            yield Static(f"Next: {following.number}. {following.title}", id="next-title")
            yield Button(f"Open lesson {following.number} (ctrl+n)", id="next-lesson", compact=True)

    def on_mount(self) -> None:
        self.refresh_subtitle()
        self.position = self.app.course.open_lesson(self.lesson_id)
        scroll = self.scroll
        scroll.focus()
        # which exercise is current (and so whether ctrl+e is offered) changes as the lesson scrolls
        self.watch(scroll, "scroll_y", self.offer_editor_key, init=False)
        self.schedule_build()

    def schedule_build(self) -> None:
        """Mount the lesson's next widget after the next frame (see build)."""
        if not self.building and not self.built:
            self.building = True
            self.call_after_refresh(self.build)

    async def build(self) -> None:
        """Mount the lesson's next widget and come back after the next frame, so keys answer
        meanwhile; paused while another screen is shown (resumed with the lesson). After the
        last: go back to where the learner was reading (unless they have moved already), and
        run the exercise keys pressed while the lesson was built."""
        self.building = False
        if not self.is_current:
            return
        scroll = self.scroll
        widget = next(self.remaining, None)
        if widget is not None:
            await scroll.mount(widget)
            self.schedule_build()
            return
        self.built = True  # and laid out: the old reading position exists again
        if scroll.scroll_y == 0 and self.focused is scroll:
            self.restore_position(self.position)
        for panel in self.query(ExercisePanel):  # experiment verdicts that came before their panel
            if (result := self.pending_verdicts.get(panel.exercise.key)) is not None:
                panel.show_result(result)
        self.on_screen_resume()  # and announced
        waiting, self.waiting = self.waiting, []
        for action in waiting:
            await self.run_action(action)

    def offer_editor_key(self) -> None:
        """Show ctrl+e in the footer while a code exercise is the current one (checked as the
        lesson scrolls; the footer is redrawn only when that changes)."""
        offered = isinstance(self.current_panel(), CodePanel)
        if offered != self.editor_offered:
            self.editor_offered = offered
            self.refresh_bindings()

    def restore_position(self, position: float) -> None:
        """Scroll back to where the learner was; if that shows an exercise, put focus in it."""
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        scroll.scroll_to(y=position, animate=False, immediate=True)  # now: the focus below needs it
        if position > 0 and (panel := self.visible_panel()) is not None:
            focus_panel(panel)

    def refresh_subtitle(self) -> None:
        """Lesson number, title and exercises passed, in the header: as much as its width shows whole."""
        lesson = self.lesson
        done, total = self.app.course.progress(lesson)
        number, count = lesson.number, len(self.app.course.lessons)
        # the header's title sits between its icon (8 columns) and clock space (10), as "title — sub_title"
        room = self.app.size.width - 18
        forms = [
            (f"Lesson {number} of {count}", f"{lesson.title} · {done}/{total} exercises"),
            (f"Lesson {number} of {count}", f"{lesson.title} · {done}/{total}"),
            (f"{number}/{count}", f"{lesson.title} · {done}/{total}"),
            (f"{number}/{count}", lesson.title),
            # a title this long is left to the lesson's own heading rather than cut
            (f"Lesson {number} of {count}", f"{done}/{total} exercises"),
        ]
        title, sub_title = next((form for form in forms if len(form[0]) + 3 + len(form[1]) <= room), forms[-1])
        self.title, self.sub_title = title, sub_title

    def save_position(self) -> None:
        """Remember how far down the learner has read (once the lesson is built: until then the
        position kept is the one it will go back to)."""
        if not self.built:
            return
        scroll = self.query_one("#lesson-scroll", VerticalScroll)
        self.app.course.remember_position(self.lesson_id, float(scroll.scroll_y))

    def on_screen_resume(self) -> None:
        """Back from the dashboard: bring a verdict that arrived meanwhile into view, and announce
        it; go on building the lesson if it is not built yet."""
        self.refresh_subtitle()
        if not self.built:
            self.schedule_build()
            return
        for panel in self.query(ExercisePanel):
            result = self.pending_verdicts.pop(panel.exercise.key, None)
            if result is not None:
                self.verdict_shown(panel, result)

    def on_experiment_judged(self, message: ExperimentJudged) -> None:
        """The dashboard judged a run of one of this lesson's experiments: show the verdict."""
        message.stop()  # the app relays it here: bubbling back up, it came round again and again
        for panel in self.query(ExercisePanel):
            if panel.exercise.key == message.exercise.key:
                panel.show_result(message.result)
                if self.is_current:
                    self.verdict_shown(panel, message.result)
                else:
                    self.pending_verdicts[panel.exercise.key] = message.result
                return
        self.pending_verdicts[message.exercise.key] = message.result  # its panel is not built yet

    def on_screen_suspend(self) -> None:
        self.save_position()

    def on_unmount(self) -> None:
        try:
            self.save_position()
        except Exception:  # widgets may already be gone when the app is closing
            pass

    def focused_panel(self) -> ExercisePanel | None:
        """The exercise that has focus (in one of its widgets), if any."""
        if self.focused is None:
            return None
        for node in self.focused.ancestors_with_self:
            if isinstance(node, ExercisePanel):
                return node
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

    @property
    def scroll(self) -> VerticalScroll:
        return self.query_one("#lesson-scroll", VerticalScroll)

    def in_view(self, widget: Widget) -> bool:
        """Whether any row of `widget` is inside the lesson's viewport (hidden widgets are not)."""
        return widget.region.intersection(self.scroll.scrollable_content_region).height > 0

    def current_panel(self) -> ExercisePanel | None:
        """The exercise the learner is working on: the focused one while the focus is in view,
        else the one in view, else the first not passed."""
        focused = self.focused_panel()
        if focused is not None and self.focused is not None and self.in_view(self.focused):
            return focused
        if (panel := self.visible_panel()) is not None:
            return panel
        panels = list(self.query(ExercisePanel))
        for panel in panels:
            if not self.app.course.passed(panel.exercise):
                return panel
        return panels[0] if panels else None

    def _with_panel(self) -> ExercisePanel | None:
        """The exercise an exercise key acts on, with focus in it (so the next key agrees)."""
        panel = self.current_panel()
        if panel is None:
            self.notify("This lesson has no exercises.")
            return None
        if not self.in_view(panel):
            panel.scroll_visible(top=True, animate=False, immediate=True)
        if self.focused_panel() is not panel:
            focus_panel(panel)
        return panel

    def _prose_first(self, action: str) -> bool:
        """An exercise key waits for the exercises to be built; and on a narrow screen a view
        covers the prose: close it and run `action` once the lesson is laid out again (True:
        the action will run later)."""
        if not self.built:
            if action not in self.waiting:
                self.waiting.append(action)
            return True
        if self.has_class("-wide") or not self.close_views():
            return False
        self.call_after_refresh(self.run_action, action)
        return True

    def action_check(self) -> None:
        if self._prose_first("check"):
            return
        if panel := self._with_panel():
            panel.submit()
            if panel.verdict.display:  # "… running your code" until the verdict comes
                self.reveal(panel.verdict)

    def action_hint(self) -> None:
        if self._prose_first("hint"):
            return
        if panel := self._with_panel():
            panel.show_hint()
            self.reveal(panel.hint, below=self.announce("Hint", f"Shown under {panel.label}'s answer."))

    def action_editor(self) -> None:
        """Open the code exercise in the learner's own editor; it is checked on return."""
        if self._prose_first("editor"):
            return
        panel = self._with_panel()
        if isinstance(panel, CodePanel):
            panel.edit_outside()

    async def action_solution(self) -> None:
        if self._prose_first("solution"):
            return
        if not (panel := self._with_panel()):
            return
        if await panel.show_solution():
            self.reveal(panel.solution)
        else:
            from tutor.course.checking import solution_locked_text

            ex = panel.exercise
            attempts = self.app.course.state(ex).attempts
            self.notify(solution_locked_text(ex.solution_after_attempts, attempts), severity="warning")

    # ------------------------------------------------------------------ keeping things in view

    def _virtual(self, widget: Widget) -> Region:
        """`widget`'s region in the lesson scroll's own coordinates (what scroll_to_region takes)."""
        scroll = self.scroll
        content = scroll.scrollable_content_region
        return widget.region.translate(Offset(round(scroll.scroll_x) - content.x, round(scroll.scroll_y) - content.y))

    def announce(self, title: str, message: str, severity: SeverityLevel = "information") -> int:
        """Say in a toast what just appeared; return how many rows at the bottom of the lesson
        the toast covers (so what it announces can be kept above it)."""
        width = max(10, min(60, self.app.size.width // 2) - 3)  # Toast: width 60, max 50%, padding, border
        message = textwrap.shorten(message, 2 * width, placeholder=" …")  # the rest is in view
        self.notify(message, title=title, severity=severity, timeout=4)
        lines = len(textwrap.wrap(title, width)) + len(textwrap.wrap(message, width))
        return lines + 3  # padding above and below, and a row to spare

    def reveal(self, widget: Widget, then: Widget | None = None, below: int = 0) -> None:
        """Once laid out, scroll `widget` (a verdict, a hint) into view, above the `below` rows a
        toast covers if there is room; its first line at least when it is taller than the view.
        With `then`, show that too (the next exercise's title) if both fit."""

        def scroll(tries: int = 25) -> None:
            if not widget.display or not self.scroll.display:
                return
            if not widget.region and tries:  # not laid out yet (the screen is just resuming)
                self.set_timer(0.02, lambda: scroll(tries - 1))
                return
            if self.app.animator.is_being_animated(self.scroll, "scroll_y") and tries:
                # a scroll still under way (focus moved just before) would carry the view past it
                self.set_timer(0.05, lambda: scroll(tries - 1))
                return
            region = self._virtual(widget)
            window = self.scroll.scrollable_content_region.height
            spacing = Spacing(0, 0, min(below, window // 2), 0)
            if then is not None and then.region:
                both = region.union(self._virtual(then))
                if both.height <= window - spacing.bottom:
                    region = both
            self.scroll.scroll_to_region(region, spacing=spacing, animate=False, immediate=True, x_axis=False)

        self.call_after_refresh(scroll)

    def on_resize(self) -> None:
        self.refresh_subtitle()
        self.call_after_refresh(self.keep_focus_shown)

    def keep_focus_shown(self) -> None:
        """Focus never stays on a widget the learner cannot see (a view now covers the lesson)."""
        focused = self.focused
        if focused is None or all(node.display for node in focused.ancestors_with_self if isinstance(node, Widget)):
            return
        panels = self.query(ViewPanel)
        view = panels.first().current if panels else None
        if view is not None:
            view.focus()
        else:
            self.scroll.focus()

    def action_exercises(self) -> None:
        if not self.built:
            self._prose_first("exercises")
            return
        self._show_prose()
        panels = list(self.query(ExercisePanel))
        if panels:
            panels[0].scroll_visible(top=True, animate=False)
            panels[0].answer_widget().focus()

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
        if action == "editor":
            self.editor_offered = self.is_mounted and isinstance(self.current_panel(), CodePanel)
            return self.editor_offered
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

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "next-lesson":
            self.action_step(1)

    def on_exercise_checked(self, message: ExerciseChecked) -> None:
        """Record the attempt; the map and the header show the new progress; the verdict is
        shown and announced, and after a pass the next exercise is offered."""
        self.app.course.record_attempt(message.exercise, message.answer, message.result.passed)
        self.refresh_subtitle()
        panel = self.query_one(f"#ex-{message.exercise.id}", ExercisePanel)
        self.verdict_shown(panel, message.result)

    def verdict_shown(self, panel: ExercisePanel, result: CheckResult) -> None:
        """Bring a new verdict into view and announce it (one short toast: the verdict itself is
        in view); after a pass, move on."""
        if result.passed:
            target, next_step = self.move_on(panel)
            rows = self.announce(f"{panel.label}: passed", next_step)
        else:
            target = None
            first = re.split(r"(?<=[.!?])\s", result.message.strip(), maxsplit=1)[0]
            rows = self.announce(f"{panel.label}: not yet", first, severity="warning")
        self.reveal(panel.verdict, then=target, below=rows)

    def move_on(self, panel: ExercisePanel) -> tuple[Widget | None, str]:
        """After a pass, focus the next exercise not yet passed (or offer the next lesson) without
        scrolling the verdict away. Returns what to show beside the verdict if there is room,
        and a sentence that says where to go next."""
        panels = list(self.query(ExercisePanel))
        start = panels.index(panel)
        open_ones = [p for p in panels[start + 1 :] + panels[:start] if not self.app.course.passed(p.exercise)]
        if open_ones:
            following = open_ones[0]
            following.offer()
            where = "below" if panels.index(following) > start else "above"
            return following.query_one(".ex-title"), f"Next: {following.label}, {where} (enter goes to it)."
        buttons = self.query("#next-lesson")
        if buttons:
            buttons.first().focus(scroll_visible=False)
            return None, "Lesson complete: enter or ctrl+n opens the next one."
        return None, "Lesson complete, and the course with it."
