"""Stage 4: Markdown → sanitised HTML, and the HTML document around it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefings.build.orchestrate import build
from briefings.render.html import markdown_to_html, sanitise
from tests.conftest import GENERATED, write


def build_html(root: Path) -> str:
    report = build(root, formats=["html"], generated=GENERATED)
    (output,) = report.outputs
    return output.path.read_text(encoding="utf-8")


def test_html_document_carries_metadata_and_title_block(project: Path) -> None:
    write(project, "briefings.yaml", """\
        title: Research Unit Briefings
        author: Jane Analyst
        classification: OFFICIAL-SENSITIVE
        """)
    html = build_html(project)
    assert "<title>Test topic</title>" in html
    assert '<meta name="author" content="Jane Analyst">' in html
    assert '<meta name="keywords" content="talks, testing">' in html
    assert '<p class="classification">OFFICIAL-SENSITIVE</p>' in html
    assert re.search(r"<dt>Facts as of</dt><dd><time datetime=\"2025-06-24\">24 June 2025</time>", html)
    assert re.search(r"<dt>Generated</dt><dd><time [^>]*>2 January 2026</time>", html)
    assert "<style>" in html and "@page" in html  # the stylesheet travels with the file


def test_citations_are_numbered_links_to_the_sources_list(project: Path) -> None:
    html = build_html(project)
    assert ('<sup class="citation" id="cite-1"><a href="#source-1" rel="noopener noreferrer">1</a></sup>'
            '<sup class="citation" id="cite-2"><a href="#source-2" rel="noopener noreferrer">2</a></sup>') in html
    sources_heading = html.index('<h2 id="h-sources">Sources</h2>')
    notes = html.index('<ol class="sources">')
    assert sources_heading < notes
    assert '<li id="source-1" value="1">Alpha News, “Alpha reports on the talks”, 23 June 2025.' in html[notes:]
    assert '<li id="source-2" value="2">Beta Wire, “Beta wire copy”, 24 June 2025.' in html[notes:]
    assert '<a href="https://alpha.example/talks" rel="noopener noreferrer">https://alpha.example/talks</a>' in html


def test_quote_is_a_blockquote_with_attribution(project: Path) -> None:
    html = build_html(project)
    quote = re.search(r"<blockquote>(.*?)</blockquote>", html, re.S)
    assert quote is not None
    assert "<p>“an excellent meeting”</p>" in quote.group(1)
    assert "— A. Speaker<sup" in quote.group(1)


def test_figures_and_timeline_are_tables(project: Path) -> None:
    html = build_html(project)
    assert re.search(r'<td style="text-align:left">Troops trained</td>\s*'
                     r'<td style="text-align:right">50,000 troops</td>', html)
    timeline = html[html.index('id="h-timeline"'):html.index('id="h-sources"')]
    assert '<td style="text-align:left">23 June 2025</td>' in timeline
    assert " align=" not in html  # obsolete in HTML5


def test_contents_only_for_multi_topic_briefings(project: Path) -> None:
    assert 'class="toc"' not in build_html(project)
    write(project, "sources/topics/other.yaml",
          (project / "sources/topics/test-topic.yaml").read_text().replace("Test topic", "Other topic"))
    write(project, "briefings.yaml", "briefings:\n  both:\n    title: Both\n    topics: [test-topic, other]\n")
    html = build_html(project)
    toc = html[html.index('<nav class="toc"'):html.index("</nav>")]
    assert '<a href="#h-test-topic">Test topic</a>' in toc
    assert '<a href="#h-other-topic">Other topic</a>' in toc
    assert '<a href="#h-sources">Sources</a>' in toc


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    '<img src="x.png" onerror="alert(1)">',
    '<iframe src="https://evil.example/"></iframe>',
    '<p onclick="alert(1)">x</p>',
    '<style>body{display:none}</style>',
    '<object data="x.swf"></object>',
    '<svg onload="alert(1)"></svg>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
])
def test_active_content_never_reaches_html(hostile: str) -> None:
    html = markdown_to_html(f"Fact text {hostile} stays.\n").html
    assert "Fact text" in html and "stays." in html
    for marker in ("<script", "javascript:", "onerror", "onclick", "onload", "<iframe", "<style",
                   "<object", "data:text"):
        assert marker not in html.lower()


def test_sanitiser_keeps_the_structure_markdown_produces() -> None:
    html = sanitise('<h2 id="h-x">T</h2><table><tr><td style="text-align: right;">1</td></tr></table>'
                    '<sup class="citation" id="cite-1"><a href="#source-1">1</a></sup>'
                    '<ol class="sources"><li id="source-1" value="1">S</li></ol>')
    assert '<h2 id="h-x">' in html and '<td style="text-align:right">' in html
    assert '<sup class="citation" id="cite-1"><a href="#source-1" rel="noopener noreferrer">1</a></sup>' in html
    assert '<ol class="sources"><li id="source-1" value="1">S</li></ol>' in html


def test_sanitiser_keeps_only_text_align_in_table_cell_styles() -> None:
    html = sanitise('<table><tr><td style="text-align: right; background: url(https://x.example/a.png);'
                    ' display: none">1</td></tr></table><p style="color: red">x</p>')
    assert '<td style="text-align:right">' in html
    assert "url(" not in html and "display" not in html and "color" not in html


def test_sanitiser_drops_ids_and_classes_the_page_gives_meaning_to() -> None:
    html = sanitise('<p class="classification house-note" id="toc-heading">x</p>'
                    '<a href="notes.html">rel</a><a href="file:///etc/passwd">file</a>'
                    '<img src="https://tracker.example/p.gif"><img src="/etc/hostname"><img src="logo.png">')
    assert '<p class="house-note">x</p>' in html
    assert "notes.html" not in html and "file:" not in html
    assert "tracker.example" not in html and "/etc/hostname" not in html and 'src="logo.png"' in html
