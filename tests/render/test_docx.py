"""The Word document (``--format docx``), read back with python-docx and as XML."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from briefings.build.orchestrate import build
from briefings.render.docx import hex_colour
from briefings.render.docx_body import W_NS, xml_text
from tests.conftest import (
    GENERATED,
    SETTINGS_FILE,
    assert_valid,
    changed,
    check,
    copy_example,
    invoke,
    pdftotext_pages,
    write,
)

W = f"{{{W_NS}}}"
CITATION = re.compile(r"\[\^(\d+)\](?!:)")


def _part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read(name))


def _footnotes(path: Path) -> list[str]:
    """The text of each footnote (not the separators), in order."""
    root = _part(path, "word/footnotes.xml")
    return ["".join(note.itertext()).strip() for note in root.iter(f"{W}footnote") if note.get(f"{W}type") is None]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("docx") / "example")
    report = build(root, formats=["md", "docx"], generated=GENERATED)
    assert report.rendered
    return root


def test_each_example_briefing_has_one_footnote_per_citation_in_reading_order(example: Path) -> None:
    documents = sorted((example / "output").glob("*.docx"))
    assert len(documents) == 5
    for path in documents:
        markdown_text = path.with_suffix(".md").read_text(encoding="utf-8")
        cited = [int(number) for number in CITATION.findall(markdown_text)]
        body = _part(path, "word/document.xml")
        references = [int(ref.get(f"{W}id")) for ref in body.iter(f"{W}footnoteReference")]
        assert references == list(range(1, len(cited) + 1)), path.name  # one per citation, in reading order
        notes = _footnotes(path)
        assert len(notes) == len(cited), path.name
        # Each footnote is its citation's source entry, pointing at that entry in the Sources list.
        definitions = dict(re.findall(r"^\[\^(\d+)\]: (.*)$", markdown_text, re.MULTILINE))
        for number, note in zip(cited, notes, strict=True):
            outlet = definitions[str(number)].split(",")[0]
            assert note.startswith(outlet.replace("\\", "")), (path.name, number, note)
            assert note.endswith(f"Sources, {number}."), note


def test_example_headings_classification_properties_and_key_figures(example: Path) -> None:
    path = example / "output" / "nato-spending.docx"
    document = docx.Document(str(path))
    styles = [(paragraph.style.name, paragraph.text) for paragraph in document.paragraphs]
    assert styles[0] == ("Title", "NATO defence spending")
    headings = [text for style, text in styles if style == "Heading 1"]
    assert headings[:2] == ["Summary", "The Hague summit"]
    assert {"Key figures", "Timeline", "Sources", "Handling"} <= set(headings)
    assert any(style == "List Bullet" for style, _ in styles) and any(style == "Quote" for style, _ in styles)
    for section in document.sections:
        assert section.header.paragraphs[0].text == "OFFICIAL"
        assert section.footer.paragraphs[0].text == "OFFICIAL"
        assert section.header.paragraphs[0].runs[0].font.color.rgb == docx.shared.RGBColor.from_string("7A1F2B")
    properties = document.core_properties
    assert properties.title == "NATO defence spending"
    assert properties.author == "briefings example project"
    assert properties.created == properties.modified == GENERATED
    assert properties.language == "en-GB"
    page = document.sections[0]
    assert (page.page_width.mm, page.page_height.mm) == pytest.approx((210, 297), abs=0.1)  # A4
    figures = document.tables[0]
    assert [cell.text for cell in figures.rows[0].cells] == ["Figure", "Value", "Sources"]
    assert ["£27.8bn" in cell.text for row in figures.rows for cell in row.cells].count(True) == 1
    assert figures.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None  # repeated on each page
    assert document.styles["Heading 1"].font.color.rgb == docx.shared.RGBColor.from_string("7A1F2B")
    # The multi-topic briefing: topics are Heading 1, their sections Heading 2.
    overview = docx.Document(str(example / "output" / "european-security-overview.docx"))
    names = {(paragraph.style.name, paragraph.text) for paragraph in overview.paragraphs}
    assert ("Heading 1", "NATO defence spending") in names and ("Heading 2", "The Hague summit") in names


def test_word_bytes_are_reproducible_and_unchanged_briefings_are_not_rewritten(tmp_path: Path) -> None:
    first, second = (copy_example(tmp_path / name) for name in ("one", "two"))
    for root in (first, second):
        build(root, formats=["docx"], generated=GENERATED, only=["nato-at-a-glance"])
    name = "output/nato-at-a-glance.docx"
    assert (first / name).read_bytes() == (second / name).read_bytes()
    with zipfile.ZipFile(first / name) as package:
        assert {info.date_time for info in package.infolist()} == {(2026, 1, 2, 3, 4, 4)}
        assert "docProps/thumbnail.jpeg" not in package.namelist()
    report = build(first, formats=["docx"], generated=GENERATED, only=["nato-at-a-glance"])
    assert report.up_to_date == ["nato-at-a-glance"] and not report.written


HOSTILE_TEMPLATE = """\
{% extends "builtin/briefing.md.j2" %}
{% block handling %}
## Handling

