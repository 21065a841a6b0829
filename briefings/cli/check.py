"""The ``check`` command: validate everything and render every template in memory, writing nothing.

Contract: runs :func:`briefings.build.orchestrate.build` with ``write=False``
over Markdown and HTML, prints its warnings (and with
``--show-acknowledged`` the acknowledged ones with their reasons) on standard
error, then one ``ok`` line with the project's counts and the attribution
audit's summary (or, with ``--format json``, one JSON document for scripts).
Problems fail it as everywhere (see :mod:`briefings.cli.console`); so do
warnings with ``--strict``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from briefings.build.orchestrate import build as run_build
from briefings.cli.console import handles_problems, plain, say, styled, warning_counts
from briefings.cli.findings import echo_warnings
from briefings.cli.options import archive_dir_option, project_option
from briefings.errors import printable

if TYPE_CHECKING:
    from briefings.audit.results import Audit


@click.command()
@project_option
@click.option("--strict", is_flag=True, help="Fail on warnings too (acknowledged ones never fail).")
@click.option("--show-acknowledged", is_flag=True, help="Also list acknowledged warnings with their reasons.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print the result and the attribution audit's summary (json: for scripts).")
@archive_dir_option
@click.option("--verbose", "-v", is_flag=True,
              help="Print every warning (without it, many archive-missing warnings are summed up in one line).")
@handles_problems("check")
def check(project: Path, strict: bool, show_acknowledged: bool, output_format: str, archive_dir: Path | None,
          verbose: bool) -> None:
    """Validate the project, audit its attribution and render every template; write nothing."""
    report = run_build(project, formats=("md", "html"), write=False, strict=strict, archive_dir=archive_dir)
    echo_warnings(report.warnings, project, verbose=verbose)
    if show_acknowledged:
        for item in report.acknowledged:
            shown = str(item.warning).replace(": warning: ", ": acknowledged: ", 1)
            click.echo(f"{shown}: {printable(item.reason)}", err=True)
    loaded = report.project
    facts = sum(len(topic.facts) for topic in loaded.topics.values())
    audit = loaded.audit
    if output_format == "json":
        document = {"ok": True, "topics": len(loaded.topics), "facts": facts, "references": len(loaded.references),
                    "briefings": len(loaded.briefings), "warnings": len(report.warnings),
                    "acknowledged": len(report.acknowledged),
                    "audit": audit.summary_json() if audit else {"topics": [], "discrepancies": []}}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    say(styled("ok", style="green"), f": {len(loaded.topics)} topic(s), {facts} fact(s), "
        f"{len(loaded.references)} reference(s), {len(loaded.briefings)} briefing(s)"
        + warning_counts(len(report.warnings), len(report.acknowledged)))
    if audit is not None:
        for line in audit_summary_lines(audit):
            say(plain(line))


def audit_summary_lines(audit: Audit) -> list[str]:
    """The attribution audit's summary, one line per topic then one per discrepancy (see the README)."""
    lines = ["Attribution audit:"]
    for topic in audit.topics:
        lines.append(f"  {topic.topic}: {topic.facts} fact(s); quotes {topic.quotes_verified} found "
                     f"({topic.quotes_speaker_confirmed} with the speaker confirmed), "
                     f"{topic.quotes_not_found} not found, {topic.quotes_unverifiable} not checked (no archived copy); "
                     f"{topic.fully_evidenced} fully evidenced; {topic.single_source} single-source; "
                     f"{topic.low_reliability} low-reliability; {topic.discrepancies} discrepancy(ies)")
    for item in audit.discrepancies:
        values = "; ".join(f"{figure.value} ({figure.topic}, {', '.join(figure.sources)})" for figure in item.figures)
        lines.append(f"  discrepancy '{item.key}': {values}")
    return lines
