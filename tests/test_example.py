"""The repository's own example project, built end to end and read back."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from click.testing import CliRunner

from briefings.audit.project_audit import load_and_audit
from briefings.build.orchestrate import build
from briefings.cli import main
from briefings.project.model import Briefing
from briefings.project.schema import Fact, Topic
from tests.conftest import GENERATED, REPO_ROOT, body_text, contains, copy_example, pdftotext_pages, plain, reader

EXPECTED_BRIEFINGS = ["coalition-of-the-willing", "drone-coproduction", "european-security-overview",
                      "nato-at-a-glance", "nato-spending"]


@pytest.fixture(scope="module")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example project, built once in every format it names."""
    root = copy_example(tmp_path_factory.mktemp("example"))
    build(root, generated=GENERATED)
    return root


def test_check_passes_on_the_repository_example() -> None:
    result = CliRunner().invoke(main, ["check", "--project", str(REPO_ROOT)])
    assert result.exit_code == 0, result.output
    assert "ok: 3 topic(s)" in result.stdout


def test_example_meets_the_curation_bar() -> None:
    project = load_and_audit(REPO_ROOT)
    assert sorted(project.topics) == ["coalition-of-the-willing", "drone-coproduction", "nato-spending"]
    for topic in project.topics.values():
        assert len(topic.facts) >= 8, topic.id
        assert sum(1 for fact in topic.facts if fact.quote) >= 3, topic.id
        assert topic.figures, topic.id
    assert sorted(b.id for b in project.briefings) == EXPECTED_BRIEFINGS
    # The machine-paraphrased copy is graded as the poor source it is.
    assert project.references["spun-starmer-leaders-call"].reliability in {"D", "E"}


def test_every_briefing_is_built_in_every_format(example_build: Path) -> None:
    names = sorted(path.name for path in (example_build / "output").iterdir() if path.name != ".briefings")
    assert names == sorted(f"{b}.{ext}" for b in EXPECTED_BRIEFINGS for ext in ("md", "html", "pdf", "docx", "json"))


@pytest.mark.parametrize("briefing_id", EXPECTED_BRIEFINGS)
def test_word_document_contains_every_fact_and_every_cited_outlet(example_build: Path, briefing_id: str) -> None:
    project = load_and_audit(example_build)
    briefing = project.briefing(briefing_id)
    document = docx.Document(str(example_build / "output" / f"{briefing_id}.docx"))
    text = "\n".join([paragraph.text for paragraph in document.paragraphs]
                     + [cell.text for table in document.tables for row in table.rows for cell in row.cells])
    with zipfile.ZipFile(example_build / "output" / f"{briefing_id}.docx") as package:
        footnotes = package.read("word/footnotes.xml").decode("utf-8")
    for topic in briefing.topics:
        for fact in shown_facts(briefing, topic):
            assert contains(text, plain(fact.text)), f"{topic.id}/{fact.id} missing from {briefing_id}.docx"
            for fact_source in fact.sources:
                assert html.escape(project.references[fact_source].outlet, quote=False) in footnotes


def shown_facts(briefing: Briefing, topic: Topic) -> list[Fact]:
    """The facts a briefing shows of a topic: all of them, or in a one-pager its key points (the first fact of
    each section, at most four in all: builtin/one-pager.md.j2)."""
    if briefing.template != "one-pager":
        return list(topic.facts)
    key_points = [facts[0] for one in briefing.topics for _, facts in one.sections][:4]
    return [fact for fact in topic.facts if fact in key_points]


@pytest.mark.parametrize("briefing_id", EXPECTED_BRIEFINGS)
def test_pdf_contains_every_fact_and_every_cited_outlet(example_build: Path, briefing_id: str) -> None:
    project = load_and_audit(example_build)
    briefing = project.briefing(briefing_id)
    pdf_path = example_build / "output" / f"{briefing_id}.pdf"
    pages = pdftotext_pages(pdf_path)
    settings = yaml.safe_load((example_build / "briefings.yaml").read_text())
    text = body_text(pages, {settings["classification"], settings["title"], briefing.title})
    for topic in briefing.topics:
        for fact in shown_facts(briefing, topic):
            assert contains(text, plain(fact.text)), f"{topic.id}/{fact.id} missing from {pdf_path.name}"
        for fact_source in {s for fact in shown_facts(briefing, topic) for s in fact.sources}:
            assert project.references[fact_source].outlet in text
    assert len(reader(pdf_path).pages) == len(pages)
    if briefing.template == "one-pager":
        assert len(pages) == 1
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page


