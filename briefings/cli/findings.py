"""How commands print a build's warnings: each on its own line, but many missing archives in one.

Contract: :func:`warning_lines` gives the lines to print for a list of
warnings, in order. The ``archive-missing`` warnings (one per reference whose
archived copy is absent: the README's first build, before the seed articles
are copied in, has eight) are summed up, when there are more than one, in one
line where the first of them stood, saying how many references, in which
directory, and what to do; with ``verbose`` each is printed. The findings
themselves are untouched: each is still acknowledged, and fails ``--strict``,
per reference, and ``check --format json`` counts every one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from briefings.audit.missing import ARCHIVE_MISSING, MissingArchive, missing_archive
from briefings.errors import Problem, printable

#: The archive directory's own README, which says where its files come from (the example project has one).
ARCHIVE_README = "README.md"


def warning_lines(warnings: Iterable[Problem], project: Path, *, verbose: bool = False) -> list[str]:
    """The lines that print ``warnings`` (see the module docstring)."""
    warnings = list(warnings)
    missing = [(warning, missing_archive(warning)) for warning in warnings]
    found = [(warning, archive) for warning, archive in missing if archive is not None]
    if verbose or len(found) < 2:
        return [str(warning) for warning in warnings]
    lines: list[str] = []
    summed = False
    for warning, archive in missing:
        if archive is None:
            lines.append(str(warning))
        elif not summed:
            lines.append(_summary(warning, [item for _, item in found if item is not None], project))
            summed = True
    return lines


def echo_warnings(warnings: Iterable[Problem], project: Path, *, verbose: bool = False) -> None:
    """Print ``warnings`` on standard error (see :func:`warning_lines`)."""
    for line in warning_lines(warnings, project, verbose=verbose):
        click.echo(line, err=True)


def _summary(first: Problem, archives: list[MissingArchive], project: Path) -> str:
    names = list(dict.fromkeys(archive.name for archive in archives))
    directories = list(dict.fromkeys(archive.directory for archive in archives))
    where = f" in {directories[0]}" if len(directories) == 1 else ""
    others = len(names) - 1
    files = names[0] + (f" and {others} other file{'s' if others != 1 else ''}" if others else "")
    readme = Path(directories[0]) / ARCHIVE_README if len(directories) == 1 else None
    if readme is not None and not readme.is_absolute():
        readme = project / readme
    see = f"see {directories[0]}/{ARCHIVE_README}, or " if readme is not None and readme.is_file() else ""
    message = (f"{len(archives)} references have no archived copy{where} ({files}): their quotes and evidence "
               f"are not checked; {see}give --archive-dir DIR (--verbose lists each)")
    return printable(f"{first.path}: warning: {message} [{ARCHIVE_MISSING}]")
