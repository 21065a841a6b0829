"""How the commands that publish (``publish``, ``schedule --once``) report delivering editions.

Contract: :func:`deliver_and_report` runs :func:`briefings.delivery.runner.after_publish`
and prints a line per edition delivered and a located line per failure (on
standard error); it returns whether anything failed, for the command's exit code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click

from briefings.cli.console import plain, say, styled
from briefings.delivery.runner import after_publish


def deliver_and_report(project: Path, *, published: Mapping[str, int] | None = None,
                       redeliver: tuple[str, int] | None = None) -> bool:
    """Deliver what is due (:func:`briefings.delivery.runner.after_publish`): a line per edition delivered, a
    located line per failure on standard error; whether anything failed."""
    report = after_publish(project, published=published, redeliver=redeliver)
    for outcome in report.outcomes:
        if outcome.delivered:
            say(styled("delivered", style="green"), f" {plain(outcome.briefing_id)} edition {outcome.edition} "
                f"by {outcome.kind}{' again' if redeliver else ''}")
    for problem in report.problems:
        click.echo(str(problem), err=True)
    return report.failed


__all__ = ["deliver_and_report"]
