"""Exact "what changed": presentation-only changes, renamed facts, and only the published briefings' warnings."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefings.build.publish import PublishReport, publish
from briefings.cli import main
from tests.conftest import REFERENCES, TOPIC, assert_valid, write

SETTINGS = """\
formats: [md, html]
briefings:
  alpha:
    title: Alpha only
    topics: [alpha]
  beta:
    title: Beta only
    topics: [beta]
"""
ALPHA = "sources/topics/alpha.yaml"
BETA = "sources/topics/beta.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(root, "sources/references.yaml", REFERENCES)
    write(root, ALPHA, TOPIC.replace("Test topic", "Alpha topic"))
    write(root, BETA, TOPIC.replace("Test topic", "Beta topic"))
    write(root, "briefings.yaml", SETTINGS)
    return root


def run(root: Path, day: str, **options: object) -> PublishReport:
    return publish(root, now=datetime.datetime.fromisoformat(f"{day}T12:00:00+00:00"), jobs=1,
                   **options)  # type: ignore[arg-type]


def edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def edition(root: Path, briefing_id: str, number: int, day: str, extension: str) -> Path:
    return root / "output/editions" / briefing_id / f"{briefing_id}-edition-{number:04d}-{day}.{extension}"


def test_a_renamed_fact_is_reported_as_renamed_not_removed_and_added(root: Path) -> None:
    run(root, "2026-11-20", only=["alpha"])
    edit(root, ALPHA, "- id: second-fact", "- id: the-second-fact")

    report = run(root, "2026-11-21", only=["alpha"])

    (result,) = report.results
    assert (result.outcome, result.edition) == ("published", 2)
    assert result.summary == ["= fact alpha/second-fact renamed the-second-fact (content unchanged): "
                              "A second fact without a date, resting on two sources."]
    snapshot = assert_valid(edition(root, "alpha", 2, "2026-11-21", "json"))
    changes = snapshot["changes"]
    assert changes["facts_added"] == [] and changes["facts_removed"] == [] and changes["facts_changed"] == []
    assert changes["facts_renamed"] == [{"topic": "alpha", "id": "the-second-fact", "previous_id": "second-fact",
                                         "text": "A second fact without a date, resting on two sources."}]
    page = edition(root, "alpha", 2, "2026-11-21", "md").read_text()
    assert ("- **Renamed**: `second-fact` is now `the-second-fact`, content unchanged: A second fact without a "
            "date, resting on two sources.") in page
    assert "**Added**" not in page and "**Removed**" not in page
    html = edition(root, "alpha", 2, "2026-11-21", "html").read_text()
    assert "<strong>Renamed</strong>" in html and "<code>the-second-fact</code>" in html


def test_a_renamed_fact_whose_text_also_changed_is_removed_and_added(root: Path) -> None:
    run(root, "2026-11-20", only=["alpha"])
    edit(root, ALPHA, "- id: second-fact\n    text: A second fact",
         "- id: the-second-fact\n    text: Another second fact")
    (result,) = run(root, "2026-11-21", only=["alpha"]).results
    assert [line[:2] for line in result.summary] == ["+ ", "- "]


def test_a_template_only_change_is_presentation_and_a_style_change_no_edition(root: Path) -> None:
    run(root, "2026-11-20", only=["alpha"])
    # The house style is not content: no new edition.
    write(root, "briefings.yaml", SETTINGS + "style:\n  accent: '#123456'\n")
    (result,) = run(root, "2026-11-21", only=["alpha"]).results
    assert (result.outcome, result.edition) == ("unchanged", 1)

    # Another template: a new edition, whose content did not change.
    write(root, "templates/plain.md.j2", '{% extends "briefing.md.j2" %}\n')
    edit(root, "briefings.yaml", "    title: Alpha only\n", "    title: Alpha only\n    template: plain\n")
    (result,) = run(root, "2026-11-22", only=["alpha"]).results
    assert (result.outcome, result.edition) == ("published", 2), result.problems
    assert result.summary == ["presentation changed; content unchanged"]
    changes = assert_valid(edition(root, "alpha", 2, "2026-11-22", "json"))["changes"]
    assert changes["other"] == ["template"]
    page = edition(root, "alpha", 2, "2026-11-22", "md").read_text()
    assert "The facts and figures are as in edition 1; presentation changed; content unchanged." in page
    assert "only other content" not in page


def test_other_content_changes_are_named(root: Path) -> None:
    run(root, "2026-11-20", only=["alpha"])
    edit(root, ALPHA, "summary: The bottom line, first.", "summary: A new bottom line.")
    (result,) = run(root, "2026-11-21", only=["alpha"]).results
    assert result.summary == ["no changes to facts or figures; other content changed: topic summaries"]
    page = edition(root, "alpha", 2, "2026-11-21", "md").read_text()
    assert "The facts and figures are as in edition 1; only other content has changed: topic summaries." in page


def test_publish_only_reports_the_warnings_of_the_briefings_it_publishes(root: Path) -> None:
    # beta's topic is overdue for review, and cites a reference alpha does not.
    write(root, "sources/references.yaml", REFERENCES + "gamma-post:\n  outlet: Gamma Post\n  title: Gamma\n"
          "  published: 2025-06-20\n  accessed: 2025-06-01\n  reliability: E\n")
    edit(root, BETA, "review_by: 2099-01-01", "review_by: 2026-01-01")
    edit(root, BETA, "sources: [alpha-report, beta-wire]", "sources: [gamma-post]")
    everything = CliRunner().invoke(main, ["publish", "--project", str(root), "--dry-run"])
    assert everything.exit_code == 0, everything.output
    assert f"{BETA}:" in everything.stderr
    assert "gamma-post" in everything.stderr

    only = CliRunner().invoke(main, ["publish", "--project", str(root), "--only", "alpha"])
    assert only.exit_code == 0, only.output
    assert BETA not in only.stderr and "gamma-post" not in only.stderr, only.stderr
    report = run(root, "2026-11-21", only=["beta"])
    assert any(warning.path == BETA for warning in report.warnings)
