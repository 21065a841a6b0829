"""Reader and analyst editions: the same statements and citations, with or without the audit trail.

A briefing is for readers or for analysts (``audience:`` on its entry in briefings.yaml, a project-wide
``audience:``, ``build --audience``). A reader edition keeps every statement's numbered citation and a clean
Sources list and leaves out grades, verification marks, fact ids, evidence passages and curators' notes;
the analyst edition (the default) is the document with its audit trail. The audit runs for both.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from briefings.audit.project_audit import load_and_audit
from briefings.audit.states import LEGEND
from briefings.build.orchestrate import build
from briefings.errors import ProblemsFound
from briefings.project.model import Briefing
from tests.conftest import (
    GENERATED,
    REPO_ROOT,
    changed,
    contains,
    copy_example,
    fold,
    invoke,
    pdftotext_pages,
    plain,
    write,
)
from tests.render.test_template_compat import OLD_HTML, OLD_MD, ONEPAGE, SETTINGS

#: The example's archived articles, when at hand (quotes and evidence are then checked against them).
SEEDS = REPO_ROOT.parent / "shared" / "seeds"

#: What the audit writes into an analyst's document and never into a reader's.
MARKS = ("quote found", "quote not found", "passage found", "passage not found", "figure in source",
         "figure not in source", "not checked", "speaker confirmed", "speaker not confirmed", "Cited for", "CITED FOR",
         "Reliability", "reliable", "Accessed", "Admiralty", "single outlet", "weak sources", "Date inferred")
GRADE = re.compile(r"\b[A-F][1-6]\b")


def _build(root: Path, **options: object) -> None:
    archive_dir = {"archive_dir": SEEDS} if SEEDS.is_dir() else {}
    build(root, generated=GENERATED, jobs=2, formats=["md", "html", "pdf", "json"], **archive_dir, **options)


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The example's drone-coproduction and nato-at-a-glance as briefings.yaml has them (reader editions),
    and the same two built with ``audience="analyst"``."""
    reader = copy_example(tmp_path_factory.mktemp("reader"))
    analyst = copy_example(tmp_path_factory.mktemp("analyst"))
    _build(reader, only=["drone-coproduction", "nato-at-a-glance"])
    _build(analyst, only=["drone-coproduction", "nato-at-a-glance"], audience="analyst")
    return reader, analyst


def _pdf(root: Path, briefing_id: str) -> str:
    return fold(" ".join(pdftotext_pages(root / f"output/{briefing_id}.pdf")))


def _briefing(root: Path, briefing_id: str) -> Briefing:
    return load_and_audit(root).briefing(briefing_id)


def test_the_example_shows_both_audiences_side_by_side() -> None:
    project = load_and_audit(REPO_ROOT)
    audiences = {briefing.id: briefing.audience for briefing in project.briefings}
    assert audiences == {"drone-coproduction": "reader", "nato-at-a-glance": "reader",
                         "coalition-of-the-willing": "analyst", "nato-spending": "analyst",
                         "european-security-overview": "analyst"}


@pytest.mark.parametrize("briefing_id", ["drone-coproduction", "nato-at-a-glance"])
def test_a_reader_edition_shows_no_audit_trail(editions: tuple[Path, Path], briefing_id: str) -> None:
    reader, _ = editions
    project = load_and_audit(reader)
    briefing = project.briefing(briefing_id)
    assert briefing.audience == "reader"
    for text in (_pdf(reader, briefing_id), (reader / f"output/{briefing_id}.md").read_text("utf-8")):
        assert not GRADE.search(text), GRADE.search(text)
        for mark in MARKS:
            assert mark not in text, mark
        shown = fold(" ".join(plain(fact.text) + " " + (fact.quote.text if fact.quote else "")
                              for topic in briefing.topics for fact in topic.facts))
        for topic in briefing.topics:
            for fact in topic.facts:
                assert fact.id not in text, fact.id
                for passage in fact.evidence.values():
                    if fold(passage) not in shown:  # (a passage that is also the quote is shown as the quote)
                        assert fold(passage) not in fold(text), passage
        for reference in project.references.values():
            if reference.note:
                assert fold(reference.note)[:60] not in fold(text), reference.id


