"""Delivery after ``publish`` and ``schedule --once``: send the new editions, write the feed, say what happened.

Contract: :func:`deliver_and_report` runs
:func:`briefings.delivery.runner.after_publish` and prints one line per
edition delivered (``delivered ID edition N by KIND``) and, on standard
error, one located line per failure; it returns whether anything failed
(the command then exits 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click

from briefings.cli.console import plain, say, styled
from briefings.delivery.runner import after_publish


def deliver_and_report(project: Path, *, published: Mapping[str, int] | None = None,
                       redeliver: tuple[str, int] | None = None) -> bool:
    report = after_publish(project, published=published, redeliver=redeliver)
    for outcome in report.outcomes:
        if outcome.delivered:
            again = " again" if redeliver else ""
            say(styled("delivered", style="green"),
                f" {plain(outcome.briefing_id)} edition {outcome.edition} by {outcome.kind}{again}")
    for problem in report.problems:
        click.echo(str(problem), err=True)
    return report.failed
