"""Projects written against the templates as first documented keep building.

The README documented the blocks `header`, `summary`, `topics`, `fact`,
`figures`, `timeline`, `sources` (Markdown) and `masthead`, `subject`,
`head_extra`, `contents`, `colophon` (HTML), a `templates/briefing.css` that
replaces the built-in one, and templates of one's own named by `template:`.
Templates have since gained blocks and the house style; a project of the old
kind must build in every format without an error or a warning, and still look
as it asked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from briefings.build.orchestrate import build
from tests.conftest import GENERATED, fold, pdftotext_pages, write

OLD_MD = """\
{% extends "builtin/briefing.md.j2" %}
{% block masthead %}
*Old Research Unit*

{% endblock %}
{% block timeline %}
## Chronology

{% for entry in timeline %}
- {{ entry.date | longdate }}: {{ entry.fact.text }}{{ cite(entry.fact.sources) }}
{% endfor %}

{% endblock %}
"""

OLD_HTML = """\
{% extends "builtin/briefing.html.j2" %}
{% block masthead %}<p class="series">Old Research Unit</p>{% endblock %}
{% block subject %}Old subject line{% endblock %}
{% block head_extra %}<meta name="old-house" content="yes">{% endblock %}
{% block colophon %}<footer class="colophon"><p>Old colophon.</p></footer>{% endblock %}
"""

OLD_CSS = """\
{% include "builtin/briefing.css" %}
:root { --accent: #0a5; }
"""

#: A one-page template written from scratch, before the built-in one-pager existed.
ONEPAGE = """\
# {{ briefing.title | md_escape }}

{{ topics[0].summary }}

{% for topic in topics %}
{% for fact in topic.facts %}
- {{ fact.text }}{{ cite(fact.sources) }}
{% endfor %}
{% endfor %}

## Sources

{% for reference in cited_references %}
[^{{ reference.number }}]: {{ source_note(reference) }}
{% endfor %}
"""

SETTINGS = """\
title: Old Series
briefings:
  full:
    title: The full briefing
    topics: [test-topic]
  short:
    title: The short note
    topics: [test-topic]
    template: onepage
"""


@pytest.fixture
def old_project(project: Path) -> Path:
    write(project, "briefings.yaml", SETTINGS)
    write(project, "templates/briefing.md.j2", OLD_MD)
    write(project, "templates/briefing.html.j2", OLD_HTML)
    write(project, "templates/briefing.css", OLD_CSS)
    write(project, "templates/onepage.md.j2", ONEPAGE)
    return project


def test_an_old_project_builds_every_format_without_error_or_warning(old_project: Path) -> None:
    report = build(old_project, formats=["md", "html", "pdf"], generated=GENERATED, jobs=1)
    assert report.warnings == []
    assert sorted(report.rendered) == ["full", "short"]
    for name in ("full", "short"):
        for fmt in ("md", "html", "pdf"):
            assert (old_project / f"output/{name}.{fmt}").stat().st_size > 0


def test_its_overrides_still_take_effect(old_project: Path) -> None:
    build(old_project, formats=["md", "html", "pdf"], generated=GENERATED, jobs=1)
    output = old_project / "output"
    md = (output / "full.md").read_text("utf-8")
    assert "*Old Research Unit*" in md and "*Old Series*" not in md
    assert "## Chronology\n\n- 23 June 2025: The two leaders held talks in London.[^1]" in md
    assert "## Timeline" not in md and "## Sources" in md
    html = (output / "full.html").read_text("utf-8")
    assert '<p class="series">Old Research Unit</p>' in html
    assert '<meta name="description" content="Old subject line">' in html
    assert '<meta name="old-house" content="yes">' in html and "Old colophon." in html
    assert "Chronology" in html
    # The stylesheet that includes the built-in one: both reach the page, the accent last.
    assert html.index("--accent: #1f3a5f") < html.index(":root { --accent: #0a5; }")
    pdf = fold(" ".join(pdftotext_pages(output / "full.pdf")))
    assert "Old colophon." in pdf and "Chronology" in pdf


def test_a_one_page_template_of_its_own_is_used_by_name(old_project: Path) -> None:
    build(old_project, formats=["md", "html", "pdf"], generated=GENERATED, jobs=1)
    output = old_project / "output"
    md = (output / "short.md").read_text("utf-8")
    assert md.startswith("# The short note\n\nThe bottom line, first.\n")
    assert "[^2]: Beta Wire" in md and "## Summary" not in md
    html = (output / "short.html").read_text("utf-8")
    # Its page is the project's briefing.html.j2 (there is no onepage.html.j2), with its accent.
    assert "Old colophon." in html and ":root { --accent: #0a5; }" in html
    assert "data-page-limit" not in html


#: A house one-page template of the first documented interface: it extends the built-in briefing, empties its
#: topics and timeline, and writes the Sources entries of what its key figures cite itself, labelled by reference id.
ONE_PAGE_BY_ID = """\
{% extends "builtin/briefing.md.j2" %}
{% block topics %}{% endblock %}
{% block timeline %}{% endblock %}
{% block sources %}
## Sources

{% for figure in figures | reverse %}
{% for source in figure.figure.sources %}
[^{{ source }}]: {{ source_note(references[source]) }}
{% endfor %}
{% endfor %}
{% endblock %}
"""


def test_a_template_listing_its_sources_by_reference_id_builds(project: Path) -> None:
    write(project, "briefings.yaml", SETTINGS.replace("template: onepage", "template: figures-only"))
    write(project, "templates/figures-only.md.j2", ONE_PAGE_BY_ID)
    topic = (project / "sources/topics/test-topic.yaml").read_text("utf-8")
    write(project, "sources/topics/test-topic.yaml", topic + """\
  - label: Jobs
    value: 45000
    sources: [beta-wire]
""")
    report = build(project, formats=["md", "html", "pdf"], generated=GENERATED, jobs=1)
    assert report.warnings == [] and "short" in report.rendered
    md = (project / "output/short.md").read_text("utf-8")
    body, sources = md.split("## Sources")
    # Numbered in reading order (the first figure's source is 1); the template's entries, written by id in
    # reverse, come out numbered and in number order.
    assert "| Troops trained | 50,000 troops | [^1] |" in body and "| Jobs | 45,000 | [^2] |" in body
    entries = [line for line in sources.strip().splitlines() if line.startswith("[^")]
    assert entries[0].startswith("[^1]: Alpha News") and entries[1].startswith("[^2]: Beta Wire")
    assert len(entries) == 2 and "[^alpha-report]" not in md and "[^beta-wire]" not in md
    html = (project / "output/short.html").read_text("utf-8")
    assert '<li id="source-1" value="1">' in html and '<li id="source-2" value="2">' in html
    pdf = fold(" ".join(pdftotext_pages(project / "output/short.pdf")))
    assert "Alpha News" in pdf and "Beta Wire" in pdf and "[^" not in pdf
