"""Independence: corroboration counts agencies or outlets, not references (briefings.audit.grades), in the
single-outlet warning and in credibility 1's requirement of two independent sources graded A to D
(``credibility-unsupported``); and distortions of the example against its real articles (when ../shared/seeds
is at hand)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefings.audit.grades import confirming_sources, independent_sources
from briefings.audit.project_audit import load_and_audit_partially
from briefings.cli import main
from briefings.errors import Problem
from briefings.project.acknowledge import FACT_WARNINGS
from briefings.project.model import Project
from tests.conftest import REPO_ROOT, copy_example, write

SEEDS = REPO_ROOT.parent / "shared" / "seeds"
ARCHIVE = "The harbour board approved the expansion on Tuesday.\n"

REFERENCES = """\
wire:
  outlet: Wire Press
  title: Harbour expansion approved
  published: 2025-03-04
  reliability: B
  archive: wire.txt
wire-on-tv:
  outlet: Channel Nine
  agency: WIRE press
  title: Harbour expansion approved (agency copy)
  published: 2025-03-04
  reliability: B
  archive: wire.txt
wire-in-paper:
  outlet: The Carrow Courier
  agency: " Wire   Press "
  title: Harbour approves expansion (agency copy)
  published: 2025-03-04
  reliability: A
  archive: wire.txt
gazette:
  outlet: The Estuary Gazette
  title: Harbour expansion approved
  published: 2025-03-04
  reliability: C
  archive: wire.txt
chatter:
  outlet: Carrow Chatter
  title: Harbour rumours
  published: 2025-03-05
  reliability: E
  archive: wire.txt
leaflet:
  outlet: Anonymous leaflet
  title: "[A leaflet about the harbour]"
  published: 2025-03-05
  reliability: F
  archive: wire.txt
ungraded:
  outlet: Harbour blog
  title: Harbour news
  published: 2025-03-05
  archive: wire.txt
"""

HEADER = """\
title: Carrow harbour
summary: The harbour, checked.
as_of: 2025-05-01
facts:
  - id: cites-all
    text: The harbour was in the news.
    sources: [wire, wire-on-tv, wire-in-paper, gazette, chatter, leaflet, ungraded]
"""


def fact(fact_id: str, sources: str, credibility: int = 1, extra: str = "") -> str:
    return (f"  - id: {fact_id}\n    text: The harbour board approved the expansion.\n    sources: [{sources}]\n"
            f"    credibility: {credibility}\n{extra}")


def make(root: Path, facts: str, references: str = REFERENCES) -> Path:
    write(root, "sources/references.yaml", references)
    write(root, "sources/topics/harbour.yaml", HEADER + facts)
    write(root, "sources/archive/wire.txt", ARCHIVE)
    return root


def load(root: Path) -> tuple[Project, list[Problem]]:
    return load_and_audit_partially(root)


def coded(problems: tuple[Problem, ...] | list[Problem], code: str) -> list[str]:
    return [str(problem) for problem in problems if problem.code == code]


def line_of(root: Path, text: str) -> int:
    lines = (root / "sources/topics/harbour.yaml").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def credibility_line(root: Path, fact_id: str) -> int:
    lines = (root / "sources/topics/harbour.yaml").read_text(encoding="utf-8").splitlines()
    start = line_of(root, f"id: {fact_id}")
    return next(number for number, line in enumerate(lines[start:], start=start + 1) if "credibility:" in line)


# -- grades ---------------------------------------------------------------------------------------------------------

def test_independent_sources_group_references_by_agency_or_outlet() -> None:
    assert independent_sources([("a", "afp"), ("b", "afp"), ("c", "le monde"), ("a", "afp")]) == {
        "afp": ["a", "b"], "le monde": ["c"]}
    assert confirming_sources([("a", "afp", "B"), ("b", "afp", "A"), ("c", "ap", "E"), ("d", "x", "F"),
                               ("e", "y", None), ("f", "z", "D")]) == ["afp", "z"]


# -- the audit -------------------------------------------------------------------------------------------------------

def test_two_references_of_one_agency_are_one_source(tmp_path: Path) -> None:
    root = make(tmp_path, fact("one-agency", "wire, wire-on-tv, wire-in-paper"))
    project, problems = load(root)
    assert problems == []
    line = line_of(root, "id: one-agency") + 2
    assert coded(project.warnings, "single-outlet") == [
        f"sources/topics/harbour.yaml:{line}: warning: fact 'one-agency' rests on a single outlet, WIRE press "
        "(agency copy, run by Channel Nine, The Carrow Courier) (3 references): corroborate it [single-outlet]"]
    assert coded(project.warnings, "credibility-unsupported") == [
        f"sources/topics/harbour.yaml:{credibility_line(root, 'one-agency')}: warning: fact 'one-agency' is graded "
        "credibility 1 (confirmed by other sources), but it has one independent source able to confirm it ('wire', "
        "'wire-on-tv', 'wire-in-paper' are one source, WIRE press (agency copy, run by Channel Nine, The Carrow "
        "Courier)): cite a second, independent source graded A to D, or lower its credibility "
        "[credibility-unsupported]"]
    assert project.audit is not None and project.audit.fact("harbour", "one-agency").single_outlet


def test_two_independent_outlets_confirm_a_fact(tmp_path: Path) -> None:
    root = make(tmp_path, fact("two-outlets", "wire-on-tv, gazette") + fact("agency-and-its-copy-and-another",
                                                                           "wire, wire-in-paper, gazette"))
    project, problems = load(root)
    assert problems == []
    assert coded(project.warnings, "credibility-unsupported") == []
    assert coded(project.warnings, "single-outlet") == []


@pytest.mark.parametrize(("sources", "reason"), [
    ("wire, chatter", "'chatter' is graded E (unreliable)"),
    ("gazette, leaflet", "'leaflet' is graded F (reliability cannot be judged)"),
    ("wire, ungraded", "'ungraded' has no reliability grade"),
])
def test_a_credibility_1_fact_with_a_source_that_cannot_confirm_it_is_caught(tmp_path: Path, sources: str,
                                                                             reason: str) -> None:
    root = make(tmp_path, fact("weakly-confirmed", sources))
    project, problems = load(root)
    assert problems == []
    [warning] = coded(project.warnings, "credibility-unsupported")
    assert warning.startswith(f"sources/topics/harbour.yaml:{credibility_line(root, 'weakly-confirmed')}: warning: "
                              "fact 'weakly-confirmed' is graded credibility 1 (confirmed by other sources), but it "
                              f"has one independent source able to confirm it ({reason}): ")


def test_a_credibility_1_fact_on_weak_sources_alone_has_none(tmp_path: Path) -> None:
    root = make(tmp_path, fact("weak", "chatter, leaflet"))
    project, _ = load(root)
    [warning] = coded(project.warnings, "credibility-unsupported")
    assert "has no independent source able to confirm it ('chatter' is graded E (unreliable); 'leaflet' is graded " \
           "F (reliability cannot be judged))" in warning


def test_other_credibility_grades_and_projects_without_archives_are_not_warned(tmp_path: Path) -> None:
    root = make(tmp_path / "graded-2", fact("probably", "wire, wire-on-tv", credibility=2))
    project, _ = load(root)
    assert coded(project.warnings, "credibility-unsupported") == []
    root = make(tmp_path / "no-archives", fact("one-agency", "wire, wire-on-tv"),
                references=REFERENCES.replace("  archive: wire.txt\n", ""))
    project, _ = load(root)
    assert coded(project.warnings, "credibility-unsupported") == [] and coded(project.warnings, "single-outlet") == []


def test_credibility_unsupported_can_be_acknowledged_on_the_fact(tmp_path: Path) -> None:
    assert "credibility-unsupported" in FACT_WARNINGS
    root = make(tmp_path, fact("one-agency", "wire, wire-on-tv, chatter", extra="""\
    acknowledge:
      credibility-unsupported: The harbour board's own minutes, not archived here, confirm it.
