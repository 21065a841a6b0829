"""Editions: the numbered, dated versions of a briefing that were published, kept on disk.

Contract: an edition of briefing ``ID`` is a set of files in
``output/editions/ID/`` named ``ID-edition-NNNN-YYYY-MM-DD.EXT`` (the
Markdown, HTML, PDF, whichever the project makes, and the JSON snapshot).
The snapshot is written last, so an edition exists exactly when its snapshot
does: a publish killed half way leaves files that the next one overwrites.
:func:`list_editions` reads which editions exist (from file names only),
:func:`latest_edition` reads the newest one's snapshot, and
:func:`edition_state` decides what the briefing is now: that edition (its
content is unchanged) or a draft after it, and what changed since (an
:class:`~briefings.render.edition_state.EditionState`, declared with the
rendering that reads it).
:func:`write_edition` stores a new edition and :func:`prune` keeps only the
newest ``keep`` editions.

Everything in ``output/editions/`` is treated as untrusted: the directory
must be inside the project (a link out is refused), snapshots are read with
a size bound through :func:`briefings.files.read_project_file`, and one that
is unreadable, not JSON, or of another major schema version is a located
problem, never a traceback.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from briefings.editions import changes as changes_module
from briefings.errors import Problem
from briefings.files import FileProblem, check_project_dir, read_project_file, replace_file
from briefings.paths import EDITIONS_NAME
from briefings.render.edition_state import EditionState
from briefings.render.snapshot import SCHEMA_MAJOR, Snapshot, content_digest

SNAPSHOT_MAX_BYTES = 64 << 20
#: More editions of one briefing than anyone keeps; listing stops there.
MAX_EDITIONS = 100_000


@dataclass(frozen=True)
class EditionFile:
    number: int
    date: datetime.date
    path: Path  # the snapshot


@dataclass(frozen=True)
class Edition:
    number: int
    date: datetime.date
    snapshot: Snapshot

    @property
    def reference(self) -> dict[str, Any]:
        return {"number": self.number, "date": self.date.isoformat()}


def editions_dir(output_dir: Path, briefing_id: str) -> Path:
    return output_dir / EDITIONS_NAME / briefing_id


def file_name(briefing_id: str, number: int, date: datetime.date, extension: str) -> str:
    return f"{briefing_id}-edition-{number:04d}-{date.isoformat()}.{extension}"


def list_editions(output_dir: Path, root: Path, briefing_id: str) -> list[EditionFile]:
    """The editions of a briefing on disk, oldest first (by number)."""
    directory = editions_dir(output_dir, briefing_id)
    for vetted in (output_dir / EDITIONS_NAME, directory):
        problem = check_project_dir(vetted, root)
        if problem is not None:
            raise FileProblem(problem)
    if not directory.is_dir():
        return []
    pattern = re.compile(rf"^{re.escape(briefing_id)}-edition-(\d{{4,9}})-(\d{{4}}-\d{{2}}-\d{{2}})\.json$")
    found: dict[int, EditionFile] = {}
    with os.scandir(directory) as entries:
        for count, entry in enumerate(entries):
            if count >= MAX_EDITIONS * 8:
                break
            match = pattern.match(entry.name)
            if not match:
                continue
            try:
                date = datetime.date.fromisoformat(match.group(2))
            except ValueError:
                continue
            number = int(match.group(1))
            found[number] = EditionFile(number, date, Path(entry.path))
    return [found[number] for number in sorted(found)]


def read_edition(edition: EditionFile, root: Path) -> Edition:
    shown = os.path.relpath(edition.path, root)
    data = read_project_file(edition.path, root, max_bytes=SNAPSHOT_MAX_BYTES)
    try:
        snapshot = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise FileProblem(Problem(shown, None, f"edition snapshot is not valid JSON ({error}); restore it "
                                  "from a backup or remove the edition's files")) from None
    version = snapshot.get("schema_version") if isinstance(snapshot, dict) else None
    if not isinstance(version, str) or version.split(".")[0] != str(SCHEMA_MAJOR):
        raise FileProblem(Problem(shown, None, f"edition snapshot has schema version {version!r}; this version "
                                  f"of briefings reads {SCHEMA_MAJOR}.x"))
    return Edition(edition.number, edition.date, snapshot)


def latest_edition(output_dir: Path, root: Path, briefing_id: str) -> Edition | None:
    editions = list_editions(output_dir, root, briefing_id)
    return read_edition(editions[-1], root) if editions else None


def edition_state(latest: Edition | None, current: Snapshot, *, publishing: datetime.date | None = None
                  ) -> EditionState:
    """What the briefing is now, given its latest edition and its current snapshot.

    With ``publishing`` (the date of a publish run), a briefing whose content
    differs from its latest edition becomes the next edition, pending.
    """
    if latest is not None and content_digest(latest.snapshot) == content_digest(current):
        stored = latest.snapshot.get("changes")
        recorded = stored if isinstance(stored, dict) else changes_module.compare(None, current, since=None)
        return EditionState("edition", latest.number, latest.date, recorded)
    since = latest.reference if latest else None
    changes = changes_module.compare(latest.snapshot if latest else None, current, since=since)
    if publishing is not None:
        return EditionState("edition", (latest.number if latest else 0) + 1, publishing, changes, pending=True)
    return EditionState("draft", latest.number if latest else None, latest.date if latest else None, changes)


def write_edition(output_dir: Path, briefing_id: str, state: EditionState, files: dict[str, bytes]) -> list[Path]:
    """Store a new edition: every format's bytes, the snapshot (``json``) last."""
    assert state.number is not None and state.date is not None
    directory = editions_dir(output_dir, briefing_id)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for extension in sorted(files, key=lambda name: name == "json"):
        target = directory / file_name(briefing_id, state.number, state.date, extension)
        replace_file(target, files[extension])
        written.append(target)
    return written


def prune(output_dir: Path, root: Path, briefing_id: str, keep: int | None) -> list[Path]:
    """Remove all but the newest ``keep`` editions (None: keep all); the snapshot goes first."""
    if keep is None:
        return []
    editions = list_editions(output_dir, root, briefing_id)
    removed = []
    for edition in editions[: max(0, len(editions) - keep)]:
        stem = edition.path.name[: -len(".json")]
        edition.path.unlink()
        removed.append(edition.path)
        for other in sorted(edition.path.parent.glob(f"{glob_escape(stem)}.*")):
            if other.is_file() and not other.is_symlink():
                other.unlink()
                removed.append(other)
    return removed


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
