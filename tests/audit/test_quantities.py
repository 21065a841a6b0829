"""Numbers as quantities (issue 17): what a number counts, contradictions for facts and figures, figures without
evidence, and the numbers of summaries.

Unit tests of :mod:`briefings.audit.counted` and the counted noun of
:mod:`briefings.audit.numbers`; the audit's errors and warnings on a small
project (tests/fixtures/archive, and a made-up wire story); and distortions
of the example against its real articles (when ../shared/seeds is at hand):
a number changed in a fact's text, in a figure or in a summary, two
figures' values swapped, a unit or a scale changed are caught and named;
"13" as "thirteen", "£27.8bn" as "£27.8 billion", "50,000" as "50000",
typographic quotes and rewording are not flagged.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefings.audit.counted import counted_noun, nouns_agree, unit_noun
from briefings.audit.numbers import figure_numbers, number_appears, numbers_in, same_kind_stated
from briefings.audit.summary_checks import Support, unsupported_numbers
from briefings.cli import main
from briefings.errors import Severity
from tests.audit.test_auditor import REFERENCES, coded, line_of, load, make
from tests.conftest import REPO_ROOT, copy_example, write

SEEDS = REPO_ROOT.parent / "shared" / "seeds"


# -- what a number counts ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "noun"), [
    ("5,000 missiles", "missiles"),
    ("more than 5,000 air-defence missiles", "missiles"),
    ("5,000 air defence missiles", "missiles"),
    ("13 more countries", "countries"),
    ("at least 10 people were killed", "people"),
    ("50,000+ troops", "troops"),
    ("will buy 16 more.", None),            # names no noun
    ("12 of them", None),
    ("13 were killed", None),
    ("£2.3bn loans", None),                 # an amount, not a count
    ("5% of GDP", None),
    ("13 October", None),                   # a date (left out unless asked for)
])
def test_the_noun_a_number_counts(text: str, noun: str | None) -> None:
    [number] = numbers_in(text, include_dates=True) or [None]
    assert number is not None and number.counts == noun


def test_counted_noun_reads_a_few_words_only() -> None:
    flat = "12 big old grey stone houses"
    assert counted_noun(flat, 2) is None       # more than four words away
    assert counted_noun("12 grey houses", 2) == "houses"


@pytest.mark.parametrize(("first", "second", "agree"), [
    ("country", "countries", True), ("missiles", "missile", True), ("people", "person", True),
    ("countries", "nations", True), ("troops", "soldiers", True), ("buses", "bus", True),
    ("countries", "berths", False), ("drones", "missiles", False), ("people", "civilians", False),
])
def test_nouns_agree_singular_or_plural(first: str, second: str, agree: bool) -> None:
    assert nouns_agree(first, second) is agree


@pytest.mark.parametrize(("unit", "noun"), [
    ("countries", "countries"), ("ship", "ship"), ("Ukrainian troops", "troops"), ("of GDP", None), ("", None),
])
def test_unit_noun(unit: str, noun: str | None) -> None:
    assert unit_noun(unit) == noun


def test_a_figure_counts_its_unit() -> None:
    assert [n.counts for n in figure_numbers(13, "countries")] == ["countries"]
    assert [n.counts for n in figure_numbers("about 20", "countries")] == ["countries"]
    assert [n.counts for n in figure_numbers("5,000+", "missiles")] == ["missiles"]
    assert [n.counts for n in figure_numbers(2.3, "£bn")] == [None]
    assert [n.counts for n in figure_numbers(5, "% of GDP")] == [None]


@pytest.mark.parametrize(("claim", "passage"), [
    ("13 countries", "13 countries now involved"),
    ("13 countries", "thirteen countries"),
    ("13 countries", "13 nations"),
    ("10 civilians", "at least 10 civilians, seven of them"),
    ("5,000 missiles", "more than 5000 air defence missiles"),
    ("13 countries", "the 13 now involved"),  # the passage names no noun
    ("13", "13 countries"),                   # the claim names none
])
def test_a_count_appears_as_that_quantity(claim: str, passage: str) -> None:
    [number] = numbers_in(claim)
    assert number_appears(number, [passage])


@pytest.mark.parametrize(("claim", "passage"), [
    ("13 countries", "about 13 berths"),
    ("13 countries", "on 13 October"),
    ("13 countries", "£13"),                  # an amount is not a count
    ("16 missiles", "352 drones and 16 drones"),
])
def test_a_count_of_something_else_does_not_appear(claim: str, passage: str) -> None:
    [number] = numbers_in(claim)
    assert not number_appears(number, [passage])


def test_same_kind_names_what_contradicts() -> None:
    [countries] = numbers_in("13 countries")
    assert same_kind_stated([countries], ["12 countries and 40 ships"]) == ["12 countries"]
    [pounds] = numbers_in("£2.3bn")
    assert same_kind_stated([pounds], ["$2.3bn and £2.26bn, 5%"]) == ["£2.26bn"]
    [share] = numbers_in("5%")
    assert same_kind_stated([share], ["3.5 percent, 12 countries"]) == ["3.5 percent"]
    [bare] = numbers_in("16")
    assert same_kind_stated([bare], ["12 countries"]) == []


# -- the audit on a small project -------------------------------------------------------------------------------

def test_a_facts_number_contradicted_by_its_evidence_is_an_error_naming_both(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: berths
    text: The plan adds 14 berths and 50,000 jobs.
    sources: [courier]
    evidence:
      courier: The plan adds 2,400 metres of quay and about 13 berths
""")
    project, problems = load(root)
    [error] = problems
    assert error.severity is Severity.ERROR and str(error) == (
        f"sources/topics/harbour.yaml:{line_of(root, 'id: berths') + 1}: fact 'berths' states '14 berths', but its "
        "evidence states '13 berths' and not that: correct the number or the passage [number-contradicted]")
    assert coded(project.warnings, "number-not-in-evidence") == [
        f"sources/topics/harbour.yaml:{line_of(root, 'id: berths') + 1}: warning: fact 'berths' states '50,000', "
        "which none of its evidence passages states: check the number, or quote the passage that gives it "
        "[number-not-in-evidence]"]
    assert project.audit.fact("harbour", "berths").unsupported_numbers == ("14", "50,000")


