"""Commands that inspect a project without building it, and the one that creates one: ``check``, ``list``, ``init``.

Contract: ``check`` validates everything and renders every template in
memory, writing nothing; ``list`` shows topics and briefings; ``init``
creates a new working project. Each prints through :mod:`briefings.cli`'s
helpers, so values from the project are escaped and never read as markup.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from briefings import cli
from briefings.cli import (
    _interrupt_exits_at_once,
    _stdout,
    _text,
    _warning_counts,
    archive_dir_option,
    handles_problems,
    plain,
    project_option,
    say,
)
from briefings.errors import printable, relative_path

if TYPE_CHECKING:
    from rich.text import Text


@click.command()
@project_option
@click.option("--strict", is_flag=True, help="Fail on warnings too (acknowledged ones never fail).")
@click.option("--show-acknowledged", is_flag=True, help="Also list acknowledged warnings with their reasons.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How to print the result and the attribution audit's summary (json: for scripts).")
@archive_dir_option
@handles_problems("check")
def check(project: Path, strict: bool, show_acknowledged: bool, output_format: str, archive_dir: Path | None) -> None:
    """Validate the project, audit its attribution and render every template; write nothing."""
    report = cli.run_build(project, formats=("md", "html"), write=False, strict=strict, archive_dir=archive_dir)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
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
    say(_text("ok", style="green"), f": {len(loaded.topics)} topic(s), {facts} fact(s), "
        f"{len(loaded.references)} reference(s), {len(loaded.briefings)} briefing(s)"
        + _warning_counts(len(report.warnings), len(report.acknowledged)))
    if audit is not None:
        for line in audit_summary_lines(audit):
            say(plain(line))


def audit_summary_lines(audit: Any) -> list[str]:
    """The attribution audit's summary, one line per topic then one per discrepancy (see the README)."""
    lines = ["Attribution audit:"]
    for topic in audit.topics:
        lines.append(f"  {topic.topic}: {topic.facts} fact(s); quotes {topic.quotes_verified} verified, "
                     f"{topic.quotes_not_found} not found, {topic.quotes_unverifiable} unverifiable; "
                     f"{topic.fully_evidenced} fully evidenced; {topic.single_source} single-source; "
                     f"{topic.low_reliability} low-reliability; {topic.discrepancies} discrepancy(ies)")
    for item in audit.discrepancies:
        values = "; ".join(f"{figure.value} ({figure.topic}, {', '.join(figure.sources)})" for figure in item.figures)
        lines.append(f"  discrepancy '{item.key}': {values}")
    return lines


@click.command(name="list")
@project_option
@handles_problems("list")
def list_(project: Path) -> None:
    """List topics and briefings with their as-of dates."""
    loaded = cli.load_project(project)
    with _interrupt_exits_at_once():
        from rich.table import Table
    topics = Table(title="Topics", title_justify="left")
    for column in ("id", "title", "facts", "figures", "as of", "review by"):
        topics.add_column(column, no_wrap=column != "title")
    for topic in loaded.topics.values():
        topics.add_row(*_cells(topic.id, topic.title, len(topic.facts), len(topic.figures),
                               topic.as_of.isoformat(), topic.review_by.isoformat() if topic.review_by else ""))
    briefings = Table(title="Briefings", title_justify="left")
    for column in ("id", "title", "topics", "as of", "template", "schedule"):
        briefings.add_column(column, no_wrap=column not in {"title", "topics"})
    for briefing in loaded.briefings:
        briefings.add_row(*_cells(briefing.id, briefing.title, ", ".join(t.id for t in briefing.topics),
                                  briefing.as_of.isoformat(), briefing.template or "", briefing.schedule or ""))
    _stdout().print(topics)
    _stdout().print(briefings)


def _cells(*values: object) -> list[Text]:
    # Text cells are never parsed as console markup: a title may contain "[/x]".
    return [_text(plain(value)) for value in values]


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@handles_problems("init")
def init(directory: Path) -> None:
    """Create a new briefing project in DIRECTORY, with one sample topic."""
    from briefings.project.scaffold import ScaffoldError, create_project

    try:
        created = create_project(directory)
    except ScaffoldError as error:
        raise click.ClickException(str(error)) from error
    for path in created:
        say(_text("created", style="green"), " ", plain(relative_path(path, directory)))
    say(f"Next: briefings build --project {plain(directory)}")
