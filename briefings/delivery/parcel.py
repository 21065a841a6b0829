"""One edition as delivered: its files, its snapshot and its "what changed", read back from output/editions/.

Contract: :func:`load_parcel` reads edition ``number`` of a briefing from
disk (through :mod:`briefings.editions.store`, so with its checks) and
returns a :class:`Parcel`; :func:`clean_text` removes the characters XML,
mail headers and terminals must not carry from text read from a snapshot.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from briefings.editions.changes import summary_lines
from briefings.editions.store import EditionFile, glob_escape, list_editions, read_edition
from briefings.errors import Problem
from briefings.files import FileProblem, read_project_file

#: An attachment or copied file larger than this is not delivered (a located problem instead).
MAX_FILE_BYTES = 64 << 20
_UNFIT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: object, *, one_line: bool = False) -> str:
    cleaned = _UNFIT.sub("\N{REPLACEMENT CHARACTER}", str(text))
    return " ".join(cleaned.split()) if one_line else cleaned


@dataclass(frozen=True)
class Parcel:
    briefing_id: str
    number: int
    date: datetime.date
    title: str
    #: The edition's files by extension (json included), as paths inside the project.
    files: dict[str, Path]
    snapshot: dict[str, Any]
    summary: list[str] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return clean_text(f"{self.title}: edition {self.number} ({self.date.isoformat()})", one_line=True)

    def read(self, extension: str, root: Path) -> bytes:
        return read_project_file(self.files[extension], root, max_bytes=MAX_FILE_BYTES)


def load_parcel(output_dir: Path, root: Path, briefing_id: str, number: int) -> Parcel:
    """Edition ``number`` of ``briefing_id``; raises FileProblem when it is not there or unreadable."""
    found = [edition for edition in list_editions(output_dir, root, briefing_id) if edition.number == number]
    if not found:
        raise FileProblem(Problem("--redeliver", None, f"briefing '{briefing_id}' has no edition {number} in "
                                  f"output/editions/{briefing_id}/"))
    return parcel_of(found[0], root, briefing_id)


def parcel_of(found: EditionFile, root: Path, briefing_id: str) -> Parcel:
    """The parcel of one edition on disk (see :func:`load_parcel`)."""
    edition = read_edition(found, root)
    stem = found.path.name[: -len(".json")]
    files = {}
    for path in sorted(found.path.parent.glob(f"{glob_escape(stem)}.*")):
        if path.is_file() and not path.is_symlink() and path.name.count(".") == 1:
            files[path.suffix[1:]] = path
    snapshot = edition.snapshot
    changes = snapshot.get("changes")
    try:
        summary = [clean_text(line, one_line=True) for line in summary_lines(changes)] if isinstance(
            changes, dict) else []
    except (KeyError, TypeError, AttributeError):
        summary = []
    about = snapshot.get("briefing")
    title = about.get("title") if isinstance(about, dict) and isinstance(about.get("title"), str) else briefing_id
    return Parcel(briefing_id, edition.number, edition.date, clean_text(title, one_line=True), files, snapshot,
                  summary)


def snapshot_bytes(parcel: Parcel) -> bytes:
    return orjson.dumps(parcel.snapshot)
