"""The ``watch`` command: build, then rebuild the drafts whenever the project's sources change.

Contract: builds once at start, then after every change under ``sources/``
or ``templates/`` or to ``briefings.yaml`` (see :mod:`briefings.live.watch` for
what is ignored), printing one line per build on standard output, such as
``12:04:31 rebuilt drone-coproduction (md, html, pdf); 3 up to date; 0.8 s``.
A build that fails prints its problems as ``path:LINE: message`` on standard
error and a one-line summary, keeps the last good outputs, and watching goes
on: saving the fixed file recovers. Ctrl-C (or SIGINT) stops it with one
line, ``briefings: stopped watching``, and exit status 0: stopping is how a
watch ends, not a failure (a build interrupted half-way leaves the outputs as
they were, as always).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click

from briefings.cli.console import handles_problems, plain, say
from briefings.cli.findings import echo_warnings
from briefings.cli.options import archive_dir_option, audience_option, jobs_option, poll_option, project_option
from briefings.errors import printable
from briefings.live.watch import RebuildResult, summary_line, watch_project
from briefings.lock import waiting_message
from briefings.paths import DEFAULT_WAIT, OUTPUT_FORMATS

STOPPED_MESSAGE = "briefings: stopped watching"


@click.command()
@project_option
@click.option("--only", multiple=True, metavar="ID", help="Build only this briefing (repeatable).")
@click.option("--format", "formats", multiple=True, type=click.Choice(OUTPUT_FORMATS),
              help="Build only this format (repeatable). Default: the project's formats.")
@click.option("--strict", is_flag=True, help="Count warnings as problems too.")
@jobs_option
@poll_option
@archive_dir_option
@audience_option
@handles_problems("watch")
def watch(project: Path, only: tuple[str, ...], formats: tuple[str, ...], strict: bool, jobs: int | None,
          poll: bool, archive_dir: Path | None, audience: str | None) -> None:
    """Build, then rebuild whenever sources/, templates/ or briefings.yaml change (Ctrl-C stops)."""
    options = {"only": only, "formats": formats, "strict": strict, "jobs": jobs, "wait": DEFAULT_WAIT,
               "archive_dir": archive_dir, "audience": audience,
               "on_wait": lambda: click.echo(waiting_message(DEFAULT_WAIT), err=True)}
    say(f"Watching {plain(project)} for changes to sources/, templates/ and briefings.yaml (Ctrl-C to stop).")
    sys.stdout.flush()
    try:
        watch_project(project, on_result=report_result, stop_event=threading.Event(), build_options=options,
                      force_polling=True if poll else None)
    except KeyboardInterrupt:
        sys.stdout.flush()
        click.echo(STOPPED_MESSAGE, err=True)


def report_result(result: RebuildResult) -> None:
    """Print one build's problems or warnings (standard error) and its one-line summary (standard output)."""
    if result.report is None:
        for problem in result.problems:
            click.echo(str(problem), err=True)
    else:
        if result.report.notice:
            click.echo(f"briefings: {printable(result.report.notice)}", err=True)
        echo_warnings(result.report.warnings, result.report.project.root)
    say(plain(summary_line(result)))
    sys.stdout.flush()
