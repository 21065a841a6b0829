"""Citations are numbered by the tool, in the order a reader meets them, in every format.

The project below is built to trip python-markdown's own footnote numbering
(upstream Python-Markdown/markdown#1561): sections holding a single fact,
facts citing several sources listed out of order, quotes, figures citing
sources no fact cites, and a timeline that cites again. A second template
lays the same facts out as a tight list with the figures first, to show that
the numbers follow the template's reading order, not the data's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefings.build.orchestrate import build
from briefings.render.html import markdown_to_html
from tests.conftest import GENERATED, pdftotext_pages, python_steps, reader, write

REFERENCES = "".join(f"""\
ref-{letter}:
  outlet: Outlet {letter.upper()}
  title: Report {letter.upper()}
  published: 2025-06-0{index}
  reliability: B
""" for index, letter in enumerate("abcdef", start=1))

TOPIC = """\
title: Numbering
summary: Sections with one fact each, several sources per fact, quotes, figures and a timeline.
as_of: 2025-06-30
facts:
  - id: only-fact-of-its-section
    section: First
    date: 2025-06-20
    text: The first fact cites C, then A.
    sources: [ref-c, ref-a]
  - id: quoted
    section: Second
    date: 2025-06-10
    text: A quoted fact cites B.
    sources: [ref-b]
    quote:
      text: words from B
      speaker: Someone
  - id: loose-one
    section: Third
    text: A fact citing A and E.
    sources: [ref-e, ref-a]
  - id: loose-two
    section: Third
    text: A fact citing F alone.
    sources: [ref-f]
figures:
  - label: A figure
    value: 12
    sources: [ref-d, ref-a]
"""

#: The same data laid out by a house template: figures first, facts as one tight list, no quotes.
TIGHT_TEMPLATE = """\
{% for entry in figures %}
Figure: {{ entry.figure.label }}{{ cite(entry.figure.sources) }}
{% endfor %}

{% for fact in topics[0].facts %}
- {{ fact.text }}{{ cite(fact.sources) }}
{% endfor %}

## Sources

