"""Reading PDFs back, for the tests: text as pdftotext sees it, and metadata as pypdf does."""

from __future__ import annotations

import html as html_module
import re
import shutil
import subprocess
from pathlib import Path

import markdown
import pytest
from pypdf import PdfReader


def pdftotext_pages(path: Path) -> list[str]:
    """The text of each page, as poppler's pdftotext extracts it."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run .ci/setup (it installs poppler-utils)")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def body_text(pages: list[str], running_lines: set[str]) -> str:
    """All pages joined, without the running headers and footers, whitespace folded."""
    kept = []
    for page in pages:
        for line in page.splitlines():
            stripped = line.strip()
            if stripped in running_lines or re.fullmatch(r"Page \d+ of \d+", stripped):
                continue
            kept.append(stripped)
    return fold(" ".join(kept))


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def contains(text: str, passage: str) -> bool:
    """Whether ``passage`` stands in ``text`` (both folded) as pdftotext gives it back.

    pdftotext joins a word that the PDF broke after a hyphen at the end of a
    line and drops that hyphen ("low-" / "reliability" comes back as
    "lowreliability"), so a hyphen between two letters may be missing; nothing
    else may differ.
    """
    pattern = re.sub(r"(?<=\w)\\-(?=\w)", "-?", re.escape(passage))
    return re.search(pattern, text) is not None


def plain(markdown_text: str) -> str:
    """What a reader sees of a Markdown snippet: the text without markup."""
    html = markdown.markdown(markdown_text, extensions=["smarty"])
    text = re.sub(r"<[^>]+>", "", html)
    return fold(html_module.unescape(text))


def reader(path: Path) -> PdfReader:
    return PdfReader(str(path))


def embedded_font_names(pdf: PdfReader) -> set[str]:
    """BaseFont names of fonts whose program is embedded in the file."""
    names = set()
    for page in pdf.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            descriptors = [font.get("/FontDescriptor")]
            for descendant in font.get("/DescendantFonts", []) or []:
                descriptors.append(descendant.get_object().get("/FontDescriptor"))
            for descriptor in descriptors:
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(font["/BaseFont"]))
    return names


def link_targets(pdf: PdfReader) -> tuple[list[str], int]:
    """External URIs and the count of internal links across the document."""
    uris, internal = [], 0
    for page in pdf.pages:
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            action = annotation.get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
            elif "/Dest" in annotation or (action is not None and "/D" in action):
                internal += 1
    return uris, internal
