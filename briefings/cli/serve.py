"""The ``serve`` command: the live preview of the HTML drafts on 127.0.0.1.

Contract: serves ``output/`` and an index page on ``http://127.0.0.1:PORT/``
(default 8000; ``--port 0`` picks a free port; the URL is printed either
way), builds at start and rebuilds on every change as ``watch`` does (HTML
first, then the other formats), printing one line per build, and reloads
open pages when their briefing changes or a build fails or recovers (see
:mod:`briefings.live.serve`). ``--open`` opens the index in the default browser.
Ctrl-C stops it with one line, ``briefings: stopped serving``, and exit
status 0. A port that cannot be used is a problem (exit 1), as is an
``output/`` the build would refuse (linked out of the project, say): then
nothing is served.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from briefings.cli import DEFAULT_WAIT, _load, archive_dir_option, handles_problems, plain, project_option, say
from briefings.cli.watch import report_result

STOPPED_MESSAGE = "briefings: stopped serving"
#: :data:`briefings.live.serve.DEFAULT_PORT`, written out so that ``--help`` need not import the server.
DEFAULT_PORT = 8000


@click.command()
@project_option
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="The port on 127.0.0.1 to serve on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the index in the default web browser.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Render in N worker processes. Default: the number of CPUs available.")
@click.option("--poll", is_flag=True,
              help="Poll for changes instead of relying on the system's notifications "
                   "(for filesystems where they do not work; also WATCHFILES_FORCE_POLLING=1).")
@archive_dir_option
@handles_problems("serve")
def serve(project: Path, port: int, open_browser: bool, jobs: int | None, poll: bool,
          archive_dir: Path | None) -> None:
    """Serve the HTML drafts on 127.0.0.1 with live reload, rebuilding as the sources change (Ctrl-C stops)."""
    import threading

    preview = _load("live.serve")

    def ready(url: str) -> None:
        say(f"Serving the drafts of {plain(project)} at {url} (Ctrl-C to stop).")
        sys.stdout.flush()
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    options = {"jobs": jobs, "wait": DEFAULT_WAIT, "archive_dir": archive_dir,
               "on_wait": lambda: click.echo(_load("lock").waiting_message(DEFAULT_WAIT), err=True)}
    try:
        preview.serve_project(project, stop_event=threading.Event(), port=port, on_ready=ready,
                              on_result=report_result, build_options=options, force_polling=True if poll else None)
    except KeyboardInterrupt:
        sys.stdout.flush()
        click.echo(STOPPED_MESSAGE, err=True)
