"""briefings.audit.spans: a reference's span of a shared archived file (an aggregator page), and the audit matching
its quotes and evidence only there; hostile markers; and distortions of the example against its real articles (when
../shared/seeds is at hand): evidence cited to one item of the aggregator page that only another item carries."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefings.audit.match import find_passage
from briefings.audit.normalise import normalise
from briefings.audit.project_audit import load_and_audit_partially
from briefings.audit.spans import SpanProblem, locate_span, restricted
from briefings.cli import main
from briefings.errors import Problem
from briefings.project.model import Project
from tests.conftest import REPO_ROOT, copy_example, write

SEEDS = REPO_ROOT.parent / "shared" / "seeds"

#: An aggregator page: a main report, advertising, and two related items, one of them the same agency's copy.
PAGE = """\
Harbour expansion approved at Carrow
The Carrow harbour board approved a \u00a32.3bn expansion on Tuesday, its chair said.
\u201cWe are building for the next fifty years,\u201d said Miriam Okafor, the board\u2019s chair.
Try our premium plan
Related Articles
Ferry strike ends
Ferry crews returned to work on Friday after a nine-day strike over pay.
\u201cThe crews are back,\u201d said Tom Reyes, the ferry company\u2019s manager.
\u00a9 2025 Wire
Dredging begins in spring
Dredging of the outer channel begins in spring, the port said.
"""

REFERENCES = """\
report:
  outlet: The Carrow Courier
  title: Harbour expansion approved at Carrow
  published: 2025-03-04
  reliability: B
  archive: page.txt
  span:
    start: Harbour expansion approved at Carrow
    end: the board's chair.
ferry:
  outlet: The Estuary Gazette
  title: Ferry strike ends
  published: 2025-03-08
  reliability: B
  archive: page.txt
  span:
    start: Ferry strike ends
    end: \u00a9 2025 Wire
dredging:
  outlet: Port notices
  title: Dredging begins in spring
  published: 2025-03-08
  reliability: B
  archive: page.txt
  span:
    start: Dredging begins in spring
"""

HEADER = """\
title: Carrow harbour
summary: The harbour, checked.
as_of: 2025-05-01
facts:
  - id: cites-all
    text: The harbour was in the news.
    sources: [report, ferry, dredging]