def test_a_count_of_another_noun_is_a_warning_not_a_contradiction(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: berths
    text: The plan involves 13 countries.
    sources: [courier]
    evidence:
      courier: The plan adds 2,400 metres of quay and about 13 berths
""")
    project, problems = load(root)
    assert problems == []
    assert len(coded(project.warnings, "number-not-in-evidence")) == 1


def test_harmless_rewrites_of_a_facts_numbers_are_not_flagged(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: berths
    text: The board approved a £2.3 billion plan adding thirteen berths and 50000 jobs.
    sources: [courier]
    evidence:
      courier: >-
        approved a £2.3bn expansion on Tuesday, the largest investment in the town's history.
        "We are building for the next fifty years - not the next five," said board chair Miriam
        Okafor. The plan adds 2,400 metres of quay and about 13 berths, and is expected to create
        50,000 jobs
""")
    project, problems = load(root)
    assert problems == []
    assert coded(project.warnings, "number-not-in-evidence") == []
    assert project.audit.fact("harbour", "berths").unsupported_numbers == ()


FIGURES = """\
  - label: Berths added
    value: {berths}
    unit: {unit}
    sources: [courier]
    evidence:
      courier: The plan adds 2,400 metres of quay and about 13 berths
  - label: Cost
    value: 2.3
    unit: £bn
    sources: [courier]
"""


def test_a_figure_contradicted_by_the_count_of_its_evidence(tmp_path: Path) -> None:
    root = make(tmp_path, "", figures=FIGURES.format(berths=14, unit="berths"))
    project, problems = load(root)
    [error] = problems
    assert str(error) == (
        f"sources/topics/harbour.yaml:{line_of(root, 'value: 14')}: figure 'Berths added' (14 berths) is "
        "contradicted by its own evidence, which states '13 berths' and not '14 berths': correct the value or the "
        "passage [figure-contradicted]")
    # A figure without evidence, in a project that keeps archives: a warning naming it.
    assert coded(project.warnings, "figure-evidence-missing") == [
        f"sources/topics/harbour.yaml:{line_of(root, 'value: 2.3')}: warning: figure 'Cost' (2.3 £bn) has no "
        "evidence passage: give under evidence: the passage of each source that states its value "
        "[figure-evidence-missing]"]
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1


def test_a_figure_counting_another_noun_is_not_supported(tmp_path: Path) -> None:
    root = make(tmp_path, "", figures=FIGURES.format(berths=13, unit="countries"))
    project, problems = load(root)
    assert problems == []
    [warning] = coded(project.warnings, "number-not-in-evidence")
    assert "figure 'Berths added' (13 countries): '13 countries' is not stated in its evidence" in warning
    good, _ = load(make(tmp_path / "good", "", figures=FIGURES.format(berths='"thirteen"', unit="berths")))
    assert coded(good.warnings, "number-not-in-evidence") == []


