"""The editions' Atom feed, ``output/editions/feed.xml``: one entry per edition on disk, with its "what changed".

Contract: :func:`write_feed` lists every edition of every briefing of the
project (newest first), each entry with a stable ``urn:uuid`` id derived from
the briefing and edition number, its title and date, its "what changed" as
text and a link to its HTML file (relative to the feed), and writes the feed
atomically. It is written with :mod:`xml.etree.ElementTree`, which escapes
text and attributes; characters XML cannot carry are replaced first
(:func:`~briefings.delivery.parcel.clean_text`). The feed is read back with
the same library before it replaces the old one.
"""

from __future__ import annotations

import datetime
import uuid
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from briefings.delivery.parcel import Parcel, clean_text, parcel_of
from briefings.editions.store import list_editions
from briefings.errors import Problem
from briefings.files import FileProblem, replace_file
from briefings.paths import EDITIONS_NAME

ATOM = "http://www.w3.org/2005/Atom"
FEED_NAME = "feed.xml"
#: Entries beyond this many (the newest kept) are left out, so that the feed stays a feed.
MAX_ENTRIES = 1000


def _stamp(date: datetime.date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


def feed_bytes(title: str, author: str, parcels: list[Parcel], root: Path) -> bytes:
    ElementTree.register_namespace("", ATOM)

    def add(parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str) -> ElementTree.Element:
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = clean_text(text)
        return element

    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    add(feed, "id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'briefings-feed:' + title)}")
    add(feed, "title", title)
    newest = max((parcel.date for parcel in parcels), default=datetime.date(1970, 1, 1))
    add(feed, "updated", _stamp(newest))
    add(add(feed, "author"), "name", author)
    add(feed, "generator", "briefings")
    for parcel in parcels:
        entry = add(feed, "entry")
        key = f"briefings-edition:{parcel.briefing_id}:{parcel.number}"
        add(entry, "id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, key)}")
        add(entry, "title", parcel.subject)
        add(entry, "updated", _stamp(parcel.date))
        add(entry, "published", _stamp(parcel.date))
        add(entry, "category", term=parcel.briefing_id)
        for extension in ("html", "pdf"):
            if extension in parcel.files:
                href = f"{parcel.briefing_id}/{parcel.files[extension].name}"
                kind = "text/html" if extension == "html" else "application/pdf"
                add(entry, "link", rel="alternate" if extension == "html" else "enclosure", type=kind, href=href)
        add(entry, "summary", "\n".join(parcel.summary or ["no change recorded"]), type="text")
    ElementTree.indent(feed)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def write_feed(output_dir: Path, root: Path, briefing_ids: list[str], *, title: str, author: str
               ) -> list[Problem]:
    """Write the feed of every edition of ``briefing_ids``; the problems of editions left out."""
    problems: list[Problem] = []
    parcels: list[Parcel] = []
    for briefing_id in briefing_ids:
        try:
            editions = list_editions(output_dir, root, briefing_id)
        except FileProblem as error:
            problems.append(error.problem)
            continue
        for edition in editions[-MAX_ENTRIES:]:
            try:
                parcels.append(parcel_of(edition, root, briefing_id))
            except FileProblem as error:
                problems.append(error.problem)
    parcels.sort(key=lambda parcel: (parcel.date, parcel.briefing_id, parcel.number), reverse=True)
    data = feed_bytes(title, author, parcels[:MAX_ENTRIES], root)
    ElementTree.fromstring(data)  # parses, or the old feed stays
    directory = output_dir / EDITIONS_NAME
    directory.mkdir(parents=True, exist_ok=True)
    replace_file(directory / FEED_NAME, data)
    return problems
