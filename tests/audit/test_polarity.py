"""Polarity (issue 17): a fact's text and its evidence must not disagree in negation or polarity words.

Unit tests of :func:`briefings.audit.polarity.polarity_mismatch`, the audit's warning, and distortions of the
example against its real articles (when ../shared/seeds is at hand): "agreed" made "refused" (and the like) in a
fact's text with its evidence unchanged is caught; rewording that keeps polarity is not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefings.audit.polarity import polarity_mismatch
from briefings.cli import main
from tests.audit.test_auditor import coded, line_of, load, make
from tests.conftest import REPO_ROOT, copy_example

SEEDS = REPO_ROOT.parent / "shared" / "seeds"


@pytest.mark.parametrize(("text", "evidence", "phrases"), [
    ("The board refused the plan.", "The board agreed to the plan.", ("refused", "agreed")),
    ("The board did not agree to the plan.", "The board agreed to the plan.", ("not agree", "agreed")),
    ("The talks failed.", "The talks succeeded after a week.", ("failed", "succeeded")),
    ("Moscow confirmed the strike.", "Moscow denied the strike.", ("confirmed", "denied")),
    # A negation added or dropped before a word both sides use.
    ("Allies would not pledge 5% of GDP.", "Allies would pledge 5% of GDP.", ("not pledge", "allies would pledge")),
    ("Data cannot be fed into production lines.", "Data can be fed into production lines.",
     ("cannot be fed", "can be fed")),
    ("The UK will send troops.", "The UK will not send troops.", ("uk will send", "not send")),
    ("They haven't yet signed the deal.", "They have signed the deal.", ("haven't yet signed", "signed")),
])
def test_opposed_words_are_a_mismatch_with_both_phrases(text: str, evidence: str, phrases: tuple[str, str]) -> None:
    assert polarity_mismatch(text, [evidence]) == phrases


@pytest.mark.parametrize(("text", "evidence"), [
    ("The board accepted the plan.", "The board agreed to the plan."),  # rewording that keeps polarity
    ("The board refused the plan.", "The board did not agree to the plan."),  # a refusal, said two ways
    ("The board rejected the plan.", "The board refused the plan, and rejected the loan."),
    ("The board met on Tuesday.", "The board agreed to the plan."),  # no polarity word in the text
    ("Allies agreed a plan, though Spain refused.", "Allies agreed a plan. Spain refused to join it."),
    ("No decision has been taken on troops.", "A decision on troops is some way off."),  # "no" negates a noun
    ("The UK will not send troops.", "London said it will not send troops."),  # the same negation
    ("Troops will not be sent yet.", "Troops will be sent, but not yet: troops will not be sent this year."),
    ("Kyiv cannot wait.", "Kyiv said it cannot wait, and would not wait."),
])
def test_rewording_that_keeps_polarity_is_no_mismatch(text: str, evidence: str) -> None:
    assert polarity_mismatch(text, [evidence]) is None


def test_the_audit_warns_at_the_facts_text_quoting_both_phrases(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: refused
    text: The harbour board refused a £2.3bn expansion.
    sources: [courier]
    evidence:
      courier: The Carrow harbour board approved a £2.3bn expansion
  - id: approved
    text: The harbour board backed a £2.3bn expansion.
    sources: [courier]
    evidence:
      courier: The Carrow harbour board approved a £2.3bn expansion
""")
    project, problems = load(root)
    assert problems == []
    [warning] = coded(project.warnings, "polarity-mismatch")
    line = line_of(root, "text: The harbour board refused")
    assert warning == (f"sources/topics/harbour.yaml:{line}: warning: fact 'refused' says \"refused\" where its "
                       "evidence says \"approved\": check that the fact says what its sources say [polarity-mismatch]")


#: Facts of the example whose text is given the opposite word, their evidence unchanged.
NEGATED = {
    "military-aid-continues": (r"\bagreed\b", "refused"),
    "pressure-on-russia": (r"\bagreed\b", "refused"),
    "uk-france-lead": (r"\bconfirmed\b", "denied"),
    "altius-deal": (r"\bsigned\b", "rejected"),
    "continuing-support": (r"UK support would", "UK opposition would"),
}


def _edit_text(root: Path, fact_id: str, pattern: str, replacement: str) -> None:
    for path in (root / "sources" / "topics").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        found = re.search(rf"- id: {re.escape(fact_id)}\n(?:(?!  - id:).*\n)*?(?=    evidence:)", text)
        if found:
            block, count = re.subn(pattern, replacement, found.group(), count=1)
            assert count == 1, (fact_id, found.group())
            path.write_text(text[:found.start()] + block + text[found.end():], encoding="utf-8")
            return
    raise AssertionError(f"no fact {fact_id} with evidence in the example")


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the example's archived articles are not here ({SEEDS})")
def test_the_example_negated_fails_and_reworded_passes(tmp_path: Path) -> None:
    negated = copy_example(tmp_path / "negated")
    for fact_id, (pattern, replacement) in NEGATED.items():
        _edit_text(negated, fact_id, pattern, replacement)
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--project", str(negated), "--strict", "--archive-dir", str(SEEDS)])
    assert result.exit_code == 1
    for fact_id in NEGATED:
        assert re.search(rf"fact '{fact_id}' says \"[^\"]+\" where its evidence says .*\[polarity-mismatch\]",
                         result.stderr), (fact_id, result.stderr)
    reworded = copy_example(tmp_path / "reworded")
    _edit_text(reworded, "military-aid-continues", r"\bagreed\b", "accepted")
    _edit_text(reworded, "pressure-on-russia", r"\bagreed\b", "approved")
    result = runner.invoke(main, ["check", "--project", str(reworded), "--strict", "--archive-dir", str(SEEDS)])
    assert result.exit_code == 0, result.stderr
