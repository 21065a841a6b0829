"""briefings.audit.auditor: quotes, evidence and numbers checked against archived sources; corroboration;
discrepancies; the audit in check, build and publish (made-up articles in tests/fixtures/archive)."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefings.audit.auditor import audit_project
from briefings.audit.project_audit import load_and_audit_partially
from briefings.build.orchestrate import build
from briefings.cli import main
from briefings.errors import Problem, Severity
from briefings.project.acknowledge import FACT_WARNINGS, FIGURE_WARNINGS, REFERENCE_WARNINGS
from briefings.project.model import Project
from tests.conftest import GENERATED, REPO_ROOT, write

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "archive"
TODAY = datetime.date(2025, 6, 1)

REFERENCES = """\
courier:
  outlet: The Carrow Courier
  title: Port of Carrow agrees harbour expansion
  published: 2025-03-04
  reliability: B
  archive: harbour-deal.txt
courier-page:
  outlet: The Carrow Courier
  title: Port of Carrow agrees harbour expansion (web page)
  published: 2025-03-04
  reliability: B
  archive: harbour-page.html
gazette:
  outlet: The Estuary Gazette
  title: Ferry strike ends at Carrow
  published: 2025-03-08
  reliability: C
  archive: ferry-report.txt
chatter:
  outlet: Carrow Chatter
  title: Harbour rumours
  published: 2025-03-05
  reliability: E
leaflet:
  outlet: Anonymous leaflet
  title: "[A leaflet about the harbour]"
  published: 2025-03-05
  reliability: F
"""

#: A topic header; facts and figures are appended by each test.
HEADER = """\
title: Carrow harbour
summary: The harbour expansion, checked.
as_of: 2025-05-01
facts:
"""

#: A fact citing everything, so that no reference is "never cited".
CITES_ALL = """\
  - id: cites-all
    text: The expansion was reported widely.
    sources: [courier, courier-page, gazette, chatter, leaflet]
"""


def make(root: Path, facts: str, *, figures: str = "", references: str = REFERENCES,
         extra_topics: dict[str, str] | None = None) -> Path:
    write(root, "sources/references.yaml", references)
    write(root, "sources/topics/harbour.yaml", HEADER + CITES_ALL + facts + (f"figures:\n{figures}" if figures else ""))
    for name, text in (extra_topics or {}).items():
        write(root, f"sources/topics/{name}.yaml", text)
    archive = root / "sources" / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    for fixture in FIXTURES.iterdir():
        shutil.copy(fixture, archive / fixture.name)
    return root


def load(root: Path, **options: object) -> tuple[Project, list[Problem]]:
    return load_and_audit_partially(root, today=TODAY, **options)  # type: ignore[arg-type]


def coded(problems: tuple[Problem, ...] | list[Problem], code: str) -> list[str]:
    return [str(problem) for problem in problems if problem.code == code]


def line_of(root: Path, text: str, relative: str = "sources/topics/harbour.yaml") -> int:
    lines = (root / relative).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


# -- quotes -----------------------------------------------------------------------------------------------------

def test_a_quote_standing_in_the_first_sources_archive_is_verified(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: approved
    text: The board approved the expansion.
    sources: [courier]
    quote:
      text: the largest investment in the town's history
      speaker: The Carrow Courier
""")
    project, problems = load(root)
    assert problems == []
    quote = project.audit.quote("harbour", "approved")
    assert quote is not None and quote.outcome == "verified" and quote.source == "courier"
    text = (FIXTURES / "harbour-deal.txt").read_text(encoding="utf-8")
    assert text[quote.start:quote.end] == "the\nlargest investment in the town\u2019s history"
    import hashlib

    assert quote.sha256 == hashlib.sha256((FIXTURES / "harbour-deal.txt").read_bytes()).hexdigest()


def test_a_quote_differing_only_in_typography_and_line_breaks_is_verified(tmp_path: Path) -> None:
    # The archive has curly quotes, an em dash and a line break inside the passage.
    root = make(tmp_path, """\
  - id: fifty-years
    text: The chair spoke of the long term.
    sources: [courier]
    quote:
      text: '"We are building for the next fifty years - not the next five," said board chair'
      speaker: Miriam Okafor
""")
    project, problems = load(root)
    assert problems == []
    assert project.audit.quote("harbour", "fifty-years").outcome == "verified"


