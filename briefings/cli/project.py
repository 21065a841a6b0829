"""Commands about the project itself, not its outputs: ``list`` shows it, ``init`` creates one.

Contract: ``list`` prints the project's topics and briefings as two tables:
as the last complete build recorded them when no source, setting or template
changed since (:func:`briefings.build.quick.recorded_listing`: nothing to
parse or validate), else from the project loaded
(:func:`briefings.project.loader.load_project`, no rendering) with its
problems reported as any command reports them; ``init`` creates a new working project
(:func:`briefings.project.scaffold.create_project`) and lists what it
created. Values from the project are printed through
:mod:`briefings.cli.console`, escaped and never read as markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.table import Table

from briefings.build.quick import listing, recorded_listing
from briefings.cli.console import handles_problems, plain, say, stdout_console, styled
from briefings.cli.options import project_option
from briefings.errors import relative_path
from briefings.project.scaffold import ScaffoldError, create_project

if TYPE_CHECKING:
    from rich.text import Text


@click.command(name="list")
@project_option
@handles_problems("list")
def list_(project: Path) -> None:
    """List topics and briefings with their as-of dates."""
    rows = recorded_listing(project)
    if rows is None:
        # Only now: the loader and its models (pydantic) take twice as long to import as the rest of list.
        from briefings.project.loader import load_project

        rows = listing(load_project(project))
    topics = Table(title="Topics", title_justify="left")
    for column in ("id", "title", "facts", "figures", "as of", "review by"):
        topics.add_column(column, no_wrap=column != "title")
    for row in rows["topics"]:
        topics.add_row(*_cells(*row))
    briefings = Table(title="Briefings", title_justify="left")
    for column in ("id", "title", "topics", "as of", "template", "schedule"):
        briefings.add_column(column, no_wrap=column not in {"title", "topics"})
    for row in rows["briefings"]:
        briefings.add_row(*_cells(*row))
    stdout_console().print(topics)
    stdout_console().print(briefings)


def _cells(*values: object) -> list[Text]:
    # Text cells are never parsed as console markup: a title may contain "[/x]".
    return [styled(plain(value)) for value in values]


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@handles_problems("init")
def init(directory: Path) -> None:
    """Create a new briefing project in DIRECTORY, with one sample topic."""
    try:
        created = create_project(directory)
    except ScaffoldError as error:
        raise click.ClickException(str(error)) from error
    for path in created:
        say(styled("created", style="green"), " ", plain(relative_path(path, directory)))
    say(f"Next: briefings build --project {plain(directory)}")
