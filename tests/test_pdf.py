"""Stage 5: the PDF, read back; and the fetcher that keeps rendering inside the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefings.build import build
from briefings.errors import ProblemsFound
from briefings.pdf import html_to_pdf

from .conftest import GENERATED, write
from .pdftext import body_text, embedded_font_names, link_targets, pdftotext_pages, reader


@pytest.fixture
def built_pdf(project: Path) -> Path:
    write(project, "briefings.yaml", """\
        title: Research Unit Briefings
        author: Jane Analyst
        classification: OFFICIAL
        """)
    report = build(project, formats=["pdf"], generated=GENERATED)
    (output,) = report.outputs
    return output.path


def test_pdf_metadata(built_pdf: Path) -> None:
    pdf = reader(built_pdf)
    info = pdf.metadata
    assert info.title == "Test topic"
    assert info.author == "Jane Analyst"
    assert info.subject == "Test topic: briefing with facts as of 24 June 2025"
    assert info["/Keywords"] == "talks, testing"
    assert pdf.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4
    assert pdf.pages[0].mediabox.height == pytest.approx(841.89, abs=0.5)


def test_pdf_text_has_every_fact_outlet_and_running_banners(built_pdf: Path) -> None:
    pages = pdftotext_pages(built_pdf)
    count = len(pages)
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.splitlines()]
        assert lines.count("OFFICIAL") >= 2, f"classification banner missing on page {number}"
        assert f"Page {number} of {count}" in lines
    text = body_text(pages, {"OFFICIAL", "Research Unit Briefings", "Test topic"})
    assert "The two leaders held talks in London." in text
    assert "A second fact without a date, resting on two sources." in text
    assert "Alpha News, “Alpha reports on the talks”, 23 June 2025." in text
    assert "Beta Wire, “Beta wire copy”, 24 June 2025. Reliability E (unreliable)." in text
    assert "Facts as of 24 June 2025" in text
    assert "Generated 2 January 2026" in text
    assert "Author Jane Analyst" in text


def test_pdf_has_bookmarks_links_and_embedded_fonts(built_pdf: Path) -> None:
    pdf = reader(built_pdf)
    titles = [item.title for item in pdf.outline if not isinstance(item, list)]
    assert titles[0] == "Test topic"
    flat = str(pdf.outline)
    for heading in ("Summary", "The talks", "Key figures", "Timeline", "Sources"):
        assert heading in flat
    uris, internal = link_targets(pdf)
    assert "https://alpha.example/talks" in uris
    assert internal >= 3  # each citation links to its source
    assert embedded_font_names(pdf), "fonts must be embedded"


def test_fetcher_refuses_files_outside_the_project_and_remote_hosts(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    (root / "inside.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    html = (f'<p><img src="{secret.as_uri()}"><img src="../secret.svg">'
            '<img src="http://127.0.0.1:9/x.png"><img src="inside.svg"></p>')
    result = html_to_pdf(html, root)
    assert result.data.startswith(b"%PDF-")
    refused = [w for w in result.warnings if w.startswith("refused to fetch")]
    assert any(secret.as_uri() in w for w in refused)
    assert any("http://127.0.0.1:9/x.png" in w for w in refused)
    assert not any("inside.svg" in w for w in result.warnings)


def test_image_in_fact_text_is_refused_before_anything_is_fetched(project: Path) -> None:
    topic = project / "sources/topics/test-topic.yaml"
    topic.write_text(topic.read_text().replace(
        "held talks in London.", "held talks in London. ![leak](file:///etc/hostname) ![up](../../x.png)"))
    with pytest.raises(ProblemsFound) as raised:
        build(project, formats=["pdf"], generated=GENERATED)
    assert [str(problem) for problem in raised.value.problems] == [
        "sources/topics/test-topic.yaml:10: fact 'talks-held': images are not allowed "
        "(they would be fetched whenever the briefing is opened)"]
    assert not (project / "output").exists()