"""


def make(root: Path, facts: str = "", references: str = REFERENCES, page: str = PAGE) -> Path:
    write(root, "sources/references.yaml", references)
    write(root, "sources/topics/harbour.yaml", HEADER + facts)
    (root / "sources" / "archive").mkdir(parents=True, exist_ok=True)
    (root / "sources" / "archive" / "page.txt").write_text(page, encoding="utf-8")
    return root


def load(root: Path) -> tuple[Project, list[Problem]]:
    return load_and_audit_partially(root)


def coded(problems: tuple[Problem, ...] | list[Problem], code: str) -> list[str]:
    return [str(problem) for problem in problems if problem.code == code]


def line_of(root: Path, text: str, relative: str, after: str = "") -> int:
    lines = (root / relative).read_text(encoding="utf-8").splitlines()
    start = next(number for number, line in enumerate(lines) if after in line) if after else 0
    return next(number for number, line in enumerate(lines[start:], start=start + 1) if text in line)


# -- locating a span ---------------------------------------------------------------------------------------------

def test_a_span_runs_from_the_start_of_its_start_marker_to_the_end_of_its_end_marker() -> None:
    text = normalise(PAGE)
    low, high = locate_span(text, "Ferry strike ends", "\u00a9 2025 Wire")  # type: ignore[misc]
    part = restricted(text, low, high)
    assert part.text.startswith("Ferry strike ends") and part.text.endswith("\u00a9 2025 Wire")
    # Offsets found in the span are offsets of the whole file.
    match = find_passage("returned to work on Friday", part)
    assert match is not None and PAGE[match.start:match.end] == "returned to work on Friday"
    assert find_passage("approved a \u00a32.3bn expansion", part) is None
    # Start only: to the end of the file; end only: from its start.
    low, high = locate_span(text, "Dredging begins in spring", None)  # type: ignore[misc]
    assert (low, high) == (text.text.index("Dredging begins"), len(text.text))
    low, high = locate_span(text, None, "the board's chair.")  # type: ignore[misc]
    assert low == 0 and text.text[:high].endswith("the board's chair.")


def test_markers_are_matched_after_normalising_and_as_whole_words() -> None:
    text = normalise(PAGE)
    # Straight quotes and apostrophes in the marker, typographic in the page; a line break as a space.
    assert not isinstance(locate_span(text, '"We are building', "said Tom Reyes, the ferry company's manager."),
                          SpanProblem)
    assert not isinstance(locate_span(text, "Try our premium plan Related Articles", None), SpanProblem)
    # "Ferry" is no marker inside "Ferrying"; "strike end" is not in "strike ends".
    problem = locate_span(text, "strike end", None)
    assert isinstance(problem, SpanProblem) and problem.code == "span-marker-not-found"


@pytest.mark.parametrize(("start", "end", "code", "words"), [
    ("Harbour expansion approved at Dunmore", None, "span-marker-not-found",
     'the start marker "Harbour expansion approved at Dunmore" is not in the archived text'),
    (None, "\u00a9 2026 Wire", "span-marker-not-found",
     'the end marker "\u00a9 2026 Wire" is not in the archived text'),
    ("said", None, "span-marker-ambiguous", 'the start marker "said" stands more than once'),
    ("Ferry strike ends", "the port said.", None, None),
    ("Ferry strike ends", "said", "span-marker-ambiguous", 'the end marker "said" stands more than once'),
    ("Ferry strike ends", "the board's chair.", "span-end-before-start",
     "the end marker \"the board's chair.\" stands before the end of the start marker \"Ferry strike ends\""),
    # An end marker inside the start marker ends before the start marker does.
    ("Ferry strike ends", "strike ends", "span-end-before-start", None),
    ("Ferry crews returned", "Ferry crews", "span-end-before-start", None),
])
def test_hostile_markers_are_refused_with_their_reason(start: str | None, end: str | None, code: str | None,
                                                       words: str | None) -> None:
    result = locate_span(normalise(PAGE), start, end)
    if code is None:
        assert not isinstance(result, SpanProblem)
        return
    assert isinstance(result, SpanProblem) and result.code == code, result
    if words:
        assert result.message.startswith(words)


def test_a_marker_standing_inside_words_many_times_costs_bounded_work() -> None:
    # Like a passage (briefings.audit.match.find_passage), a marker is looked at in at most 10,000 places
    # inside longer words: after that it is "not found", quickly, rather than searched for without end.
    text = normalise("ab" * 200_000 + " ab end")
    started = time.process_time()
    result = locate_span(text, "ab", None)
    assert isinstance(result, SpanProblem) and result.code == "span-marker-not-found"
    assert time.process_time() - started < 2
    near = normalise("ab" * 100 + " ab end")
    assert locate_span(near, "ab", None) == (len(near.text) - len("ab end"), len(near.text))


# -- the audit ------------------------------------------------------------------------------------------------------

def test_evidence_and_quotes_are_matched_only_in_their_references_span(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: expansion
    text: The harbour board approved a £2.3bn expansion.
    sources: [report]
    evidence:
      report: The Carrow harbour board approved a £2.3bn expansion on Tuesday
    quote:
      text: We are building for the next fifty years
      speaker: Miriam Okafor
  - id: strike-from-the-wrong-item
    text: Ferry crews returned to work.
    sources: [report]
    evidence:
      report: Ferry crews returned to work on Friday after a nine-day strike over pay.
  - id: quote-from-the-wrong-item
    text: The ferry crews are back.
    sources: [report, ferry]
    evidence:
      ferry: Ferry crews returned to work on Friday
    quote:
      text: The crews are back
      speaker: Tom Reyes
""")
    project, problems = load(root)
    topic = "sources/topics/harbour.yaml"
    line = line_of(root, "report: Ferry crews", topic)
    [evidence_error] = coded(problems, "evidence-not-found")
    assert evidence_error.startswith(f"{topic}:{line}: fact 'strike-from-the-wrong-item': the evidence for 'report' "
                                     "is not in the archived text of 'report' (page.txt)")
    # The closest passage shown is taken from the span too: not the ferry item's sentence.
    assert "nine-day strike" not in evidence_error
    [quote_error] = coded(problems, "quote-not-found")
    assert quote_error.startswith(f"{topic}:{line_of(root, 'text: The crews are back', topic)}: fact "
                                  "'quote-from-the-wrong-item': the quote is not in the archived text of 'report'")
    audit = project.audit
    assert audit is not None
    expansion = audit.fact("harbour", "expansion")
    assert expansion.fully_evidenced and expansion.quote is not None and expansion.quote.speaker_confirmed
    # Offsets are the whole file's, and the archive record is the whole file's, with the span.
    evidence = expansion.sources[0].evidence
    assert evidence is not None and evidence.start is not None
    assert PAGE[evidence.start:evidence.end] == "The Carrow harbour board approved a \u00a32.3bn expansion on Tuesday"
    assert expansion.quote.start is not None
    assert PAGE[expansion.quote.start:expansion.quote.end] == "We are building for the next fifty years"
    digest = hashlib.sha256(PAGE.encode("utf-8")).hexdigest()
    for reference in ("report", "ferry", "dredging"):
        record = audit.archive(reference)
        assert record is not None and record.sha256 == digest and record.status == "archived"
        assert record.span_start is not None and record.span_end is not None
    record = audit.archive("ferry")
    assert record is not None
    assert PAGE[record.span_start:record.span_end].startswith("Ferry strike ends")  # type: ignore[misc]
    assert PAGE[record.span_start:record.span_end].endswith("\u00a9 2025 Wire")  # type: ignore[misc]


