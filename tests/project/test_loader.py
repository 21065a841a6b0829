"""Unit tests of stage 2: briefings.project.loader.load_project."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from briefings.errors import Problem, ProblemsFound, Severity
from briefings.project.loader import load_project
from briefings.project.model import Briefing, Project
from briefings.project.schema import DEFAULT_SECTION, Fact, Settings
from tests.conftest import REFERENCES, TOPIC, write

TOPIC_FILE = "sources/topics/test-topic.yaml"
REFERENCES_FILE = "sources/references.yaml"
TODAY = datetime.date(2026, 1, 2)


def line_of(text: str, needle: str) -> int:
    found = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(found) == 1, f"{needle!r} should occur on exactly one line, found on {found}"
    return found[0]


def topic_yaml(title: str, as_of: str, fact_id: str, extra: str = "") -> str:
    return (f"title: {title}\nsummary: Summary of {title}.\nas_of: {as_of}\n{extra}"
            f"facts:\n  - id: {fact_id}\n    text: A fact about {title}.\n    sources: [alpha-report]\n")


def add_topics(root: Path) -> None:
    write(root, "sources/topics/alpha.yaml", topic_yaml("Alpha", "2025-05-01", "alpha-fact"))
    write(root, "sources/topics/zeta.yaml", topic_yaml("Zeta", "2025-07-01", "zeta-fact"))


# -- the fixture project -----------------------------------------------------------------------------


def test_fixture_project_loads(project: Path) -> None:
    loaded = load_project(project, today=TODAY)

    assert isinstance(loaded, Project)
    assert loaded.root == project
    assert loaded.settings == Settings()
    assert loaded.warnings == ()
    assert list(loaded.topics) == ["test-topic"]
    assert list(loaded.references) == ["alpha-report", "beta-wire"]


def test_fixture_references(project: Path) -> None:
    references = load_project(project, today=TODAY).references

    alpha = references["alpha-report"]
    assert alpha.id == "alpha-report"
    assert alpha.outlet == "Alpha News"
    assert alpha.title == "Alpha reports on the talks"
    assert alpha.published == datetime.date(2025, 6, 23)
    assert alpha.url == "https://alpha.example/talks"
    assert alpha.reliability == "B"
    assert alpha.reliability_label == "usually reliable"
    assert alpha.accessed is None and alpha.note is None

    beta = references["beta-wire"]
    assert beta.published == datetime.date(2025, 6, 24)
    assert beta.url is None
    assert beta.reliability == "E"
    assert beta.reliability_label == "unreliable"


def test_fixture_topic_and_facts(project: Path) -> None:
    topic = load_project(project, today=TODAY).topics["test-topic"]

    assert topic.id == "test-topic"
    assert topic.title == "Test topic"
    assert topic.summary == "The bottom line, first."
    assert topic.as_of == datetime.date(2025, 6, 24)
    assert topic.review_by == datetime.date(2099, 1, 1)
    assert topic.tags == ["testing", "talks"]
    assert [fact.id for fact in topic.facts] == ["talks-held", "second-fact"]

    first, second = topic.facts
    assert first.text == "The two leaders held talks in London."
    assert first.sources == ["alpha-report"]
    assert first.date == datetime.date(2025, 6, 23)
    assert first.section == "The talks"
    assert first.quote is not None
    assert (first.quote.text, first.quote.speaker) == ("an excellent meeting", "A. Speaker")

    assert second.sources == ["alpha-report", "beta-wire"]
    assert second.date is None
    assert second.section == DEFAULT_SECTION == "Key developments"
    assert second.quote is None

    [figure] = topic.figures
    assert (figure.label, figure.value, figure.unit, figure.sources) == (
        "Troops trained", 50000, "troops", ["alpha-report"])


# -- which briefings ------------------------------------------------------------------------------------------


def test_without_settings_one_briefing_per_topic(project: Path) -> None:
    add_topics(project)

    loaded = load_project(project, today=TODAY)

    assert [briefing.id for briefing in loaded.briefings] == ["alpha", "test-topic", "zeta"]
    for briefing in loaded.briefings:
        topic = loaded.topics[briefing.id]
        assert briefing.title == topic.title
        assert briefing.topics == (topic,)
        assert briefing.template is None and briefing.schedule is None
        assert loaded.briefing_origins[briefing.id] == (f"sources/topics/{briefing.id}.yaml", 1)


def test_settings_without_briefings_key_still_gives_one_per_topic(project: Path) -> None:
    write(project, "briefings.yaml", "title: House series\nformats: [md]\n")

    loaded = load_project(project, today=TODAY)

    assert loaded.settings.title == "House series"
    assert loaded.settings.formats == ["md"]
    assert [briefing.id for briefing in loaded.briefings] == ["test-topic"]


def test_listed_briefings_exactly_and_in_order(project: Path) -> None:
    add_topics(project)
    settings = write(project, "briefings.yaml", """\
        title: House series
        briefings:
          zz-weekly:
            title: Weekly round-up
            topics: [zeta, test-topic, alpha]
            schedule: "0 6 * * 1"
          aa-daily:
            title: Daily note
            topics: [alpha]
            template: daily
        """).read_text()

    loaded = load_project(project, today=TODAY)

    assert [briefing.id for briefing in loaded.briefings] == ["zz-weekly", "aa-daily"]
    weekly, daily = loaded.briefings
    assert weekly.title == "Weekly round-up"
    assert [topic.id for topic in weekly.topics] == ["zeta", "test-topic", "alpha"]
    assert weekly.schedule == "0 6 * * 1"
    assert weekly.template is None
    assert daily.title == "Daily note"
    assert [topic.id for topic in daily.topics] == ["alpha"]
    assert daily.template == "daily"
    assert daily.schedule is None
    assert loaded.briefing_origins == {
        "zz-weekly": ("briefings.yaml", line_of(settings, "zz-weekly:")),
        "aa-daily": ("briefings.yaml", line_of(settings, "aa-daily:")),
    }
    assert loaded.briefing("aa-daily") is daily
    with pytest.raises(KeyError):
        loaded.briefing("test-topic")  # topics are not briefings once briefings are listed


def test_briefing_as_of_is_the_least_current_topic(project: Path) -> None:
    add_topics(project)
    write(project, "briefings.yaml", """\
        briefings:
          combined:
            title: Combined
            topics: [zeta, test-topic, alpha]
          recent:
            title: Recent
            topics: [zeta, test-topic]
        """)

    loaded = load_project(project, today=TODAY)

    combined, recent = loaded.briefings
    assert [topic.as_of for topic in combined.topics] == [
        datetime.date(2025, 7, 1), datetime.date(2025, 6, 24), datetime.date(2025, 5, 1)]
    assert combined.as_of == datetime.date(2025, 5, 1)
    assert recent.as_of == datetime.date(2025, 6, 24)


def test_briefing_tags_are_the_sorted_union(project: Path) -> None:
    write(project, "sources/topics/other.yaml",
          topic_yaml("Other", "2025-05-01", "other-fact", extra="tags: [zebra, talks]\n"))
    write(project, "briefings.yaml", "briefings:\n  both:\n    title: Both\n    topics: [test-topic, other]\n")

    [briefing] = load_project(project, today=TODAY).briefings

    assert briefing.tags == ["talks", "testing", "zebra"]


# -- sections -----------------------------------------------------------------------------------------------


def test_sections_group_facts_in_order_of_first_appearance(project: Path) -> None:
    write(project, "sources/topics/test-topic.yaml", """\
        title: Test topic
        summary: The bottom line, first.
        as_of: 2025-06-24
        facts:
          - id: one
            section: Diplomacy
            text: One.
            sources: [alpha-report]
          - id: two
            text: Two.
            sources: [alpha-report]
          - id: three
            section: Diplomacy
            text: Three.
            sources: [beta-wire, alpha-report]
          - id: four
            section: Aid
            text: Four.
            sources: [alpha-report]
          - id: five
            text: Five.
            sources: [alpha-report]
        """)

    topic = load_project(project, today=TODAY).topics["test-topic"]

    grouped = [(section, [fact.id for fact in facts]) for section, facts in topic.sections]
    assert grouped == [
        ("Diplomacy", ["one", "three"]),
        ("Key developments", ["two", "five"]),
        ("Aid", ["four"]),
    ]
    assert all(isinstance(fact, Fact) for _, facts in topic.sections for fact in facts)


def test_fixture_sections(project: Path) -> None:
    topic = load_project(project, today=TODAY).topics["test-topic"]
    assert [(section, [fact.id for fact in facts]) for section, facts in topic.sections] == [
        ("The talks", ["talks-held"]),
        ("Key developments", ["second-fact"]),
    ]


# -- warnings ---------------------------------------------------------------------------------------------------


def test_topic_past_review_by_gives_a_warning(project: Path) -> None:
    line = line_of(TOPIC, "review_by:")

    loaded = load_project(project, today=datetime.date(2099, 1, 2))

    assert loaded.warnings == (
        Problem(TOPIC_FILE, line, "topic 'test-topic' was due for review on 2099-01-01", Severity.WARNING,
                "review-overdue"),
    )
    assert str(loaded.warnings[0]) == (
        f"{TOPIC_FILE}:{line}: warning: topic 'test-topic' was due for review on 2099-01-01 [review-overdue]")


@pytest.mark.parametrize("today", [datetime.date(2099, 1, 1), datetime.date(2098, 12, 31), TODAY])
def test_topic_not_yet_past_review_by_gives_no_warning(project: Path, today: datetime.date) -> None:
    assert load_project(project, today=today).warnings == ()


def test_reference_never_cited_gives_a_warning(project: Path) -> None:
    references = write(project, REFERENCES_FILE, REFERENCES + """\
