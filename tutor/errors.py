"""The one exception type the CLI and the TUI show to the learner as a plain message."""


class TutorError(Exception):
    """A problem the learner can fix (bad input, missing data, a corrupt file): no traceback."""
