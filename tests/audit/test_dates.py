"""Dates (issue 17): a date a fact gives must be stated by its evidence or worked out from its source's dating.

Unit tests of :mod:`briefings.audit.dates`, the audit's three checks (``date-not-in-evidence``,
``date-after-publication``, ``weekday-contradicts-date``) on made-up articles, and distortions of the example
against its real articles (when ../shared/seeds is at hand): dates changed in facts' text and ``date:``, a weekday
that contradicts its date and a date after publication are caught; rewriting a date's format, dropping its weekday or
giving a date the evidence's "on Tuesday" and the publication date make is not.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefings.audit.dates import Passage, dates_in, derived_dates, establish, weekday_contradictions
from briefings.audit.project_audit import load_and_audit_partially
from briefings.audit.results import DateBasis
from briefings.cli import main
from tests.audit.test_auditor import coded, line_of, load, make
from tests.conftest import REPO_ROOT, copy_example

SEEDS = REPO_ROOT.parent / "shared" / "seeds"
D = datetime.date
MONDAY = D(2025, 6, 23)


# -- reading dates --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "weekday"), [
    ("on 24 June 2025", D(2025, 6, 24), None),
    ("on June 24, 2025", D(2025, 6, 24), None),
    ("on Tuesday 24 June 2025", D(2025, 6, 24), 1),
    ("on Monday, June 23", D(2025, 6, 23), 0),
    ("on the 24th of June", D(2025, 6, 24), None),
    ("from 2025-06-24", D(2025, 6, 24), None),
    ("on 24 Jun. 2025", D(2025, 6, 24), None),
    ("on 3 Sept 2025", D(2025, 9, 3), None),
])
def test_dates_written_out_are_read_with_their_weekday(text: str, value: datetime.date, weekday: int | None) -> None:
    [found] = dates_in(text, near=MONDAY)
    assert (found.value, found.weekday) == (value, weekday)


@pytest.mark.parametrize("text", ["in June 2025", "5,000 missiles", "3.5% of GDP by 2035", "31 June 2025 was not",
                                  "the 32 members may 5 times", "June 2.5"])
def test_other_numbers_are_no_dates(text: str) -> None:
    assert [item.value for item in dates_in(text, near=MONDAY) if item.value] == []


def test_a_date_without_a_year_takes_the_nearest_to_its_sources_date() -> None:
    assert dates_in("on December 30", near=D(2026, 1, 2))[0].value == D(2025, 12, 30)
    assert dates_in("on 24 June", year=2024)[0].value == D(2024, 6, 24)
    assert dates_in("on 24 June")[0].value is None


def test_relative_words_are_resolved_against_the_publication_date() -> None:
    def days(passage: str, published: datetime.date = MONDAY) -> set[datetime.date]:
        return {first for first, last, _ in derived_dates(passage, published) if first == last}

    assert days("the talks on Tuesday") == {D(2025, 6, 17)}  # past tense: the Tuesday before
    assert days("leaders are due to gather Tuesday") == {D(2025, 6, 17), D(2025, 6, 24)}  # or the coming one
    assert days("a statement released late on Monday") == {MONDAY}
    assert days("last Monday") == {D(2025, 6, 16)}
    assert days("next Friday") == {D(2025, 6, 27)}
    assert days("yesterday") == {D(2025, 6, 22)}
    assert days("Russia fired 352 drones overnight") == {D(2025, 6, 22), MONDAY}
    assert days("on Monday, June 23") == set()  # a weekday written with a date is no relative word
    [(first, last, words)] = derived_dates("talks last week", MONDAY)
    assert (first, last, words) == (D(2025, 6, 16), D(2025, 6, 22), "last week")


def test_establish_says_how_a_date_is_known() -> None:
    afp = [Passage("afp", "Zelensky met Starmer in London on Monday, June 23, cementing a deal", MONDAY)]
    assert establish(MONDAY, afp) == DateBasis("stated", "afp", MONDAY, "Monday, June 23")
    trt = [Passage("trt", "Starmer hosted Rutte at Downing Street on Tuesday", D(2025, 9, 10))]
    basis = establish(D(2025, 9, 9), trt)
    assert basis == DateBasis("derived", "trt", D(2025, 9, 10), "on Tuesday")
    assert basis.wording == "date inferred from the publication date (10 September 2025) and 'on Tuesday'"
    assert basis.mark == "inferred from the publication date, 10 September 2025, and 'on Tuesday'"
    quiet = [Passage("afp", "He travelled to Windsor Castle", MONDAY)]
    assert establish(MONDAY, quiet, [("afp", MONDAY)]).how == "published"
    assert establish(D(2025, 6, 21), quiet, [("afp", MONDAY)]) == DateBasis("not-established")
    assert DateBasis("not-established").mark is None


def test_a_weekday_that_the_date_does_not_fall_on_is_found() -> None:
    [(item, actual)] = weekday_contradictions("On Monday 24 June 2025 the summit opened.")
    assert (item.written, actual) == ("Monday 24 June 2025", "Tuesday")
    assert weekday_contradictions("On Tuesday 24 June 2025, and on Monday, June 23.", year=2025) == []


# -- the audit on made-up articles (the courier, published Tuesday 4 March 2025, says "on Tuesday") --------------

APPROVED = "The Carrow harbour board approved a £2.3bn expansion on Tuesday"


def _fact(fact_id: str, text: str, date: str | None = None, source: str = "courier",
          evidence: str = APPROVED) -> str:
    return (f"  - id: {fact_id}\n" + (f"    date: {date}\n" if date else "") + f"    text: {text}\n"
            f"    sources: [{source}]\n    evidence:\n      {source}: {evidence}\n")


def test_a_date_from_on_tuesday_and_the_publication_date_passes_and_is_recorded(tmp_path: Path) -> None:
    root = make(tmp_path, _fact("approved", "The board approved a £2.3bn expansion on 4 March 2025.", "2025-03-04"))
    project, problems = load(root)
    assert problems == []
    assert [str(item) for item in project.warnings if "date" in (item.code or "")] == []
    assert project.audit is not None
    basis = project.audit.fact("harbour", "approved").date_basis  # type: ignore[union-attr]
    assert basis == DateBasis("derived", "courier", D(2025, 3, 4), "on Tuesday")


def test_a_date_no_passage_gives_is_a_warning_at_the_date_and_at_the_text(tmp_path: Path) -> None:
    root = make(tmp_path, _fact("approved", "The board approved a £2.3bn expansion on 3 March 2025.", "2025-03-03"))
    project, problems = load(root)
    assert problems == []
    warnings = coded(project.warnings, "date-not-in-evidence")
    date_line, text_line = line_of(root, "date: 2025-03-03"), line_of(root, "on 3 March 2025")
    assert warnings == [
        f"sources/topics/harbour.yaml:{date_line}: warning: fact 'approved' gives the date '2025-03-03' (date:), "
        "which none of its evidence passages states, nor lets one work out from its source's publication date "
        "('on Tuesday', 'yesterday'): check the date, or quote the passage that gives it [date-not-in-evidence]",
        f"sources/topics/harbour.yaml:{text_line}: warning: fact 'approved' gives the date '3 March 2025', "
        "which none of its evidence passages states, nor lets one work out from its source's publication date "
        "('on Tuesday', 'yesterday'): check the date, or quote the passage that gives it [date-not-in-evidence]"]
    assert project.audit.fact("harbour", "approved").date_basis.how == "not-established"  # type: ignore[union-attr]


def test_a_date_after_every_sources_publication_is_an_error(tmp_path: Path) -> None:
    root = make(tmp_path, _fact("later", "The board approved a £2.3bn expansion.", "2025-03-10"))
    _, problems = load(root)
    line = line_of(root, "date: 2025-03-10")
    assert coded(problems, "date-after-publication") == [
        f"sources/topics/harbour.yaml:{line}: fact 'later' gives the date '2025-03-10' (date:), after the "
        "publication of every one of its sources (the latest: 'courier', 4 March 2025), and no evidence passage "
        "states it: check the date, or quote the passage that announces it [date-after-publication]"]


@pytest.mark.parametrize(("passage", "date", "caught"), [
    ("The board will meet again on 12 March to sign the contract", "2025-03-12", False),  # announced, with its date
    ("The board will meet again on Friday to sign the contract", "2025-03-07", False),  # the coming Friday
    ("The board met on Friday to sign the contract", "2025-03-07", True),  # past tense: the Friday before
    ("The board is to meet next week", "2025-03-12", False),
])
def test_a_date_after_publication_that_the_passage_announces_is_no_error(
        tmp_path: Path, passage: str, date: str, caught: bool) -> None:
    # 'chatter' (published Wednesday 5 March 2025) keeps no archive: its passage is read, not verified.
    root = make(tmp_path, _fact("meeting", "The board meets to sign the contract.", date, source="chatter",
                                evidence=passage))
    _, problems = load(root)
    assert bool(coded(problems, "date-after-publication")) is caught


def test_a_weekday_that_contradicts_its_date_is_an_error(tmp_path: Path) -> None:
    root = make(tmp_path, _fact("monday", "The board approved a £2.3bn expansion on Monday 4 March 2025.",
                                "2025-03-04"))
    _, problems = load(root)
    line = line_of(root, "on Monday 4 March 2025")
    assert coded(problems, "weekday-contradicts-date") == [
        f"sources/topics/harbour.yaml:{line}: fact 'monday' says 'Monday 4 March 2025', but 4 March 2025 is a "
        "Tuesday, not a Monday: check the date and the weekday [weekday-contradicts-date]"]


# -- distortions of the example against its real articles ---------------------------------------------------------

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the example's archived articles are not here ({SEEDS})")


def _edit(root: Path, fact_id: str, pattern: str, replacement: str) -> None:
    """Replace ``pattern`` once in fact ``fact_id``'s lines before its evidence (its date and text)."""
    for path in (root / "sources" / "topics").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        found = re.search(rf"- id: {re.escape(fact_id)}\n(?:(?!  - id:).*\n)*?(?=    evidence:)", text)
        if found:
            block, count = re.subn(pattern, replacement, found.group(), count=1)
            assert count == 1, (fact_id, pattern, found.group())
            path.write_text(text[:found.start()] + block + text[found.end():], encoding="utf-8")
            return
    raise AssertionError(f"no fact {fact_id} with evidence in the example")


