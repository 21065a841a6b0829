"""The attribution audit as a reader meets it, end to end, in every format (issue 9).

A made-up project (the articles are tests/fixtures/archive/*, written for the
tests) is built once in Markdown, HTML, PDF and JSON, and once more with every
``archive:`` removed. The tests read the outputs back: the quote marks, the
grades and caveats, the Sources entries with the facts that cite them (linked
back to each fact in HTML and PDF), the figures that disagree across two
topics, the inferred date, the snapshot's offsets and digests against the
archived text, the snapshot attached to the PDF, and hostile evidence. The
example project is checked against the real articles in ../shared/seeds (beside
the checkout) when that directory exists (read there, never copied into the repository).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import jinja2
import pytest
import yaml
from click.testing import CliRunner

from briefings.audit.archive import read_archive
from briefings.audit.normalise import normalise
from briefings.audit.states import LEGEND
from briefings.build.orchestrate import build
from briefings.cli import main
from briefings.render.filters import CHECK_CLASSES, date_note
from briefings.render.html import ALLOWED_CLASSES, sanitise
from briefings.render.views import FactView
from tests.conftest import (
    GENERATED,
    PAGED_MEDIA_CSS,
    REPO_ROOT,
    VNU_JAR,
    assert_valid,
    copy_example,
    fold,
    pdftotext_pages,
    reader,
    require_tool,
    schema_errors,
    write,
)

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "archive"
SEEDS = REPO_ROOT.parent / "shared" / "seeds"
BRIEFING = "harbour-overview"

REFERENCES = """\
courier:
  outlet: The Carrow Courier
  title: Port of Carrow agrees harbour expansion
  published: 2025-03-04
  reliability: B
  archive: harbour-deal.txt
gazette:
  outlet: The Estuary Gazette
  title: Ferry strike ends at Carrow
  published: 2025-03-08
  reliability: C
  archive: ferry-report.txt
minutes:
  outlet: Carrow Harbour Board
  title: Board minutes, March meeting
  published: 2025-03-20
  reliability: B
  archive: board-minutes.txt
chatter:
  outlet: Carrow Chatter
  title: Harbour rumours
  published: 2025-03-05
  reliability: E
lost:
  outlet: The Dunmore Herald
  title: A report whose copy was lost
  published: 2025-03-06
  reliability: C
  archive: lost-article.txt
"""

#: The first topic: a verified quote, an unverifiable one, graded facts with and without caveats,
#: an inferred date, hostile evidence, a source whose archive is missing, and one side of a discrepancy.
HARBOUR = """\
title: Carrow harbour
summary: The harbour expansion, checked against the archived reports.
as_of: 2025-05-01
facts:
  - id: approved
    section: The deal
    text: The harbour board approved a £2.3bn expansion that it says will create jobs.
    sources: [courier, gazette]
    credibility: 2
    evidence:
      courier: The Carrow harbour board approved a £2.3bn expansion on Tuesday
      gazette: The harbour board says its expansion will create 45,000 jobs
    quote:
      text: We are building for the next fifty years - not the next five
      speaker: Miriam Okafor
  - id: rival-bid
    section: The deal
    text: A rival bid for the harbour was rumoured.
    sources: [chatter]
    credibility: 4
    quote:
      text: a rival bid is coming
      speaker: A Chatter columnist
    acknowledge:
      quote-unverifiable: The rumour site keeps no archive; the text says it is a rumour.
  - id: strike-ended
    section: The ferry
    date: 2025-03-07
    date_inferred: true
    text: Ferry crews returned to work after a strike over pay.
    sources: [gazette]
    credibility: 3
    evidence:
      gazette: returned to work on Friday after a nine-day strike over pay
  - id: minutes-struck
    section: The board
    text: The board struck a pasted comment from its minutes.
    sources: [minutes]
    credibility: 2
    evidence:
      minutes: "<script>alert(1)</script> *urgent* [x](javascript:alert(1)) and asked that it be struck"
  - id: lost-report
    section: The board
    text: A Dunmore paper also covered the board's meeting.
    sources: [lost]
figures:
  - label: Jobs the expansion creates
    value: 50000
    unit: jobs
    key: harbour-jobs
    sources: [courier]
  - label: Cost of the expansion
    value: 2.3
    unit: £bn
    sources: [courier]
  - label: Berths planned
    value: 14
    unit: berths
    sources: [courier]
"""

#: The second topic: the other side of the discrepancy.
FERRY = """\
title: Carrow ferry
summary: The ferry strike and the jobs the harbour promises.
as_of: 2025-05-01
facts:
  - id: passengers
    text: The strike affected 1,200 passengers a day.
    sources: [gazette]
    credibility: 2
    evidence:
      gazette: The operator said 1,200 passengers a day had been affected.
figures:
  - label: Jobs the expansion creates
    value: 45000
    unit: jobs
    key: harbour-jobs
    sources: [gazette]
"""

SETTINGS = f"""\
title: Carrow briefings
classification: OFFICIAL
formats: [md, html, pdf]
briefings:
  {BRIEFING}:
    title: The Carrow harbour, audited
    topics: [harbour, ferry]