def test_a_date_no_longer_supports_a_figure(tmp_path: Path) -> None:
    make(tmp_path, "", figures="""\
  - label: Countries
    value: 13
    unit: countries
    sources: [wire]
""", references=REFERENCES + "wire:\n  outlet: Wire\n  title: Wire\n  published: 2025-03-06\n  reliability: B\n"
                            "  archive: wire.txt\n")
    write(tmp_path, "sources/archive/wire.txt", "The talks began on 13 October with 12 countries.\n")
    project, problems = load(tmp_path)
    assert problems == []
    [warning] = coded(project.warnings, "number-not-in-evidence")
    assert "'13 countries' is not stated in the archived text of 'wire'; the archives state '12 countries'" \
        in warning


# -- summaries --------------------------------------------------------------------------------------------------

def test_summary_numbers_against_passages_and_figures() -> None:
    support = Support(("The port will buy 12 cranes, worth £2.3bn.",), tuple(figure_numbers(5, "% of GDP")))
    assert unsupported_numbers("It will buy 12 more cranes (£2.3 billion), 5% of GDP.", support) == []
    assert unsupported_numbers("It will buy 16 more.", support) == ["16"]
    assert unsupported_numbers("It will buy twelve ships, £2.3m, 5 per cent.", support) == ["twelve ships", "£2.3m"]


