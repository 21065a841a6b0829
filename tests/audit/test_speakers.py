"""Speakers (issue 17): a quote is attributed only when its speaker is named near a place it stands in the archive.

Unit tests of :mod:`briefings.audit.speakers`, the audit's warning on the test project, and deliberate
distortions of the example project against its real articles (when ../shared/seeds is at hand): each quote
given to another person named in the articles must be caught; the speaker named by surname only, by a declared
alias, or in the sentence before must not be.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefings.audit.speakers import attribution_window, confirm_speaker, speaker_names
from briefings.cli import main
from briefings.render.filters import verification_note
from briefings.render.views import QuoteView
from tests.audit.test_auditor import coded, line_of, load, make
from tests.conftest import REPO_ROOT, copy_example

SEEDS = REPO_ROOT.parent / "shared" / "seeds"


def confirmed(passage: str, text: str, speaker: str, *aliases: str) -> str | None:
    return confirm_speaker(passage, text, speaker_names(speaker, list(aliases)))


# -- names and the window -------------------------------------------------------------------------------------------

def test_the_names_are_the_name_its_surname_and_the_aliases() -> None:
    assert speaker_names("Keir Starmer, UK prime minister", ["Sir Keir"]) == ["Keir Starmer", "Starmer", "Sir Keir"]
    assert speaker_names("Statement from the UK prime minister's office") == [
        "Statement from the UK prime minister's office"]
    assert speaker_names("Buckingham Palace") == ["Buckingham Palace", "Palace"]


def test_the_speaker_named_in_the_same_sentence_is_confirmed() -> None:
    text = 'The summit ended. "We are at a crossroads in history," Keir Starmer said. Macron left.'
    assert confirmed("at a crossroads in history", text, "Keir Starmer, UK prime minister") == "Keir Starmer"


def test_the_surname_in_the_sentence_before_confirms_but_two_sentences_before_does_not() -> None:
    text = 'Mr Zelensky spoke first. He thanked the troops. He added: "It is very important to share."'
    assert confirmed("It is very important to share", text, "Volodymyr Zelensky") is None
    text = 'Mr Zelensky thanked the troops. He added: "It is very important to share."'
    assert confirmed("It is very important to share", text, "Volodymyr Zelensky") == "Zelensky"


def test_a_declared_alias_confirms_whatever_its_case_and_apostrophe() -> None:
    text = "According to a statement by Starmer\u2019s office, data sets will be \u201cplugged into UK lines.\u201d"
    assert confirmed("plugged into UK lines", text, "Statement from Downing Street") is None
    assert confirmed("plugged into UK lines", text, "Statement from Downing Street", "starmer's office") \
        == "Starmer\u2019s office"


def test_an_attribution_after_a_quote_that_ends_its_own_sentence_counts() -> None:
    text = 'Talks went on. "This must have strong US backing." Starmer said so twice. Trump was not there.'
    assert confirmed("This must have strong US backing.", text, "Keir Starmer") == "Starmer"
    start = text.index('"This')
    low, high = attribution_window(text, start + 1, text.index("backing.") + len("backing."))
    assert text[low:high] == 'Talks went on. "This must have strong US backing." Starmer said so twice.'


def test_an_abbreviation_does_not_end_a_sentence() -> None:
    text = "Later, Trump said the U.S. should not. 'I don't think we should,' he said."
    assert confirmed("I don't think we should", text, "Donald Trump") == "Trump"


def test_a_name_inside_the_quotation_is_no_attribution() -> None:
    text = 'The minister spoke. "Starmer is wrong about this," said Kemi Badenoch.'
    assert confirmed("Starmer is wrong about this", text, "Keir Starmer") is None
    assert confirmed("Starmer is wrong about this", text, "Kemi Badenoch") == "Kemi Badenoch"


def test_every_place_the_quote_stands_is_looked_at_not_only_the_first() -> None:
    text = ('Crowds chanted "never again" in the square. Nobody spoke for a while. Weeks later, at the memorial, '
            'Ursula von der Leyen repeated the words: "never again".')
    assert confirmed("never again", text, "Ursula von der Leyen, president of the European Commission") == \
        "Ursula von der Leyen"
    assert confirmed("never again", text, "Donald Tusk") is None


def test_a_wrong_speaker_is_not_confirmed_by_the_right_one_nearby() -> None:
    text = 'Macron spoke later. "We will not send troops," Rutte told reporters.'
    assert confirmed("We will not send troops", text, "Mark Rutte") == "Rutte"
    assert confirmed("We will not send troops", text, "Donald Tusk, Polish prime minister") is None


# -- the audit's warning ----------------------------------------------------------------------------------------------

def test_a_quote_given_to_the_wrong_speaker_is_a_warning_at_its_speaker(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: fifty-years
    text: The chair spoke of the long term.
    sources: [courier]
    quote:
      text: We are building for the next fifty years
      speaker: Tom Reyes, harbour master
""")
    project, problems = load(root)
    assert problems == []
    quote = project.audit.quote("harbour", "fifty-years")
    assert quote is not None and quote.outcome == "verified" and quote.speaker_confirmed is False
    assert quote.state == "quote found · speaker not confirmed"
    [warning] = coded(project.warnings, "quote-speaker-unconfirmed")
    line = line_of(root, "speaker: Tom Reyes")
    assert warning.startswith(f"sources/topics/harbour.yaml:{line}: warning: fact 'fifty-years': the quote is in the "
                              "archived text of 'courier', but its speaker is not named near it (none of 'Tom Reyes', "
                              "'Reyes' in its sentence or the one before): check who said it")
    assert warning.endswith("[quote-speaker-unconfirmed]")


