"""Subcommands of `tutor`: each module holds one command group and imports lazily."""