def test_a_summary_number_that_no_fact_or_figure_states_is_a_warning(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: berths
    text: The plan adds about 13 berths.
    sources: [courier]
    evidence:
      courier: The plan adds 2,400 metres of quay and about 13 berths
""")
    topic = root / "sources" / "topics" / "harbour.yaml"
    topic.write_text(topic.read_text(encoding="utf-8").replace(
        "summary: The harbour expansion, checked.",
        "summary: The expansion adds 13 berths, and the board will buy 16 more."), encoding="utf-8")
    project, problems = load(root)
    assert problems == []
    assert coded(project.warnings, "summary-number-unsupported") == [
        f"sources/topics/harbour.yaml:{line_of(root, 'summary:')}: warning: topic 'harbour': the summary states "
        "'16', which none of the topic's evidence passages, quotes or figures states: check the number, or give "
        "it a fact with evidence [summary-number-unsupported]"]
    topic.write_text(topic.read_text(encoding="utf-8").replace(
        "and the board will buy 16 more.", "and thirteen berths it is."), encoding="utf-8")
    project, problems = load(root)
    assert coded(project.warnings, "summary-number-unsupported") == []


# -- the example, distorted -------------------------------------------------------------------------------------

def _edit_block(root: Path, start: str, pattern: str, replacement: str) -> None:
    """Replace ``pattern`` once in the block of the example that begins with the line ``start`` (a fact's id, a
    figure's label or a summary) and ends at the next item."""
    for path in (root / "sources" / "topics").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        found = re.search(rf"^{re.escape(start)}\n(?:(?!  - |[a-z_]+:).*\n)*", text, re.MULTILINE)
        if found:
            block, count = re.subn(pattern, replacement, found.group(), count=1)
            assert count == 1, (start, pattern, found.group())
            path.write_text(text[:found.start()] + block + text[found.end():], encoding="utf-8")
            return
    raise AssertionError(f"no {start!r} in the example")


def _check(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--project", str(root), "--strict", "--archive-dir", str(SEEDS)])
    return result.exit_code, result.stderr


def _named(stderr: str, subject: str, code: str) -> bool:
    return any(subject in line and line.endswith(f"[{code}]") or f"[{code}] (--strict)" in line and subject in line
               for line in stderr.splitlines())


needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the example's archived articles are not here ({SEEDS})")

#: Facts of the example given another number, unit or scale in their text: (id, pattern, replacement, code).
FACT_DISTORTIONS = [
    ("interflex-scale", r"\b13 countries", "12 countries", "number-contradicted"),
    ("overnight-attack", r"\bfired 352 drones", "fired 325 drones", "number-contradicted"),  # the text, not headline
    ("national-wealth-fund", r"£27\.8bn", "£27.8m", "number-contradicted"),           # scale
    ("europe-ukraine-support", r"60%", "70%", "number-contradicted"),
    ("russian-assets-loan", r"£2\.3bn", "$2.3bn", "number-not-in-evidence"),          # currency
    ("twenty-countries", r"20 countries", "20 troops", "number-not-in-evidence"),     # what is counted
]


@needs_seeds
def test_the_example_with_numbers_changed_in_facts_fails_naming_each(tmp_path: Path) -> None:
    # Errors first: check shows warnings (which --strict makes errors) only when there is no error.
    for kind in ("number-contradicted", "number-not-in-evidence"):
        root = copy_example(tmp_path / kind)
        distortions = [item for item in FACT_DISTORTIONS if item[3] == kind]
        for fact_id, pattern, replacement, _ in distortions:
            _edit_block(root, f"  - id: {fact_id}", pattern, replacement)
        code, stderr = _check(root)
        assert code == 1
        for fact_id, _, _, problem in distortions:
            assert _named(stderr, f"fact '{fact_id}'", problem), (fact_id, stderr)


#: Figures of the example given another value or unit: (label, pattern, replacement).
FIGURE_DISTORTIONS = [
    ("Countries involved in Interflex training", r"value: 13", "value: 12"),
    ("Drones launched by Russia the night before the visit", r"value: 352", "value: 16"),    # swapped
    ("Missiles launched by Russia the night before the visit", r"value: 16", "value: 352"),
    ("Core military spending target by 2035", r"value: 3\.5", "value: 1.5"),               # swapped
    ("Broader security-related spending target", r"value: 1\.5", "value: 3.5"),
    ("UK national wealth fund, opened to defence", r"unit: £bn", "unit: £m"),             # scale
]


@needs_seeds
def test_the_example_with_figures_changed_or_swapped_fails_naming_each(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "contradicted")
    for label, pattern, replacement in FIGURE_DISTORTIONS:
        _edit_block(root, f"  - label: {label}", pattern, replacement)
    code, stderr = _check(root)
    assert code == 1
    for label, _, _ in FIGURE_DISTORTIONS:
        assert _named(stderr, f"figure '{label}'", "figure-contradicted"), (label, stderr)
    assert _named(stderr, "figure 'Countries involved in Interflex training' (12 countries) is contradicted by "
                          "its own evidence, which states '13 countries'", "figure-contradicted"), stderr
    # A currency changed: its evidence states no amount in dollars.
    root = copy_example(tmp_path / "currency")
    _edit_block(root, "  - label: UK export finance for Ukrainian air-defence missiles", r"unit: £bn", "unit: $bn")
    code, stderr = _check(root)
    assert code == 1
    assert _named(stderr, "figure 'UK export finance for Ukrainian air-defence missiles'", "number-not-in-evidence")


@needs_seeds
def test_the_example_with_numbers_changed_in_summaries_fails_naming_each(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    for name, before, after in (("drone-coproduction", "in which 13 countries", "in which 16 countries"),
                                ("nato-spending", "of 3.5% for core", "of 4.5% for core"),
                                ("coalition-of-the-willing", "paired this with £1.6bn", "paired this with £1.6m")):
        path = root / "sources" / "topics" / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        assert before in text, (name, before)
        path.write_text(text.replace(before, after, 1), encoding="utf-8")
    code, stderr = _check(root)
    assert code == 1
    for topic, number in (("drone-coproduction", "'16 countries'"), ("nato-spending", "'4.5%'"),
                          ("coalition-of-the-willing", "'£1.6m'")):
        assert _named(stderr, f"topic '{topic}': the summary states {number}", "summary-number-unsupported"), \
            (topic, stderr)


@needs_seeds
def test_the_example_with_harmless_edits_passes(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    _edit_block(root, "  - id: interflex-scale", r"the 13 countries", "the thirteen countries")
    _edit_block(root, "  - id: interflex-scale", r"50,000", "50000")
    _edit_block(root, "  - id: national-wealth-fund", r"£27\.8bn", "£27.8 billion")
    _edit_block(root, "  - id: twenty-countries", r"20 countries were interested in joining",
                "20 nations wanted to join")
    _edit_block(root, "  - label: Countries involved in Interflex training", r"value: 13", 'value: "thirteen"')
    _edit_block(root, "  - label: Headline defence spending target", r"alliance's 32", "alliance\u2019s 32")
    for path in (root / "sources" / "topics").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("as **£2.3bn** and", "as **£2.3 billion** and"), encoding="utf-8")
    code, stderr = _check(root)
    assert code == 0, stderr


@needs_seeds
def test_every_figure_of_the_example_carries_evidence() -> None:
    for path in (REPO_ROOT / "sources" / "topics").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        figures = text.split("\nfigures:\n", 1)[1] if "\nfigures:\n" in text else ""
        for block in figures.split("\n  - label: ")[1:]:
            assert "\n    evidence:\n" in block, (path.name, block.splitlines()[0])