def test_a_quote_differing_by_one_word_is_an_error_showing_the_closest_passage(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: forty-years
    text: The chair spoke of the long term.
    sources: [courier]
    quote:
      text: We are building for the next forty years - not the next five
      speaker: Miriam Okafor
""")
    project, problems = load(root)
    [problem] = problems
    assert problem.severity is Severity.ERROR and problem.code == "quote-not-found"
    line = line_of(root, "forty years")
    assert str(problem).startswith(
        f"sources/topics/harbour.yaml:{line}: fact 'forty-years': the quote is not in the archived text of "
        "'courier' (harbour-deal.txt); the closest passage (similarity 0.")
    assert "reads: \"We are building for the next fifty years \u2014 not the next five" in problem.message
    assert project.audit.quote("harbour", "forty-years").outcome == "not-found"
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    assert f"harbour.yaml:{line}: fact 'forty-years': the quote is not in the archived text" in result.stderr


# -- evidence and numbers ------------------------------------------------------------------------------------------

def test_evidence_passages_are_verified_against_their_own_sources(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: jobs
    text: The expansion is expected to create 50,000 jobs.
    sources: [courier, gazette]
    credibility: 2
    evidence:
      courier: expected to create 50,000 jobs across the region
      gazette: The harbour board says its expansion will create 60,000 jobs
""")
    project, problems = load(root)
    [problem] = problems
    line = line_of(root, "60,000 jobs")
    assert str(problem).startswith(f"sources/topics/harbour.yaml:{line}: fact 'jobs': the evidence for 'gazette' "
                                   "is not in the archived text of 'gazette' (ferry-report.txt); the closest passage")
    assert "will create 45,000\njobs" in problem.message or "will create 45,000 jobs" in problem.message
    fact = project.audit.fact("harbour", "jobs")
    assert fact is not None and fact.grade == "B2"
    courier, gazette = fact.sources
    assert courier.evidence.outcome == "verified" and courier.outlet == "The Carrow Courier"
    text = (FIXTURES / "harbour-deal.txt").read_text(encoding="utf-8")
    assert text[courier.evidence.start:courier.evidence.end] == "expected to\ncreate 50,000 jobs across the region"
    assert gazette.evidence.outcome == "not-found"
    assert not fact.fully_evidenced and not fact.single_outlet


def test_a_fact_whose_every_source_has_verified_evidence_is_fully_evidenced(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: jobs
    text: Estimates of the jobs created differ.
    sources: [courier, gazette]
    evidence:
      courier: expected to create 50,000 jobs
      gazette: its expansion will create 45,000 jobs
""")
    project, problems = load(root)
    assert problems == []
    fact = project.audit.fact("harbour", "jobs")
    assert fact.fully_evidenced and not fact.single_source
    assert project.audit.topics[0].fully_evidenced == 1


def test_a_number_missing_from_the_evidence_is_a_warning_naming_it(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: quay
    text: The plan adds 2,400 metres of quay and 3,000 homes, costing £2.3 billion.
    sources: [courier, gazette]
    evidence:
      courier: a £2.3bn expansion on Tuesday
      gazette: The harbour board says its expansion
    quote:
      text: The plan adds 2,400 metres of quay
      speaker: The Carrow Courier
""")
    project, problems = load(root)
    assert problems == []
    line = line_of(root, "3,000 homes")
    assert coded(project.warnings, "number-not-in-evidence") == [
        f"sources/topics/harbour.yaml:{line}: warning: fact 'quay' states '3,000', which none of its evidence "
        "passages states: check the number, or quote the passage that gives it [number-not-in-evidence]"]
    assert project.audit.fact("harbour", "quay").unsupported_numbers == ("3,000",)


