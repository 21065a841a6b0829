"""The ``build`` command: render what changed into ``output/``.

Contract: ``build`` parses the options, calls :func:`briefings.build.entry.build`
(the quick check, then the full build only if something changed) and prints
per briefing whether it was rendered or up to date, then the counts and the
time taken. Warnings and problems go to standard error as everywhere (see
:mod:`briefings.cli.console`). ``publish`` is in :mod:`briefings.cli.publish`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from briefings.build.entry import build as run_build
from briefings.build.shard import parse_shard
from briefings.cli.console import (
    handles_problems,
    plain,
    say,
    stdout_console,
    styled,
    warning_counts,
)
from briefings.cli.findings import echo_warnings
from briefings.cli.options import (
    archive_dir_option,
    audience_option,
    jobs_option,
    project_option,
    wait_option,
)
from briefings.errors import printable, relative_path
from briefings.lock import waiting_message
from briefings.paths import BUILD_FORMATS


def _shard(context: click.Context, parameter: click.Parameter, value: str | None) -> tuple[int, int] | None:
    try:
        return None if value is None else parse_shard(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command()
@project_option
@click.option("--only", multiple=True, metavar="ID", help="Build only this briefing (repeatable).")
@click.option("--format", "formats", multiple=True, type=click.Choice(BUILD_FORMATS),
              help="Build only this format (repeatable). Default: the project's formats, and json.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--force", is_flag=True, help="Render everything, even what is up to date.")
@jobs_option
@click.option("--quiet", "-q", is_flag=True, help="Print only problems.")
@click.option("--verbose", "-v", is_flag=True,
              help="Print every warning (without it, many archive-missing warnings are summed up in one line).")
@wait_option("How long to wait for another build of this project to finish (0: fail at once).")
@click.option("--shard", metavar="K/N", callback=_shard,
              help="Build only the K-th of N equal, fixed slices of the briefings (see docs/sharding.md).")
@archive_dir_option
@audience_option
@handles_problems("build")
def build(project: Path, only: tuple[str, ...], formats: tuple[str, ...], strict: bool, force: bool,
          jobs: int | None, quiet: bool, wait: float, shard: tuple[int, int] | None,
          archive_dir: Path | None, audience: str | None, verbose: bool) -> None:
    """Build briefings into output/, rendering only what changed."""
    with _progress_bar(enabled=not quiet) as progress:
        report = run_build(project, only=only, formats=formats, strict=strict, force=force, jobs=jobs,
                           progress=progress, wait=wait, shard=shard, archive_dir=archive_dir, audience=audience,
                           on_wait=lambda: click.echo(waiting_message(wait), err=True))
    if report.notice:
        click.echo(f"briefings: {printable(report.notice)}", err=True)
    echo_warnings(report.warnings, project, verbose=verbose)
    if quiet:
        return
    if shard is not None:
        selected = len(set(only)) or report.briefing_count
        built = len(report.rendered) + len(report.up_to_date)
        say(f"Shard {shard[0]}/{shard[1]}: " + (f"{built} of {selected} briefing(s)." if built else
            f"empty ({selected} briefing(s) over {shard[1]} shards leave none for it); nothing to build."))
    written = {path.name for path in report.written}
    for briefing_id in sorted([*report.rendered, *report.up_to_date]):
        if briefing_id in report.up_to_date:
            say(styled("up to date", style="dim"), " ", plain(briefing_id))
        else:
            files = [output.format for output in report.outputs
                     if output.briefing_id == briefing_id and output.path.name in written]
            say(styled("rendered", style="green"), f" {plain(briefing_id)} ({', '.join(files) or 'unchanged bytes'})")
    for path in report.removed:
        say(styled("removed", style="yellow"), " ", plain(relative_path(path, project)))
    say(f"{len(report.rendered)} briefing(s) rendered, {len(report.up_to_date)} up to date; "
        f"{len(report.written)} file(s) written" + (f", {len(report.removed)} removed" if report.removed else "")
        + warning_counts(len(report.warnings), len(report.acknowledged)) + f"; {report.seconds:.1f} s.")


@contextmanager
def _progress_bar(*, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on an interactive terminal when more than a few briefings render; nothing otherwise."""
    if not enabled or not stdout_console().is_terminal:
        yield None
        return
    from rich.progress import Progress  # only on a terminal: a build that prints nothing never loads it

    with Progress(console=stdout_console(), transient=True) as bar:
        task = None

        def update(done: int, total: int) -> None:
            nonlocal task
            if total <= 3:
                return
            if task is None:
                task = bar.add_task("Rendering", total=total)
            bar.update(task, completed=done)

        yield update
