"""What each check of the attribution audit established, in one vocabulary for every output.

Contract: the audit's outcomes (:data:`briefings.audit.results.Outcome`:
"verified", "not-found", "unverifiable") are internal; no document says
"verified". Every output names the check and what it found instead, from here:

- the words the Markdown, HTML and PDF print (:func:`quote_words`,
  :func:`evidence_words`, :func:`figure_words`) and the legend that explains
  them (:data:`LEGEND`);
- the state the JSON snapshot records in each entry of a fact's or a figure's
  ``checks`` list (:func:`state`, :data:`STATES`).

A check entry is ``{"check": kind, "state": ..., "words": ...}`` plus the
fields of its kind (``source``, ``speaker``). :data:`CHECK_KINDS` lists the
kinds; a new check (numbers, dates) adds its kind here, its states to
:data:`STATES` and its entries to the same lists, so a reader that ignores
kinds it does not know keeps working.
"""

from __future__ import annotations

#: The kinds of check a snapshot's ``checks`` entry may name (extend it, and the schema's enum, for a new check).
CHECK_KINDS = ("quote", "evidence", "figure", "date")

#: For each kind, the states an entry may be in, by the audit's outcome.
STATES: dict[str, dict[str, str]] = {
    "quote": {"verified": "found", "not-found": "not-found", "unverifiable": "not-checked"},
    "evidence": {"verified": "found", "not-found": "not-found", "unverifiable": "not-checked"},
    "figure": {"verified": "in-source", "not-found": "not-in-source", "unverifiable": "not-checked"},
    # A date's state is how it was established (briefings.audit.results.DateBasis.how), under its own name.
    "date": {how: how for how in ("stated", "derived", "published", "not-established")},
}

QUOTE_CONFIRMED = "quote found · speaker confirmed"
QUOTE_NOT_CONFIRMED = "quote found · speaker not confirmed"
QUOTE_FOUND = "quote found"
QUOTE_NOT_FOUND = "quote not found in source"
QUOTE_NOT_CHECKED = "quote not checked: no archived copy"
PASSAGE_FOUND = "passage found in source"
PASSAGE_NOT_FOUND = "passage not found in source"
PASSAGE_NOT_CHECKED = "passage not checked: no archived copy"
FIGURE_IN_SOURCE = "figure in source"
FIGURE_NOT_IN_SOURCE = "figure not in source"
FIGURE_NOT_CHECKED = "figure not checked: no archived copy"

#: One sentence per state a built document can show, for its legend (the built-in templates' ``audit_legend``
#: block). A quote or passage not found is an error, which stops the build, so those two never appear there.
LEGEND = (
    f"A quote marked *{QUOTE_CONFIRMED}* stands word for word in the archived copy of its source, with its speaker "
    f"named in the sentence that gives it or the one before; one marked *{QUOTE_NOT_CONFIRMED}* stands there too, "
    f"but its speaker is not named near it; one marked *{QUOTE_NOT_CHECKED}* could not be checked, as its source "
    f"keeps no archived copy. In the list of sources, a passage marked *{PASSAGE_FOUND}* stands word for word in "
    f"that source's archived copy; one marked *{PASSAGE_NOT_CHECKED}* could not be checked. A key figure marked "
    f"*{FIGURE_IN_SOURCE}* has its value stated in its evidence passage, found in its source's archived copy (or, "
    f"without a passage, in the archived copy of one of its sources); one marked *{FIGURE_NOT_IN_SOURCE}* does not "
    f"(the curator accepted this); one marked *{FIGURE_NOT_CHECKED}* could not be checked."
)


def state(kind: str, outcome: str) -> str:
    """The snapshot's state for an audit ``outcome`` of a check of ``kind`` ("found", "in-source", ...)."""
    return STATES[kind][outcome]


def quote_words(outcome: str, confirmed: bool | None) -> str:
    """What the quote check found, in words; ``confirmed`` None: the speaker was not looked at."""
    if outcome == "verified":
        return QUOTE_FOUND if confirmed is None else QUOTE_CONFIRMED if confirmed else QUOTE_NOT_CONFIRMED
    return QUOTE_NOT_FOUND if outcome == "not-found" else QUOTE_NOT_CHECKED


def evidence_words(outcome: str) -> str:
    return {"verified": PASSAGE_FOUND, "not-found": PASSAGE_NOT_FOUND}.get(outcome, PASSAGE_NOT_CHECKED)


def figure_words(outcome: str) -> str:
    return {"verified": FIGURE_IN_SOURCE, "not-found": FIGURE_NOT_IN_SOURCE}.get(outcome, FIGURE_NOT_CHECKED)


def speaker_state(confirmed: bool | None) -> str | None:
    """A quote entry's ``speaker``: "confirmed", "not-confirmed", or None (the quote was not found)."""
    return None if confirmed is None else "confirmed" if confirmed else "not-confirmed"
