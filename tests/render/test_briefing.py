"""Stage 3: Jinja → Markdown, and the template stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefings.audit.project_audit import load_and_audit
from briefings.project.model import Project
from briefings.project.schema import Figure
from briefings.render.context import briefing_context
from briefings.render.environment import make_environment
from briefings.render.filters import escape_markdown, format_figure_value
from briefings.render.html import markdown_to_html
from briefings.render.markdown import render_markdown
from tests.conftest import GENERATED, python_steps, write


def render(root: Path, briefing_id: str = "test-topic", *, standalone: bool = True) -> str:
    project = load_and_audit(root, today=GENERATED.date())
    return render_markdown(make_environment(root), project, project.briefing(briefing_id), GENERATED,
                           standalone=standalone).text


def test_markdown_has_title_block_with_dates(project: Path) -> None:
    text = render(project)
    assert text.startswith("# Test topic\n")
    assert "- **Facts as of:** 24 June 2025" in text
    assert "- **Generated:** 2 January 2026" in text


def test_every_fact_is_followed_by_a_footnote_per_source(project: Path) -> None:
    text = render(project)
    assert "- The two leaders held talks in London.[^1]\n" in text
    assert "- A second fact without a date, resting on two sources.[^1][^2]\n" in text


def test_quote_is_set_apart_with_speaker_and_source(project: Path) -> None:
    text = render(project)
    assert "    > “an excellent meeting”\n    >\n    > — A. Speaker[^1]" in text


def test_sections_become_headings_in_curated_order(project: Path) -> None:
    text = render(project)
    assert text.index("## The talks") < text.index("## Key developments") < text.index("## Key figures")


def test_figures_table_and_timeline(project: Path) -> None:
    text = render(project)
    assert "| Troops trained | 50,000 troops | [^1] |" in text
    timeline = text[text.index("## Timeline"):text.index("## Sources")]
    assert "| 23 June 2025 | The two leaders held talks in London.[^1] |" in timeline
    assert "second fact" not in timeline  # undated facts stay out of the timeline


def test_sources_define_each_cited_reference_once(project: Path) -> None:
    text = render(project)
    sources = text[text.index("## Sources"):]
    assert sources.count("[^1]:") == 1
    assert ("[^1]: Alpha News, “Alpha reports on the talks”, 23 June 2025. "
            "<https://alpha.example/talks>. Reliability B (usually reliable).") in sources
    assert "[^2]: Beta Wire, “Beta wire copy”, 24 June 2025. Reliability E (unreliable)." in sources


def test_body_for_html_has_no_title_block(project: Path) -> None:
    text = render(project, standalone=False)
    assert not text.startswith("# ")
    assert text.startswith("## Summary")


def test_fact_text_is_data_not_template(project: Path) -> None:
    topic = (project / "sources/topics/test-topic.yaml")
    topic.write_text(topic.read_text().replace("held talks in London.", "held {{ 7*7 }} {% raw %} talks."))
    text = render(project)
    assert "held {{ 7*7 }} {% raw %} talks.[^1]" in text


def test_project_template_overrides_builtin(project: Path) -> None:
    write(project, "templates/briefing.md.j2", "Custom: {{ briefing.title }}\n")
    assert render(project) == "Custom: Test topic\n"


def test_override_can_extend_the_builtin_and_replace_one_block(project: Path) -> None:
    write(project, "templates/briefing.md.j2", """\
        {% extends "builtin/briefing.md.j2" %}
        {% block summary %}
        ## Bottom line

        {{ topics[0].summary }}

        {% endblock %}
        """)
    text = render(project)
    assert "## Bottom line\n\nThe bottom line, first." in text
    assert "## Summary" not in text
    assert "- The two leaders held talks in London.[^1]" in text  # the rest is inherited


def test_named_template_from_briefings_yaml(project: Path) -> None:
    write(project, "briefings.yaml", """\
        briefings:
          note:
            title: A short note
            topics: [test-topic]
            template: minister-note
        """)
    write(project, "templates/minister-note.md.j2",
          "# {{ briefing.title }}\n{% for t in topics %}{{ t.summary }}{% endfor %}\n")
    assert render(project, "note") == "# A short note\nThe bottom line, first.\n"


def test_multi_topic_briefing_nests_topics_and_merges_timeline(project: Path) -> None:
    second = (project / "sources/topics/test-topic.yaml").read_text().replace("Test topic", "Second topic")
    second = second.replace("2025-06-23", "2025-06-01").replace("as_of: 2025-06-24", "as_of: 2025-06-02")
    write(project, "sources/topics/second.yaml", second)
    write(project, "briefings.yaml", """\
        briefings:
          both:
            title: Both topics
            topics: [test-topic, second]
        """)
    text = render(project, "both")
    assert "## Test topic" in text and "## Second topic" in text
    assert "### The talks" in text
    assert "- **Facts as of:** 2 June 2025 to 24 June 2025, by topic" in text
    timeline = text[text.index("## Timeline"):]
    assert timeline.index("1 June 2025 | Second topic") < timeline.index("23 June 2025 | Test topic")


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (2.3, "£bn", "£2.3bn"),
    (2.5, "% of GDP", "2.5% of GDP"),
    (50000, "troops", "50,000 troops"),
    ("5,000+", "missiles", "5,000+ missiles"),
    (1.45, None, "1.45"),
])
def test_figure_values_read_naturally(value: object, unit: str | None, shown: str) -> None:
    figure = Figure(label="x", value=value, unit=unit, sources=["a"])
    assert format_figure_value(figure) == shown


def test_escape_markdown_keeps_plain_text_plain() -> None:
    assert escape_markdown("A *starred* [link] #1 <b>") == r"A \*starred\* \[link\] \#1 \<b\>"


def test_supplied_title_in_brackets_is_not_quoted(project: Path) -> None:
    references = project / "sources/references.yaml"
    references.write_text(references.read_text().replace("title: Beta wire copy", "title: \"[Untitled wire copy]\""))
    text = render(project)
    assert "[^2]: Beta Wire, \\[Untitled wire copy\\], 24 June 2025." in text


def _with_references(root: Path, count: int) -> Path:
    write(root, "sources/references.yaml", "".join(
        f"ref-{number}:\n  outlet: Outlet {number}\n  title: Report {number}\n  published: 2025-06-23\n"
        for number in range(count)))
    write(root, "sources/topics/one.yaml", """\
        title: One topic
        summary: The bottom line.
        as_of: 2025-06-24
        review_by: 2099-01-01
        facts:
          - id: only
            text: The only fact.
            sources: [ref-0]
        """)
    return root


def test_a_briefings_context_does_not_grow_with_the_references_it_does_not_cite(tmp_path: Path) -> None:
    # Every context made a view of every reference of the project: briefings × references (issue 21). The views
    # are made when a template reads one; counted in executed lines, exact on a noisy machine.
    steps = []
    for count in (50, 400):
        project = load_and_audit(_with_references(tmp_path / str(count), count), today=GENERATED.date())
        steps.append(python_steps(briefing_context, project, project.briefings[0], GENERATED, standalone=True))
    assert steps[1] < steps[0] * 1.2, steps


def _one_source_cited_by(root: Path, facts: int) -> Path:
    write(root, "sources/references.yaml", "wire:\n  outlet: Wire\n  title: Wire copy\n  published: 2025-06-23\n")
    write(root, "sources/topics/one.yaml", "title: One topic\nsummary: The bottom line.\nas_of: 2025-06-24\n"
          "review_by: 2099-01-01\nfacts:\n" + "".join(
              f"  - id: fact-{number}\n    text: Fact number {number}.\n    sources: [wire]\n"
              for number in range(facts)))
    return root


def test_a_sources_entry_cited_by_many_facts_converts_in_linear_work(tmp_path: Path) -> None:
    # Its "Cited for" list linked each fact as a Markdown link, which python-markdown re-scans after each one:
    # 200 citing facts cost seconds, and an 800-fact briefing failed the template time limit (issue 21).
    def body_html(project: Project) -> str:
        environment = make_environment(project.root)
        body = render_markdown(environment, project, project.briefings[0], GENERATED, standalone=False)
        return markdown_to_html(body.text).html

    steps = []
    for count in (100, 400):
        project = load_and_audit(_one_source_cited_by(tmp_path / str(count), count), today=GENERATED.date())
        assert body_html(project).count('href="#fact-one--fact-') == count
        steps.append(python_steps(body_html, project))
    assert steps[1] / steps[0] < 4.6, steps  # linear: about 4