def test_a_quotes_speaker_must_be_named_inside_the_span(tmp_path: Path) -> None:
    # The quote stands in the ferry item, but its speaker is named only in the item before it.
    page = PAGE.replace("said Tom Reyes, the ferry company\u2019s manager.", "the manager said.").replace(
        "Try our premium plan", "Tom Reyes runs the ferry company.")
    root = make(tmp_path, """\
  - id: crews-back
    text: The ferry crews are back.
    sources: [ferry]
    evidence:
      ferry: Ferry crews returned to work on Friday
    quote:
      text: The crews are back
      speaker: Tom Reyes
""", page=page)
    project, problems = load(root)
    assert problems == []
    assert len(coded(project.warnings, "quote-speaker-unconfirmed")) == 1


def test_a_figure_is_looked_for_only_in_its_references_span(tmp_path: Path) -> None:
    root = make(tmp_path, "figures:\n" + """\
  - label: Strike length
    value: 9
    unit: days
    sources: [ferry]
  - label: Cost of the expansion
    value: 2.3
    unit: £bn
    sources: [ferry]
""")
    project, problems = load(root)
    assert problems == []
    warnings = coded(project.warnings, "number-not-in-evidence")
    assert len(warnings) == 1 and "figure 'Cost of the expansion'" in warnings[0]


@pytest.mark.parametrize(("span", "code", "words"), [
    ("    start: Harbour expansion approved at Dunmore\n", "span-marker-not-found",
     "reference 'report': span in archive 'page.txt': the start marker \"Harbour expansion approved at Dunmore\" "
     "is not in the archived text"),
    ("    start: said\n", "span-marker-ambiguous",
     "reference 'report': span in archive 'page.txt': the start marker \"said\" stands more than once in the "
     "archived text: make it longer, so that it names one place"),
    ("    start: Ferry strike ends\n    end: the board's chair.\n", "span-end-before-start",
     "reference 'report': span in archive 'page.txt': the end marker \"the board's chair.\" stands before the end "
     "of the start marker \"Ferry strike ends\""),
])
def test_a_span_not_found_is_an_error_at_the_references_span_line(tmp_path: Path, span: str, code: str,
                                                                 words: str) -> None:
    references = REFERENCES.replace(
        "  span:\n    start: Harbour expansion approved at Carrow\n    end: the board's chair.\n", "  span:\n" + span)
    root = make(tmp_path, """\
  - id: expansion
    text: The harbour board approved an expansion.
    sources: [report]
    evidence:
      report: The Carrow harbour board approved
""", references=references)
    _, problems = load(root)
    line = line_of(root, "span:", "sources/references.yaml")
    assert coded(problems, code) == [f"sources/references.yaml:{line}: {words} [{code}]"]
    # Its passages are not also reported, one by one.
    assert [problem for problem in problems if problem.code != code] == []