def test_a_figure_whose_value_is_not_in_its_sources_archives_is_a_warning_with_hints(tmp_path: Path) -> None:
    root = make(tmp_path, "", figures="""\
  - label: Cost of the expansion
    value: 2.3
    unit: £bn
    sources: [courier]
  - label: Cost as the gazette reports it
    value: 2.4
    unit: £bn
    sources: [gazette]
  - label: Cost as rumoured
    value: 9
    unit: £bn
    sources: [chatter]
""")
    project, problems = load(root)
    assert problems == []
    line = line_of(root, "value: 2.4")
    assert coded(project.warnings, "number-not-in-evidence") == [
        f"sources/topics/harbour.yaml:{line}: warning: figure 'Cost as the gazette reports it' (2.4 £bn): "
        "'2.4 £bn' is not stated in the archived text of 'gazette'; the archives state '£2.5bn' "
        "[number-not-in-evidence]"]
    assert [item.outcome for item in project.audit.figures] == ["verified", "not-found", "unverifiable"]


# -- whole words only --------------------------------------------------------------------------------------------

WIRE = """\
wire:
  outlet: Wire Service
  title: Troops and ships
  published: 2025-03-06
  reliability: B
  archive: troops.txt
"""

#: The wire story: a negation and numbers that a passage cut from longer words would hide.
WIRE_STORY = ("Officials said on 13 June it is un\u200blikely that troops will be sent. Officials confirmed 130 "
              "ships. A $2.3bn loan was agreed.\n")


def make_wire(root: Path, facts: str, *, figures: str = "") -> Path:
    make(root, facts, figures=figures, references=REFERENCES + WIRE)
    write(root, "sources/archive/troops.txt", WIRE_STORY)
    return root


def test_a_quote_cut_from_longer_words_is_an_error_showing_the_whole_words(tmp_path: Path) -> None:
    # "likely" stands in the archive only as the end of "un(zero-width space)likely", "13" only as part of "130".
    root = make_wire(tmp_path, """\
  - id: troops
    text: Troops are likely to be sent.
    sources: [wire]
    quote:
      text: likely that troops will be sent
      speaker: Officials
  - id: ships
    text: Officials confirmed the number of ships.
    sources: [wire]
    quote:
      text: Officials confirmed 13
      speaker: Officials
""")
    project, problems = load(root)
    assert [problem.code for problem in problems] == ["quote-not-found", "quote-not-found"]
    troops, ships = problems
    assert troops.line == line_of(root, "text: likely that troops")
    assert troops.message.startswith("fact 'troops': the quote is not in the archived text of 'wire' (troops.txt); "
                                     "the closest passage (similarity 0.83) reads: \"un\u200blikely that troops")
    assert ships.message.endswith('the closest passage (similarity 0.67) reads: "Officials confirmed 130"')
    assert project.audit.quote("harbour", "troops").outcome == "not-found"


def test_evidence_cut_from_longer_words_leaves_the_fact_not_fully_evidenced(tmp_path: Path) -> None:
    root = make_wire(tmp_path, """\
  - id: troops
    text: Officials expect troops to be sent.
    sources: [wire]
    evidence:
      wire: likely that troops will be sent.
""")
    project, problems = load(root)
    assert [problem.code for problem in problems] == ["evidence-not-found"]
    fact = project.audit.fact("harbour", "troops")
    assert fact.sources[0].evidence.outcome == "not-found" and not fact.fully_evidenced


def test_evidence_ending_in_punctuation_at_the_end_of_the_archive_is_verified(tmp_path: Path) -> None:
    root = make_wire(tmp_path, """\
  - id: loan
    text: A loan was agreed.
    sources: [wire]
    evidence:
      wire: A $2.3bn loan was agreed.
  - id: troops
    text: Troops are unlikely to be sent.
    sources: [wire]
    evidence:
      wire: it is unlikely that troops will be sent.
""")
    project, problems = load(root)
    assert problems == []
    for fact_id, expected in (("loan", "A $2.3bn loan was agreed."),
                              ("troops", "it is un\u200blikely that troops will be sent.")):
        evidence = project.audit.fact("harbour", fact_id).sources[0].evidence
        assert evidence.outcome == "verified"
        assert WIRE_STORY[evidence.start:evidence.end] == expected


