"""The command palette provider: jump to any lesson or screen by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tutor.tui.app import TutorApp


class JumpProvider(Provider):
    """Offers every lesson and every screen as a palette command."""

    def _targets(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(name, help, callback) for every place the learner can jump to."""
        app: TutorApp = self.app  # type: ignore[assignment]
        targets: list[tuple[str, str, Callable[[], object]]] = [
            ("Course map", "The lessons and your progress", partial(app.goto_mode, "map")),
            ("Training dashboard", "Train an RNN, LSTM or GRU live", partial(app.goto_mode, "train")),
            ("Sentiment playground", "Type a review, watch the model read it", partial(app.goto_mode, "play")),
            ("Help", "Keys and what each view shows", app.action_help),
            ("Tour", "Four short pages on the tutor's screens and their keys", app.action_tour),
        ]
        for lesson in app.course.lessons:
            targets.append(
                (f"Lesson {lesson.number}: {lesson.title}", lesson.summary, partial(app.open_lesson, lesson.id))
            )
        return targets

    async def discover(self) -> Hits:
        """Everything, unfiltered, when the palette opens."""
        for name, help_text, callback in self._targets():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Fuzzy-match the query against lesson and screen names."""
        matcher = self.matcher(query)
        for name, help_text, callback in self._targets():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)