unused-source:
  outlet: Gamma Gazette
  title: Nobody cites this
  published: 2025-01-01
""").read_text()

    loaded = load_project(project, today=TODAY)

    assert loaded.warnings == (
        Problem(REFERENCES_FILE, line_of(references, "unused-source:"),
                "reference 'unused-source' is never cited", Severity.WARNING, "never-cited"),
    )
    assert "unused-source" in loaded.references


def test_reference_cited_only_by_a_figure_is_cited(project: Path) -> None:
    topic = TOPIC.replace("    sources: [alpha-report, beta-wire]\n", "    sources: [alpha-report]\n")
    topic = topic.replace("    unit: troops\n    sources: [alpha-report]\n",
                          "    unit: troops\n    sources: [beta-wire]\n")
    assert topic.count("beta-wire") == 1
    write(project, TOPIC_FILE, topic)

    assert load_project(project, today=TODAY).warnings == ()


def test_fact_on_low_reliability_sources_only_gives_a_warning(project: Path) -> None:
    topic = write(project, TOPIC_FILE,
                  TOPIC.replace("sources: [alpha-report, beta-wire]", "sources: [beta-wire]")).read_text()

    loaded = load_project(project, today=TODAY)

    assert loaded.warnings == (
        Problem(TOPIC_FILE, line_of(topic, "sources: [beta-wire]"),
                "fact 'second-fact' rests only on low-reliability sources (E): corroborate it", Severity.WARNING,
                "low-reliability"),
    )


# -- errors ------------------------------------------------------------------------------------------------------


def test_errors_in_several_files_are_raised_together(project: Path) -> None:
    write(project, TOPIC_FILE, TOPIC.replace("as_of: 2025-06-24", "as_of: yesterday"))
    write(project, "briefings.yaml", "briefings:\n  weekly:\n    title: W\n    topics: [missing]\n")

    with pytest.raises(ProblemsFound) as caught:
        load_project(project, today=TODAY)

    assert [str(problem) for problem in caught.value.problems] == [
        "briefings.yaml:4: unknown topic 'missing' in briefing 'weekly' (topics: test-topic)",
        f"{TOPIC_FILE}:3: as_of: invalid date 'yesterday' (expected YYYY-MM-DD)",
    ]


def test_missing_references_file(project: Path) -> None:
    (project / REFERENCES_FILE).unlink()

    with pytest.raises(ProblemsFound) as caught:
        load_project(project, today=TODAY)

    assert [str(problem) for problem in caught.value.problems] == [
        f"{REFERENCES_FILE}: file is missing: every project lists its references here",
    ]


def test_briefing_is_frozen(project: Path) -> None:
    briefing = load_project(project, today=TODAY).briefings[0]
    assert isinstance(briefing, Briefing)
    with pytest.raises(AttributeError):
        briefing.title = "changed"  # type: ignore[misc]


# -- the loader never audits -----------------------------------------------------------------------------------


def test_the_loader_leaves_the_audit_and_unused_acknowledgements_to_the_audit_layer(project: Path) -> None:
    topic = write(project, TOPIC_FILE, TOPIC.replace(
        "    sources: [alpha-report, beta-wire]\n",
        "    sources: [alpha-report, beta-wire]\n    acknowledge:\n      single-outlet: Only one outlet has it.\n"
        "      low-reliability: Not needed.\n")).read_text()

    loaded = load_project(project, today=TODAY)

    assert loaded.audit is None
    # single-outlet is the audit's warning, which has not run: neither entry is reported unused yet.
    assert loaded.warnings == ()
    pending = loaded.pending_acknowledgements.entries[("facts", "test-topic", 1)]
    assert dict(pending.reasons) == {"single-outlet": "Only one outlet has it.", "low-reliability": "Not needed."}
    assert pending.lines == {"single-outlet": line_of(topic, "single-outlet:"),
                             "low-reliability": line_of(topic, "low-reliability:")}