def _citations(markdown_text: str, fact_text: str) -> str:
    """The citation numbers after a statement in the Markdown, as the PDF prints them (superscript "1,2")."""
    line = next(line for line in markdown_text.splitlines() if line.startswith("- " + fact_text))
    markers = re.fullmatch(r".*?((?:\[\^\d+\])+)(?: \([^)]*\))?", line)  # (then an analyst's grade)
    assert markers, f"no citation after: {line}"
    return ",".join(re.findall(r"\d+", markers.group(1)))


@pytest.mark.parametrize("audience", ["reader", "analyst"])
def test_every_statement_keeps_its_numbered_citation(editions: tuple[Path, Path], audience: str) -> None:
    root = editions[0] if audience == "reader" else editions[1]
    briefing = _briefing(root, "drone-coproduction")
    markdown_text = (root / "output/drone-coproduction.md").read_text("utf-8")
    pdf = _pdf(root, "drone-coproduction")
    for topic in briefing.topics:
        for fact in topic.facts:
            numbers = _citations(markdown_text, fact.text)
            assert contains(pdf, plain(fact.text) + numbers), f"{fact.id}: no citation {numbers} in the PDF"
    # And the Sources list: outlet, title and date of each, numbered.
    assert re.search(r"^\[\^1\]: AFP, “UK and Ukraine agree to deepen ties as Zelensky meets Starmer”, "
                     r"23 June 2025\.$" if audience == "reader" else r"^\[\^1\]: AFP, ", markdown_text, re.MULTILINE)


def test_the_analyst_edition_of_the_same_briefing_keeps_the_audit_trail(editions: tuple[Path, Path]) -> None:
    _, analyst = editions
    project = load_and_audit(analyst)  # (briefings.yaml says reader: the build was told analyst)
    briefing = project.briefing("drone-coproduction")
    pdf = _pdf(analyst, "drone-coproduction")
    assert GRADE.search(pdf)
    assert "Reliability grades follow the Admiralty scale" in pdf and "CITED FOR" in pdf
    assert ("quote found" in pdf) if SEEDS.is_dir() else ("not checked" in pdf)
    assert any(fact.id in pdf for topic in briefing.topics for fact in topic.facts)
    notes = [reference.note for reference in project.references.values() if reference.note]
    assert any(fold(note)[:40] in pdf for note in notes)
    one_pager = _pdf(analyst, "nato-at-a-glance")
    assert re.search(r"\([A-F]\)\.", one_pager)  # the brief Sources entries keep their grade


def test_the_snapshot_records_the_audience_and_the_template_context_sees_it(editions: tuple[Path, Path]) -> None:
    reader, analyst = editions
    for root, audience in ((reader, "reader"), (analyst, "analyst")):
        snapshot = json.loads((root / "output/drone-coproduction.json").read_text("utf-8"))
        assert snapshot["briefing"]["audience"] == audience
        html = (root / "output/drone-coproduction.html").read_text("utf-8")
        # The example's own colophon follows the audience too.
        assert ("grades each source on the Admiralty scale" in html) == (audience == "analyst")
        # The snapshot is data: the audit's findings stay in it whoever the pages are for.
        assert any(fact["grade"] for topic in snapshot["topics"] for fact in topic["facts"])


# -- settings, the command line, the fingerprint -----------------------------------------------------------


@pytest.mark.parametrize(("settings", "expected"), [
    ("audience: minister\n", "briefings.yaml:1: audience: 'minister' is not allowed (expected 'reader' or 'analyst')"),
    ("briefings:\n  one:\n    title: One\n    topics: [test-topic]\n    audience: readers\n",
     "briefings.yaml:5: briefings.one.audience: 'readers' is not allowed (expected 'reader' or 'analyst')"),
])
def test_an_unknown_audience_is_a_located_error(project: Path, settings: str, expected: str) -> None:
    write(project, "briefings.yaml", settings)
    for command in ("check", "build"):
        result = invoke(command, "--project", str(project))
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert result.stderr.splitlines()[0] == expected, result.stderr


def test_the_project_default_applies_unless_a_briefing_says_otherwise(project: Path) -> None:
    write(project, "briefings.yaml", "audience: reader\nbriefings:\n  one:\n    title: One\n"
                                     "    topics: [test-topic]\n  two:\n    title: Two\n    topics: [test-topic]\n"
                                     "    audience: analyst\n")
    build(project, formats=["md"], generated=GENERATED, jobs=1)
    one = (project / "output/one.md").read_text("utf-8")
    two = (project / "output/two.md").read_text("utf-8")
    assert "(B)" not in one and "Reliability" not in one and "Alpha News" in one
    assert "Reliability B (usually reliable)" in two and "Cited for: talks-held" in two