@pytest.mark.parametrize(("span", "words"), [
    ("  span: {}\n", "a span needs a start marker, an end marker or both"),
    ("  span:\n    heading: Ferry strike ends\n", "heading"),
    ("  span:\n    start: " + "x" * 501 + "\n", "500"),
    ("  span:\n    start: ''\n", "span"),
    ("  span: Ferry strike ends\n", "span"),
])
def test_a_malformed_span_is_refused_by_the_loader(tmp_path: Path, span: str, words: str) -> None:
    references = REFERENCES.replace(
        "  span:\n    start: Harbour expansion approved at Carrow\n    end: the board's chair.\n", span)
    root = make(tmp_path, references=references)
    _, problems = load(root)
    assert any(problem.path == "sources/references.yaml" and words in problem.message for problem in problems), \
        [str(problem) for problem in problems]


def test_a_span_without_an_archive_is_refused(tmp_path: Path) -> None:
    references = REFERENCES.replace("  archive: page.txt\n  span:\n    start: Dredging", "  span:\n    start: Dredging")
    root = make(tmp_path, references=references)
    _, problems = load(root)
    assert any("no archive" in problem.message for problem in problems), [str(problem) for problem in problems]


# -- the example against its real articles ------------------------------------------------------------------------

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the example's archived articles are not here ({SEEDS})")

#: Evidence cited to one item of the aggregator page (000) that only another item of it carries: (topic, fact,
#: source, the passage put in place of its evidence for that source).
DISTORTIONS = [
    ("nato-spending", "hague-summit", "lemonde-rutte-approach",
     "The two-day summit in The Hague involves an informal dinner Tuesday"),
    ("nato-spending", "five-percent-headline", "france24-flatterer-in-chief",
     "The alliance's 32 members will pledge to boost defense expenditure to five percent of gross domestic product"),
    ("drone-coproduction", "nato-summit-eve", "france24-nato-summit-discord",
     "The trip comes on the eve of a NATO summit in The Hague, which Zelensky is due to attend."),
    ("nato-spending", "core-and-broader-split", "afp-uk-ukraine-ties",
     "The agreement sees countries promise to spend 3.5 percent of GDP on core military spending"),
]


def distort(root: Path, topic: str, fact: str, source: str, passage: str) -> None:
    """Replace the evidence ``fact`` gives for ``source`` (a folded block in the example) with ``passage``."""
    path = root / "sources" / "topics" / f"{topic}.yaml"
    text = path.read_text(encoding="utf-8")
    block = re.search(rf"  - id: {fact}\n(?:    .*\n|\n)*?      {source}: >-\n((?:        .*\n)+)", text)
    assert block is not None, (fact, source)
    path.write_text(text[:block.start(1)] + f"        {passage}\n" + text[block.end(1):], encoding="utf-8")


@needs_seeds
@pytest.mark.parametrize(("topic", "fact", "source", "passage"), DISTORTIONS)
def test_evidence_from_another_item_of_the_aggregator_page_is_caught(tmp_path: Path, topic: str, fact: str,
                                                                     source: str, passage: str) -> None:
    root = copy_example(tmp_path / "example")
    distort(root, topic, fact, source, passage)
    result = CliRunner().invoke(main, ["check", "--project", str(root), "--strict", "--archive-dir", str(SEEDS)])
    assert result.exit_code == 1
    assert re.search(rf"fact '{fact}': the evidence for '{source}' is not in the archived text of '{source}'"
                     r".*\[evidence-not-found\]", result.stderr), result.stderr


@needs_seeds
def test_the_example_passes_with_its_spans_and_without_them_the_distortion_would_pass(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--project", str(REPO_ROOT), "--strict", "--archive-dir", str(SEEDS)])
    assert result.exit_code == 0, result.stderr
    # Without spans, a passage of another item of the page would be found: the spans are what catch it.
    root = copy_example(tmp_path / "example")
    references = root / "sources" / "references.yaml"
    lines = references.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for number, line in enumerate(lines)
            if not (line.startswith("  span:") or line.startswith(("    start:", "    end:")))]
    references.write_text("".join(kept), encoding="utf-8")
    for distortion in DISTORTIONS:
        distort(root, *distortion)
    result = CliRunner().invoke(main, ["check", "--project", str(root), "--strict", "--archive-dir", str(SEEDS)])
    assert "[evidence-not-found]" not in result.stderr, result.stderr