def test_a_figure_whose_evidence_drops_the_currency_of_its_number_is_an_error(tmp_path: Path) -> None:
    # The archive says $2.3bn; a passage cut after the dollar sign would "state" the figure's £2.3bn.
    root = make_wire(tmp_path, "", figures="""\
  - label: The loan
    value: 2.3
    unit: £bn
    sources: [wire]
    evidence:
      wire: 2.3bn loan was agreed
""")
    project, problems = load(root)
    assert [problem.code for problem in problems] == ["evidence-not-found"]
    assert 'reads: "$2.3bn loan was agreed"' in problems[0].message
    assert project.audit.figure("harbour", 0).outcome == "not-found"


def test_a_number_that_the_evidence_states_only_as_a_date_is_a_warning(tmp_path: Path) -> None:
    root = make_wire(tmp_path, """\
  - id: ships
    text: 13 ships were sent.
    sources: [wire]
    evidence:
      wire: Officials said on 13 June
""")
    project, problems = load(root)
    assert problems == []
    assert project.audit.fact("harbour", "ships").unsupported_numbers == ("13",)
    assert len(coded(project.warnings, "number-not-in-evidence")) == 1


# -- archives --------------------------------------------------------------------------------------------------------

def test_a_source_without_an_archive_makes_quotes_and_evidence_unverifiable(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: rumour
    text: A rumour about the harbour.
    sources: [chatter, courier]
    evidence:
      chatter: The harbour will be sold
    quote:
      text: it will be sold
      speaker: A resident
""")
    project, problems = load(root)
    assert problems == []
    assert coded(project.warnings, "quote-unverifiable") == [
        f"sources/topics/harbour.yaml:{line_of(root, 'it will be sold')}: warning: fact 'rumour': the quote cannot "
        "be verified: its first source 'chatter' has no archived text [quote-unverifiable]"]
    assert coded(project.warnings, "evidence-unverifiable") == [
        f"sources/topics/harbour.yaml:{line_of(root, 'chatter: The harbour')}: warning: fact 'rumour': the "
        "evidence for 'chatter' cannot be verified: the source has no archived text [evidence-unverifiable]"]
    assert project.audit.quote("harbour", "rumour").outcome == "unverifiable"


def test_a_missing_archive_file_is_a_warning_at_the_reference(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: approved
    text: The board approved the expansion.
    sources: [courier]
    quote:
      text: the largest investment
      speaker: The Carrow Courier
""")
    (root / "sources" / "archive" / "harbour-deal.txt").unlink()
    project, problems = load(root)
    assert problems == []
    line = line_of(root, "archive: harbour-deal.txt", "sources/references.yaml")
    assert coded(project.warnings, "archive-missing") == [
        f"sources/references.yaml:{line}: warning: reference 'courier': archive 'harbour-deal.txt' "
        "(sources/archive/harbour-deal.txt) does not exist: its quotes and evidence cannot be verified "
        "[archive-missing]"]
    # Said once, on the reference: not again for each of its passages.
    assert coded(project.warnings, "quote-unverifiable") == []
    assert project.audit.quote("harbour", "approved").outcome == "unverifiable"
    assert project.audit.archive("courier").status == "missing"
    assert project.audit.archive_sha256("courier") is None


