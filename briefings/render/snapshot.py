"""The JSON snapshot of a briefing: its content as data, in a documented, versioned shape.

Contract: :func:`make_snapshot` turns one briefing of a loaded project into a
plain, JSON-native dict (strings, numbers, booleans, lists, dicts, None) in
the shape described by ``briefings/schemas/snapshot.schema.json`` (published
as ``docs/snapshot.schema.json``). Every build writes it beside the other
formats as ``output/<briefing-id>.json``, and every edition keeps its own.

It has two parts. The *content* (:data:`CONTENT_KEYS`) is what the briefing
says: its title and settings, its topics with their facts, quotes and
figures, whether each topic is overdue for review on the day it was made, and
the references it cites. Two snapshots with equal content are the same
edition (:func:`content_digest`). The rest is about this rendering: the
schema version, the generator, the time, the edition or draft status and
"what changed" since the edition before (:mod:`briefings.editions.changes`), and the
house style it was rendered in (``style``: restyling makes no new edition),
and its audience (``briefing.audience``, kept out of the content by
:func:`content_of`: a reader edition of the same facts is the same edition).
Each fact is read with the audit's findings through :mod:`briefings.render.facts`, the reading the
template views are made from too.

Growth: ``schema_version`` is ``MAJOR.MINOR``. A minor version only adds
optional keys, which consumers must ignore when they do not know them; a
major version changes or removes keys. Readers of old snapshots
(:mod:`briefings.editions.store`) accept any ``1.x``.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from briefings import __version__
from briefings.audit.states import evidence_words, figure_words, quote_words, speaker_state, state
from briefings.digests import canonical_digest
from briefings.project.model import Briefing, Project
from briefings.project.schema import Figure, Reference, Topic
from briefings.render.facts import CheckedFact, checked_fact

if TYPE_CHECKING:
    from briefings.audit.results import Audit, FigureAudit, PassageAudit

SCHEMA_VERSION = "1.3"
SCHEMA_MAJOR = 1
#: The keys of a snapshot that make up the briefing's content (everything else describes one rendering).
CONTENT_KEYS = ("briefing", "settings", "as_of", "latest_as_of", "topics", "references")

Snapshot = dict[str, Any]


def make_snapshot(project: Project, briefing: Briefing, *, today: datetime.date,
                  generated: datetime.datetime | None = None, edition: dict[str, Any] | None = None,
                  changes: dict[str, Any] | None = None) -> Snapshot:
    """The snapshot of ``briefing`` as of ``today`` (which decides which topics are overdue)."""
    settings = project.settings
    snapshot: Snapshot = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"briefings {__version__}",
        "generated": generated.isoformat() if generated else None,
        "edition": edition,
        "briefing": {"id": briefing.id, "title": briefing.title, "template": briefing.template,
                     "schedule": briefing.schedule, "audience": briefing.audience},
        "settings": {"title": settings.title, "author": settings.author,
                     "classification": settings.classification},
        "as_of": briefing.as_of.isoformat(),
        "latest_as_of": briefing.latest_as_of.isoformat(),
        "topics": [_topic(topic, today, project.audit) for topic in briefing.topics],
        "references": [_reference(project.references[reference_id], project.audit)
                       for reference_id in _cited(briefing) if reference_id in project.references],
        "changes": changes,
        "style": {**_style(briefing), "pdf": {"archival": settings.pdf.archival}},
        "discrepancies": _discrepancies(project, briefing),
    }
    return snapshot


def _style(briefing: Briefing) -> dict[str, Any]:
    """The house style the briefing was rendered in (not content: restyling makes no new edition)."""
    style = briefing.style
    return {
        "organisation": style.organisation,
        "logo": style.logo,
        "accent": style.accent,
        "fonts": {"body": style.fonts.body if style.fonts else None,
                  "headings": style.fonts.headings if style.fonts else None},
        "handling": style.handling,
        "caveat": style.caveat,
        "locale": style.locale,
        "stylesheets": list(briefing.stylesheets),
        "docx_reference": style.docx_reference,
        "labels": dict(sorted(style.labels.items())) if style.labels else None,
    }


#: Keys of ``briefing`` that describe the rendering, not the content: a reader and an analyst edition of the
#: same facts are the same edition (and a snapshot from before 1.3 has no ``audience``).
RENDERING_KEYS = ("audience",)


def content_of(snapshot: Snapshot) -> dict[str, Any]:
    content = {key: snapshot.get(key) for key in CONTENT_KEYS}
    if isinstance(content["briefing"], dict):
        content["briefing"] = {key: value for key, value in content["briefing"].items()
                               if key not in RENDERING_KEYS}
    return content


def content_digest(snapshot: Snapshot) -> str:
    """A digest of what the briefing says: equal for two renderings of the same edition."""
    return canonical_digest(content_of(snapshot))


def _topic(topic: Topic, today: datetime.date, audit: Audit | None = None) -> dict[str, Any]:
    return {
        "id": topic.id,
        "title": topic.title,
        "summary": topic.summary,
        "as_of": topic.as_of.isoformat(),
        "review_by": topic.review_by.isoformat() if topic.review_by else None,
        "overdue": topic.overdue_on(today),
        "tags": list(topic.tags),
        "facts": [_fact(checked_fact(fact, topic.id, audit)) for fact in topic.facts],
        "figures": [_figure(figure, audit.figure(topic.id, index) if audit else None)
                    for index, figure in enumerate(topic.figures)],
    }


def _fact(checked: CheckedFact) -> dict[str, Any]:
    fact, check = checked.fact, checked.check
    data: dict[str, Any] = {
        "id": fact.id,
        "text": fact.text,
        # 1.3: the curator's headline for the timeline, or null.
        "headline": fact.headline,
        "date": fact.date.isoformat() if fact.date else None,
        "section": fact.section,
        "sources": list(fact.sources),
        "quote": {"text": fact.quote.text, "speaker": fact.quote.speaker} if fact.quote else None,
        # 1.1: what the curator says of the fact's support, and what the audit found.
        "date_inferred": fact.date_inferred,
        "credibility": fact.credibility,
        "grade": check.grade if check else None,
        # In the order of the fact's sources: a mapping's order is not data (the parse cache may reorder it).
        "evidence": [_passage(item.source, item.passage, item.check) for item in checked.evidence],
        "verification": {
            "fully_evidenced": check.fully_evidenced,
            "single_outlet": check.single_outlet,
            "low_reliability": check.low_reliability,
            "unsupported_numbers": list(check.unsupported_numbers),
        } if check else None,
    }
    if fact.quote and data["quote"] is not None:
        data["quote"]["verification"] = _outcome(check.quote if check else None)
        # 1.2: whether the speaker is named near the quote in the archive (briefings.audit.speakers).
        quoted = check.quote if check else None
        data["quote"]["speaker_check"] = {"confirmed": quoted.speaker_confirmed,
                                          "named_as": quoted.speaker_named_as} \
            if quoted and quoted.speaker_confirmed is not None else None
    # 1.3: what each check found, in the documents' words (briefings.audit.states).
    data["checks"] = _fact_checks(checked)

    return data


def _fact_checks(checked: CheckedFact) -> list[dict[str, Any]]:
    """One entry per check of the fact: its quote, then each evidence passage in the order of its sources."""
    check = checked.check
    if check is None:
        return []
    entries = []
    if check.quote is not None:
        quote = check.quote
        entries.append({"check": "quote", "source": quote.source, "speaker": speaker_state(quote.speaker_confirmed),
                        "state": state("quote", quote.outcome),
                        "words": quote_words(quote.outcome, quote.speaker_confirmed)})
    entries.extend(_evidence_check(item.source, item.check) for item in checked.evidence if item.check)
    basis = check.date_basis
    if basis is not None:
        entries.append({"check": "date", "source": basis.source, "state": state("date", basis.how),
                        "words": basis.wording})
    return entries


def _evidence_check(source: str, check: PassageAudit) -> dict[str, Any]:
    return {"check": "evidence", "source": source, "state": state("evidence", check.outcome),
            "words": evidence_words(check.outcome)}


def _passage(source: str, passage: str, check: PassageAudit | None) -> dict[str, Any]:
    return {"source": source, "passage": passage, "verification": _outcome(check)}


def _outcome(check: PassageAudit | None) -> dict[str, Any] | None:
    """Where a passage stands in its source's archived text: character offsets [start, end) and the file's SHA-256."""
    if check is None:
        return None
    return {"outcome": check.outcome, "start": check.start, "end": check.end, "archive_sha256": check.sha256}


def _figure(figure: Figure, checked: FigureAudit | None = None) -> dict[str, Any]:
    by_source = {check.source: check for check in checked.evidence} if checked else {}
    return {"label": figure.label, "value": figure.value, "unit": figure.unit, "sources": list(figure.sources),
            "key": figure.key,
            "evidence": [_passage(source, figure.evidence[source], by_source.get(source))
                         for source in dict.fromkeys(figure.sources) if source in figure.evidence],
            "verification": {"outcome": checked.outcome, "unsupported_numbers": list(checked.unsupported_numbers)}
            if checked else None,
            # 1.3: the figure's own check, then each of its evidence passages'.
            "checks": [{"check": "figure", "state": state("figure", checked.outcome),
                        "words": figure_words(checked.outcome)},
                       *(_evidence_check(item.source, item) for item in checked.evidence)] if checked else []}


def _discrepancies(project: Project, briefing: Briefing) -> list[dict[str, Any]]:
    """Figures of this briefing that share a key and disagree, each value with its sources."""
    shown = {topic.id for topic in briefing.topics}
    found = []
    for discrepancy in project.audit.discrepancies if project.audit else ():
        figures = [{"topic": item.topic, "label": item.label, "value": item.value, "sources": list(item.sources)}
                   for item in discrepancy.figures if item.topic in shown]
        if len(figures) >= 2:
            found.append({"key": discrepancy.key, "figures": figures})
    return found


def _reference(reference: Reference, audit: Audit | None = None) -> dict[str, Any]:
    record = audit.archive(reference.id) if audit else None
    return {
        "id": reference.id,
        "outlet": reference.outlet,
        "title": reference.title,
        "published": reference.published.isoformat(),
        "url": reference.url,
        "accessed": reference.accessed.isoformat() if reference.accessed else None,
        "reliability": reference.reliability,
        "note": reference.note,
        "archive": {"name": record.name, "status": record.status, "sha256": record.sha256,
                    "span_start": record.span_start, "span_end": record.span_end}
        if record is not None and record.name is not None else None,
        # 1.3: whose copy it is, and where it stands in a shared archived file.
        "agency": reference.agency,
        "span": {"start": reference.span.start, "end": reference.span.end} if reference.span else None,
    }


def _cited(briefing: Briefing) -> list[str]:
    """The references the briefing's data cites, in the order the data first cites them."""
    order: dict[str, None] = {}
    for topic in briefing.topics:
        for fact in topic.facts:
            order.update(dict.fromkeys(fact.sources))
        for figure in topic.figures:
            order.update(dict.fromkeys(figure.sources))
    return list(order)
