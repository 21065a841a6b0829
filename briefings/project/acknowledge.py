"""Acknowledgements: the ``acknowledge:`` entries that accept a warning, with a reason, so that it no longer shows.

Contract: the warnings each place may acknowledge are :data:`FACT_WARNINGS`,
:data:`FIGURE_WARNINGS`, :data:`REFERENCE_WARNINGS` and
:data:`TOPIC_WIDE_WARNINGS` (a topic's own, and any fact or figure warning
for all its facts and figures). :func:`read_entries` reads one item's
entries and returns, as problems, the entries that name an unknown warning
or one that cannot be acknowledged there. A :class:`Ledger` then takes every
warning about an item (:meth:`Ledger.accept`): an entry of the item, else of
its topic, makes it :class:`Acknowledged` (still counted in summaries, and
listed by ``check --show-acknowledged``); otherwise it stays a warning.

Two passes meet the same entries. The loader's own warnings come first; what
it hands on (:class:`PendingAcknowledgements`, kept in
:attr:`briefings.project.model.Project.pending_acknowledgements`) is every
item's entries and which of them were used. The attribution audit, which runs
later and above this layer (:mod:`briefings.audit.project_audit`), passes its
warnings through :func:`settle`, which then reports each entry that no
warning used ("does not apply: remove the entry"): only then is that known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from briefings.errors import Acknowledged, Problem, Severity, did_you_mean
from briefings.project.yaml import Location, YamlDocument

#: Warnings a project may acknowledge, with what each says, by where it is acknowledged.
FACT_WARNINGS = {
    "low-reliability": "the fact rests only on sources graded D, E or F",
    "date-after-as-of": "the fact's date is after its topic's as_of",
    "source-after-as-of": "a source the fact cites was published after its topic's as_of",
    # The attribution audit's (briefings.audit.auditor):
    "quote-unverifiable": "the fact's quote cannot be verified: its first source has no archived text",
    "quote-speaker-unconfirmed": "the quote's words are in its source, but its speaker is not named near them",
    "evidence-unverifiable": "an evidence passage cannot be verified: its source has no archived text",
    "number-not-in-evidence": "the fact states a number that none of its evidence passages states",
    "evidence-missing": "the fact has a quote but no evidence passage, so its text is not checked",
    "single-outlet": "every source of the fact comes from one outlet (or one agency's copy)",
    "polarity-mismatch": "the fact's text and its evidence disagree in polarity (agreed against refused)",
    "credibility-unsupported": "the fact is graded credibility 1 without two independent sources graded A to D",
    "date-not-in-evidence": "the fact gives a date that its evidence neither states nor lets one work out",
    "headline-unsupported": "the fact's headline states a number or a day that the fact's text does not",
}
FIGURE_WARNINGS = {
    "source-after-as-of": "a source the figure cites was published after its topic's as_of",
    "number-not-in-evidence": "the figure's value is not stated in its evidence, or in the archived text of any "
                              "of its sources",
    "evidence-unverifiable": "an evidence passage of the figure cannot be verified: its source has no archived text",
    "figure-discrepancy": "another figure with the same key states a different value",
    "figure-evidence-missing": "the figure has no evidence passage, so its value is looked for in whole archives",
}
REFERENCE_WARNINGS = {
    "never-cited": "no fact or figure cites the reference",
    "accessed-before-published": "the reference's accessed date is before its published date",
    "archive-missing": "the reference's archive file does not exist",
}
TOPIC_WARNINGS = {
    "review-overdue": "the topic is past its review_by date",
    "as-of-in-future": "the topic's as_of date is in the future",
    "summary-number-unsupported": "the topic's summary states a number that none of its facts' evidence, quotes "
                                  "or figures states",
    "summary-date-unsupported": "the topic's summary names a day that none of its facts gives",
}
WARNING_CODES = {**FACT_WARNINGS, **FIGURE_WARNINGS, **REFERENCE_WARNINGS, **TOPIC_WARNINGS}
#: A topic may also acknowledge a fact or figure warning once for all its facts and figures that have it
#: (a fact's or figure's own entry, when it has one, gives the reason shown for it).
TOPIC_WIDE_WARNINGS = {**TOPIC_WARNINGS, **{code: f"{meaning} (for every fact or figure of the topic)"
                                             for code, meaning in {**FACT_WARNINGS, **FIGURE_WARNINGS}.items()}}
_ACKNOWLEDGED_ON = {"facts": FACT_WARNINGS, "figures": FIGURE_WARNINGS, "references": REFERENCE_WARNINGS,
                    "topics": TOPIC_WIDE_WARNINGS}

#: What a warning is about, as the audit's findings name it (``Finding.about``):
#: ("facts", topic id, index), ("figures", topic id, index), ("topics", topic id) or ("references", id).
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Entries:
    """One fact's (figure's, topic's, reference's) valid ``acknowledge:`` entries."""

    key: Key
    #: How the unused-entry warning names the item ("fact 'rates-held'").
    label: str
    #: The file the entries are in, as messages show it.
    path: str
    #: The reason given for each acknowledged warning code, in the file's order.
    reasons: Mapping[str, str]
    #: The line of each entry.
    lines: Mapping[str, int | None]
    #: The topic's entries, which acknowledge a warning for all its facts and figures.
    topic_wide: Entries | None = None


@dataclass(frozen=True)
class PendingAcknowledgements:
    """Every item's entries, in the order unused ones are reported, and the codes warnings have used so far."""

    entries: Mapping[Key, Entries] = field(default_factory=dict)
    used: Mapping[Key, frozenset[str]] = field(default_factory=dict)


