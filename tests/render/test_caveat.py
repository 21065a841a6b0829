"""The page caveat (``style: caveat``): on every page of the PDF, once at the top of the HTML, plain text, bounded.

Read back from what the build writes: each PDF page's text (pdftotext), the
HTML, the JSON snapshot; refused values at their line in briefings.yaml.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from briefings.build.orchestrate import BuildReport, build
from briefings.cli import main
from briefings.project.schema import CAVEAT_MAX_LENGTH
from tests.conftest import (
    GENERATED,
    REPO_ROOT,
    assert_valid,
    changed_files,
    copy_example,
    fold,
    pdftotext_pages,
    state,
    write,
)

EXAMPLE_CAVEAT = yaml.safe_load((REPO_ROOT / "briefings.yaml").read_text("utf-8"))["style"]["caveat"]


def run(root: Path, formats: tuple[str, ...] = ("md", "html", "pdf"), **options: object) -> BuildReport:
    return build(root, formats=formats, generated=GENERATED, jobs=1, **options)  # type: ignore[arg-type]


def settings(root: Path, text: str) -> str:
    return write(root, "briefings.yaml", text).read_text()


def caveat_paragraphs(html: str) -> list[str]:
    return re.findall(r'<p class="caveat">(.*?)</p>', html, flags=re.S)


def test_the_examples_caveat_is_on_every_page_of_its_pdfs_and_once_in_its_html(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    run(root, ("html", "pdf"), only=("nato-spending", "nato-at-a-glance"))
    for briefing in ("nato-spending", "nato-at-a-glance"):
        pages = pdftotext_pages(root / "output" / f"{briefing}.pdf")
        assert len(pages) == (1 if briefing == "nato-at-a-glance" else 7)
        for number, page in enumerate(pages, start=1):
            # Once per page: in the running header, never also in the body of page 1.
            assert fold(page).count(EXAMPLE_CAVEAT) == 1, (briefing, number, page[:300])
        html = (root / "output" / f"{briefing}.html").read_text("utf-8")
        assert caveat_paragraphs(html) == [EXAMPLE_CAVEAT]
        # Near the top: in the title block, before the title.
        assert html.index('<header class="title-block">') < html.index('class="caveat"') < html.index('class="title"')


def test_a_caveat_is_plain_text_escaped_in_the_html_and_printed_as_written(project: Path) -> None:
    hostile = '<script>alert(1)</script> <b>Eyes</b> & "only" **not bold**'
    settings(project, f"style:\n  caveat: {yaml.safe_dump(hostile).splitlines()[0]}\n")
    run(project)
    html = (project / "output/test-topic.html").read_text("utf-8")
    assert caveat_paragraphs(html) == [
        "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;Eyes&lt;/b&gt; &amp; &#34;only&#34; **not bold**"]
    assert "<script>" not in html and "<b>Eyes" not in html
    pages = pdftotext_pages(project / "output/test-topic.pdf")
    assert all(fold(page).count(hostile) == 1 for page in pages)
    # The Markdown keeps its handling section only: the caveat is page furniture.
    assert "alert" not in (project / "output/test-topic.md").read_text("utf-8")


def test_a_caveat_on_several_lines_is_one_line(project: Path) -> None:
    settings(project, "style:\n  caveat: |\n    Not for\n      onward   distribution\n")
    run(project, ("html",))
    assert caveat_paragraphs((project / "output/test-topic.html").read_text("utf-8")) == [
        "Not for onward distribution"]


@pytest.mark.parametrize(("value", "message"), [
    ("x" * (CAVEAT_MAX_LENGTH + 1),
     f"style.caveat: is {CAVEAT_MAX_LENGTH + 1} characters long: a page caveat is one short line of at most "
     f"{CAVEAT_MAX_LENGTH} characters"),
    ('"Not for\\u0007 release"', "text contains the control character U+0007 (BELL)"),
    ('""', "style.caveat: must not be empty"),
    ("[a, b]", "style.caveat: expected text"),
])
def test_a_bad_caveat_is_refused_at_its_line(project: Path, value: str, message: str) -> None:
    text = settings(project, f"title: Series\nstyle:\n  caveat: {value}\n")
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--format", "md"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    line = next(number for number, row in enumerate(text.splitlines(), start=1) if "caveat:" in row)
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"briefings.yaml:{line}: {message}"), first
    assert not (project / "output").exists()


def test_a_briefings_own_caveat_replaces_the_projects_and_is_in_its_snapshot(project: Path) -> None:
    settings(project, """\
        style:
          caveat: Project caveat.
        briefings:
          plain:
            title: Plain
            topics: [test-topic]
          special:
            title: Special
            topics: [test-topic]
            style:
              caveat: Special caveat.
        """)
    run(project, ("html", "json"))
    output = project / "output"
    assert caveat_paragraphs((output / "plain.html").read_text("utf-8")) == ["Project caveat."]
    assert caveat_paragraphs((output / "special.html").read_text("utf-8")) == ["Special caveat."]
    assert assert_valid(output / "plain.json")["style"]["caveat"] == "Project caveat."
    assert assert_valid(output / "special.json")["style"]["caveat"] == "Special caveat."


def test_without_a_caveat_there_is_none_and_its_snapshot_says_null(project: Path) -> None:
    run(project, ("html", "json"))
    html = (project / "output/test-topic.html").read_text("utf-8")
    assert 'class="caveat"' not in html
    assert assert_valid(project / "output/test-topic.json")["style"]["caveat"] is None


def test_changing_the_caveat_renders_the_briefing_again(project: Path) -> None:
    settings(project, "style:\n  caveat: First.\n")
    run(project, ("html", "json"))
    before = state(project)
    assert run(project, ("html", "json")).rendered == []
    settings(project, "style:\n  caveat: Second.\n")
    report = run(project, ("html", "json"))
    assert report.rendered == ["test-topic"]
    assert {"test-topic.html", "test-topic.json"} <= changed_files(before, state(project))
    assert caveat_paragraphs((project / "output/test-topic.html").read_text("utf-8")) == ["Second."]
