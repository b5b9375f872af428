"""Widgets the tutor's screens share."""
