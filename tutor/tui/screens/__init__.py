"""The tutor's screens, one module each."""