def test_without_a_setting_a_briefing_is_an_analyst_edition(project: Path) -> None:
    build(project, formats=["md", "json"], generated=GENERATED, jobs=1)
    text = (project / "output/test-topic.md").read_text("utf-8")
    assert "Reliability B (usually reliable)" in text and "Reliability grades follow the Admiralty scale" in text
    assert json.loads((project / "output/test-topic.json").read_text("utf-8"))["briefing"]["audience"] == "analyst"


def test_build_audience_overrides_the_setting_for_one_run(project: Path) -> None:
    write(project, "briefings.yaml", "audience: reader\n")
    result = invoke("build", "--project", str(project), "--format", "md", "--audience", "analyst")
    assert result.exit_code == 0, result.output
    assert "Reliability B" in (project / "output/test-topic.md").read_text("utf-8")
    result = invoke("build", "--project", str(project), "--format", "md")
    assert result.exit_code == 0 and "rendered test-topic" in result.stdout
    assert "Reliability B" not in (project / "output/test-topic.md").read_text("utf-8")
    result = invoke("build", "--project", str(project), "--audience", "minister")
    assert result.exit_code == 2 and "'minister' is not one of 'reader', 'analyst'" in result.stderr
    for command in ("publish", "watch", "serve"):
        assert "--audience [reader|analyst]" in invoke(command, "--help").stdout, command


def test_switching_the_audience_re_renders_only_that_briefing(project: Path) -> None:
    settings = "briefings:\n  one:\n    title: One\n    topics: [test-topic]\n" \
               "  two:\n    title: Two\n    topics: [test-topic]\n"
    write(project, "briefings.yaml", settings)
    first = build(project, formats=["md", "json"], generated=GENERATED, jobs=1)
    assert sorted(first.rendered) == ["one", "two"]
    # Saying "analyst", the default, changes no output: nothing renders again.
    write(project, "briefings.yaml", settings.replace("[test-topic]\n  two", "[test-topic]\n    audience: analyst\n"
                                                                               "  two"))
    assert build(project, formats=["md", "json"], generated=GENERATED, jobs=1).rendered == []
    write(project, "briefings.yaml", settings.replace("[test-topic]\n  two", "[test-topic]\n    audience: reader\n"
                                                                               "  two"))
    switched = build(project, formats=["md", "json"], generated=GENERATED, jobs=1)
    assert switched.rendered == ["one"] and switched.up_to_date == ["two"]
    assert "Reliability" not in (project / "output/one.md").read_text("utf-8")


def test_a_change_of_audience_makes_no_new_edition(project: Path) -> None:
    result = invoke("publish", "--project", str(project), "--now", "2026-01-05")
    assert result.exit_code == 0 and "published test-topic as edition 1" in result.stdout, result.output
    write(project, "briefings.yaml", "audience: reader\n")
    result = invoke("publish", "--project", str(project), "--now", "2026-01-06")
    assert result.exit_code == 0 and "unchanged test-topic since edition 1" in result.stdout, result.output
    # The drafts are rendered for the new audience all the same.
    assert "Reliability" not in (project / "output/test-topic.md").read_text("utf-8")


# -- the audit runs for both ---------------------------------------------------------------------------------

ARCHIVED = "The two leaders held talks in London. It was an excellent meeting, said A. Speaker.\n"


@pytest.fixture
def archived(project: Path) -> Path:
    """The small project with an archived copy of its first reference, as a reader edition."""
    references = (project / "sources/references.yaml").read_text("utf-8")
    write(project, "sources/references.yaml", changed(references, "  reliability: B\n",
                                                      "  reliability: B\n  archive: alpha.txt\n"))
    write(project, "sources/archive/alpha.txt", ARCHIVED)
    write(project, "briefings.yaml", "audience: reader\n")
    return project


