"""The ``add-source`` command: a document archived in the project and added to ``sources/references.yaml``.

Contract: ``add-source FILE --id ID --outlet ... --title ... --published DATE``
(and optionally ``--url``, ``--reliability``) calls
:func:`briefings.audit.add_source.add_source`, which does the work and says
what it refuses. An option value the model refuses (a slug id, a real date,
an http(s) URL, an Admiralty letter, an archive file name) is a usage error
(exit 2); a refusal about the project's files is a problem (exit 1,
``path:LINE: message``). On success it prints the document's warnings (on
standard error), where it was archived (or that the identical file already
was) and the entry it appended.
"""

from __future__ import annotations

from pathlib import Path

import click

from briefings.audit.add_source import InvalidEntry, new_entry
from briefings.audit.add_source import add_source as add_to_project
from briefings.cli.console import handles_problems, plain, say
from briefings.cli.options import project_option
from briefings.paths import REFERENCES_FILE


@click.command(name="add-source")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "reference_id", required=True, help="The reference id (a slug, e.g. 'afp-uk-ukraine-ties').")
@click.option("--outlet", required=True, help="Who published the document.")
@click.option("--title", required=True, help="Its headline or title.")
@click.option("--published", required=True, help="Its date of publication (YYYY-MM-DD).")
@click.option("--url", default=None, help="Where it was published (http or https).")
@click.option("--reliability", default=None, help="Admiralty source reliability, A to F.")
@project_option
@handles_problems("add-source")
def add_source(file: Path, reference_id: str, outlet: str, title: str, published: str, url: str | None,
               reliability: str | None, project: Path) -> None:
    """Archive FILE in the project and add it to sources/references.yaml."""
    try:
        entry = new_entry(reference_id, outlet, title, published, url, reliability, file.name)
    except InvalidEntry as error:
        raise click.BadParameter(error.message, param_hint=error.option) from None
    added = add_to_project(project, file, reference_id, entry)
    for warning in added.warnings:
        click.echo(f"{plain(file)}: warning: {plain(warning)}", err=True)
    say(f"{'archived' if added.copied else 'already archived, identical'}: {added.archived}")
    say(f"added to {REFERENCES_FILE}:")
    for line in added.appended.strip("\n").splitlines():
        click.echo(plain(line))
