"""A fact read together with what the audit found of it: the one reading the views and the snapshot share.

Contract: :func:`checked_fact` pairs a curated fact with the audit's result
for it (:class:`~briefings.audit.results.FactAudit`, None without an audit)
and its evidence passages, in the order of the fact's sources, each with the
audit's check of it. The template views (:func:`briefings.render.context.fact_view`)
and the JSON snapshot (:func:`briefings.render.snapshot.make_snapshot`) are
both made from it, so a fact's support reads the same in a briefing and in
its snapshot. Each then keeps what it shows: the views only the outcomes,
and only in a project that keeps archives; the snapshot the outcomes with
their offsets in the archived text. Nothing here reads a file or imports a
template library, so the snapshot stays cheap to import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from briefings.project.schema import Fact

if TYPE_CHECKING:
    from briefings.audit.results import Audit, FactAudit, PassageAudit


@dataclass(frozen=True, slots=True)
class CheckedPassage:
    """An evidence passage of one source, and the audit's check of it (None: no audit, or not checked)."""

    source: str
    passage: str
    check: PassageAudit | None


@dataclass(frozen=True, slots=True)
class CheckedFact:
    fact: Fact
    #: The audit's result for the fact (None when the project was not audited).
    check: FactAudit | None
    #: One passage per source that has one, in the order of the fact's sources.
    evidence: tuple[CheckedPassage, ...]


def checked_fact(fact: Fact, topic_id: str, audit: Audit | None) -> CheckedFact:
    """``fact`` of topic ``topic_id`` with the audit's findings (see the module docstring)."""
    check = audit.fact(topic_id, fact.id) if audit is not None else None
    # The audit checks each source once, in the order of the fact's sources.
    passage_checks = {item.source: item.evidence for item in check.sources} if check else {}
    evidence = tuple(CheckedPassage(source, fact.evidence[source], passage_checks.get(source))
                     for source in dict.fromkeys(fact.sources) if source in fact.evidence)
    return CheckedFact(fact, check, evidence)