def test_a_reader_edition_of_an_archived_project_shows_no_marks(archived: Path) -> None:
    build(archived, formats=["md", "pdf"], generated=GENERATED, jobs=1)
    for text in ((archived / "output/test-topic.md").read_text("utf-8"),
                 _pdf(archived, "test-topic")):
        assert "an excellent meeting" in text and "Alpha News" in text
        for mark in MARKS:
            assert mark not in text, mark
    build(archived, formats=["md"], generated=GENERATED, jobs=1, audience="analyst")
    analyst = (archived / "output/test-topic.md").read_text("utf-8")
    assert "quote found" in analyst and "figure in source" in analyst


def test_a_reader_edition_with_an_audit_error_does_not_build(archived: Path) -> None:
    topic = (archived / "sources/topics/test-topic.yaml").read_text("utf-8")
    write(archived, "sources/topics/test-topic.yaml", changed(topic, "an excellent meeting", "a dreadful meeting"))
    result = invoke("build", "--project", str(archived), "--format", "md")
    assert result.exit_code == 1
    assert re.search(r"^sources/topics/test-topic\.yaml:\d+: .*quote", result.stderr, re.MULTILINE), result.stderr
    assert not (archived / "output/test-topic.md").exists()


def test_a_reader_edition_with_an_audit_warning_does_not_build_under_strict(archived: Path) -> None:
    (archived / "sources/archive/alpha.txt").unlink()  # the archive named is missing: a warning
    result = invoke("build", "--project", str(archived), "--format", "md", "--strict")
    assert result.exit_code == 1 and "(--strict)" in result.stderr, result.output
    assert not (archived / "output/test-topic.md").exists()
    result = invoke("build", "--project", str(archived), "--format", "md")
    assert result.exit_code == 0, result.output  # without --strict the warning does not stop it
    assert "not checked" not in (archived / "output/test-topic.md").read_text("utf-8")


# -- templates written before audiences existed ---------------------------------------------------------------


def test_an_old_house_template_built_as_a_reader_edition_shows_no_marks(project: Path) -> None:
    write(project, "briefings.yaml", "audience: reader\n" + SETTINGS)
    write(project, "templates/briefing.md.j2", OLD_MD)
    write(project, "templates/briefing.html.j2", OLD_HTML)
    write(project, "templates/onepage.md.j2", ONEPAGE)
    references = (project / "sources/references.yaml").read_text("utf-8")
    write(project, "sources/references.yaml",
          changed(references, "  reliability: B\n", "  reliability: B\n  accessed: 2025-06-25\n"
                                                    "  note: A curator's note on this report.\n"))
    report = build(project, formats=["md", "html", "pdf"], generated=GENERATED, jobs=1)
    assert report.warnings == [] and sorted(report.rendered) == ["full", "short"]
    for name in ("full", "short"):
        md = (project / f"output/{name}.md").read_text("utf-8")
        pdf = _pdf(project, name)
        for text in (md, pdf):
            assert "Alpha News" in text and "Beta Wire" in text
            for mark in (*MARKS, "(B", "curator's note", "talks-held"):
                assert mark not in text, (name, mark)
        assert "[^1]: Alpha News, “Alpha reports on the talks”, 23 June 2025. <https://alpha.example/talks>." in md
    # Their overrides still take effect.
    assert "Old colophon." in _pdf(project, "full") and "Chronology" in _pdf(project, "full")


def test_an_old_template_calling_check_legend_still_works(project: Path) -> None:
    write(project, "templates/briefing.md.j2", '{% extends "builtin/briefing.md.j2" %}\n'
                                               "{% block handling %}Legend: {{ check_legend() }}{% endblock %}\n")
    build(project, formats=["md"], generated=GENERATED, jobs=1)
    assert f"Legend: {LEGEND[:40]}" in (project / "output/test-topic.md").read_text("utf-8")
    write(project, "briefings.yaml", "audience: reader\n")
    build(project, formats=["md"], generated=GENERATED, jobs=1)
    assert (project / "output/test-topic.md").read_text("utf-8").rstrip().endswith("Legend:")


def test_problems_found_is_raised_for_an_unknown_audience_given_to_the_library(project: Path) -> None:
    write(project, "briefings.yaml", "audience: 3\n")
    with pytest.raises(ProblemsFound) as error:
        build(project, formats=["md"], generated=GENERATED, jobs=1)
    assert error.value.problems[0].path == "briefings.yaml" and error.value.problems[0].line == 1