def test_a_saved_web_page_is_read_through_its_article_text_and_verified(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: page
    text: The board approved the expansion after two years of consultation.
    sources: [courier-page]
    evidence:
      courier-page: after two years of consultation with residents and shipping firms
    quote:
      text: '"We are building for the next fifty years - not the next five," said board chair Miriam Okafor'
      speaker: Miriam Okafor
  - id: advert
    text: A cruise was on offer.
    sources: [courier-page]
    evidence:
      courier-page: Win a cruise for two today
""")
    project, problems = load(root)
    assert [problem.code for problem in problems] == ["evidence-not-found"]  # the advert is not the article
    page = project.audit.fact("harbour", "page")
    assert page.quote.outcome == "verified" and page.fully_evidenced


def test_a_project_without_archives_gets_no_attribution_warnings(tmp_path: Path) -> None:
    references = "\n".join(line for line in REFERENCES.splitlines() if "archive:" not in line) + "\n"
    root = make(tmp_path, """\
  - id: quoted
    text: The board approved the expansion.
    sources: [courier]
    quote:
      text: anything at all
      speaker: Someone
""", references=references)
    project, problems = load(root)
    assert problems == []
    assert not project.audit.uses_archives
    assert [warning for warning in project.warnings if warning.code in
            {"quote-unverifiable", "evidence-unverifiable", "single-outlet", "archive-missing"}] == []
    assert project.audit.quote("harbour", "quoted").outcome == "unverifiable"


# -- corroboration -----------------------------------------------------------------------------------------------

def test_single_outlet_and_low_reliability_facts(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: one-outlet
    text: Two copies of one report.
    sources: [courier, courier-page]
  - id: weak
    text: Only weak sources say so.
    sources: [chatter, leaflet]
  - id: corroborated
    text: Two outlets say so.
    sources: [courier, gazette]
""")
    project, problems = load(root)
    assert problems == []
    line = line_of(root, "id: one-outlet") + 2
    assert coded(project.warnings, "single-outlet") == [
        f"sources/topics/harbour.yaml:{line}: warning: fact 'one-outlet' rests on a single outlet, The Carrow "
        "Courier (2 references): corroborate it [single-outlet]"]
    line = line_of(root, "id: weak") + 2
    assert coded(project.warnings, "low-reliability") == [
        f"sources/topics/harbour.yaml:{line}: warning: fact 'weak' rests only on low-reliability sources (E, F): "
        "corroborate it [low-reliability]"]
    audit = project.audit
    assert audit.fact("harbour", "one-outlet").single_outlet and not audit.fact("harbour", "one-outlet").single_source
    assert audit.fact("harbour", "weak").low_reliability
    assert not audit.fact("harbour", "corroborated").single_outlet
    summary = audit.topics[0]
    assert (summary.single_outlet, summary.low_reliability, summary.single_source) == (1, 1, 0)


# -- discrepancies ------------------------------------------------------------------------------------------------

OTHER_TOPIC = """\
title: Carrow jobs
summary: Jobs at the harbour.
as_of: 2025-05-01
facts:
  - id: jobs
    text: Jobs are expected.
    sources: [gazette]
figures:
  - label: Jobs created (gazette)
    value: 45000
    unit: jobs
    key: harbour-jobs
    sources: [gazette]
"""


def test_figures_sharing_a_key_with_different_values_are_a_discrepancy(tmp_path: Path) -> None:
    root = make(tmp_path, "", figures="""\
  - label: Jobs created
    value: "50,000"
    unit: jobs
    key: harbour-jobs
    sources: [courier]
  - label: Jobs created (again)
    value: 50000
    unit: jobs
    key: harbour-jobs
    sources: [courier-page]
""", extra_topics={"jobs": OTHER_TOPIC})
    project, problems = load(root)
    assert problems == []
    [discrepancy] = project.audit.discrepancies
    assert discrepancy.key == "harbour-jobs"
    assert [(figure.topic, figure.value) for figure in discrepancy.figures] == [
        ("harbour", "50,000 jobs"), ("harbour", "50000 jobs"), ("jobs", "45000 jobs")]
    warnings = coded(project.warnings, "figure-discrepancy")
    assert len(warnings) == 3
    line = line_of(root, "value: 45000", "sources/topics/jobs.yaml")
    assert f"sources/topics/jobs.yaml:{line}: warning: figure 'Jobs created (gazette)' (45000 jobs, sources: " \
           "gazette) disagrees with figures of the same key 'harbour-jobs': 50,000 jobs in topic 'harbour' " \
           "(figure 'Jobs created', sources: courier); 50000 jobs in topic 'harbour' (figure 'Jobs created " \
           "(again)', sources: courier-page) [figure-discrepancy]" in warnings
    assert [summary.discrepancies for summary in project.audit.topics] == [1, 1]


# -- acknowledgements, check and --strict -------------------------------------------------------------------------

def test_the_new_codes_are_acknowledgeable_where_they_apply() -> None:
    for code in ("quote-unverifiable", "evidence-unverifiable", "number-not-in-evidence", "single-outlet"):
        assert code in FACT_WARNINGS
    assert {"number-not-in-evidence", "figure-discrepancy"} <= set(FIGURE_WARNINGS)
    assert "archive-missing" in REFERENCE_WARNINGS


