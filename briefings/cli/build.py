"""The ``build`` and ``publish`` commands: render what changed into ``output/``, or publish new editions.

Contract: ``build`` parses the options, calls
:func:`briefings.build.orchestrate.build` and prints per briefing whether it
was rendered or up to date, then the counts and the time taken. ``publish``
calls :func:`briefings.build.publish.publish` and prints per briefing whether
it was published as a new edition (with what changed), unchanged or failed;
then delivers the new editions (:func:`briefings.cli.deliveries.deliver_and_report`; ``--redeliver ID N``
sends one again instead); it exits 1 when any briefing or delivery failed. Warnings and problems go to standard
error as everywhere (see :mod:`briefings.cli.console`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from briefings.build.orchestrate import build as run_build
from briefings.build.publish import publish as run_publish
from briefings.build.shard import parse_shard
from briefings.cli.console import (
    EXIT_PROBLEMS,
    handles_problems,
    plain,
    say,
    stdout_console,
    styled,
    warning_counts,
)
from briefings.cli.deliveries import deliver_and_report
from briefings.cli.findings import echo_warnings
from briefings.cli.options import (
    archive_dir_option,
    audience_option,
    check_now_year,
    jobs_option,
    project_option,
    wait_option,
)
from briefings.errors import printable, relative_path
from briefings.lock import waiting_message
from briefings.paths import BUILD_FORMATS
from briefings.render.filters import format_long_date


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
        selected = len(set(only)) or len(report.project.briefings)
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


def _publish_now(value: datetime.datetime | None) -> datetime.datetime | None:
    """``publish --now``, refused outside the years ``schedule --now`` takes, as a usage error."""
    return None if value is None else check_now_year(value.isoformat(sep="T"), value)


@click.command()
@project_option
@click.option("--only", multiple=True, metavar="ID", help="Publish only this briefing (repeatable).")
@jobs_option
@wait_option("How long to wait for a build of this project to finish (0: fail at once).")
@click.option("--now", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]), default=None,
              hidden=True, callback=lambda context, parameter, value: _publish_now(value),
              help="Publish as if it were this time (UTC; in the years schedule --now takes), for tests and "
                   "rehearsals.")
@click.option("--dry-run", is_flag=True,
              help="Say what would be published (briefings, edition numbers, what changed) and write nothing.")
@archive_dir_option
@audience_option
@click.option("--redeliver", nargs=2, type=(str, click.IntRange(min=1)), default=None, metavar="ID N",
              help="Send edition N of briefing ID to its delivery destinations again (publishes nothing).")
@handles_problems("publish")
def publish(project: Path, only: tuple[str, ...], jobs: int | None, wait: float, now: datetime.datetime | None,
            dry_run: bool, archive_dir: Path | None, audience: str | None,
            redeliver: tuple[str, int] | None) -> None:
    """Publish each briefing whose content changed as a new edition (output/editions/), then deliver it."""
    if redeliver is not None:
        if deliver_and_report(project, redeliver=(redeliver[0], redeliver[1])):
            raise SystemExit(EXIT_PROBLEMS)
        return
    moment = now.replace(tzinfo=datetime.UTC) if now else None
    if moment is not None:
        click.echo(f"briefings: --now is for testing: publishing as if it were {moment.isoformat()}"
                   + ("" if dry_run else " (the editions are real, dated then)"), err=True)
    report = run_publish(project, only=only, jobs=jobs, wait=wait, now=moment, archive_dir=archive_dir,
                         audience=audience, dry_run=dry_run)
    echo_warnings(report.warnings, project)
    for result in report.results:
        name = plain(result.briefing_id)
        if result.outcome == "published":
            verb = "would publish" if dry_run else "published"
            say(styled(verb, style="green"), f" {name} as edition {result.edition} "
                f"({format_long_date(result.edition_date)})")
            for line in result.summary:
                say("    ", plain(line))
        elif result.outcome == "unchanged":
            say(styled("unchanged", style="dim"), f" {name} since edition {result.edition} "
                f"({format_long_date(result.edition_date)})")
        else:
            say(styled("failed", style="red"), f" {name}")
            for problem in result.problems:
                click.echo(str(problem), err=True)
    counts = {outcome: sum(1 for result in report.results if result.outcome == outcome)
              for outcome in ("published", "unchanged", "failed")}
    if dry_run:  # nothing was published, so nothing is delivered
        say(f"Dry run, nothing written: {counts['published']} would be published, {counts['unchanged']} unchanged, "
            f"{counts['failed']} failed.")
        undelivered = False
    else:
        say(f"{counts['published']} published, {counts['unchanged']} unchanged, {counts['failed']} failed.")
        published = {result.briefing_id: result.edition for result in report.results
                     if result.outcome == "published" and result.edition is not None}
        undelivered = deliver_and_report(project, published=published)
    if report.failed or undelivered:
        raise SystemExit(EXIT_PROBLEMS)
