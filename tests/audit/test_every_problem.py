"""Every problem at once: the loader's errors never hide the audit's, nor a misspelt field an unrelated error.

A topic file with one broken fact is dropped from the project, but its other facts and figures are still
cross-checked and audited; a broken reference hides only the "unknown reference" errors it would cause.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from briefings.cli import main
from tests.audit.test_auditor import REFERENCES, load, make
from tests.conftest import write

FILE = "sources/topics/harbour.yaml"

#: Four unrelated mistakes: a misspelt field, an unknown source id, a quote not in its archive, a bad date.
PLANTED = """\
  - id: misspelt
    text: The board approved the expansion.
    sourcse: [courier]
  - id: unknown-source
    text: The expansion was reported.
    sources: [courrier-page]
  - id: misquoted
    text: The chair spoke of the long term.
    sources: [courier]
    quote:
      text: We are building for the next forty years
      speaker: Miriam Okafor
"""

BAD_DATE = REFERENCES.replace("  published: 2025-03-08\n", "  published: 2025-13-08\n")


def line(root: Path, needle: str, relative: str = FILE) -> int:
    lines = (root / relative).read_text(encoding="utf-8").splitlines()
    [number] = [index for index, text in enumerate(lines, start=1) if needle in text]
    return number


def test_one_check_reports_all_four_planted_problems_each_at_its_line(tmp_path: Path) -> None:
    root = make(tmp_path, PLANTED, references=BAD_DATE)
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert result.exit_code == 1
    shown = [text for text in result.stderr.splitlines() if text.startswith("sources/")]
    expected = [
        f"sources/references.yaml:{line(root, '2025-13-08', 'sources/references.yaml')}:",
        f"{FILE}:{line(root, 'sourcse:')}:",
        f"{FILE}:{line(root, 'courrier-page')}: unknown reference 'courrier-page'",
        f"{FILE}:{line(root, 'forty years')}: fact 'misquoted': the quote is not in the archived text",
    ]
    for start in expected:
        assert any(text.startswith(start) for text in shown), (start, result.stderr)
    # Sorted by path and line, as always.
    located = [(text.split(":")[0], int(text.split(":")[1])) for text in shown]
    assert located == sorted(located)


def test_the_audit_runs_on_the_valid_facts_of_a_topic_with_a_schema_error(tmp_path: Path) -> None:
    root = make(tmp_path, PLANTED.replace("    sources: [courrier-page]\n", "    sources: [courier-page]\n"))
    project, problems = load(root)
    assert "harbour" not in project.topics  # nothing is built from it
    codes = [(problem.line, problem.code) for problem in problems]
    assert (line(root, "sourcse:"), None) in codes
    assert (line(root, "forty years"), "quote-not-found") in codes
    assert project.audit is not None and project.audit.quote("harbour", "misquoted").outcome == "not-found"
    assert project.audit.fact("harbour", "misspelt") is None


def test_the_audits_warnings_on_a_broken_topic_still_pass_its_acknowledgements(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: misspelt
    txet: A fact with a misspelt field.
    sources: [courier]
  - id: one-outlet
    text: The board approved the expansion.
    sources: [courier]
    evidence:
      courier: The Carrow harbour board approved
    acknowledge:
      single-outlet: Only the Courier has it.
""")
    project, problems = load(root)
    # Only the broken fact's own problems (its unknown field, its missing text).
    assert {problem.line for problem in problems} == {line(root, "- id: misspelt"), line(root, "txet:")}
    assert not [warning for warning in project.warnings if warning.code == "single-outlet"]
    assert [item.warning.code for item in project.acknowledged] == ["single-outlet"]


def test_a_broken_reference_hides_only_the_unknown_reference_errors_it_causes(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: cites-the-broken-one
    text: The ferry strike ended.
    sources: [gazette]
  - id: cites-a-missing-one
    text: The ferry strike ended, says a wire.
    sources: [nowhere-wire]
""", references=BAD_DATE)
    _, problems = load(root)
    messages = [str(problem) for problem in problems]
    assert not any("unknown reference 'gazette'" in message for message in messages)
    assert any(message.startswith(f"{FILE}:{line(root, 'nowhere-wire')}: unknown reference 'nowhere-wire'")
               for message in messages), messages


def test_an_unparsable_references_file_still_hides_every_unknown_reference(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: cites-a-missing-one
    text: The ferry strike ended, says a wire.
    sources: [nowhere-wire]
""")
    write(root, "sources/references.yaml", "courier: [unclosed\n")
    _, problems = load(root)
    assert not any("unknown reference" in problem.message for problem in problems)


# -- a quote without evidence ---------------------------------------------------------------------------------------

QUOTED = """\
  - id: quoted
    text: The board approved a £2.3bn expansion.
    sources: [courier]
    quote:
      text: the largest investment in the town's history
      speaker: The Carrow Courier
"""


def test_a_quote_without_evidence_is_a_warning_that_the_text_is_not_checked(tmp_path: Path) -> None:
    root = make(tmp_path, QUOTED)
    project, problems = load(root)
    assert problems == []
    assert [str(warning) for warning in project.warnings if warning.code == "evidence-missing"] == [
        f"{FILE}:{line(root, '£2.3bn')}: warning: fact 'quoted' has a quote but no evidence passage: its text is "
        "not checked; give under evidence: the passage of each source that supports it [evidence-missing]"]
    result = CliRunner().invoke(main, ["check", "--strict", "--project", str(root)])
    assert result.exit_code == 1 and "[evidence-missing]" in result.stderr


def test_a_quote_with_evidence_or_acknowledged_or_without_archives_is_not_warned_about(tmp_path: Path) -> None:
    evidenced = make(tmp_path / "evidenced", QUOTED + "    evidence:\n      courier: approved a £2.3bn expansion\n")
    acknowledged = make(tmp_path / "acknowledged", QUOTED + "    acknowledge:\n"
                        "      evidence-missing: The quote is the fact.\n")
    no_archives = make(tmp_path / "no-archives", QUOTED, references="\n".join(
        text for text in REFERENCES.splitlines() if not text.startswith("  archive:")) + "\n")
    # A source without an archive: the quote is unverifiable (warned as such), and so would evidence be.
    unarchived = make(tmp_path / "unarchived", QUOTED.replace("sources: [courier]", "sources: [chatter]"))
    for root in (evidenced, acknowledged, no_archives, unarchived):
        project, problems = load(root)
        assert problems == [] and not [item for item in project.warnings if item.code == "evidence-missing"], root
    project, _ = load(acknowledged)
    assert [item.warning.code for item in project.acknowledged] == ["evidence-missing"]


def test_a_misspelt_topic_field_hides_neither_duplicate_ids_nor_the_audit(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: misquoted
    text: The chair spoke of the long term.
    sources: [courier]
    quote:
      text: We are building for the next forty years
      speaker: Miriam Okafor
  - id: misquoted
    text: The same id again.
    sources: [courier]
""")
    path = root / FILE
    path.write_text(path.read_text(encoding="utf-8").replace("as_of:", "as_off:"), encoding="utf-8")
    _, problems = load(root)
    messages = [str(problem) for problem in problems]
    assert any(message.startswith(f"{FILE}:{line(root, 'as_off:')}:") for message in messages), messages
    assert any("duplicate fact id 'misquoted'" in message for message in messages), messages
    assert [problem.code for problem in problems].count("quote-not-found") == 1
