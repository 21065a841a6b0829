"""briefings.audit.archive: archived documents read inside the project only, web pages reduced to their article."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from briefings.audit.archive import MAX_ARCHIVE_BYTES, archive_text, read_archive
from briefings.audit.match import find_passage
from briefings.audit.numbers import number_appears, numbers_in
from briefings.errors import Severity
from briefings.paths import DEFAULT_ARCHIVE_DIR
from briefings.project.schema import Reference, Settings
from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "archive"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "sources" / "archive").mkdir(parents=True)
    for fixture in FIXTURES.iterdir():
        shutil.copy(fixture, project / "sources" / "archive" / fixture.name)
    return project


def test_a_text_file_is_read_as_it_stands(root: Path) -> None:
    archived, problems = read_archive("harbour-deal.txt", root)
    assert problems == []
    assert archived is not None
    data = (FIXTURES / "harbour-deal.txt").read_bytes()
    assert archived.text == data.decode("utf-8")
    assert archived.sha256 == hashlib.sha256(data).hexdigest()
    assert (archived.name, archived.kind, archived.whole_page) == ("harbour-deal.txt", "text", False)


def test_a_saved_page_is_reduced_to_its_article(root: Path) -> None:
    archived, problems = read_archive("harbour-page.html", root)
    assert problems == []
    assert archived is not None and archived.kind == "html" and not archived.whole_page
    text = archived.text
    assert "Miriam Okafor" in text and "full business case" in text
    for boilerplate in ("SCRIPTTEXT", "TRACKINGCODE", "NAVLINK", "ADVERT", "RELATEDLINK", "FOOTERTEXT", ".ad {"):
        assert boilerplate not in text
    match = find_passage('"We are building for the next fifty years - not the next five," said board chair', text)
    assert match is not None and text[match.start:match.end] == match.text
    assert match.text.startswith("\u201cWe are building")  # the page's &ldquo; as the character
    [loan] = numbers_in("a £2.3 billion expansion")
    assert number_appears(loan, [text])
    assert find_passage("Win a cruise for two", text) is None


def test_a_page_without_an_article_falls_back_to_its_whole_text_and_says_so(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)  # the extractor finds nothing
    page = "<html><body><nav>Home</nav><div>Short note about the ferry, 14 March.</div></body></html>"
    (root / "sources" / "archive" / "note.htm").write_text(page, encoding="utf-8")
    archived, problems = read_archive("note.htm", root)
    assert archived is not None and archived.whole_page
    assert "Short note about the ferry, 14 March." in archived.text
    assert [str(problem) for problem in problems] == [
        "sources/archive/note.htm: warning: no article could be found in the page: the whole text of the page "
        "is used, navigation and advertising included"]


def test_extraction_is_remembered_by_content(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIXTURES / "harbour-page.html").read_bytes()
    first, _ = archive_text("a.html", data)
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: pytest.fail("extracted again"))
    second, _ = archive_text("b.html", data)
    assert first is not None and second is not None
    assert second.text == first.text and second.name == "b.html"


def test_an_empty_file_has_no_text(root: Path) -> None:
    (root / "sources" / "archive" / "empty.txt").write_bytes(b"  \n")
    archived, problems = read_archive("empty.txt", root)
    assert archived is None
    assert [str(problem) for problem in problems] == ["sources/archive/empty.txt: no text could be read from the file"]


def test_problems_can_be_located_at_the_reference(root: Path) -> None:
    archived, problems = read_archive("missing.txt", root, where=("sources/references.yaml", 12))
    assert archived is None
    assert [str(problem) for problem in problems] == [
        "sources/references.yaml:12: archive 'missing.txt' (sources/archive/missing.txt): file does not exist"]


@pytest.mark.parametrize("name", ["../secret.txt", "../../etc/passwd", "a/b.txt", "..", ".hidden.txt",
                                  "x\\y.txt", "notes.pdf", "", "a\x1b.txt"])
def test_names_that_are_not_plain_file_names_are_refused(root: Path, name: str) -> None:
    (root / "sources" / "secret.txt").write_text("secret", encoding="utf-8")
    archived, problems = read_archive(name, root)
    assert archived is None
    assert len(problems) == 1 and problems[0].severity is Severity.ERROR


def test_a_symbolic_link_out_of_the_project_is_refused(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("The Carrow harbour board approved it.", encoding="utf-8")
    (root / "sources" / "archive" / "linked.txt").symlink_to(outside)
    archived, problems = read_archive("linked.txt", root)
    assert archived is None
    assert [str(problem) for problem in problems] == [
        "sources/archive/linked.txt: is a symbolic link to a file outside the project: refused"]


def test_an_archive_directory_linked_out_of_the_project_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "sources").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.txt").write_text("text", encoding="utf-8")
    (project / "sources" / "archive").symlink_to(elsewhere)
    archived, problems = read_archive("a.txt", project)
    assert archived is None
    assert "outside the project" in problems[0].message


def test_an_archive_dir_outside_the_project_is_refused(root: Path) -> None:
    archived, problems = read_archive("harbour-deal.txt", root, "../elsewhere")
    assert archived is None and "no '..'" in problems[0].message


def test_an_oversize_file_is_refused_without_being_read(root: Path) -> None:
    path = root / "sources" / "archive" / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_ARCHIVE_BYTES + 1)
    archived, problems = read_archive("huge.txt", root)
    assert archived is None
    assert "file is too large" in problems[0].message and "20.0 MiB" in problems[0].message


def test_text_that_is_not_utf8_is_read_with_replacements_and_a_warning(root: Path) -> None:
    (root / "sources" / "archive" / "latin.txt").write_bytes("The board\u2019s \u201cplan\u201d".encode("cp1252"))
    archived, problems = read_archive("latin.txt", root)
    assert archived is not None
    assert archived.text == "The board\ufffds \ufffdplan\ufffd"
    assert [problem.severity for problem in problems] == [Severity.WARNING]
    assert "not valid UTF-8 (byte 0x92 at offset 9)" in problems[0].message
    assert find_passage("The board's", archived.text) is None  # never verified by a replacement character


def test_a_page_in_a_declared_legacy_encoding_is_decoded(root: Path) -> None:
    page = ("<html><head><meta charset='windows-1252'></head><body><article><p>"
            + "The board\u2019s plan was approved after a long debate about the harbour and its future. " * 5
            + "</p></article></body></html>")
    (root / "sources" / "archive" / "legacy.html").write_bytes(page.encode("cp1252"))
    archived, problems = read_archive("legacy.html", root)
    assert archived is not None and problems == []
    assert "The board\u2019s plan" in archived.text


def test_a_byte_order_mark_is_not_text(root: Path) -> None:
    (root / "sources" / "archive" / "bom.md").write_bytes(b"\xef\xbb\xbfHello")
    archived, _ = read_archive("bom.md", root)
    assert archived is not None and archived.text == "Hello"


def test_a_fifo_is_refused(root: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(root / "sources" / "archive" / "pipe.txt")
    archived, problems = read_archive("pipe.txt", root)
    assert archived is None and "named pipe" in problems[0].message


def test_the_model_takes_archive_names_and_the_archive_dir() -> None:
    base = {"outlet": "Courier", "title": "Harbour", "published": "2025-03-04"}
    reference = Reference.model_validate({**base, "archive": "harbour-page.html"}, context={"id": "courier"})
    assert reference.archive == "harbour-page.html"
    assert Reference.model_validate(base, context={"id": "courier"}).archive is None
    for bad in ("../x.txt", "sub/x.txt", ".x.txt", "x.pdf"):
        with pytest.raises(ValueError):
            Reference.model_validate({**base, "archive": bad}, context={"id": "courier"})
    assert Settings().archive_dir == "sources/archive" == DEFAULT_ARCHIVE_DIR
    assert Settings.model_validate({"archive_dir": "library/copies"}).archive_dir == "library/copies"
    for bad in ("../x", "/tmp/x", ".", "a/../../b", ""):
        with pytest.raises(ValueError):
            Settings.model_validate({"archive_dir": bad})


def test_a_bad_archive_name_in_references_yaml_is_a_located_problem(tmp_path: Path) -> None:
    from briefings.project.loader import load_project_partially
    from tests.conftest import copy_example

    project = copy_example(tmp_path / "example")
    path = project / "sources" / "references.yaml"
    text = path.read_text(encoding="utf-8")
    # The example's first reference names its archived article; make that name a bad one.
    text = text.replace("  archive: 000_1a6500208d1d1e15.txt\n", "  archive: ../outside.txt\n", 1)
    path.write_text(text, encoding="utf-8")
    _, problems = load_project_partially(project)
    line = text.splitlines().index("  archive: ../outside.txt") + 1
    assert [str(problem) for problem in problems] == [
        f"sources/references.yaml:{line}: afp-uk-ukraine-ties.archive: '../outside.txt' must be a plain file name "
        "in the archive directory, without '/' or '\\'"]