def read_entries(document: YamlDocument, location: Location, key: Key, entries: Mapping[str, str],
                 applicable: Mapping[str, str], label: str, kind: str,
                 topic_wide: Entries | None = None) -> tuple[Entries, list[Problem]]:
    """The entries of the item at ``location`` that may stand there, and a problem for each that may not."""
    if not entries:
        return Entries(key, label, document.display_path, {}, {}, topic_wide), []
    reasons: dict[str, str] = {}
    lines: dict[str, int | None] = {}
    problems: list[Problem] = []
    for code, reason in entries.items():
        where = (*location, "acknowledge", code)
        if code in applicable:
            reasons[code] = reason
            lines[code] = document.line_of(where)
        elif code in WARNING_CODES:
            places = " or ".join(place for place, codes in _ACKNOWLEDGED_ON.items() if code in codes)
            problems.append(document.problem(where,
                f"warning '{code}' cannot be acknowledged on {kind}: acknowledge it on {places} "
                f"({kind} acknowledge: {', '.join(applicable)})"))
        else:
            problems.append(document.problem(where,
                f"unknown warning '{code}'{did_you_mean(code, applicable)} "
                f"({kind} acknowledge: {', '.join(applicable)})"))
    return Entries(key, label, document.display_path, reasons, lines, topic_wide), problems


class Ledger:
    """Warnings as they are found, each acknowledged or kept, and which entries they used."""

    def __init__(self, pending: PendingAcknowledgements | None = None):
        #: Every item's entries, by what they are about, in the order unused ones are reported.
        self.entries: dict[Key, Entries] = dict(pending.entries) if pending else {}
        self.used: dict[Key, set[str]] = {key: set(codes) for key, codes in pending.used.items()} if pending else {}
        self.warnings: list[Problem] = []
        self.acknowledged: list[Acknowledged] = []

    def open(self, entries: Entries) -> None:
        """Keep ``entries`` for warnings still to come, and to report those never used."""
        if entries.reasons or (entries.topic_wide is not None and entries.topic_wide.reasons):
            # (An item that acknowledges nothing, in a topic that acknowledges nothing, is left out: a warning
            # about it stays a warning either way, and most items of a large project are such.)
            self.entries[entries.key] = entries

    def accept(self, entries: Entries | None, warning: Problem) -> None:
        """Record ``warning`` (about the item of ``entries``, if any): acknowledged, or a warning."""
        code = warning.code or ""
        for candidate in (entries, entries.topic_wide if entries else None):
            if candidate is not None and code in candidate.reasons:
                self.used.setdefault(candidate.key, set()).add(code)
                self.acknowledged.append(Acknowledged(warning, candidate.reasons[code]))
                return
        self.warnings.append(warning)

    def warn(self, entries: Entries, document: YamlDocument, location: Location, code: str, message: str) -> None:
        """A warning of the loader's own, at ``location``, passed through ``entries``."""
        self.accept(entries, Problem(document.display_path, document.line_of(location), message,
                                     Severity.WARNING, code))

    def pending(self) -> PendingAcknowledgements:
        return PendingAcknowledgements(dict(self.entries),
                                       {key: frozenset(codes) for key, codes in self.used.items()})

    def unused(self) -> list[Problem]:
        """A warning for each entry no warning has used."""
        return [Problem(entries.path, entries.lines[code],
                        f"{entries.label} acknowledges '{code}', but that warning does not apply: remove the entry",
                        Severity.WARNING)
                for key, entries in self.entries.items() for code in entries.reasons
                if code not in self.used.get(key, ())]


def settle(pending: PendingAcknowledgements,
           warnings: Iterable[tuple[Key, Problem]]) -> tuple[list[Problem], list[Acknowledged]]:
    """The last ``warnings`` (each with what it is about) through the entries, then a warning for each unused one.

    Returns the warnings that stay warnings and those acknowledged, in the order found (not sorted).
    """
    ledger = Ledger(pending)
    for key, warning in warnings:
        ledger.accept(ledger.entries.get(tuple(key)), warning)
    ledger.warnings.extend(ledger.unused())
    return ledger.warnings, ledger.acknowledged