def _check(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--project", str(root), "--strict", "--archive-dir", str(SEEDS)])
    return result.exit_code, result.stderr


#: Dates moved in the example's facts (``date:``, and the text where it writes the date): fact id → edits.
MOVED = {
    "surprise-london-visit": [(r"date: 2025-06-23", "date: 2025-06-22"),
                              (r"Monday 23 June 2025", "Sunday 22 June 2025")],
    "windsor-castle": [(r"date: 2025-06-23", "date: 2025-06-21")],
    "battlefield-data": [(r"date: 2025-06-23", "date: 2025-06-16")],
    "white-house-clash": [(r"date: 2025-02-28", "date: 2025-02-27")],
    "rutte-starmer-september": [(r"date: 2025-09-09", "date: 2025-09-02")],
    "uk-france-lead": [(r"date: 2025-03-02", "date: 2025-03-01")],
}


@needs_seeds
def test_dates_moved_in_the_example_fail_strict_check(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    for fact_id, edits in MOVED.items():
        for pattern, replacement in edits:
            _edit(root, fact_id, pattern, replacement)
    code, errors = _check(root)
    assert code == 1
    for fact_id, edits in MOVED.items():
        found = re.findall(rf"fact '{fact_id}' gives the date .*\[date-not-in-evidence\]", errors)
        assert len(found) == len(edits), (fact_id, errors)
    assert "[weekday-contradicts-date]" not in errors and "[date-after-publication]" not in errors


@needs_seeds
def test_a_weekday_contradicting_its_date_and_a_date_after_publication_fail_in_the_example(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    _edit(root, "surprise-london-visit", r"Monday 23 June 2025", "Tuesday 23 June 2025")
    _edit(root, "hague-summit", r"date: 2025-06-24", "date: 2025-06-25")
    _edit(root, "five-percent-headline", r"date: 2025-06-23", "date: 2025-06-30")
    code, errors = _check(root)
    assert code == 1
    assert re.search(r"drone-coproduction.yaml:\d+: fact 'surprise-london-visit' says 'Tuesday 23 June 2025', but "
                     r"23 June 2025 is a Monday, not a Tuesday.*\[weekday-contradicts-date\]", errors), errors
    for fact_id, when in (("hague-summit", "2025-06-25"), ("five-percent-headline", "2025-06-30")):
        assert re.search(rf"fact '{fact_id}' gives the date '{when}' \(date:\), after the publication of every one "
                         r"of its sources \(the latest: '[\w-]+', 23 June 2025\).*\[date-after-publication\]",
                         errors), (fact_id, errors)


@needs_seeds
def test_rewriting_a_date_or_deriving_it_from_on_tuesday_is_harmless(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    _edit(root, "surprise-london-visit", r"Monday 23 June 2025", "June 23, 2025")
    _edit(root, "hague-summit", r"Tuesday 24 June 2025", "24 June 2025")
    _edit(root, "rutte-starmer-september", r"on a\s+Tuesday in September 2025", "on 9 September 2025")
    code, errors = _check(root)
    assert code == 0, errors


@needs_seeds
def test_every_dated_fact_of_the_example_has_its_date_established() -> None:
    project, problems = load_and_audit_partially(REPO_ROOT, archive_dir=SEEDS)
    assert problems == [] and project.audit is not None
    acknowledged = {topic.id: {fact.id for fact in topic.facts if "date-not-in-evidence" in fact.acknowledge}
                    for topic in project.topics.values()}
    dated = [(topic.id, fact.id) for topic in project.topics.values() for fact in topic.facts if fact.date]
    assert len(dated) >= 20
    for topic_id, fact_id in dated:
        basis = project.audit.fact(topic_id, fact_id).date_basis  # type: ignore[union-attr]
        assert basis is not None
        if fact_id in acknowledged[topic_id]:
            assert basis.how == "not-established"
        else:
            assert basis.how in ("stated", "derived", "published"), (fact_id, basis)
    assert acknowledged == {"coalition-of-the-willing": set(), "drone-coproduction": set(),
                            "nato-spending": {"rutte-praises-uk"}}


# -- summaries -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("summary", "flagged"), [
    ("The board approved the expansion on 4 March 2025.", []),  # the day a fact gives
    ("The board approved the expansion on March 4.", []),  # without its year: as of May 2025, that March
    ("The board approved the expansion on Tuesday 4 March 2025, a day after the vote.", []),
    ("The board approved the expansion on 5 March 2025.", ["5 March 2025"]),  # a day no fact gives
    ("Approved on 4 March 2025, reviewed on 30 April.", ["30 April"]),
])
def test_a_summary_names_only_days_its_facts_give(tmp_path: Path, summary: str, flagged: list[str]) -> None:
    root = make(tmp_path, _fact("approved", "The board approved a £2.3bn expansion.", "2025-03-04"))
    topic = root / "sources/topics/harbour.yaml"
    topic.write_text(topic.read_text().replace("summary: The harbour expansion, checked.", f"summary: {summary}"))
    project, problems = load(root)
    assert problems == []
    expected = [f"sources/topics/harbour.yaml:{line_of(root, 'summary:')}: warning: topic 'harbour': the summary "
                f"names {', '.join(repr(item) for item in flagged)}, which none of the topic's facts gives (as its "
                "date: or in its text): check the date, or give it a fact with evidence [summary-date-unsupported]"]
    assert coded(project.warnings, "summary-date-unsupported") == (expected if flagged else [])


@needs_seeds
def test_a_date_changed_in_the_examples_summary_fails_strict_check(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    topic = root / "sources/topics/nato-spending.yaml"
    text = topic.read_text("utf-8")
    assert "opened on **24 June 2025**" in text
    topic.write_text(text.replace("opened on **24 June 2025**", "opened on **26 June 2025**"), "utf-8")
    code, errors = _check(root)
    assert code == 1
    assert "topic 'nato-spending': the summary names '26 June 2025'" in errors