def test_only_the_combined_briefing_has_contents(example_build: Path) -> None:
    for briefing_id in EXPECTED_BRIEFINGS:
        first_page = pdftotext_pages(example_build / "output" / f"{briefing_id}.pdf")[0]
        assert ("CONTENTS" in first_page) == (briefing_id == "european-security-overview")


def test_markdown_outputs_cite_every_fact(example_build: Path) -> None:
    project = load_and_audit(example_build)
    for briefing in project.briefings:
        text = (example_build / "output" / f"{briefing.id}.md").read_text(encoding="utf-8")
        notes = {int(number): note for number, note in re.findall(r"^\[\^(\d+)\]: (.*)$", text, re.MULTILINE)}
        assert sorted(notes) == list(range(1, len(notes) + 1))
        for topic in briefing.topics:
            for fact in shown_facts(briefing, topic):
                line = next(line for line in text.splitlines() if line.startswith("- " + fact.text))
                cited = re.search(r"((?:\[\^\d+\])+)(?: \(([^)]*)\))?$", line)
                assert cited, f"{fact.id} has no citation"
                # After the citations: the fact's combined grade and its caveats, as the audit found them (only in
                # an analyst edition: a reader edition ends the statement with its citations).
                checked = project.audit.fact(topic.id, fact.id)
                expected = [checked.grade, "single outlet" if checked.single_outlet else "",
                             "weak sources" if checked.low_reliability else ""]
                if briefing.audience == "reader":
                    expected = []
                assert (cited.group(2) or "") == "; ".join(note for note in expected if note), fact.id
                numbers = [int(number) for number in re.findall(r"\[\^(\d+)\]", cited.group(1))]
                assert numbers == sorted(numbers)
                cited_ids = {notes[number].split(",")[0] for number in numbers}
                assert cited_ids == {project.references[source].outlet for source in fact.sources}


# -- page layout: what a reader sees page by page ------------------------------------------------------------

def _page_lines(pdf: Path) -> list[list[str]]:
    return [[line.strip() for line in page.splitlines() if line.strip()] for page in pdftotext_pages(pdf)]


def _running_lines(briefing: Briefing) -> set[str]:
    return {"OFFICIAL", briefing.title, "Defence & Security Research Desk — example project"}


@pytest.mark.parametrize("briefing_id", EXPECTED_BRIEFINGS)
def test_page_one_marks_the_classification_as_banners_only(example_build: Path, briefing_id: str) -> None:
    pages = _page_lines(example_build / f"output/{briefing_id}.pdf")
    # The banner at the top and the bottom of the page, as on every page; no badge under the masthead besides.
    assert pages[0].count("OFFICIAL") == 2
    assert all(page.count("OFFICIAL") == 2 for page in pages[1:])


@pytest.mark.parametrize("briefing_id", EXPECTED_BRIEFINGS)
def test_no_page_opens_with_the_handling_section_alone(example_build: Path, briefing_id: str) -> None:
    project = load_and_audit(example_build)
    briefing = next(item for item in project.briefings if item.id == briefing_id)
    running = _running_lines(briefing)
    for number, page in enumerate(_page_lines(example_build / f"output/{briefing_id}.pdf")[1:], start=2):
        body = [line for line in page if line not in running and not line.startswith("Page ")]
        assert body and body[0] != "Handling", f"page {number} opens with the Handling section"


@pytest.mark.parametrize("briefing_id", EXPECTED_BRIEFINGS)
def test_no_page_holds_a_lone_row_of_the_key_figures(example_build: Path, briefing_id: str) -> None:
    """The heading is followed on its page by two rows at least, and a page the table runs on to has two rows at
    least: never one row alone at the top or the bottom of a page."""
    md = (example_build / f"output/{briefing_id}.md").read_text("utf-8")
    table = md.split("## Key figures\n\n")[1].split("\n\n")[0].splitlines()[2:]
    labels = [" ".join(row.split("|")[-4].strip().replace("\\", "").split()[:3]) for row in table]
    assert len(labels) >= 2
    pages = [" ".join(page).replace("’", "'") for page in _page_lines(example_build / f"output/{briefing_id}.pdf")]
    start = next(number for number, page in enumerate(pages) if "Key figures" in page and "VALUE" in page)
    rows_per_page = []
    for page in pages[start:]:
        table_part = page.split("Key figures", 1)[-1] if page is pages[start] else page
        ended = re.split(r"Figures that disagree|Timeline|Sources Reliability", table_part)
        rows_per_page.append(sum(label in ended[0] for label in labels))
        if len(ended) > 1:
            break
    assert sum(rows_per_page) == len(labels) and min(rows_per_page) >= 2, rows_per_page