Bell \x07 and escape \x1b here &lt;w:p/&gt; </w:t><w:p/> <script>alert(1)</script> end.
{% endblock handling %}
"""


def test_hostile_text_is_text(project: Path) -> None:
    write(project, SETTINGS_FILE, "formats: [docx]\nclassification: 'SECRET </w:t> & <b>'\nauthor: '<A> & \"B\"'\n")
    write(project, "templates/briefing.md.j2", HOSTILE_TEMPLATE)
    refs = (project / "sources/references.yaml").read_text()
    write(project, "sources/references.yaml", changed(refs, "title: Alpha reports on the talks",
                                                      "title: 'Alpha <script>x</script> & </w:t>'"))
    build(project, formats=["docx"], generated=GENERATED)
    path = project / "output" / "test-topic.docx"
    document = docx.Document(str(path))
    handling = [paragraph.text for paragraph in document.paragraphs if paragraph.text.startswith("Bell")]
    assert handling == ["Bell  and escape  here <w:p/> end."]
    assert document.sections[0].header.paragraphs[0].text == "SECRET </w:t> & <b>"
    assert document.core_properties.author == '<A> & "B"'
    assert any("Alpha <script>x</script> & </w:t>" in note for note in _footnotes(path))
    # The source's link is a Word hyperlink in its footnote, through the footnotes part's relationships.
    notes = _part(path, "word/footnotes.xml")
    links = list(notes.iter(f"{W}hyperlink"))
    assert links and "".join(links[0].itertext()) == "https://alpha.example/talks"
    rels = _part(path, "word/_rels/footnotes.xml.rels")
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    assert targets[links[0].get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")] == \
        "https://alpha.example/talks"
    xml = zipfile.ZipFile(path).read("word/document.xml")
    assert b"<script" not in xml and b"\x07" not in xml and b"alert" not in xml


def test_xml_text_drops_what_xml_cannot_hold() -> None:
    assert xml_text("a\x00b\x07c\td\ne\ufffef") == "abc\td\nef"
    assert hex_colour("#7a1f2b") == "7A1F2B" and hex_colour("#abc") == "AABBCC"
    assert hex_colour("rgb(255, 0, 16)") == "FF0010" and hex_colour("navy") == "000080"
    assert hex_colour("hsl(0, 100%, 50%)") == "FF0000" and hex_colour("papayawhip") is None


def _reference_docx(font: str) -> bytes:
    document = docx.Document()
    document.styles["Normal"].font.name = font
    document.sections[0].left_margin = docx.shared.Cm(4)
    document.add_paragraph("The house's sample text, which the briefing replaces.")
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def test_a_house_reference_document_gives_its_styles_and_joins_the_fingerprint(project: Path) -> None:
    write(project, SETTINGS_FILE, "formats: [docx]\nstyle:\n  docx_reference: templates/house.docx\n")
    write(project, "templates/house.docx", _reference_docx("Arial"))
    build(project, formats=["docx"], generated=GENERATED)
    path = project / "output" / "test-topic.docx"
    document = docx.Document(str(path))
    assert document.styles["Normal"].font.name == "Arial"
    assert abs(document.sections[0].left_margin - docx.shared.Cm(4)) < docx.shared.Cm(0.01)
    assert not any("sample text" in paragraph.text for paragraph in document.paragraphs)
    assert document.paragraphs[0].style.name == "Title"
    assert build(project, formats=["docx"], generated=GENERATED).up_to_date == ["test-topic"]
    write(project, "templates/briefing.html.j2", "<!doctype html><title>x</title>{{ body }}")  # Word uses no page
    assert build(project, formats=["docx"], generated=GENERATED).up_to_date == ["test-topic"]
    write(project, "templates/house.docx", _reference_docx("Georgia"))
    assert build(project, formats=["docx"], generated=GENERATED).rendered == ["test-topic"]
    assert docx.Document(str(path)).styles["Normal"].font.name == "Georgia"
    build(project, formats=["json"], generated=GENERATED)
    snapshot = assert_valid(project / "output" / "test-topic.json")
    assert snapshot["style"]["docx_reference"] == "templates/house.docx"


@pytest.mark.parametrize(("setting", "message"), [
    ("templates/missing.docx", "reference document 'templates/missing.docx' does not exist (the path is relative "
                               "to the project directory)"),
    ("templates/fake.docx", "reference document 'templates/fake.docx' is not a Word document (.docx)"),
    ("../outside.docx", "reference document '../outside.docx': "),
])
def test_a_bad_reference_document_is_one_line_at_its_setting(project: Path, setting: str, message: str) -> None:
    write(project, "templates/fake.docx", "not a zip")
    write(project.parent, "outside.docx", _reference_docx("Arial"))
    write(project, SETTINGS_FILE, f"formats: [docx]\nstyle:\n  docx_reference: {setting}\n")
    result = check(project)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{SETTINGS_FILE}:3: {message}"), result.stderr
    assert "Traceback" not in result.output


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_renders_the_word_document(example: Path, tmp_path: Path) -> None:
    source = example / "output" / "nato-at-a-glance.docx"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=300)
    pages = pdftotext_pages(tmp_path / "nato-at-a-glance.pdf")
    assert "NATO defence spending at a glance" in " ".join(pages[0].split())
    for page in pages:
        lines = [line.strip() for line in page.splitlines()]
        assert lines.count("OFFICIAL") >= 2  # header and footer of every page
    assert "Sources, 1." in "".join(pages)  # the footnotes are printed


def test_an_edition_keeps_its_word_document(project: Path) -> None:
    write(project, SETTINGS_FILE, "formats: [md, docx]\n")
    result = invoke("publish", "--project", str(project))
    assert result.exit_code == 0, result.output
    (edition,) = (project / "output" / "editions" / "test-topic").glob("*.docx")
    texts = [paragraph.text for paragraph in docx.Document(str(edition)).paragraphs]
    assert texts[0] == "Test topic" and any(text.startswith("Edition: Edition 1 · ") for text in texts)
