"""Messages between the lesson and the dashboard, sent up to the app, which passes them on.

A lesson's experiment panel asks for its run (`ExperimentRequested`); the dashboard runs it,
has the course layer judge it and reports the verdict (`ExperimentJudged`). The app routes both:
it opens the dashboard with the experiment, and hands the verdict to the lessons it has open.
"""

from __future__ import annotations

from textual.message import Message

from tutor.course.model import CheckResult, Exercise


class ExperimentRequested(Message):
    """Run this experiment exercise's preset in the dashboard."""

    def __init__(self, exercise: Exercise) -> None:
        super().__init__()
        self.exercise = exercise


class ExperimentJudged(Message):
    """A run of this experiment finished and was judged."""

    def __init__(self, exercise: Exercise, result: CheckResult) -> None:
        super().__init__()
        self.exercise = exercise
        self.result = result
