"""The ``schedule`` command: publish briefings at the times their schedules name.

Contract: ``briefings schedule`` runs until SIGINT or SIGTERM (then finishes
the run in progress, prints one line and exits 0), publishing each scheduled
briefing at its times and re-reading ``briefings.yaml`` when it changes;
``--once`` publishes what is due now and exits (0 when everything due was
published or unchanged, 1 when anything failed); ``--list`` prints each
briefing's schedule and its next three times in the project's time zone.
``--once --dry-run`` says what would be published and writes nothing.
``--now`` (for testing, said on stderr with ``--once``) fixes the instant ``--once`` and ``--list`` act at;
a time outside the years :data:`briefings.cli.options.NOW_YEARS` is a usage
error (exit 2), as is one that is not ISO 8601. The logic is
:mod:`briefings.schedule` (runner, cron, scheduler); the publish function is
:func:`briefings.build.publish.publish`.
"""

from __future__ import annotations

import datetime
import functools
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from briefings.build.publish import publish
from briefings.cli.console import EXIT_PROBLEMS, handles_problems, plain, say, styled
from briefings.cli.deliveries import deliver_and_report
from briefings.cli.findings import echo_warnings
from briefings.cli.options import (
    NOW_YEARS,
    archive_dir_option,
    check_now_year,
    jobs_option,
    project_option,
    wait_option,
)
from briefings.errors import printable
from briefings.lock import waiting_message
from briefings.schedule.cron import next_runs
from briefings.schedule.runner import PublishFunction, load_schedules, run_once
from briefings.schedule.scheduler import Scheduler


def _instant(context: click.Context, parameter: click.Parameter, value: str | None) -> datetime.datetime | None:
    if value is None:
        return None
    try:
        instant = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"'{printable(value)}' is not an ISO 8601 date and time "
                                 "(e.g. 2026-03-02T06:00 or 2026-03-02T06:00+00:00)") from None
    # Checked on the date as written: offsets are under a day, so in any zone the instant stays far from the
    # ends of what datetime can represent (see briefings.schedule.state).
    return check_now_year(value, instant)


@click.command()
@project_option
@click.option("--once", is_flag=True,
              help="Publish every briefing whose scheduled time has come since its last scheduled run, then exit "
                   "(for cron, systemd timers and CI).")
@click.option("--list", "list_", is_flag=True, help="Show each briefing's schedule and its next three run times.")
@click.option("--now", metavar="ISO-DATETIME", callback=_instant,
              help="For testing: act as if it were this instant (with --once or --list; without an offset it is "
                   f"in the project's time zone; in the years {NOW_YEARS[0]} to {NOW_YEARS[1]}).")
@click.option("--dry-run", is_flag=True,
              help="With --once: say what would be published (briefings, edition numbers, what changed, the "
                   "times missed) and write nothing.")
@wait_option("How long a run waits for another build or run of this project to finish (0: fail at once); "
             "a run that waited finds what the other one published already done.")
@jobs_option
@archive_dir_option
@handles_problems("schedule")
def schedule(project: Path, once: bool, list_: bool, now: datetime.datetime | None, dry_run: bool, wait: float,
             jobs: int | None, archive_dir: Path | None) -> None:
    """Publish briefings at the times their schedules name (see docs/scheduling.md)."""
    if once and list_:
        raise click.UsageError("--once and --list do not go together")
    if now is not None and not (once or list_):
        raise click.UsageError("--now goes with --once or --list")
    if dry_run and not once:
        raise click.UsageError("--dry-run goes with --once")
    if now is not None and once:
        click.echo(f"briefings: --now is for testing: acting as if it were {now.isoformat()}"
                   + ("" if dry_run else " (the editions it publishes are real)"), err=True)
    if list_:
        _list(project, now)
    elif once:
        _once(project, now, wait, jobs, archive_dir, dry_run)
    else:
        _run(project, wait, jobs, archive_dir)


def _at(zone: str, now: datetime.datetime | None) -> datetime.datetime:
    if now is None:
        return datetime.datetime.now(ZoneInfo(zone))
    return now if now.tzinfo is not None else now.replace(tzinfo=ZoneInfo(zone))


