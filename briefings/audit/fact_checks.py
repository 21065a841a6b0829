"""The checks of one fact: its quote and speaker, its evidence, its numbers, its polarity, its corroboration,
its headline.

Contract: :func:`check_fact` checks one fact against the archived text of its
sources through a :class:`~briefings.audit.checker.Checker` (which collects
the problems) and returns its :class:`~briefings.audit.results.FactAudit`.
What each check does is listed in :mod:`briefings.audit.auditor`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from briefings.audit.checker import Checker, listed
from briefings.audit.date_checks import check_dates
from briefings.audit.grades import NOT_CONFIRMING, WEAK_GRADES, combined_grade, confirming_sources, independent_sources
from briefings.audit.headline_checks import check_headline
from briefings.audit.numbers import number_appears, numbers_in, same_kind_stated
from briefings.audit.polarity import polarity_mismatch
from briefings.audit.results import FactAudit, PassageAudit, QuoteAudit, SourceAudit
from briefings.audit.speakers import confirm_speaker, speaker_names

if TYPE_CHECKING:
    from briefings.project.schema import Fact, Reference


def check_fact(checker: Checker, topic_id: str, index: int, fact: Fact) -> FactAudit:
    """Check fact ``index`` of topic ``topic_id``; see the module docstring."""
    location = ("facts", index)
    about = ("facts", topic_id, index)
    known = [source for source in fact.sources if source in checker.references]
    references: list[Reference] = [checker.references[source] for source in known]
    quote = None
    if fact.quote is not None and fact.sources[0] in checker.references:
        check = checker.check_passage(fact.sources[0], fact.quote.text)
        quote = _quote(checker, topic_id, index, fact, check)
        if check.outcome == "not-found":
            checker.error(topic_id, (*location, "quote", "text"),
                        f"fact '{fact.id}': the quote " + checker.not_found(check, "").lstrip(), "quote-not-found")
        elif check.outcome == "unverifiable" and checker.warn_unverifiable(fact.sources[0]):
            checker.warn(topic_id, (*location, "quote", "text"),
                       f"fact '{fact.id}': the quote cannot be verified: its first source "
                       f"'{fact.sources[0]}' has no archived text", "quote-unverifiable", about)
    sources = []
    for source in dict.fromkeys(fact.sources):
        reference = checker.references.get(source)
        evidence = None
        if source in fact.evidence and reference is not None:
            evidence = checker.evidence(topic_id, (*location, "evidence", source), f"fact '{fact.id}'", source,
                                      fact.evidence[source], about)
        sources.append(SourceAudit(source, reference.outlet if reference else None,
                                   reference.reliability if reference else None, evidence))
    passages = [*fact.evidence.values(), *([fact.quote.text] if fact.quote else [])]
    unsupported: list[str] = []
    if fact.evidence:
        unsupported = _check_numbers(checker, topic_id, index, fact, passages)
        mismatch = polarity_mismatch(fact.text, passages)
        if mismatch:
            checker.warn(topic_id, (*location, "text"),
                       f"fact '{fact.id}' says \"{mismatch[0]}\" where its evidence says \"{mismatch[1]}\": check "
                       "that the fact says what its sources say", "polarity-mismatch", about)
    if fact.quote is not None and not fact.evidence and any(reference.archive for reference in references):
        checker.warn(topic_id, (*location, "text"), f"fact '{fact.id}' has a quote but no evidence passage: "
                   "its text is not checked; give under evidence: the passage of each source that supports it",
                   "evidence-missing", about)
    date_basis = check_dates(checker, topic_id, index, fact)
    check_headline(checker, topic_id, index, fact)
    groups = independent_sources([(reference.id, reference.source_key) for reference in references])
    single_outlet = len(groups) == 1 and len(known) == len(fact.sources)
    if single_outlet and checker.uses_archives:
        detail = "" if len(set(fact.sources)) == 1 else f" ({len(set(fact.sources))} references)"
        checker.warn(topic_id, (*location, "sources"),
                   f"fact '{fact.id}' rests on a single outlet, {_source_name(references)}{detail}: corroborate it",
                   "single-outlet", about)
    if fact.credibility == 1 and checker.uses_archives and len(known) == len(fact.sources):
        _confirmation(checker, topic_id, index, fact, references)
    grades = [reference.reliability for reference in references]
    low = bool(references) and len(known) == len(fact.sources) and all(
        grade in WEAK_GRADES for grade in grades)
    fully = bool(sources) and all(item.evidence is not None and item.evidence.outcome == "verified"
                                  for item in sources)
    return FactAudit(topic=topic_id, fact=fact.id, grade=combined_grade(grades, fact.credibility),
                     sources=tuple(sources), quote=quote, fully_evidenced=fully,
                     single_source=len(set(fact.sources)) == 1, single_outlet=single_outlet,
                     low_reliability=low, unsupported_numbers=tuple(unsupported),
                     date_basis=date_basis)

def _source_name(references: list[Reference]) -> str:
    """One independent source as a message names it: its outlet, or its agency's copy and who ran it."""
    agency = next((reference.agency for reference in references if reference.agency), None)
    if agency is None:
        return references[0].outlet
    outlets = [outlet for outlet in dict.fromkeys(reference.outlet for reference in references)
               if " ".join(outlet.casefold().split()) != references[0].source_key]
    return f"{agency} (agency copy{', run by ' + ', '.join(outlets) if outlets else ''})"


