"""``briefings templates list | show NAME | eject NAME``: the template stack, looked at and started from.

Contract: ``list`` prints one line per template and stylesheet, project files
first: where it comes from (``project`` or ``package``), what it overrides
or extends, or which project file replaces it, and which briefings use it.
``show`` prints a built-in's source unchanged. ``eject`` copies a built-in
into the project's ``templates/`` (never over an existing file without
``--force``). Refusals (an unknown name, a file in the way, a ``templates/``
outside the project) print one line and exit 1. The work is done in
:mod:`briefings.render.catalog`.
"""

from __future__ import annotations

from pathlib import Path

import click

from briefings.cli.console import handles_problems, plain, say, styled
from briefings.cli.options import project_option
from briefings.errors import Problem, ProblemsFound
from briefings.files import check_project_dir
from briefings.project.loader import load_project_partially
from briefings.render.catalog import CatalogError, TemplateInfo, builtin_source, catalog
from briefings.render.catalog import eject as eject_builtin


@click.group(name="templates")
def templates() -> None:
    """List the templates, show a built-in, or copy one into templates/ to start from."""


@templates.command(name="list")
@project_option
@handles_problems("templates list")
def list_(project: Path) -> None:
    """List every template and stylesheet: origin, what it overrides or extends, and who uses it."""
    if not project.is_dir():
        raise ProblemsFound([Problem(str(project), None, "project directory does not exist")])
    loaded, problems = load_project_partially(project)
    refused = check_project_dir(project / "templates", project)
    if refused is not None:
        click.echo(f"{refused} (its templates are not listed)", err=True)
    if problems:
        click.echo(f"note: the project has {len(problems)} error(s) (run briefings check); briefings that could "
                   "not be loaded are not counted below", err=True)
    entries = catalog(project, loaded.briefings, loaded.settings.formats)
    width = max(len(plain(entry.path)) for entry in entries)
    for entry in entries:
        say(plain(entry.path).ljust(width), "  ", styled(entry.origin.ljust(7), style="cyan"), "  ",
            plain(_describe(entry)))


def _describe(entry: TemplateInfo) -> str:
    details = []
    if entry.overrides:
        details.append(f"overrides {entry.overrides}")
    if entry.extends:
        details.append(f"extends {entry.extends}")
    if entry.overridden_by:
        details.append(f"replaced by {entry.overridden_by}")
    if entry.unreadable:
        details.append("cannot be read or parsed (run briefings check)")
    details.append(f"used by {', '.join(entry.used_by)}" if entry.used_by else "used by no briefing")
    return "; ".join(details)


@templates.command()
@click.argument("name")
@handles_problems("templates show")
def show(name: str) -> None:
    """Print the source of the built-in template NAME (e.g. briefing.md.j2 or builtin/briefing.md.j2)."""
    try:
        source = builtin_source(name)
    except CatalogError as error:
        raise click.ClickException(plain(error)) from None
    click.echo(source, nl=not source.endswith("\n"))


@templates.command()
@click.argument("name")
@project_option
@click.option("--force", is_flag=True, help="Overwrite templates/NAME if it exists.")
@handles_problems("templates eject")
def eject(name: str, project: Path, force: bool) -> None:
    """Copy the built-in template NAME into the project's templates/, to start from."""
    try:
        ejected = eject_builtin(project, name, force=force)
    except CatalogError as error:
        raise click.ClickException(plain(error)) from None
    say(styled("replaced" if ejected.replaced else "created", style="green"), " ", plain(ejected.shown),
        f" (a copy of {ejected.builtin})")
    if ejected.builtin.endswith(".j2"):
        say(f"It now replaces {ejected.builtin} for every briefing that uses it. To change only a few blocks, "
            f"extend the built-in instead: {{% extends \"{ejected.builtin}\" %}}")
    else:
        say(f"It now replaces {ejected.builtin} for every briefing that uses it.")
