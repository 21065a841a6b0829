"""Accessible and archival PDFs (issue 19): every PDF tagged and declaring PDF/UA-1; PDF/A-3a on request.

Read back with pdfinfo, qpdf, pdffonts, pdfdetach and pypdf. No PDF/UA or
PDF/A validator (veraPDF) is installed: these tests check what the standards'
identification and the structure need (see the README's "Accessible and archival PDF").
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
from pathlib import Path

from pypdf import PdfReader

from briefings.build.orchestrate import build
from briefings.build.publish import publish
from briefings.render.pdf import html_to_pdf
from tests.conftest import (
    GENERATED,
    assert_accessible_pdf,
    check,
    embedded_font_names,
    png,
    reader,
    require_tool,
    structure_elements,
    write,
    xmp_properties,
)

SETTINGS = """\
title: Research Unit Briefings
author: Jane Analyst
classification: OFFICIAL
style:
  locale: fr_FR
"""


def _attached_snapshot(path: Path, tmp_path: Path) -> dict:
    listing = subprocess.run([require_tool("pdfdetach"), "-list", str(path)], capture_output=True, text=True,
                             check=True).stdout
    assert "test-topic.json" in listing, listing
    saved = tmp_path / f"{path.stem}-attached.json"
    subprocess.run([require_tool("pdfdetach"), "-save", "1", "-o", str(saved), str(path)], check=True)
    return json.loads(saved.read_text(encoding="utf-8"))


def _well_formed(path: Path) -> None:
    check_run = subprocess.run([require_tool("qpdf"), "--check", str(path)], capture_output=True, text=True)
    assert check_run.returncode == 0, check_run.stdout + check_run.stderr
    assert embedded_font_names(reader(path))


def test_every_pdf_is_tagged_with_language_title_and_bookmarks(project: Path, tmp_path: Path) -> None:
    write(project, "assets/logo.png", png(0))
    style = "style:\n  organisation: Acme\n  logo: assets/logo.png\n"
    write(project, "briefings.yaml", SETTINGS.replace("style:\n", style))
    (output,) = build(project, formats=["pdf"], generated=GENERATED).outputs
    # The language is the html lang attribute, from the style's locale.
    pdf = assert_accessible_pdf(output.path, title="Test topic", lang="fr-FR")
    xmp = xmp_properties(pdf)
    assert "pdfaid:part" not in xmp  # not archival unless asked
    # The logo is a figure whose alternative text is the organisation (the img's alt).
    assert [element["/Alt"] for element in structure_elements(pdf) if element["/S"] == "/Figure"] == ["Acme"]
    assert "/OutputIntents" not in pdf.trailer["/Root"]
    assert _attached_snapshot(output.path, tmp_path)["style"]["pdf"] == {"archival": False}
    _well_formed(output.path)


def test_archival_pdfs_are_pdf_a_3a_and_pdf_ua_1_with_the_snapshot_attached(project: Path, tmp_path: Path) -> None:
    write(project, "briefings.yaml", SETTINGS + "pdf:\n  archival: true\n")
    report = publish(project, now=GENERATED)
    assert {result.outcome for result in report.results} == {"published"}, report.results
    (edition,) = sorted((project / "output/editions/test-topic").glob("*.pdf"))
    for path in (project / "output/test-topic.pdf", edition):
        pdf = assert_accessible_pdf(path, title="Test topic", lang="fr-FR")
        xmp = xmp_properties(pdf)
        assert xmp["pdfaid:part"] == ["3"] and xmp["pdfaid:conformance"] == ["A"], xmp
        assert xmp["pdfuaid:part"] == ["1"]
        # PDF/A admits a property outside its predefined schemas only with an extension schema describing it.
        assert xmp["pdfaSchema:prefix"] == ["pdfuaid"]
        catalog = pdf.trailer["/Root"]
        (intent,) = catalog["/OutputIntents"]
        assert intent.get_object()["/S"] == "/GTS_PDFA1"
        # PDF/A-3 associates the attachment with the document, as data, once.
        (associated,) = catalog["/AF"]
        assert associated.get_object()["/AFRelationship"] == "/Data"
        snapshot = _attached_snapshot(path, tmp_path)
        assert snapshot["style"]["pdf"] == {"archival": True}
        assert snapshot["briefing"]["id"] == "test-topic"
        _well_formed(path)


def test_the_archival_setting_re_renders_and_is_checked(project: Path) -> None:
    write(project, "briefings.yaml", SETTINGS)
    build(project, formats=["pdf", "json"], generated=GENERATED)
    write(project, "briefings.yaml", SETTINGS + "pdf:\n  archival: true\n")
    report = build(project, formats=["pdf", "json"], generated=GENERATED)
    assert report.rendered == ["test-topic"]
    assert {path.suffix for path in report.written} == {".pdf", ".json"}
    snapshot = json.loads((project / "output/test-topic.json").read_text(encoding="utf-8"))
    assert snapshot["style"]["pdf"] == {"archival": True}
    assert "pdfaid:part" in xmp_properties(reader(project / "output/test-topic.pdf"))

    write(project, "briefings.yaml", SETTINGS + "pdf:\n  archival: sometimes\n")
    result = check(project)
    assert result.exit_code == 1
    (line,) = [line for line in result.output.splitlines() if "archival" in line]
    assert line.startswith("briefings.yaml:"), result.output
    assert "Traceback" not in result.output


def test_an_image_without_alternative_text_is_a_warning(tmp_path: Path) -> None:
    image = "data:image/png;base64," + base64.b64encode(png(0)).decode("ascii")
    html = f'<html lang="en"><title>T</title><h1>T</h1><img src="{image}"><img src="{image}" alt="A logo"></html>'
    result = html_to_pdf(html, tmp_path)
    assert [message for message in result.warnings if "alt" in message] == [
        f'Image "{image}" has no required alt description']
    assert [element["/Alt"] for element in structure_elements(PdfReader(io.BytesIO(result.data)))
            if element["/S"] == "/Figure" and "/Alt" in element] == ["A logo"]


def test_a_page_without_a_language_is_a_warning(tmp_path: Path) -> None:
    result = html_to_pdf("<!DOCTYPE html><html><title>T</title><p>No language.</p></html>", tmp_path)
    assert result.warnings == ['Missing required "lang" attribute at the root of the document']
    assert PdfReader(io.BytesIO(result.data)).trailer["/Root"]["/Lang"] == ""
