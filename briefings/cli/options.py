"""The command-line options several commands share, and the checks on their values.

Contract: each option here reads and checks its value the same way in every
command that takes it (a bad value is a usage error, exit 2), and shows the
same help. Defaults come from :mod:`briefings.paths`; nothing here imports
the library, so that a command's ``--help`` costs no more than its module.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from briefings.errors import printable
from briefings.paths import DEFAULT_WAIT

F = TypeVar("F", bound=Callable[..., Any])

#: The years ``--now`` accepts (:data:`briefings.schedule.state.FIRST_YEAR` to ``LAST_YEAR``), written out so
#: that ``publish`` need not import the scheduler (tests/schedule/test_schedule.py checks that they agree).
NOW_YEARS = (1970, 2999)

project_option = click.option(
    "--project", "-p", "project", default=".", show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The briefing project directory.",
)

archive_dir_option = click.option(
    "--archive-dir", "archive_dir", default=None, metavar="DIR",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Read the archived sources from DIR (any directory; relative to the current directory) "
         "instead of the project's archive_dir.",
)

jobs_option = click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
    help="Render in N worker processes. Default: the number of CPUs available.",
)

audience_option = click.option(
    "--audience", type=click.Choice(["reader", "analyst"]), default=None,
    help="Render every briefing for this audience this time, whatever briefings.yaml says: reader (no grades, "
         "verification marks or evidence) or analyst (with the audit trail).",
)

poll_option = click.option(
    "--poll", is_flag=True,
    help="Poll for changes instead of relying on the system's notifications "
         "(for filesystems where they do not work; also WATCHFILES_FORCE_POLLING=1).",
)


def _seconds(context: click.Context, parameter: click.Parameter, value: float) -> float:
    if not math.isfinite(value) or value < 0:  # float() also reads "inf" and "nan"
        raise click.BadParameter(f"'{value:g}' is not a number of seconds, 0 or more")
    return value


def wait_option(help: str) -> Callable[[F], F]:  # noqa: A002 - click's name
    """``--wait SECONDS`` (default :data:`briefings.paths.DEFAULT_WAIT`), with the command's own ``help``."""
    return click.option("--wait", type=float, default=DEFAULT_WAIT, show_default=True, metavar="SECONDS",
                        callback=_seconds, help=help)


def check_now_year(value: str, instant: datetime.datetime) -> datetime.datetime:
    """``instant`` (``value`` as given), or a usage error if its date is outside :data:`NOW_YEARS`."""
    if not NOW_YEARS[0] <= instant.year <= NOW_YEARS[1]:
        raise click.BadParameter(f"'{printable(value)}' is out of range: give a date in the years "
                                 f"{NOW_YEARS[0]} to {NOW_YEARS[1]}")
    return instant