def test_audit_warnings_can_be_acknowledged_and_unused_acknowledgements_are_reported(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: one-outlet
    text: Two copies of one report.
    sources: [courier, courier-page]
    acknowledge:
      single-outlet: The only outlet to report it; the text says so.
  - id: corroborated
    text: Two outlets say so.
    sources: [courier, gazette]
    acknowledge:
      single-outlet: Not needed.
""", figures="""\
  - label: Cost
    value: 2.4
    unit: £bn
    sources: [gazette]
    acknowledge:
      number-not-in-evidence: The gazette's figure was corrected in print.
""")
    project, problems = load(root)
    assert problems == []
    assert [item.warning.code for item in project.acknowledged] == ["single-outlet", "number-not-in-evidence"]
    assert coded(project.warnings, "single-outlet") == []
    [unused] = [str(warning) for warning in project.warnings if "does not apply" in warning.message]
    assert "fact 'corroborated' acknowledges 'single-outlet', but that warning does not apply" in unused


def test_check_fails_with_strict_on_audit_warnings_and_prints_the_summary(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: one-outlet
    text: The board approved it.
    sources: [courier]
    evidence:
      courier: The Carrow harbour board approved a £2.3bn expansion
    quote:
      text: We are building for the next fifty years
      speaker: Miriam Okafor, board chair
""")
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 0, result.output
    assert "warning: fact 'one-outlet' rests on a single outlet" in result.stderr
    assert result.stdout.splitlines()[1:] == [
        "Attribution audit:",
        "  harbour: 2 fact(s); quotes 1 found (1 with the speaker confirmed), 0 not found, "
        "0 not checked (no archived copy); 1 fully evidenced; 1 single-source; 0 low-reliability; 0 discrepancy(ies)"]
    strict = runner.invoke(main, ["check", "--project", str(root), "--strict"])
    assert strict.exit_code == 1
    assert "rests on a single outlet, The Carrow Courier: corroborate it [single-outlet] (--strict)" in strict.stderr

    as_json = runner.invoke(main, ["check", "--project", str(root), "--format", "json"])
    assert as_json.exit_code == 0
    document = json.loads(as_json.stdout)
    assert document["ok"] is True and document["facts"] == 2 and document["warnings"] == 1
    assert document["audit"] == {"topics": [{
        "topic": "harbour", "facts": 2, "quotes": {"verified": 1, "not_found": 0, "unverifiable": 0,
                                                   "speaker_confirmed": 1},
        "fully_evidenced": 1, "single_source": 1, "single_outlet": 1, "low_reliability": 0, "discrepancies": 0}],
        "discrepancies": []}


def test_check_json_lists_discrepancies(tmp_path: Path) -> None:
    root = make(tmp_path, "", figures="""\
  - label: Jobs created
    value: 50000
    key: harbour-jobs
    sources: [courier]
""", extra_topics={"jobs": OTHER_TOPIC})
    result = CliRunner().invoke(main, ["check", "--project", str(root), "--format", "json"])
    assert result.exit_code == 0, result.output
    [discrepancy] = json.loads(result.stdout)["audit"]["discrepancies"]
    assert discrepancy["key"] == "harbour-jobs"
    assert [(figure["topic"], figure["value"], figure["sources"]) for figure in discrepancy["figures"]] == [
        ("harbour", "50000", ["courier"]), ("jobs", "45000 jobs", ["gazette"])]
    assert discrepancy["figures"][0]["path"] == "sources/topics/harbour.yaml"
    text = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert "  discrepancy 'harbour-jobs': 50000 (harbour, courier); 45000 jobs (jobs, gazette)" in text.stdout


# -- --archive-dir and the incremental build ----------------------------------------------------------------------