{% for reference in cited_references %}
[^{{ reference.number }}]: {{ source_note(reference) }}
{% endfor %}
"""


def first_appearances(numbers: list[str]) -> list[int]:
    return list(dict.fromkeys(int(number) for number in numbers))


def outlets_by_number(markdown_text: str) -> dict[int, str]:
    return {int(number): outlet for number, outlet in
            re.findall(r"^\[\^(\d+)\]: (Outlet [A-F]),", markdown_text, re.MULTILINE)}


@pytest.fixture
def numbering_project(tmp_path: Path) -> Path:
    root = tmp_path / "numbering"
    write(root, "sources/references.yaml", REFERENCES)
    write(root, "sources/topics/numbering.yaml", TOPIC)
    return root


def test_markdown_numbers_follow_reading_order(numbering_project: Path) -> None:
    build(numbering_project, formats=["md"], generated=GENERATED)
    text = (numbering_project / "output/numbering.md").read_text(encoding="utf-8")
    body = text[:text.index("## Sources")]

    assert first_appearances(re.findall(r"\[\^(\d+)\]", body)) == [1, 2, 3, 4, 5, 6]
    # C and A in the first fact, B in the quoted one, E then F in the third
    # section, and D, cited only by the figure, last.
    assert outlets_by_number(text) == {1: "Outlet C", 2: "Outlet A", 3: "Outlet B", 4: "Outlet E",
                                       5: "Outlet F", 6: "Outlet D"}
    # Several sources of one fact are listed in ascending order, whatever their order in the data.
    assert "- The first fact cites C, then A.[^1][^2]\n" in text
    assert "- A fact citing A and E.[^2][^4]\n" in text
    assert "> — Someone[^3]" in text
    assert "| A figure | 12 | [^2][^6] |" in text
    timeline = text[text.index("## Timeline"):text.index("## Sources")]
    assert timeline.index("A quoted fact cites B.[^3]") < timeline.index("The first fact cites C, then A.[^1][^2]")


def test_a_house_template_numbers_in_its_own_reading_order(numbering_project: Path) -> None:
    write(numbering_project, "templates/briefing.md.j2", TIGHT_TEMPLATE)
    build(numbering_project, formats=["md", "html"], generated=GENERATED)
    text = (numbering_project / "output/numbering.md").read_text(encoding="utf-8")

    assert text.startswith("Figure: A figure[^1][^2]\n")  # the figure comes first, so D and A are 1 and 2
    assert "- The first fact cites C, then A.[^2][^3]\n- A quoted fact cites B.[^4]\n" in text  # tight list
    assert outlets_by_number(text) == {1: "Outlet D", 2: "Outlet A", 3: "Outlet C", 4: "Outlet B",
                                       5: "Outlet E", 6: "Outlet F"}
    html = (numbering_project / "output/numbering.html").read_text(encoding="utf-8")
    assert first_appearances(re.findall(r'<a href="#source-(\d+)"', html)) == [1, 2, 3, 4, 5, 6]


def test_html_citations_link_to_the_entry_with_that_number(numbering_project: Path) -> None:
    build(numbering_project, formats=["html"], generated=GENERATED)
    html = (numbering_project / "output/numbering.html").read_text(encoding="utf-8")
    sources = html.index('<ol class="sources">')

    cited = re.findall(r'<sup class="citation"[^>]*><a href="#source-(\d+)"[^>]*>(\d+)</a></sup>', html[:sources])
    assert all(target == shown for target, shown in cited)
    assert first_appearances([shown for _, shown in cited]) == [1, 2, 3, 4, 5, 6]
    entries = re.findall(r'<li id="source-(\d+)" value="(\d+)">(Outlet [A-F])', html[sources:])
    assert entries == [("1", "1", "Outlet C"), ("2", "2", "Outlet A"), ("3", "3", "Outlet B"),
                       ("4", "4", "Outlet E"), ("5", "5", "Outlet F"), ("6", "6", "Outlet D")]
    # Each number's first citation is the target of the entry's way back.
    for number in range(1, 7):
        assert html.count(f'id="cite-{number}"') == 1


def test_pdf_links_and_sources_list_read_back_in_order(numbering_project: Path) -> None:
    build(numbering_project, formats=["pdf"], generated=GENERATED)
    pdf_path = numbering_project / "output/numbering.pdf"

    destinations = []
    for page in reader(pdf_path).pages:
        annotations = [annotation.get_object() for annotation in page.get("/Annots", []) or []]
        # Reading order on a page: top to bottom, then left to right.
        annotations.sort(key=lambda annotation: (-float(annotation["/Rect"][1]), float(annotation["/Rect"][0])))
        destinations += [str(annotation["/Dest"]) for annotation in annotations if "/Dest" in annotation]
    citations = [name for name in destinations if name.startswith("source-")]
    assert first_appearances([name.removeprefix("source-") for name in citations]) == [1, 2, 3, 4, 5, 6]

    text = "\n".join(pdftotext_pages(pdf_path))
    sources = text[text.index("SOURCES"):] if "SOURCES" in text else text[text.index("Sources"):]
    listed = re.findall(r"^(\d+)\.\s+(Outlet [A-F])", sources, re.MULTILINE)
    assert listed == [("1", "Outlet C"), ("2", "Outlet A"), ("3", "Outlet B"), ("4", "Outlet E"),
                      ("5", "Outlet F"), ("6", "Outlet D")]


def _citing_one_source(facts: int) -> str:
    lines = [f"- Fact number {index}.[^1]\n" for index in range(facts)]
    return "## Facts\n\n" + "".join(lines) + "\n## Sources\n\n[^1]: The one source.\n"


def test_html_conversion_stays_linear_in_the_number_of_citations() -> None:
    # python-markdown's footnotes made this quadratic (1,000 facts 3 s, 10,000 facts 96 s);
    # counting executed lines instead of seconds keeps the test exact on a noisy machine.
    small = python_steps(markdown_to_html, _citing_one_source(250))
    large = python_steps(markdown_to_html, _citing_one_source(1000))
    assert large / small < 4.6  # linear: about 4; quadratic: about 16