"""

ACKNOWLEDGED_DISCREPANCY = """\
    acknowledge:
      figure-discrepancy: The two papers count the jobs differently.
"""


def make_project(root: Path, *, archives: bool = True) -> Path:
    """The project at ``root``; without ``archives`` every ``archive:`` line is left out (and no archive copied)."""
    references = REFERENCES if archives else "".join(
        line for line in REFERENCES.splitlines(keepends=True) if "archive:" not in line)
    write(root, "briefings.yaml", SETTINGS)
    write(root, "sources/references.yaml", references)
    write(root, "sources/topics/harbour.yaml", HARBOUR)
    write(root, "sources/topics/ferry.yaml", FERRY)
    if archives:
        archive = root / "sources" / "archive"
        archive.mkdir(parents=True, exist_ok=True)
        for name in ("harbour-deal.txt", "ferry-report.txt", "board-minutes.txt"):
            shutil.copy(FIXTURES / name, archive / name)
    return root


def without_archives(root: Path) -> Path:
    """The same project with no ``archive:`` at all (and no acknowledgement that would then not apply)."""
    make_project(root, archives=False)
    harbour = root / "sources/topics/harbour.yaml"
    text = harbour.read_text(encoding="utf-8")
    text = re.sub(r"    acknowledge:\n      quote-unverifiable: .*\n", "", text)
    harbour.write_text(text, encoding="utf-8")
    return root


class Outputs:
    """One build's outputs of the briefing, read back."""

    def __init__(self, root: Path):
        self.root = root
        output = root / "output"
        self.md = (output / f"{BRIEFING}.md").read_text(encoding="utf-8")
        self.html = (output / f"{BRIEFING}.html").read_text(encoding="utf-8")
        self.pdf = output / f"{BRIEFING}.pdf"
        self.json = output / f"{BRIEFING}.json"
        self.pdf_text = fold(" ".join(pdftotext_pages(self.pdf)))
        # The body of the page (the stylesheet names the classes .verified and .unverified).
        self.body = self.html[self.html.index('<main class="body">'):self.html.index("</main>")]

    def section(self, text: str, start: str, end: str | None = None) -> str:
        begin = text.index(start)
        return text[begin:text.index(end, begin)] if end else text[begin:]


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    root = make_project(tmp_path_factory.mktemp("audited") / "project")
    report = build(root, formats=["md", "html", "pdf", "json"], generated=GENERATED, jobs=1)
    assert not report.failed
    assert {problem.code for problem in report.warnings} == {
        "archive-missing", "single-outlet", "low-reliability", "figure-discrepancy", "number-not-in-evidence",
        "figure-evidence-missing"}, \
        report.warnings
    return Outputs(root)


