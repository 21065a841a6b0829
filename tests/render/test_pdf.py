"""Stage 5: the PDF, read back; and the fetcher that keeps rendering inside the project."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from briefings.build.orchestrate import build
from briefings.errors import ProblemsFound
from briefings.render.pdf import PdfTimeout, html_to_pdf
from tests.conftest import (
    GENERATED,
    body_text,
    decompressed,
    embedded_font_names,
    link_targets,
    machine_traces,
    pdftotext_pages,
    reader,
    write,
)


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
    # Each image has an alt: without one, the tagged PDF's warning would name it (see test_pdf_standards.py).
    html = (f'<p><img alt="1" src="{secret.as_uri()}"><img alt="2" src="../secret.svg">'
            '<img alt="3" src="http://127.0.0.1:9/x.png"><img alt="4" src="inside.svg"></p>')
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


LINKING_TEMPLATE = """\
    {% extends "builtin/briefing.html.j2" %}
    {% block head_extra %}<link rel="attachment" href="notes.html">{% endblock %}
    {% block colophon %}
    <footer class="colophon"><p>
    <a href="notes.html">notes</a> <a href="file:///etc/passwd">passwd</a> <a href="#">top</a>
    <a href="">here</a> <a href="https://kept.example/">kept</a> <a href="mailto:unit@kept.example">mail</a>
    <img src="map.png" alt="map" usemap="#m"><map name="m"><area href="../outside.html" alt="out"></map>
    </p></footer>
    {% endblock %}
    """


def test_pdf_keeps_only_web_mail_and_fragment_links(project: Path, tmp_path: Path) -> None:
    write(project, "templates/briefing.html.j2", LINKING_TEMPLATE)
    write(project, "notes.html", "<p>notes</p>")
    report = build(project, generated=GENERATED)
    messages = [problem.message for problem in report.warnings]
    for href in ("notes.html", "file:///etc/passwd", "#", "", "../outside.html"):
        assert (f"test-topic.pdf: removed link to {href!r}: only http(s), mailto and #fragment links "
                "are kept in the PDF") in messages
    pdf = project / "output/test-topic.pdf"
    assert not machine_traces(decompressed(pdf, tmp_path), project, tmp_path)
    uris, internal = link_targets(reader(pdf))
    assert sorted(uris) == ["https://alpha.example/talks", "https://kept.example/", "mailto:unit@kept.example"]
    assert internal >= 3  # citations still link to their sources
    # Nothing linked is embedded: the one attachment is the briefing's own JSON snapshot.
    listing = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert listing.splitlines() == ["1 embedded files", "1: test-topic.json"]
    # The HTML keeps what the template author wrote, relative and not resolved.
    assert not machine_traces((project / "output/test-topic.html").read_bytes().replace(b"file:///etc/passwd", b""),
                              project, tmp_path)


SPECIAL_FILES_SCRIPT = """\
import json, sys
from pathlib import Path
from briefings.render.pdf import html_to_pdf
html = ''.join(f'<img src="{name}" alt="">' for name in sys.argv[2:])
result = html_to_pdf(html, Path(sys.argv[1]), timeout_seconds=600)
print(json.dumps(result.warnings))
"""


def test_fifos_devices_directories_and_links_out_are_refused_without_blocking(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    os.mkfifo(root / "pipe.png")  # opening it would wait forever for a writer
    (root / "folder.png").mkdir()
    (root / "zero.png").symlink_to("/dev/zero")  # resolves outside the project
    names = ["pipe.png", "folder.png", "zero.png"]
    try:
        os.mknod(root / "device.png", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
        names.append("device.png")
    except PermissionError:
        pass  # only root may make device files; the other cases still run
    # In a child process with a deadline (far below html_to_pdf's own limit):
    # a regression must fail here, not hang the test run.
    run = subprocess.run([sys.executable, "-c", SPECIAL_FILES_SCRIPT, str(root), *names],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    warnings = json.loads(run.stdout)
    assert "refused to fetch pipe.png: not a regular file" in warnings
    assert "refused to fetch folder.png: not a regular file" in warnings
    assert "refused to fetch zero.png: only files inside the project may be used" in warnings
    if "device.png" in names:
        assert "refused to fetch device.png: not a regular file" in warnings


def test_fifo_image_in_a_template_does_not_block_the_build(project: Path) -> None:
    # (Fact text may not hold images at all; a house template may, e.g. a logo.)
    os.mkfifo(project / "pipe.png")
    write(project, "templates/briefing.html.j2", """\
        {% extends "builtin/briefing.html.j2" %}
        {% block masthead %}<p class="series"><img src="pipe.png" alt="logo"></p>{% endblock %}
        """)
    run = subprocess.run([sys.executable, "-m", "briefings",
                          "build", "--project", str(project), "--format", "pdf"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "test-topic.pdf: refused to fetch pipe.png: not a regular file" in run.stdout + run.stderr
    assert (project / "output/test-topic.pdf").read_bytes().startswith(b"%PDF-")


def test_rendering_that_takes_too_long_fails_the_build_and_keeps_old_outputs(project: Path) -> None:
    build(project, generated=GENERATED)
    before = {path.name: path.read_bytes() for path in (project / "output").iterdir() if path.is_file()}
    # Thousands of pages: far more than a second's work.
    write(project, "templates/briefing.css", "p { break-after: page; }\n")
    write(project, "templates/briefing.html.j2", """\
        {% extends "builtin/briefing.html.j2" %}
        {% block colophon %}{% for _ in range(20000) %}<p>page</p>{% endfor %}{% endblock %}
        """)
    with pytest.raises(ProblemsFound) as raised:
        build(project, generated=GENERATED, pdf_timeout=1)
    assert ("test-topic.pdf: rendering took longer than 1 s (the limit)" in str(raised.value))
    after = {path.name: path.read_bytes() for path in (project / "output").iterdir() if path.is_file()}
    assert after == before


def test_time_limit_restores_the_callers_alarm(tmp_path: Path) -> None:
    def callers_handler(signum: int, frame: object) -> None:
        raise AssertionError("the caller's alarm fired during the test")

    previous = signal.signal(signal.SIGALRM, callers_handler)
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        with pytest.raises(PdfTimeout):
            html_to_pdf("<style>p { break-after: page }</style>" + "<p>x</p>" * 20000, tmp_path,
                        timeout_seconds=0.5)
        assert html_to_pdf("<p>quick</p>", tmp_path, timeout_seconds=30).data.startswith(b"%PDF-")
        assert signal.getsignal(signal.SIGALRM) is callers_handler
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 50 < remaining < 100
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_outside_the_main_thread_rendering_runs_without_a_time_limit(tmp_path: Path) -> None:
    results: list[bytes] = []
    thread = threading.Thread(target=lambda: results.append(
        html_to_pdf("<p>x</p>", tmp_path, timeout_seconds=1e-6).data))
    thread.start()
    thread.join(timeout=60)
    assert results and results[0].startswith(b"%PDF-")


# -- one FontConfiguration per process ------------------------------------------------------------

FONT_FACE_HTML = """<!DOCTYPE html><html><head><style>
@font-face { font-family: House; src: url(house.ttf); }
p { font-family: House; }
</style></head><body><p>House font.</p></body></html>"""
PLAIN_HTML = "<!DOCTYPE html><html><body><p>Plain text, in the default font.</p></body></html>"


def test_pdfs_of_one_process_share_a_font_configuration_and_stay_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefings.render import pdf

    monkeypatch.setattr(pdf, "_spare_font_config", None)
    first = html_to_pdf(PLAIN_HTML, tmp_path).data
    shared = pdf._spare_font_config
    assert shared is not None
    second = html_to_pdf(PLAIN_HTML, tmp_path).data
    assert pdf._spare_font_config is shared
    monkeypatch.setattr(pdf, "_spare_font_config", None)
    fresh = html_to_pdf(PLAIN_HTML, tmp_path).data
    assert first == second == fresh


def test_a_font_configuration_with_font_face_fonts_is_not_shared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefings.render import pdf

    font = Path("/usr/share/fonts/truetype/crosextra/Caladea-Regular.ttf")
    if not font.is_file():
        pytest.skip("Caladea is not installed")
    (tmp_path / "house.ttf").write_bytes(font.read_bytes())
    monkeypatch.setattr(pdf, "_spare_font_config", None)
    before = html_to_pdf(PLAIN_HTML, tmp_path).data
    assert pdf._spare_font_config is not None
    house = html_to_pdf(FONT_FACE_HTML, tmp_path)
    assert "+House" in embedded_font_names_of(house.data)  # the @font-face font, subset
    # That configuration now knows the document's House font: the next PDF gets a new one.
    assert pdf._spare_font_config is None
    assert html_to_pdf(PLAIN_HTML, tmp_path).data == before


def embedded_font_names_of(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    names = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.append(str(font.get_object()["/BaseFont"]))
    return " ".join(names)