def test_archive_dir_on_the_command_line_may_name_a_directory_outside_the_project(tmp_path: Path) -> None:
    root = make(tmp_path / "project", """\
  - id: approved
    text: The board approved the expansion.
    sources: [courier]
    quote:
      text: the largest investment in the town's history
      speaker: The Carrow Courier
""")
    shared = tmp_path / "shared" / "seeds"
    shutil.move(root / "sources" / "archive", shared)
    project, problems = load(root)
    assert problems == [] and project.audit.quote("harbour", "approved").outcome == "unverifiable"
    project, problems = load(root, archive_dir=shared)
    assert problems == [] and project.audit.quote("harbour", "approved").outcome == "verified"
    assert coded(project.warnings, "archive-missing") == []
    result = CliRunner().invoke(main, ["check", "--project", str(root), "--archive-dir", str(shared)])
    assert result.exit_code == 0, result.output
    assert "quotes 1 found (" in result.stdout  # found in the archive named on the command line
    # Still confined to that directory: a link out of it is refused, as an error at the reference.
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("the largest investment in the town's history", encoding="utf-8")
    (shared / "harbour-deal.txt").unlink()
    (shared / "harbour-deal.txt").symlink_to(outside)
    project, problems = load(root, archive_dir=shared)
    assert [problem.severity for problem in problems] == [Severity.ERROR]
    assert "archive 'harbour-deal.txt'" in problems[0].message and "outside" in problems[0].message


def test_archive_dir_in_briefings_yaml_must_stay_inside_the_project(tmp_path: Path) -> None:
    root = make(tmp_path, "")
    write(root, "briefings.yaml", "archive_dir: ../seeds\n")
    _, problems = load(root)
    assert any("must stay inside the project" in problem.message for problem in problems)


def test_changing_an_archive_re_renders_exactly_the_briefings_citing_it(tmp_path: Path) -> None:
    gazette_topic = OTHER_TOPIC.replace("    key: harbour-jobs\n", "")
    root = make(tmp_path, "", extra_topics={"jobs": gazette_topic})
    # harbour cites every reference; a third topic cites only the courier.
    write(root, "sources/topics/courier-only.yaml", """\
        title: Courier only
        summary: Only the courier.
        as_of: 2025-05-01
        facts:
          - id: approved
            text: The board approved the expansion.
            sources: [courier]
        """)
    first = build(root, formats=["md"], generated=GENERATED, jobs=1)
    assert sorted(first.rendered) == ["courier-only", "harbour", "jobs"]
    again = build(root, formats=["md"], generated=GENERATED, jobs=1)
    assert again.rendered == []
    with (root / "sources" / "archive" / "ferry-report.txt").open("a", encoding="utf-8") as file:
        file.write("A correction was printed later.\n")
    changed = build(root, formats=["md"], generated=GENERATED, jobs=1)
    assert sorted(changed.rendered) == ["harbour", "jobs"]
    assert changed.up_to_date == ["courier-only"]
    (root / "sources" / "archive" / "harbour-deal.txt").unlink()  # absent: a change too
    removed = build(root, formats=["md"], generated=GENERATED, jobs=1)
    assert sorted(removed.rendered) == ["courier-only", "harbour"]


def test_an_audit_error_stops_the_build_before_anything_is_written(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: wrong
    text: The board approved the expansion.
    sources: [courier]
    evidence:
      courier: The board rejected the expansion
""")
    result = CliRunner().invoke(main, ["build", "--project", str(root), "--format", "md"])
    assert result.exit_code == 1
    assert "fact 'wrong': the evidence for 'courier' is not in the archived text" in result.stderr
    assert not (root / "output" / "harbour.md").exists()


def test_audit_project_can_be_called_on_its_own(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: approved
    text: The board approved the expansion.
    sources: [courier]
    quote:
      text: the largest investment in the town's history
      speaker: The Carrow Courier
""")
    project, _ = load(root)
    audit = audit_project(project)
    assert audit.quote("harbour", "approved").outcome == "verified"
    assert audit.fact("harbour", "missing") is None and audit.figure("harbour", 0) is None
    with pytest.raises(AttributeError):
        audit.facts[0].grade = "A1"  # type: ignore[misc]


