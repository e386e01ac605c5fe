"""CLI commands for send (registered on the shared app)."""

from digest.cli.app import app  # noqa: F401