def _list(project: Path, now: datetime.datetime | None) -> None:
    schedules = load_schedules(project)
    at = _at(schedules.zone, now)
    say(f"Times in {plain(schedules.zone)}, after {at.isoformat(timespec='minutes')}:")
    for briefing in schedules.briefings:
        if briefing.schedule is None:
            say(plain(briefing.id), ": ", styled("not scheduled", style="dim"))
            continue
        runs = next_runs(briefing.schedule, schedules.zone, at, 3)
        shown = ", ".join(run.isoformat(timespec="minutes") for run in runs) or "never (no date matches it)"
        say(f"{plain(briefing.id)}: \"{plain(briefing.schedule)}\"; next: {shown}")


def _publisher(archive_dir: Path | None) -> PublishFunction | None:
    """:func:`briefings.build.publish.publish` reading the archived sources from ``archive_dir`` when given;
    otherwise None: the scheduler's own default."""
    return functools.partial(publish, archive_dir=archive_dir) if archive_dir else None


def _once(project: Path, now: datetime.datetime | None, wait: float, jobs: int | None,
          archive_dir: Path | None = None, dry_run: bool = False) -> None:
    if now is not None and now.tzinfo is None:
        now = _at(load_schedules(project).zone, now)
    report = run_once(project, now=now, wait=wait, jobs=jobs, publish=_publisher(archive_dir),
                      on_wait=lambda: click.echo(waiting_message(wait), err=True), dry_run=dry_run)
    if report.notice:
        click.echo(f"briefings: {printable(report.notice)}", err=True)
    echo_warnings(report.warnings, project)
    when = report.at.isoformat(timespec="minutes")
    policy = report.schedules.catch_up
    for item in report.skipped:
        following = next_runs(item.schedule, report.schedules.zone, report.at, 1)
        say(plain(item.catch_up_line(policy, skipped=True, following=following[0] if following else None) or ""))
    for item in report.due:
        line = item.catch_up_line(policy)
        if line:
            say(plain(line))
    if not report.due:
        say(f"Nothing is due at {when}." + (" (Dry run: nothing written.)" if dry_run else ""))
        if not dry_run and deliver_and_report(project):  # what an earlier run left undelivered
            sys.exit(EXIT_PROBLEMS)
        return
    counts = {"published": 0, "unchanged": 0, "failed": 0}
    slots = {item.briefing_id: item.scheduled for item in report.due}
    for result in report.results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
        if result.outcome == "published":
            # A dry run says which day the edition would be dated (the day of the scheduled time it is for).
            dated = (f" ({result.edition_date.isoformat()}, for "
                     f"{slots[result.briefing_id].isoformat(timespec='minutes')})"
                     if dry_run and result.edition_date else "")
            say(styled("would publish" if dry_run else "published", style="green"),
                f" {plain(result.briefing_id)} as edition {result.edition}{dated}")
            for line in result.summary:
                say("  ", plain(line))
        elif result.outcome == "unchanged":
            edition = f" (edition {result.edition})" if result.edition is not None else ""
            say(styled("unchanged", style="dim"), f" {plain(result.briefing_id)}{edition}")
        else:
            say(styled("failed", style="red"), f" {plain(result.briefing_id)}")
            for problem in result.problems:
                click.echo(str(problem), err=True)
    published_words = "would be published" if dry_run else "published"
    say(f"{len(report.due)} briefing(s) due at {when}: {counts['published']} {published_words}, "
        f"{counts['unchanged']} unchanged, {counts['failed']} failed; {report.seconds:.1f} s."
        + (" Dry run: nothing written." if dry_run else ""))
    undelivered = False
    if not dry_run:
        published = {result.briefing_id: result.edition for result in report.results
                     if result.outcome == "published" and result.edition is not None}
        undelivered = deliver_and_report(project, published=published)
    if report.failed or undelivered:
        sys.exit(EXIT_PROBLEMS)


def _run(project: Path, wait: float, jobs: int | None, archive_dir: Path | None = None) -> None:
    def echo(line: str) -> None:
        click.echo(line)

    def echo_error(line: str) -> None:
        click.echo(line, err=True)

    scheduler = Scheduler(project, echo=echo, echo_error=echo_error, wait=wait, jobs=jobs,
                          publish=_publisher(archive_dir))
    scheduler.load()
    scheduler.run_until_signalled()