def test_the_right_speaker_or_an_alias_is_confirmed_and_the_warning_can_be_acknowledged(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: by-name
    text: The chair spoke of the long term.
    sources: [courier]
    quote:
      text: We are building for the next fifty years
      speaker: Miriam Okafor, board chair
  - id: by-alias
    text: The chair spoke of the long term.
    sources: [courier]
    quote:
      text: not the next five
      speaker: The chair of the harbour board
      speaker_aliases: [board chair]
  - id: acknowledged
    text: The chair spoke of the long term.
    sources: [courier]
    quote:
      text: We are building for the next fifty years
      speaker: The Carrow harbour board
    acknowledge:
      quote-speaker-unconfirmed: The chair spoke for the board, as its minutes say.
""")
    project, problems = load(root)
    assert problems == []
    assert project.audit.quote("harbour", "by-name").speaker_named_as == "Miriam Okafor"
    assert project.audit.quote("harbour", "by-alias").speaker_named_as == "board chair"
    assert project.audit.quote("harbour", "by-alias").state == "quote found · speaker confirmed"
    assert coded(project.warnings, "quote-speaker-unconfirmed") == []
    assert [item.warning.code for item in project.acknowledged] == ["quote-speaker-unconfirmed"]


def test_a_quote_not_found_has_no_speaker_check(tmp_path: Path) -> None:
    root = make(tmp_path, """\
  - id: forty-years
    text: The chair spoke of the long term.
    sources: [courier]
    quote:
      text: We are building for the next forty years
      speaker: Miriam Okafor
""")
    project, _ = load(root)
    quote = project.audit.quote("harbour", "forty-years")
    assert quote.outcome == "not-found" and quote.speaker_confirmed is None
    assert quote.state == "quote not found in source"
    assert coded(project.warnings, "quote-speaker-unconfirmed") == []


# -- distortions of the example against its real articles ---------------------------------------------------------

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the example's archived articles are not here ({SEEDS})")

#: Each quote given to another person the articles name (the speaker's aliases dropped with it).
WRONG_SPEAKERS = {
    "uk-france-lead": "Emmanuel Macron, president of France",
    "boots-and-planes": "Donald Tusk, Polish prime minister",
    "one-month-truce": "Ursula von der Leyen, president of the European Commission",
    "zelensky-regrets-cameras": "Keir Starmer, UK prime minister",
    "coproduction-agreement": "Volodymyr Zelensky, president of Ukraine",
    "interflex-impact": "Keir Starmer, UK prime minister",
    "trump-us-exempt": "Pedro Sanchez, prime minister of Spain",
    "rearm-europe": "Mark Rutte, NATO secretary general",
}


def _respeak(root: Path, fact_id: str, speaker: str, aliases: str | None = None) -> None:
    """Give the quote of ``fact_id`` in the example another speaker line (and aliases, or none)."""
    for path in (root / "sources" / "topics").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        found = re.search(rf"- id: {re.escape(fact_id)}\n(?:(?!  - id:).*\n)*?      speaker: .*\n"
                          r"(      speaker_aliases: .*\n)?", text)
        if found:
            block = found.group()
            block = re.sub(r"      speaker_aliases: .*\n", "", block)
            block = re.sub(r"      speaker: .*\n", f"      speaker: {speaker}\n"
                           + (f"      speaker_aliases: [{aliases}]\n" if aliases else ""), block)
            path.write_text(text[:found.start()] + block + text[found.end():], encoding="utf-8")
            return
    raise AssertionError(f"no quote of fact {fact_id} in the example")


def _check(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--project", str(root), "--strict", "--archive-dir", str(SEEDS)])
    return result.exit_code, result.stderr


@needs_seeds
def test_every_quote_given_to_another_person_of_the_articles_fails_strict_check(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    for fact_id, speaker in WRONG_SPEAKERS.items():
        _respeak(root, fact_id, speaker)
    code, errors = _check(root)
    assert code == 1
    for fact_id in WRONG_SPEAKERS:
        assert re.search(rf"fact '{fact_id}': the quote is in the archived text of '[\w-]+', but its speaker is not "
                         r"named near it .*\[quote-speaker-unconfirmed\] \(--strict\)", errors), (fact_id, errors)
    assert errors.count("[quote-speaker-unconfirmed]") == len(WRONG_SPEAKERS)


@needs_seeds
def test_a_surname_an_alias_or_the_sentence_before_is_harmless(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    _respeak(root, "boots-and-planes", "Starmer")  # the surname alone
    _respeak(root, "uk-france-lead", "Keir Starmer")  # without the role
    _respeak(root, "coproduction-agreement", "The UK prime minister", "Sir Keir")  # an alias ("Sir Keir told …")
    _respeak(root, "zelensky-regrets-cameras", "Zelenskyy")  # the article's spelling, the sentence before
    code, errors = _check(root)
    assert code == 0, errors


def test_the_documents_say_what_was_checked_of_a_quote() -> None:
    from_markdown = {"standalone": True}
    in_html = {"standalone": False}
    confirmed_quote = QuoteView("words", "Keir Starmer", "verified", True)
    unconfirmed = QuoteView("words", "Keir Starmer", "verified", False)
    assert verification_note(from_markdown, confirmed_quote) == " *(quote found · speaker confirmed)*"
    assert verification_note(from_markdown, unconfirmed) == " *(quote found · speaker not confirmed)*"
    # In HTML: the state's own class, then the one earlier versions gave it (kept for house stylesheets).
    assert verification_note(in_html, confirmed_quote) == \
        ' <span class="check confirmed verified">quote found · speaker confirmed</span>'
    assert verification_note(in_html, unconfirmed) == \
        ' <span class="check not-confirmed unconfirmed">quote found · speaker not confirmed</span>'
    assert verification_note(in_html, QuoteView("words", "K", "unverifiable")) == \
        ' <span class="check not-checked unverified">quote not checked: no archived copy</span>'
    assert verification_note(from_markdown, QuoteView("words", "K", "not-found")) == \
        " *(quote not found in source)*"
    # A template written before speakers were checked passes the outcome alone.
    assert verification_note(from_markdown, "verified") == " *(quote found)*"
    assert verification_note(in_html, "verified") == ' <span class="check found verified">quote found</span>'
    assert verification_note(from_markdown, None) == ""