"""))
    project, problems = load(root)
    assert problems == []
    assert coded(project.warnings, "credibility-unsupported") == []


def test_an_agency_that_is_too_long_or_empty_is_refused(tmp_path: Path) -> None:
    for agency, words in (("x" * 201, "200"), ("''", "agency")):
        root = make(tmp_path / str(len(agency)), fact("one", "gazette, wire"),
                    references=REFERENCES.replace("  agency: WIRE press\n", f"  agency: {agency}\n"))
        _, problems = load(root)
        assert any(problem.path == "sources/references.yaml" and words in problem.message for problem in problems), \
            [str(problem) for problem in problems]


# -- the example against its real articles ------------------------------------------------------------------------

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the example's archived articles are not here ({SEEDS})")


def check(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--project", str(root), "--strict", "--archive-dir", str(SEEDS)])
    return result.exit_code, result.stderr


@needs_seeds
def test_the_example_distorted_to_count_one_agency_twice_fails(tmp_path: Path) -> None:
    # The summit report taken as AFP copy: the 3.5% + 1.5% split then rests on one agency.
    root = copy_example(tmp_path / "same-agency")
    references = root / "sources" / "references.yaml"
    text = references.read_text(encoding="utf-8")
    assert text.count("  agency: AP\n") == 1
    references.write_text(text.replace("  agency: AP\n", "  agency: AFP\n"), encoding="utf-8")
    code, stderr = check(root)
    assert code == 1
    assert re.search(r"nato-spending\.yaml:\d+: fact 'core-and-broader-split' is graded credibility 1 .*\("
                     r"'afp-uk-ukraine-ties', 'france24-flatterer-in-chief', 'france24-nato-summit-discord' are one "
                     r"source, AFP \(agency copy, run by France 24\)\).*\[credibility-unsupported\]", stderr), stderr
    # The AFP report and its France 24 copy graded "confirmed" again.
    root = copy_example(tmp_path / "raised")
    topic = root / "sources" / "topics" / "nato-spending.yaml"
    text = topic.read_text(encoding="utf-8")
    raised = re.sub(r"(  - id: five-percent-headline\n(?:    .*\n)*?)    credibility: 2\n", r"\1    credibility: 1\n",
                    text, count=1)
    assert raised != text
    topic.write_text(raised, encoding="utf-8")
    code, stderr = check(root)
    assert code == 1 and "fact 'five-percent-headline' is graded credibility 1" in stderr, stderr


@needs_seeds
def test_harmless_edits_to_the_examples_outlets_pass(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "harmless")
    references = root / "sources" / "references.yaml"
    text = references.read_text(encoding="utf-8")
    # An outlet naming itself as its own agency, and an agency written in another case, change nothing.
    text = text.replace("  outlet: Le Monde\n", "  outlet: Le Monde\n  agency: le monde\n")
    text = text.replace("  agency: AFP\n", "  agency: afp\n")
    references.write_text(text, encoding="utf-8")
    code, stderr = check(root)
    assert code == 0, stderr