def _confirmation(checker: Checker, topic_id: str, index: int, fact: Fact, references: list[Reference]) -> None:
    """Warning ``credibility-unsupported`` for a fact graded credibility 1 (confirmed by other sources) without
    two independent sources able to confirm it (:func:`briefings.audit.grades.confirming_sources`)."""
    unique = list({reference.id: reference for reference in references}.values())
    able = confirming_sources([(reference.id, reference.source_key, reference.reliability) for reference in unique])
    if len(able) >= 2:
        return
    reasons = []
    for reference in unique:
        if reference.reliability is None:
            reasons.append(f"'{reference.id}' has no reliability grade")
        elif reference.reliability in NOT_CONFIRMING:
            reasons.append(f"'{reference.id}' is graded {reference.reliability} ({reference.reliability_label})")
    grouped = independent_sources([(reference.id, reference.source_key) for reference in unique
                                   if reference.reliability and reference.reliability not in NOT_CONFIRMING])
    for members in grouped.values():
        if len(members) > 1:
            chosen = [reference for reference in unique if reference.id in members]
            reasons.append(f"{listed(members)} are one source, {_source_name(chosen)}")
    counted = "no independent source" if not able else "one independent source"
    checker.warn(topic_id, ("facts", index, "credibility"),
                 f"fact '{fact.id}' is graded credibility 1 (confirmed by other sources), but it has {counted} able "
                 f"to confirm it ({'; '.join(reasons) or 'it cites one reference'}): cite a second, independent "
                 "source graded A to D, or lower its credibility", "credibility-unsupported",
                 ("facts", topic_id, index))


def _check_numbers(checker: Checker, topic_id: str, index: int, fact: Fact, passages: list[str]) -> list[str]:
    """The numbers of the fact's text that its evidence does not state (as that quantity: value, currency,
    percentage, counted noun). One that the evidence contradicts, stating another number of the same kind
    (:func:`~briefings.audit.numbers.same_kind_stated`), is an error (``number-contradicted``); the others
    give one warning (``number-not-in-evidence``)."""
    unsupported: list[str] = []
    unstated: list[str] = []
    for number in numbers_in(fact.text):
        if number_appears(number, passages) or number.written in unsupported:
            continue
        unsupported.append(number.written)
        stated = same_kind_stated([number], passages)
        if stated:
            checker.error(topic_id, ("facts", index, "text"),
                          f"fact '{fact.id}' states '{number.shown}', but its evidence states {listed(stated)} "
                          "and not that: correct the number or the passage", "number-contradicted")
        else:
            unstated.append(number.written)
    if unstated:
        checker.warn(topic_id, ("facts", index, "text"),
                     f"fact '{fact.id}' states {listed(unstated)}, which none of its evidence passages "
                     f"states: check the number, or quote the passage that gives it", "number-not-in-evidence",
                     ("facts", topic_id, index))
    return unsupported


def _quote(checker: Checker, topic_id: str, index: int, fact: Fact, check: PassageAudit) -> QuoteAudit:
    """The quote's check, with whether its speaker is named near it (:mod:`briefings.audit.speakers`):
    a quote found without its speaker gives warning ``quote-speaker-unconfirmed``."""
    assert fact.quote is not None
    speaker = fact.quote.speaker
    if check.outcome != "verified" or check.start is None or check.end is None:
        return QuoteAudit(**_passage_fields(check), speaker=speaker)
    text = checker.scope(check.source)  # the reference's span of a shared file: the speaker is named there
    assert text is not None
    offset = checker.records[check.source].span_start or 0
    names = speaker_names(speaker, fact.quote.speaker_aliases)
    named = confirm_speaker(fact.quote.text, text, names, (check.start - offset, check.end - offset))
    if named is None:
        checker.warn(topic_id, ("facts", index, "quote", "speaker"),
                   f"fact '{fact.id}': the quote is in the archived text of '{check.source}', but its speaker "
                   f"is not named near it (none of {listed(names)} in its sentence or the one before): check who "
                   "said it, or declare the name the source uses in speaker_aliases",
                   "quote-speaker-unconfirmed", ("facts", topic_id, index))
    return QuoteAudit(**_passage_fields(check), speaker=speaker, speaker_confirmed=named is not None,
                      speaker_named_as=named)


def _passage_fields(check: PassageAudit) -> dict[str, Any]:
    # (The results have slots, not a __dict__: they are kept for every fact of the project.)
    return {item.name: getattr(check, item.name) for item in dataclasses.fields(PassageAudit)}


__all__ = ["check_fact"]
