"""The ``serve`` command: the live preview of the HTML drafts on 127.0.0.1.

Contract: serves ``output/`` and an index page on ``http://127.0.0.1:PORT/``
(default 8000; ``--port 0`` picks a free port; the URL is printed either
way), builds at start and rebuilds on every change as ``watch`` does (HTML
first, then the other formats), printing one line per build, and reloads
open pages when their briefing changes or a build fails or recovers (see
:mod:`briefings.live.serve` and :mod:`briefings.live.pages`). ``--open``
opens the index in the default browser. Ctrl-C stops it with one line,
``briefings: stopped serving``, and exit status 0. A port that cannot be
used is a problem (exit 1), as is an ``output/`` the build would refuse
(linked out of the project, say): then nothing is served.
"""

from __future__ import annotations

import sys
import threading
import webbrowser
from pathlib import Path

import click

from briefings.cli.console import handles_problems, plain, say
from briefings.cli.options import archive_dir_option, audience_option, jobs_option, poll_option, project_option
from briefings.cli.watch import report_result
from briefings.live.serve import DEFAULT_PORT, serve_project
from briefings.lock import waiting_message
from briefings.paths import DEFAULT_WAIT

STOPPED_MESSAGE = "briefings: stopped serving"


@click.command()
@project_option
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="The port on 127.0.0.1 to serve on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the index in the default web browser.")
@jobs_option
@poll_option
@archive_dir_option
@audience_option
@handles_problems("serve")
def serve(project: Path, port: int, open_browser: bool, jobs: int | None, poll: bool,
          archive_dir: Path | None, audience: str | None) -> None:
    """Serve the HTML drafts on 127.0.0.1 with live reload, rebuilding as the sources change (Ctrl-C stops)."""

    def ready(url: str) -> None:
        say(f"Serving the drafts of {plain(project)} at {url} (Ctrl-C to stop).")
        sys.stdout.flush()
        if open_browser:
            webbrowser.open(url)

    options = {"jobs": jobs, "wait": DEFAULT_WAIT, "archive_dir": archive_dir, "audience": audience,
               "on_wait": lambda: click.echo(waiting_message(DEFAULT_WAIT), err=True)}
    try:
        serve_project(project, stop_event=threading.Event(), port=port, on_ready=ready, on_result=report_result,
                      build_options=options, force_polling=True if poll else None)
    except KeyboardInterrupt:
        sys.stdout.flush()
        click.echo(STOPPED_MESSAGE, err=True)