@pytest.fixture(scope="module")
def unaudited(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    root = without_archives(tmp_path_factory.mktemp("unaudited") / "project")
    report = build(root, formats=["md", "html", "pdf", "json"], generated=GENERATED, jobs=1)
    assert not report.failed
    assert not {problem.code for problem in report.warnings} & {
        "quote-unverifiable", "evidence-unverifiable", "single-outlet", "archive-missing"}, report.warnings
    return Outputs(root)


LEGEND_MD = LEGEND
# The HTML (and so the PDF) sets straight apostrophes as typographic ones.
LEGEND_TEXT = LEGEND_MD.replace("*", "").replace("'", "’")


# -- 1. quote marks and the legend -----------------------------------------------------------------------------------

def test_quotes_are_marked_with_what_was_checked_in_every_format(audited: Outputs) -> None:
    assert "    > — Miriam Okafor[^1] *(quote found · speaker confirmed)*\n" in audited.md
    assert "    > — A Chatter columnist[^3] *(quote not checked: no archived copy)*\n" in audited.md
    # Each mark's own class, then the one earlier versions gave it (house stylesheets may name those).
    assert re.search(r'— Miriam Okafor<sup class="citation"[^>]*><a href="#source-1"[^>]*>1</a></sup> '
                     r'<span class="check confirmed verified">quote found · speaker confirmed</span></p>',
                     audited.body)
    assert re.search(r'— A Chatter columnist<sup class="citation"[^>]*><a href="#source-3"[^>]*>3</a></sup> '
                     r'<span class="check not-checked unverified">quote not checked: no archived copy</span></p>',
                     audited.body)
    # The PDF sets the marks in small capitals (text-transform), which pdftotext reads back as capitals.
    assert "— Miriam Okafor1 QUOTE FOUND · SPEAKER CONFIRMED" in audited.pdf_text
    assert "— A Chatter columnist3 QUOTE NOT CHECKED: NO ARCHIVED COPY" in audited.pdf_text


def test_figures_are_marked_with_what_was_checked_in_every_format(audited: Outputs) -> None:
    assert "| Carrow harbour | Cost of the expansion | £2.3bn | [^1] *(figure in source)* |\n" in audited.md
    assert "| Carrow harbour | Berths planned | 14 berths | [^1] *(figure not in source)* |\n" in audited.md
    assert re.search(r'<a href="#source-1"[^>]*>1</a></sup> <span class="check in-source">figure in source</span>'
                     r'</td>', audited.body)
    assert '<span class="check not-in-source">figure not in source</span>' in audited.body
    assert "£2.3bn 1 FIGURE IN SOURCE" in audited.pdf_text
    assert "14 berths 1 FIGURE NOT IN SOURCE" in audited.pdf_text


def test_every_class_of_a_mark_survives_the_sanitiser() -> None:
    for classes in CHECK_CLASSES.values():
        assert set(classes.split()) <= ALLOWED_CLASSES, classes


def visible_text(html: str) -> str:
    """What a reader of the HTML page sees: its text without tags, attributes or the stylesheet."""
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", "", html)


def test_no_document_says_a_bare_verified(audited: Outputs) -> None:
    """The documents say what was checked ("quote found · speaker confirmed", "passage found in source", "figure in
    source"), never that something was "verified" or "unverified"."""
    for text in (audited.md, visible_text(audited.html), audited.pdf_text):
        assert not re.search(r"verif", text, re.IGNORECASE), re.findall(r".{60}verif.{20}", text, re.IGNORECASE)


def test_the_legend_explains_the_marks_once_in_the_sources_section(audited: Outputs) -> None:
    assert audited.md.count(LEGEND_MD) == 1
    assert audited.md.index("## Sources") < audited.md.index(LEGEND_MD) < audited.md.index("[^1]: ")
    marked = "A quote marked <em>quote found · speaker confirmed</em> stands word for word"
    assert audited.body.count(marked) == 1
    assert audited.body.index('id="h-sources"') < audited.body.index(marked)
    assert audited.pdf_text.count(LEGEND_TEXT) == 1
    assert audited.pdf_text.index("Sources Reliability grades") < audited.pdf_text.index(LEGEND_TEXT)


def test_a_project_without_archives_shows_no_marks_and_no_legend(unaudited: Outputs) -> None:
    for text in (unaudited.md, unaudited.body, unaudited.pdf_text):
        assert not re.search(r"verified", text, re.IGNORECASE), text
        assert "A grade such as B2" not in text
    assert "    > — Miriam Okafor[^1]\n" in unaudited.md
    assert "    > — A Chatter columnist[^3]\n" in unaudited.md
    assert 'class="check' not in unaudited.body
    # The grade stays (it needs no archive); the caveats that need archives do not appear.
    assert "- The harbour board approved a £2.3bn expansion that it says will create jobs.[^1][^2] (B2)\n" \
        in unaudited.md
    assert "single outlet" not in unaudited.md and "weak sources" not in unaudited.md


# -- 2. grades and caveats -------------------------------------------------------------------------------------------

def test_each_fact_carries_its_grade_and_caveats_beside_its_citations(audited: Outputs) -> None:
    md, body = audited.md, audited.body
    assert "- The harbour board approved a £2.3bn expansion that it says will create jobs.[^1][^2] (B2)\n" in md
    assert "- A rival bid for the harbour was rumoured.[^3] (E4; single outlet; weak sources)\n" in md
    assert "- Ferry crews returned to work after a strike over pay.[^2] (C3; single outlet)\n" in md
    # No credibility given: no grade, but the caveat stays.
    assert "- A Dunmore paper also covered the board's meeting.[^5] (single outlet)\n" in md
    assert re.search(r'will create jobs\.<sup class="citation"[^>]*><a href="#source-1"[^>]*>1</a></sup>'
                     r'<sup class="citation"[^>]*><a href="#source-2"[^>]*>2</a></sup> <span class="grade">B2</span>',
                     body)
    assert re.search(r'was rumoured\.<sup[^>]*><a href="#source-3"[^>]*>3</a></sup> '
                     r'<span class="grade">E4; single outlet; weak sources</span>', body)
    assert '<span class="grade">C3; single outlet</span>' in body
    assert "will create jobs.1,2 B2" in audited.pdf_text
    assert "was rumoured.3 E4; single outlet; weak sources" in audited.pdf_text


# -- 3. Sources entries: the facts that cite them, linked back -------------------------------------------------------

def test_sources_entries_list_the_citing_facts_with_their_evidence(audited: Outputs) -> None:
    md = audited.md
    assert ("[^1]: The Carrow Courier, “Port of Carrow agrees harbour expansion”, 4 March 2025. Reliability B "
            "(usually reliable). Cited for: approved (Carrow harbour): “The Carrow harbour board approved a £2.3bn "
            "expansion on Tuesday” (passage found in source).\n") in md
    assert ("Cited for: approved (Carrow harbour): “The harbour board says its expansion will create 45,000 jobs” "
            "(passage found in source); strike-ended (Carrow harbour): “returned to work on Friday after a nine-day "
            "strike over pay” (passage found in source); passengers (Carrow ferry): “The operator said 1,200 "
            "passengers a day had been affected.” (passage found in source).\n") in md
    # Without evidence from it: the fact alone, no passage, no mark.
    assert "Reliability E (unreliable). Cited for: rival-bid (Carrow harbour).\n" in md
    # In the PDF, "Cited for" is a small-capitals label above one line per fact.
    assert ("CITED FOR approved (Carrow harbour): “The Carrow harbour board approved a £2.3bn expansion on "
            "Tuesday” (passage found in source)") in audited.pdf_text
    assert ("passengers (Carrow ferry): “The operator said 1,200 passengers a day had been affected.” "
            "(passage found in source)" in audited.pdf_text)


def test_a_single_topic_briefing_names_the_fact_without_its_topic(tmp_path: Path) -> None:
    root = make_project(tmp_path / "single")
    settings = SETTINGS.replace("topics: [harbour, ferry]", "topics: [ferry]")
    write(root, "briefings.yaml", settings)
    build(root, formats=["md"], generated=GENERATED, jobs=1)
    md = (root / "output" / f"{BRIEFING}.md").read_text(encoding="utf-8")
    assert ("Cited for: passengers: “The operator said 1,200 passengers a day had been affected.” "
            "(passage found in source).\n") in md


def test_html_sources_link_back_to_each_citing_fact(audited: Outputs) -> None:
    body = audited.body
    sources = body[body.index('<ol class="sources">'):]
    links = re.findall(r'<a href="#(fact-[^"]+)"[^>]*>([^<]+)</a>', sources)
    assert links == [("fact-harbour--approved", "approved"), ("fact-harbour--approved", "approved"),
                     ("fact-harbour--strike-ended", "strike-ended"), ("fact-ferry--passengers", "passengers"),
                     ("fact-harbour--rival-bid", "rival-bid"), ("fact-harbour--minutes-struck", "minutes-struck"),
                     ("fact-harbour--lost-report", "lost-report")]
    for anchor, _ in links:
        assert body.count(f'<span id="{anchor}"></span>') == 1
        assert body.index(f'<span id="{anchor}"></span>') < body.index('<ol class="sources">')
    assert ('<span class="citing"><a href="#fact-harbour--approved" rel="noopener noreferrer">approved</a> '
            '(Carrow harbour): “The Carrow harbour board approved a £2.3bn expansion on Tuesday” '
            '(passage found in source)</span>') in sources


def test_the_links_back_to_facts_survive_into_the_pdf(audited: Outputs) -> None:
    pdf = reader(audited.pdf)
    destinations = pdf.named_destinations
    anchors = ["fact-harbour--approved", "fact-harbour--rival-bid", "fact-harbour--strike-ended",
               "fact-harbour--minutes-struck", "fact-harbour--lost-report", "fact-ferry--passengers"]
    for anchor in anchors:
        assert anchor in destinations
    links = []
    for number, page in enumerate(pdf.pages):
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            if str(annotation.get("/Dest", "")).startswith("fact-"):
                links.append((number, str(annotation["/Dest"])))
    # Every fact is linked from the Sources; the timeline's entries link to their facts too (before the Sources).
    # Each link leads back to an earlier (or the same) page, where the fact stands.
    sources_page = pdf.get_destination_page_number(destinations["source-1"])
    assert {anchor for number, anchor in links if number >= sources_page} == set(anchors)
    assert {anchor for number, anchor in links if number < sources_page} <= set(anchors)
    for number, anchor in links:
        assert pdf.get_destination_page_number(destinations[anchor]) <= number
    assert pdf.get_destination_page_number(destinations["fact-harbour--approved"]) == 0


# -- 4. figures that disagree ----------------------------------------------------------------------------------------

def test_a_discrepancy_across_two_topics_is_shown_in_every_format(audited: Outputs) -> None:
    md, body = audited.md, audited.body
    assert ("- Jobs the expansion creates: 45,000 jobs[^2] (Carrow ferry) vs 50,000 jobs[^1] (Carrow harbour).\n"
            in md)
    assert md.index("## Key figures") < md.index("**Figures that disagree.**") < md.index("## Timeline")
    assert "| Carrow harbour | Jobs the expansion creates | 50,000 jobs ‡ | [^1] *(figure in source)* |" in md
    assert "| Carrow ferry | Jobs the expansion creates | 45,000 jobs ‡ | [^2] *(figure in source)* |" in md
    assert "| Carrow harbour | Cost of the expansion | £2.3bn | [^1] *(figure in source)* |" in md  # not disputed: no ‡
    paragraph = body[body.index("<strong>Figures that disagree.</strong>"):body.index('id="h-timeline"')]
    assert re.search(r'<li>Jobs the expansion creates: 45,000 jobs<sup class="citation"[^>]*><a href="#source-2"'
                     r'[^>]*>2</a></sup> \(Carrow ferry\) vs 50,000 jobs<span><sup class="citation"[^>]*>'
                     r'<a href="#source-1"[^>]*>1</a></sup></span> \(Carrow harbour\)\.</li>', paragraph), paragraph
    assert '<td style="text-align:right">50,000 jobs ‡</td>' in body
    assert '<td style="text-align:right">45,000 jobs ‡</td>' in body
    # No stray comma before the second value's citation (the stylesheet separates only adjacent citations).
    assert ("Jobs the expansion creates: 45,000 jobs2 (Carrow ferry) vs 50,000 jobs1 (Carrow harbour)."
            in audited.pdf_text)
    assert "50,000 jobs ‡" in audited.pdf_text and "45,000 jobs ‡" in audited.pdf_text


def test_the_snapshot_lists_the_discrepancy(audited: Outputs) -> None:
    snapshot = assert_valid(audited.json)
    assert snapshot["discrepancies"] == [{"key": "harbour-jobs", "figures": [
        {"topic": "ferry", "label": "Jobs the expansion creates", "value": "45000 jobs", "sources": ["gazette"]},
        {"topic": "harbour", "label": "Jobs the expansion creates", "value": "50000 jobs", "sources": ["courier"]},
    ]}]
    keys = [figure["key"] for topic in snapshot["topics"] for figure in topic["figures"]]
    assert keys == ["harbour-jobs", None, None, "harbour-jobs"]


# -- 5. the snapshot attached to the PDF -----------------------------------------------------------------------------

def test_the_pdf_carries_the_snapshot_byte_for_byte(audited: Outputs, tmp_path: Path) -> None:
    pdfdetach = require_tool("pdfdetach")
    listing = subprocess.run([pdfdetach, "-list", str(audited.pdf)], capture_output=True, text=True, check=True)
    assert listing.stdout.splitlines() == ["1 embedded files", f"1: {BRIEFING}.json"]
    extracted = tmp_path / "attached.json"
    subprocess.run([pdfdetach, "-save", "1", "-o", str(extracted), str(audited.pdf)], check=True)
    assert extracted.read_bytes() == audited.json.read_bytes()
    assert_valid(extracted)


# -- 6. the snapshot's evidence, quotes, figures and archives --------------------------------------------------------

def check_against_archive(root: Path, references: dict[str, dict], source: str, passage: str,
                          verification: dict) -> None:
    """The verification says where ``passage`` stands in ``source``'s archive: offsets and digest agree."""
    name = references[source]["archive"]["name"]
    archived, problems = read_archive(name, root)
    assert archived is not None and not problems
    assert verification["outcome"] == "verified"
    excerpt = archived.text[verification["start"]:verification["end"]]
    assert normalise(excerpt).text == normalise(passage).text, (excerpt, passage)
    digest = hashlib.sha256((root / "sources" / "archive" / name).read_bytes()).hexdigest()
    assert verification["archive_sha256"] == digest == references[source]["archive"]["sha256"]


def test_snapshot_offsets_and_digests_point_into_the_archived_text(audited: Outputs) -> None:
    snapshot = assert_valid(audited.json)
    assert snapshot["schema_version"] == "1.3"
    quotes = [fact["quote"] for topic in snapshot["topics"] for fact in topic["facts"] if fact["quote"]]
    assert {"confirmed": True, "named_as": "Miriam Okafor"} in [quote["speaker_check"] for quote in quotes]
    assert all(quote["speaker_check"] is None for quote in quotes if quote["verification"]["outcome"] != "verified")
    references = {reference["id"]: reference for reference in snapshot["references"]}
    facts = {(topic["id"], fact["id"]): fact for topic in snapshot["topics"] for fact in topic["facts"]}
    checked = 0
    for fact in facts.values():
        for item in fact["evidence"]:
            check_against_archive(audited.root, references, item["source"], item["passage"], item["verification"])
            checked += 1
    assert checked == 5
    # A passage that crosses a line break in the archive, with a typographic difference in the quote.
    approved = facts[("harbour", "approved")]
    quote = approved["quote"]
    check_against_archive(audited.root, references, "courier", quote["text"], quote["verification"])
    assert approved["grade"] == "B2" and approved["verification"]["fully_evidenced"] is True
    # A quote whose source keeps no archive: unverifiable, with nothing to point at.
    assert facts[("harbour", "rival-bid")]["quote"]["verification"] == {
        "outcome": "unverifiable", "start": None, "end": None, "archive_sha256": None}
    assert facts[("harbour", "rival-bid")]["verification"]["single_outlet"] is True
    assert facts[("harbour", "rival-bid")]["verification"]["low_reliability"] is True
    assert facts[("harbour", "strike-ended")]["date_inferred"] is True
    figures = {(topic["id"], figure["label"]): figure["verification"] for topic in snapshot["topics"]
               for figure in topic["figures"]}
    assert figures[("harbour", "Jobs the expansion creates")] == {"outcome": "verified", "unsupported_numbers": []}
    assert figures[("harbour", "Berths planned")]["outcome"] == "not-found"
    assert figures[("ferry", "Jobs the expansion creates")]["outcome"] == "verified"
    assert {reference: (record["archive"] or {}).get("status") for reference, record in references.items()} == {
        "courier": "archived", "gazette": "archived", "minutes": "archived", "chatter": None, "lost": "missing"}
    assert references["lost"]["archive"] == {"name": "lost-article.txt", "status": "missing", "sha256": None,
                                             "span_start": None, "span_end": None}


def test_the_snapshot_records_each_check_in_the_documents_words(audited: Outputs) -> None:
    snapshot = assert_valid(audited.json)
    facts = {(topic["id"], fact["id"]): fact for topic in snapshot["topics"] for fact in topic["facts"]}
    assert facts[("harbour", "approved")]["checks"] == [
        {"check": "quote", "source": "courier", "speaker": "confirmed", "state": "found",
         "words": "quote found · speaker confirmed"},
        {"check": "evidence", "source": "courier", "state": "found", "words": "passage found in source"},
        {"check": "evidence", "source": "gazette", "state": "found", "words": "passage found in source"}]
    assert facts[("harbour", "rival-bid")]["checks"] == [
        {"check": "quote", "source": "chatter", "speaker": None, "state": "not-checked",
         "words": "quote not checked: no archived copy"}]
    # A fact with neither quote nor evidence passage: nothing was checked, and the list says so by being empty.
    assert facts[("harbour", "lost-report")]["checks"] == []
    figures = {(topic["id"], figure["label"]): figure["checks"] for topic in snapshot["topics"]
               for figure in topic["figures"]}
    assert figures[("harbour", "Cost of the expansion")] == [
        {"check": "figure", "state": "in-source", "words": "figure in source"}]
    assert figures[("harbour", "Berths planned")] == [
        {"check": "figure", "state": "not-in-source", "words": "figure not in source"}]
    # The words are those the documents print.
    for fact_or_figure in [*facts.values(), *(figure for topic in snapshot["topics"] for figure in topic["figures"])]:
        for entry in fact_or_figure["checks"]:
            # (A date's words are the audit's sentence: the documents mark only an inferred date, more briefly.)
            if entry["check"] not in ("evidence", "date"):
                assert entry["words"] in audited.md and entry["words"].upper() in audited.pdf_text, entry
    dated = [entry for fact in facts.values() for entry in fact["checks"] if entry["check"] == "date"]
    assert {"check": "date", "source": "gazette", "state": "derived",
            "words": "date inferred from the publication date (8 March 2025) and 'on Friday'"} in dated


def test_a_check_entry_of_an_unknown_kind_or_state_fails_the_schema(audited: Outputs) -> None:
    snapshot = json.loads(audited.json.read_bytes())
    facts = snapshot["topics"][0]["facts"]
    facts[0]["checks"][0]["state"] = "verified"
    facts[1]["checks"].append({"check": "hunch", "state": "found", "words": "felt right"})
    snapshot["topics"][0]["figures"][0]["checks"][0]["speaker"] = "confirmed"
    errors = schema_errors(snapshot)
    assert len(errors) >= 3, errors
    del facts[0]["checks"]
    assert schema_errors(snapshot), "checks is required"


def test_a_tampered_snapshot_fails_the_schema(audited: Outputs) -> None:
    # The schema really constrains the 1.1 keys checked above (so their validation means something).
    snapshot = json.loads(audited.json.read_bytes())
    snapshot["topics"][0]["facts"][0]["evidence"][0]["verification"]["start"] = "sixty"
    snapshot["references"][-1]["archive"]["status"] = "misplaced"
    errors = schema_errors(snapshot)
    assert any("start" in error for error in errors) and any("status" in error for error in errors), errors


# -- 7. inferred dates -----------------------------------------------------------------------------------------------

def test_an_inferred_date_is_marked_in_the_timeline_with_what_it_was_inferred_from(audited: Outputs) -> None:
    # The gazette, published Saturday 8 March 2025, says the crews "returned to work on Friday". The date cell
    # says "(inferred)"; what it was inferred from follows the entry, set small (the date column stays narrow).
    assert ("| 7 March 2025 (inferred) | Carrow harbour | Ferry crews returned to work after a strike over pay.[^2] "
            "*Date inferred from the publication date, 8 March 2025, and 'on Friday'.* |" in audited.md)
    assert '<td style="text-align:left">7 March 2025 (inferred)</td>' in audited.body
    assert ('<span class="date-note">Date inferred from the publication date, 8 March 2025, and \u2018on '
            'Friday\u2019.</span>') in audited.body
    pdf = " ".join(audited.pdf_text.split())
    assert "7 March 2025 (inferred)" in pdf and "Date inferred from the publication date, 8 March 2025, and" in pdf


def test_a_date_note_quoting_hostile_evidence_words_is_text() -> None:
    fact = FactView(id="f", text="x", sources=("a",), date=datetime.date(2025, 3, 7), section="s", quote=None,
                    date_inferred=True, date_mark="inferred from the publication date, 8 March 2025, and "
                                                  "'<img src=x onerror=alert(1)> *on* Friday'")
    environment = jinja2.Environment(autoescape=False)
    environment.globals["date_note"] = date_note
    md = environment.from_string("{{ date_note(fact) }}").render(fact=fact, standalone=True)
    html_body = environment.from_string("{{ date_note(fact) }}").render(fact=fact, standalone=False)
    assert "<img" not in md and "<img" not in html_body and "&lt;img" in html_body and "\\*on\\*" in md


# -- 8. hostile evidence and anchors ---------------------------------------------------------------------------------

def test_evidence_with_markup_is_shown_as_written_never_run_or_linked(audited: Outputs) -> None:
    md = audited.md
    assert ("Cited for: minutes-struck (Carrow harbour): “\\<script\\>alert(1)\\</script\\> \\*urgent\\* "
            "\\[x\\](javascript:alert(1)) and asked that it be struck” (passage found in source).\n") in md
    body = audited.body
    entry = body[body.index('<li id="source-4"'):body.index('<li id="source-5"')]
    assert ("“&lt;script&gt;alert(1)&lt;/script&gt; *urgent* [x](javascript:alert(1)) and asked that it be "
            "struck” (passage found in source)") in entry
    assert "<script" not in audited.html and "javascript:" not in re.sub(r">[^<]*<", "><", body)
    assert "<em>urgent</em>" not in body
    assert re.findall(r"<a [^>]*>", entry) == [
        '<a href="#fact-harbour--minutes-struck" rel="noopener noreferrer">',
        '<a aria-label="Back to citation 4" class="backref" href="#cite-4" rel="noopener noreferrer">']
    assert ("minutes-struck (Carrow harbour): “<script>alert(1)</script> *urgent* [x](javascript:alert(1)) and asked "
            "that it be struck” (passage found in source)") in audited.pdf_text


@pytest.mark.parametrize("anchor, kept", [
    ("fact-harbour--approved", True),
    ("fact-coalition-of-the-willing--uk-loan-2", True),
    ("fact-harbour", False),
    ("fact-harbour--", False),
    ("fact---approved", False),
    ("fact-harbour--approved--again", False),
    ("fact-Harbour--approved", False),
    ("fact-harbour--approved x", False),
    ("fact-harbour_x--approved", False),
    ("colophon", False),
    ("source-1-fact-a--b", False),
])
def test_the_sanitiser_keeps_only_fact_anchors_of_the_slug_pattern(anchor: str, kept: bool) -> None:
    html = sanitise(f'<p><span id="{anchor}">x</span><a href="#{anchor}">y</a></p>')
    assert (f'id="{anchor}"' in html) is kept, html
    assert re.search(r'id="(?!fact-[a-z0-9]+(?:-[a-z0-9]+)*--[a-z0-9]+(?:-[a-z0-9]+)*")', html) is None


def test_fact_ids_that_are_not_slugs_are_refused(tmp_path: Path) -> None:
    root = make_project(tmp_path / "bad-id")
    topic = FERRY.replace("id: passengers", 'id: "x\\"><script>alert(1)</script>"')
    write(root, "sources/topics/ferry.yaml", topic)
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    assert "sources/topics/ferry.yaml:5:" in result.stderr


# -- the HTML stays valid --------------------------------------------------------------------------------------------

def test_the_audited_html_is_valid_html5(audited: Outputs) -> None:
    java = require_tool("java")
    if not VNU_JAR.is_file():
        pytest.fail(f"the Nu HTML checker is missing ({VNU_JAR}): run .ci/setup, which installs it from npm")
    page = audited.root / "output" / f"{BRIEFING}.html"
    run = subprocess.run([java, "-jar", str(VNU_JAR), "--format", "json", str(page)],
                         capture_output=True, text=True, timeout=300)
    try:
        messages = json.loads(run.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the Nu HTML checker failed to run (exit {run.returncode}):\n{run.stderr}{run.stdout}")
    failures = [f"{message.get('lastLine', '?')}: {message['type']}: {message['message']}" for message in messages
                if (message["type"] != "info" or "obsolete" in message["message"])
                and not any(pattern.search(message["message"]) for pattern in PAGED_MEDIA_CSS)]
    assert not failures, "\n".join(failures)


# -- 9. the example project against the real articles ----------------------------------------------------------------

@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the example's archived articles are not here ({SEEDS}): they are "
                    "kept outside the repository and only read from there")
def test_the_example_is_fully_verified_against_its_seed_articles(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--project", str(root), "--strict", "--archive-dir", str(SEEDS),
                                  "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["warnings"] == 0
    topics = report["audit"]["topics"]
    assert {topic["topic"] for topic in topics} == {"coalition-of-the-willing", "drone-coproduction", "nato-spending"}
    for topic in topics:
        assert topic["quotes"]["not_found"] == 0 and topic["quotes"]["unverifiable"] == 0, topic
        assert topic["quotes"]["verified"] > 0, topic
        assert topic["fully_evidenced"] == topic["facts"], topic
    assert [discrepancy["key"] for discrepancy in report["audit"]["discrepancies"]] == ["uk-loan-russian-assets"]
    text = runner.invoke(main, ["check", "--project", str(root), "--strict", "--archive-dir", str(SEEDS)])
    assert text.exit_code == 0, text.stderr
    assert "discrepancy 'uk-loan-russian-assets': " in text.stdout
    for topic in topics:
        # Every quote of the example is found, and its speaker named near it.
        found = topic["quotes"]["verified"]
        assert topic["quotes"]["speaker_confirmed"] == found
        assert (f"  {topic['topic']}: {topic['facts']} fact(s); quotes {found} found ({found} with the speaker "
                f"confirmed), 0 not found, 0 not checked (no archived copy); {topic['facts']} fully evidenced;"
                ) in text.stdout
    # Nothing was copied into the project (the seeds are only read where they are).
    assert not any(path.name in {seed.name for seed in SEEDS.iterdir()}
                   for path in (root / "sources").rglob("*") if path.suffix == ".txt")


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the example's archived articles are not here ({SEEDS})")
def test_the_example_briefing_says_what_was_checked_in_every_format(tmp_path: Path) -> None:
    """A briefing of the example, built against its seed articles: the Markdown, the HTML and the PDF's text carry
    the precise marks and the legend, never a bare "verified"; the snapshot's checks say the same."""
    root = copy_example(tmp_path / "example")
    report = build(root, only=["nato-spending"], formats=["md", "html", "pdf", "json"], generated=GENERATED,
                   archive_dir=SEEDS, jobs=1)
    assert not report.failed
    output = root / "output"
    md = (output / "nato-spending.md").read_text(encoding="utf-8")
    html = visible_text((output / "nato-spending.html").read_text(encoding="utf-8"))
    # Each page's text, without the running footer and header (the legend may run over a page break): the
    # header is the example's page caveat, the classification and (from page 2) the title.
    caveat = re.escape(yaml.safe_load((root / "briefings.yaml").read_text("utf-8"))["style"]["caveat"])
    pdf = fold(" ".join(re.sub(rf"^{caveat} OFFICIAL (NATO defence spending )?|Defence & Security Research Desk — "
                               r"example project OFFICIAL Page \d+ of \d+$", "", fold(page))
                        for page in pdftotext_pages(output / "nato-spending.pdf")))
    for text, legend in ((md, LEGEND), (html, LEGEND.replace("*", "").replace("'", "’")),
                         (pdf, LEGEND.replace("*", "").replace("'", "’"))):
        assert not re.search(r"verif", text, re.IGNORECASE), re.findall(r".{60}verif.{20}", text, re.IGNORECASE)
        assert text.count(legend) == 1
    for words in ("quote found · speaker confirmed", "passage found in source", "figure in source"):
        # Beyond the legend's own mention: the marks themselves.
        assert md.count(f"({words})") >= 3 and html.count(words) >= 4, words
    assert pdf.count("QUOTE FOUND · SPEAKER CONFIRMED") >= 3 and pdf.count("FIGURE IN SOURCE") >= 3
    assert pdf.count("(passage found in source)") >= 3
    snapshot = assert_valid(output / "nato-spending.json")
    entries = [entry for topic in snapshot["topics"] for item in [*topic["facts"], *topic["figures"]]
               for entry in item["checks"]]
    assert {entry["check"] for entry in entries} == {"quote", "evidence", "figure", "date"}
    assert all(entry["state"] in {"found", "in-source", "stated", "derived", "published"}
               for entry in entries if not (entry["check"] == "date" and entry["source"] is None)), entries
    assert all(entry["speaker"] == "confirmed" for entry in entries if entry["check"] == "quote")
    # Whose copy each reference is, and where it stands in the shared aggregator page, with its offsets there.
    references = {reference["id"]: reference for reference in snapshot["references"]}
    flatterer = references["france24-flatterer-in-chief"]
    assert flatterer["agency"] == "AFP" and flatterer["span"] == {
        "start": "Flatterer-in-chief: How NATO's Rutte worked to win over Trump", "end": "© 2025 AFP"}
    archive = flatterer["archive"]
    assert 0 < archive["span_start"] < archive["span_end"]
    text = (SEEDS / archive["name"]).read_text(encoding="utf-8")
    assert text[archive["span_start"]:archive["span_end"]].startswith("Flatterer-in-chief")
    assert text[archive["span_start"]:archive["span_end"]].endswith("© 2025 AFP")


def test_a_house_template_of_an_earlier_version_keeps_its_marks_and_classes(tmp_path: Path) -> None:
    """A quote block written before speakers were checked passes only the outcome: the mark says "quote found",
    and the HTML keeps the class ``verified`` a house stylesheet of that time may style."""
    root = make_project(tmp_path / "project")
    write(root, "templates/briefing.md.j2", '{% extends "builtin/briefing.md.j2" %}\n'
          "{% block quote %}\n\n    > “{{ fact.quote.text | md_escape }}” — {{ fact.quote.speaker | md_escape }}"
          "{{ verification_note(fact.quote.verification) }}\n{% endblock quote %}\n")
    report = build(root, formats=["md", "html"], generated=GENERATED, jobs=1)
    assert not report.failed
    md = (root / "output" / f"{BRIEFING}.md").read_text(encoding="utf-8")
    html = (root / "output" / f"{BRIEFING}.html").read_text(encoding="utf-8")
    assert "— Miriam Okafor *(quote found)*\n" in md
    assert "— A Chatter columnist *(quote not checked: no archived copy)*\n" in md
    assert '<span class="check found verified">quote found</span>' in html
    assert '<span class="check not-checked unverified">quote not checked: no archived copy</span>' in html
    assert ".body .check.verified" in html  # the built-in stylesheet still styles the old class
