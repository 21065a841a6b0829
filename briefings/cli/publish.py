"""The ``publish`` command: publish each briefing whose content changed as a new edition, then deliver it.

Contract: ``publish`` calls :func:`briefings.build.publish.publish` and prints
per briefing whether it was published as a new edition (with what changed),
unchanged or failed; then delivers the new editions
(:func:`briefings.cli.deliveries.deliver_and_report`; ``--redeliver ID N``
sends one again instead); it exits 1 when any briefing or delivery failed.
Warnings and problems go to standard error as everywhere (see
:mod:`briefings.cli.console`).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import click

from briefings.build.publish import publish as run_publish
from briefings.cli.console import EXIT_PROBLEMS, handles_problems, plain, say, styled
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
from briefings.render.filters import format_long_date


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
