"""Fingerprints: what each briefing's outputs depend on, as digests an incremental build compares.

Contract: :class:`Fingerprints` digests, once per build, everything that
determines an output's bytes, so that the build (:mod:`briefings.build.plan`)
renders an output again only when its fingerprint, as recorded in the
manifest (:mod:`briefings.build.manifest`), changed:

- :meth:`Fingerprints.data`: the briefing's entry (with its audience, when it
  is not the default), the settings it shows, its
  topics (each as the digest of its validated data, :meth:`Fingerprints.topic_digest`)
  and the references it cites (as validated data, so a comment or
  re-indentation changes nothing; acknowledgements change no output byte and
  are left out), the SHA-256 of the archived copy of each cited reference
  that has one (as the attribution audit read it, or None when absent),
  which topics are overdue on the build's day, which of its figures disagree
  with a figure of the same key anywhere in the project (the audit's
  discrepancies: a figure of another briefing can mark one of this one), and
  the edition the briefing is rendered as, with what changed since the last one;
- :meth:`Fingerprints.output`: that data digest, plus the format, the date
  the output shows, the versions of briefings and the rendering libraries
  the format uses, and every file looked up to render it (through
  ``extends``, ``include``, ``import`` and ``builtin/``, the project files
  that would have overridden them, and every file WeasyPrint asked for while
  making a PDF) by :meth:`Fingerprints.file`, which only ever reads inside
  the project or the built-in templates.

What goes into a digest is part of every recorded fingerprint: adding a
key renders every output of every project again once, so a key that only
some briefings need appears only for them (``archives``: only when the
briefing cites an archived reference).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from briefings.build.manifest import library_versions
from briefings.build.scan import file_digest
from briefings.digests import canonical_digest
from briefings.project.model import Briefing, Project
from briefings.project.schema import DEFAULT_AUDIENCE
from briefings.render.edition_state import EditionState
from briefings.render.fonts import used_instead


class Fingerprints:
    """Digests of the project's data per briefing, and of the files outputs read, each computed once per build."""

    def __init__(self, project: Project, known: Mapping[str, tuple[str, str]] | None = None):
        """``known``: for topics whose data digest the last complete build recorded, the SHA-256 of the file
        it was found in and the digest (:func:`briefings.build.quick.reusable_topics`); used only for a topic
        loaded now from a file with that digest (its validated data is then the same)."""
        self.project = project
        self._known = known or {}
        self._topics: dict[str, str] = {}
        self._files: dict[str, str | None] = {}
        self._references: dict[str, Any] = {}
        self.versions = library_versions()

    @functools.cached_property
    def all_references(self) -> str:
        # Needed only for an output whose template read the whole references mapping.
        return canonical_digest({key: _reference_data(reference)
                                 for key, reference in self.project.references.items()})

    def data(self, briefing: Briefing, edition: EditionState | None = None,
             today: datetime.date | None = None) -> str:
        cited = {source for topic in briefing.topics for fact in topic.facts for source in fact.sources}
        cited |= {source for topic in briefing.topics for figure in topic.figures for source in figure.sources}
        settings = self.project.settings
        archives = self._archives(cited)
        discrepant = self._discrepant(briefing)
        return canonical_digest({
            # Only when the briefing cites an archived reference, so that other digests stay as they were.
            **({"archives": archives} if archives else {}),
            "briefing": {"id": briefing.id, "title": briefing.title, "template": briefing.template,
                         "topics": [topic.id for topic in briefing.topics],
                         "style": _style_data(briefing), "stylesheets": list(briefing.stylesheets),
                         # Only for a reader edition, so that the digests of analyst editions stay as they were.
                         **({"audience": briefing.audience} if briefing.audience != DEFAULT_AUDIENCE else {})},
            "settings": {"title": settings.title, "author": settings.author,
                         "classification": settings.classification, "formats": list(settings.formats)},
            "topics": [self.topic_digest(topic) for topic in briefing.topics],
            "references": {key: self._reference_data(key) for key in sorted(cited)},
            # What the briefing shows beyond its files: overdue reviews, its edition and what changed.
            "overdue": [bool(today and topic.overdue_on(today)) for topic in briefing.topics],
            "edition": edition.as_json() if edition else None,
            "changes": edition.changes if edition else None,
            # Only when one of its figures is discrepant, so that other digests stay as they were.
            **({"discrepant": discrepant} if discrepant else {}),
            # Only for a project that asks for archival PDFs (the snapshot shows it), so that other digests stay.
            **({"pdf": {"archival": True}} if settings.pdf.archival else {}),
            # The families the PDF is actually set in, when the style names some: installing one re-renders.
            **({"fonts": _fonts_used(briefing)} if briefing.style.fonts else {}),
        })

    def topic_digest(self, topic: Any) -> str:
        """The digest of the topic's validated data (once per build; reused from the last one when its file is
        unchanged: a topic's data, dumped for every briefing planned, was most of planning a large project)."""
        found = self._topics.get(topic.id)
        if found is None:
            document = self.project.documents.get(topic.id)
            known = self._known.get(topic.id)
            if known is not None and document is not None and document.digest == known[0]:
                found = known[1]
            else:
                found = canonical_digest(_topic_data(topic))
            self._topics[topic.id] = found
        return found

    def topic_digests(self) -> dict[str, str]:
        """Every topic digest this build took (:meth:`topic_digest`), by topic id."""
        return dict(self._topics)

    def _reference_data(self, key: str) -> Any:
        # Once per reference, not once per briefing citing it.
        if key not in self._references:
            self._references[key] = _reference_data(self.project.references[key])
        return self._references[key]

    def _archives(self, cited: Iterable[str]) -> dict[str, str | None]:
        """The SHA-256 of each cited reference's archived copy (None: absent or unreadable), as the audit
        read it (once per build): changing an archive re-checks and re-renders the briefings citing it."""
        audit = self.project.audit
        return {key: audit.archive_sha256(key) if audit else None for key in sorted(cited)
                if key in self.project.references and self.project.references[key].archive}

    def _discrepant(self, briefing: Briefing) -> list[list[object]]:
        """The briefing's figures that the audit found disagreeing with another of the same key, as
        ``[topic, index]``: the other may be in a topic this briefing does not show."""
        shown = {topic.id for topic in briefing.topics}
        return sorted([figure.topic, figure.index] for figure in self._discrepant_figures if figure.topic in shown)

    @functools.cached_property
    def _discrepant_figures(self) -> tuple[Any, ...]:
        audit = self.project.audit
        return tuple(figure for item in (audit.discrepancies if audit else ()) for figure in item.figures)

    def file(self, key: str) -> str | None:
        """The digest of a file an output read (None: absent or unreadable), only ever inside the project."""
        if key not in self._files:
            self._files[key] = file_digest(self.project.root, key)
        return self._files[key]

    def output(self, data: str, output_format: str, generated: str, reads: Iterable[str],
               uses_all_references: bool) -> str:
        libraries = ("jinja2", "markdown", "nh3") + (("weasyprint", "pydyf", "tinyhtml5")
                                                      if output_format == "pdf" else ("python-docx", "lxml")
                                                      if output_format == "docx" else ())
        return canonical_digest({
            "format": output_format, "data": data, "generated": generated,
            "versions": {name: self.versions.get(name) for name in ("briefings", *libraries)},
            "reads": {key: self.file(key) for key in sorted(reads)},
            "references": self.all_references if uses_all_references else None,
        })


def _fonts_used(briefing: Briefing) -> dict[str, str | None]:
    fonts = briefing.style.fonts
    requested = {"body": fonts.body if fonts else None, "headings": fonts.headings if fonts else None}
    return {role: (used_instead(family, role) or family) if family else None for role, family in requested.items()}


def _topic_data(topic: Any) -> Any:
    # Acknowledgements change no output byte.
    return topic.model_dump(mode="json", exclude={"acknowledge": True, "facts": {"__all__": {"acknowledge"}},
                                                  "figures": {"__all__": {"acknowledge"}}})


def _reference_data(reference: Any) -> Any:
    return reference.model_dump(mode="json", exclude={"acknowledge"})


def _style_data(briefing: Briefing) -> dict[str, Any]:
    """The briefing's style settings; a caveat, a Word reference document or label overrides only when set, so
    that the digests of briefings without them stay as they were before those settings existed."""
    data = briefing.style.model_dump(mode="json")
    for newer in ("caveat", "docx_reference", "labels"):
        if data.get(newer) is None:
            data.pop(newer, None)
    return data
