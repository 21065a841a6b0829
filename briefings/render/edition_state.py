"""What a rendering is: edition N or a draft after it, and what changed since. Input data, nothing more.

Contract: an :class:`EditionState` is what the title block (``edition``) and
the "What's changed" section (``changes``) of a briefing are rendered from,
and what its JSON snapshot records under ``edition`` and ``changes``.
:mod:`briefings.editions` works it out from the editions on disk
(:func:`briefings.editions.store.edition_state`, with the record of
:func:`briefings.editions.changes.compare`); rendering only reads it. It is
declared here, in the rendering layer, because rendering needs it and must
not import the editions layer above it.

The "what changed" record is JSON-native (it is stored in snapshots as it
is): ``since`` (the earlier edition's ``{"number", "date"}``, or None),
``first`` (there is no earlier edition) and the lists named in
:data:`CHANGE_LISTS`. A record read back from an edition on disk is not
trusted: :func:`briefings.render.context.changes_view` checks every value.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

#: The lists of a "what changed" record, in the order the record holds them.
CHANGE_LISTS = ("topics_added", "topics_removed", "facts_added", "facts_changed", "facts_removed",
                "figures_added", "figures_changed", "figures_removed", "facts_renamed")

#: The parts of the content whose change alone leaves what the briefing says as it was: "presentation changed;
#: content unchanged" (the template), or "schedule changed; content unchanged". ``other`` in a "what changed"
#: record names the parts besides facts and figures that changed.
PRESENTATION_PARTS = frozenset({"template", "schedule"})


def empty_changes(since: dict[str, Any] | None, *, first: bool) -> dict[str, Any]:
    """A "what changed" record with nothing in it: since edition ``since``, or the ``first`` edition."""
    return {"since": since, "first": first, **{name: [] for name in CHANGE_LISTS}, "other": []}


@dataclass
class EditionState:
    """What a rendering of a briefing is: edition N, or a draft after edition N (or before any)."""

    status: str  # "edition" or "draft"
    number: int | None  # this edition's number, or for a draft the latest edition's (None: none yet)
    date: datetime.date | None
    changes: dict[str, Any] = field(default_factory=dict)
    #: For a new edition being published: nothing on disk yet.
    pending: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "number": self.number,
                "date": self.date.isoformat() if self.date else None}


def never_published() -> EditionState:
    """A draft of a briefing with no edition: nothing to compare with (what
    :func:`briefings.editions.store.edition_state` says of a briefing with no edition on disk)."""
    return EditionState("draft", None, None, empty_changes(None, first=True))