def test_build_and_publish_take_archive_dir(tmp_path: Path) -> None:
    root = make(tmp_path / "project", """\
  - id: rejected
    text: The board rejected the expansion.
    sources: [courier]
    evidence:
      courier: The board rejected the expansion
""")
    shared = tmp_path / "seeds"
    shutil.move(root / "sources" / "archive", shared)
    runner = CliRunner()
    # Without the archives the evidence is only unverifiable; with them it is not found: an error.
    assert runner.invoke(main, ["build", "--project", str(root), "--format", "md"]).exit_code == 0
    for command in (["build", "--format", "md"], ["publish"]):
        result = runner.invoke(main, [*command, "--project", str(root), "--archive-dir", str(shared)])
        assert result.exit_code == 1, command
        assert "fact 'rejected': the evidence for 'courier' is not in the archived text" in result.stderr
    missing = runner.invoke(main, ["check", "--project", str(root), "--archive-dir", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2  # a usage error: the directory must exist


# -- figures with their own evidence -------------------------------------------------------------------------------


def test_a_figure_whose_evidence_gives_its_value_is_verified(tmp_path: Path) -> None:
    root = make(tmp_path, "", figures="""\
  - label: Cost of the expansion
    value: 2.3
    unit: £bn
    sources: [courier]
    evidence:
      courier: The Carrow harbour board approved a £2.3bn expansion on Tuesday
""")
    project, problems = load(root)
    assert problems == []
    checked = project.audit.figure("harbour", 0)
    assert checked.outcome == "verified" and checked.unsupported_numbers == ()
    (passage,) = checked.evidence
    archived = (root / "sources/archive/harbour-deal.txt").read_text(encoding="utf-8")
    assert archived[passage.start:passage.end] == "The Carrow harbour board approved a £2.3bn expansion on Tuesday"
    assert coded(project.warnings, "number-not-in-evidence") == []


def test_a_figure_contradicted_by_its_own_evidence_is_an_error(tmp_path: Path) -> None:
    # The curator says this passage gives the figure; it states £2.3bn, the figure £2.26bn.
    root = make(tmp_path, "", figures="""\
  - label: Cost of the expansion
    value: 2.26
    unit: £bn
    sources: [courier]
    evidence:
      courier: The Carrow harbour board approved a £2.3bn expansion on Tuesday
""")
    _, problems = load(root)
    line = line_of(root, "value: 2.26")
    assert [str(problem) for problem in problems] == [
        f"sources/topics/harbour.yaml:{line}: figure 'Cost of the expansion' (2.26 £bn) is contradicted by its own "
        "evidence, which states '£2.3bn' and not '2.26 £bn': correct the value or the passage [figure-contradicted]"]
    assert problems[0].code == "figure-contradicted"
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].endswith("correct the value or the passage [figure-contradicted]")


def test_a_figure_evidence_passage_not_in_its_archive_is_an_error(tmp_path: Path) -> None:
    root = make(tmp_path, "", figures="""\
  - label: Cost of the expansion
    value: 2.3
    unit: £bn
    sources: [courier]
    evidence:
      courier: The harbour board approved a £2.3bn expansion on Wednesday
""")
    _, problems = load(root)
    assert [problem.code for problem in problems] == ["evidence-not-found"]
    assert problems[0].line == line_of(root, "courier: The harbour board approved")
    assert 'the closest passage (similarity 0.90) reads: "The Carrow harbour board approved a £2.3bn expansion on"' \
        in problems[0].message


def test_a_figure_whose_evidence_states_no_such_number_is_a_warning(tmp_path: Path) -> None:
    root = make(tmp_path, "", figures="""\
  - label: Berths planned
    value: 14
    unit: berths
    sources: [courier]
    evidence:
      courier: The plan adds 2,400 metres of quay
""")
    project, problems = load(root)
    assert problems == []
    (warning,) = coded(project.warnings, "number-not-in-evidence")
    assert "figure 'Berths planned' (14 berths): '14 berths' is not stated in its evidence passages" in warning


def test_figure_evidence_must_be_for_a_cited_source(tmp_path: Path) -> None:
    root = make(tmp_path, "", figures="""\
  - label: Cost of the expansion
    value: 2.3
    unit: £bn
    sources: [courier]
    evidence:
      gazette: Ferries resumed on Saturday
""")
    _, problems = load(root)
    assert [str(problem) for problem in problems] == [
        f"sources/topics/harbour.yaml:{line_of(root, 'gazette: Ferries')}: figure 'Cost of the expansion': "
        "evidence for 'gazette', which the figure does not cite (sources: courier)"]
