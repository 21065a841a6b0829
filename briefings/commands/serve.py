"""Placeholder."""

import click


@click.command()
def serve() -> None:
    """Serve the HTML drafts with live reload."""
