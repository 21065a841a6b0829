"""The build manifest: what the last build wrote, and from what.

Contract: :class:`Manifest` records, for every briefing the tool has built
into ``output/``, the date it shows as "generated" and, for each format, the
fingerprint of everything that determined that file's bytes, the files read
to make it (templates, stylesheet, images, fonts, with their content
hashes) and what the written file looked like (size, modification time,
inode). :func:`load_manifest` never raises: a missing, unreadable, corrupt or
foreign manifest (another format version, another tool version) comes back
empty with a one-line ``notice`` saying why, which means "rebuild
everything". :func:`save_manifest` writes it atomically; the build writes it
last, after the outputs it describes, so a build killed at any moment leaves
either the old manifest (and the next build finds the new outputs "edited"
and renders them again) or the new one.

The manifest is data, never code: it is JSON, read with ``json`` and checked
field by field; a hand-made manifest can at worst make the tool skip or
repeat a render, as deleting or touching the outputs themselves could.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

from briefings import __version__
from briefings.digests import digest
from briefings.files import FileProblem, read_project_file, replace_file
from briefings.paths import MANIFEST_NAME, MANIFEST_PATH, STATE_DIR

#: The bookkeeping grows with the project (about 1.5 KB per briefing, 8 KB per topic): a generous bound.
BOOKKEEPING_MAX_BYTES = 1 << 30
MANIFEST_FORMAT = 1
#: Libraries whose versions change output bytes; a change in any rebuilds everything they touch.
RENDERING_LIBRARIES = ("jinja2", "markdown", "nh3", "weasyprint", "pydyf", "tinyhtml5", "python-docx", "lxml")


@functools.cache
def _installed_versions() -> tuple[tuple[str, str], ...]:
    # Looked up once per process: they cannot change while it runs.
    return tuple((name, _version_of(name)) for name in RENDERING_LIBRARIES)


def _version_of(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def library_versions() -> dict[str, str]:
    """Versions of briefings and the rendering libraries, without importing any of them."""
    return {"briefings": __version__, **dict(_installed_versions())}


@dataclass
class FileState:
    """How a written output looked, to notice a file edited or replaced by hand."""

    size: int
    mtime_ns: int
    inode: int
    sha256: str

    @classmethod
    def of(cls, path: Path, data: bytes) -> FileState:
        status = path.stat()
        return cls(size=status.st_size, mtime_ns=status.st_mtime_ns, inode=status.st_ino, sha256=digest(data))

    def matches(self, path: Path) -> bool:
        try:
            status = path.lstat()
        except OSError:
            return False
        return (status.st_size, status.st_mtime_ns, status.st_ino) == (self.size, self.mtime_ns, self.inode)


@dataclass
class OutputRecord:
    """One written output: its inputs' fingerprint, the files it read, and the file as written."""

    fingerprint: str
    #: The "generated" date it shows (ISO 8601).
    generated: str
    #: Files read to make it (templates, stylesheet, images…), relative to the project or ``builtin/…``.
    reads: dict[str, str | None]
    uses_all_references: bool
    file: FileState


@dataclass
class BriefingRecord:
    generated: str
    outputs: dict[str, OutputRecord] = field(default_factory=dict)
    #: The warnings its last rendering gave (path, line, message, code), repeated while it stays up to date,
    #: so that a later build (``--strict`` above all) sees them as a full build would.
    warnings: list[list[Any]] = field(default_factory=list)


@dataclass
class Manifest:
    versions: dict[str, str] = field(default_factory=library_versions)
    briefings: dict[str, BriefingRecord] = field(default_factory=dict)
    #: Why an existing manifest could not be used (printed once), or None.
    notice: str | None = None

    def to_json(self) -> str:
        payload = {"format": MANIFEST_FORMAT, "versions": self.versions,
                   "briefings": {key: _record_json(record) for key, record in sorted(self.briefings.items())}}
        return orjson.dumps(payload, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode("utf-8") + "\n"


def _record_json(record: BriefingRecord) -> dict[str, Any]:
    """``dataclasses.asdict(record)``, written out: asdict deep-copies every value, a third of a second for
    1,000 briefings, for data that is only serialised."""
    return {"generated": record.generated, "warnings": record.warnings, "outputs": {
        name: {"fingerprint": output.fingerprint, "generated": output.generated, "reads": output.reads,
               "uses_all_references": output.uses_all_references,
               "file": {"size": output.file.size, "mtime_ns": output.file.mtime_ns, "inode": output.file.inode,
                        "sha256": output.file.sha256}}
        for name, output in record.outputs.items()}}


def load_manifest(output_dir: Path, root: Path) -> Manifest:
    """The last build's manifest (read only if it is a regular file inside the project ``root``)."""
    path = output_dir / STATE_DIR / MANIFEST_NAME
    if not os.path.lexists(path):
        return Manifest()
    try:
        payload = orjson.loads(read_project_file(path, root, max_bytes=BOOKKEEPING_MAX_BYTES))
        if not isinstance(payload, dict) or payload.get("format") != MANIFEST_FORMAT:
            return Manifest(notice=f"output/{MANIFEST_PATH} is from another version of briefings: "
                                   "rebuilding everything")
        versions = {str(k): str(v) for k, v in dict(payload["versions"]).items()}
        briefings = {str(key): _briefing_record(value) for key, value in dict(payload["briefings"]).items()}
        return Manifest(versions=versions, briefings=briefings)
    except (FileProblem, OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError):
        return Manifest(notice=f"output/{MANIFEST_PATH} is unreadable or damaged: rebuilding everything")


def _briefing_record(value: Any) -> BriefingRecord:
    outputs = {}
    for name, output in dict(value["outputs"]).items():
        file = output["file"]
        outputs[str(name)] = OutputRecord(
            fingerprint=str(output["fingerprint"]),
            generated=str(output["generated"]),
            reads={str(k): (None if v is None else str(v)) for k, v in dict(output["reads"]).items()},
            uses_all_references=bool(output["uses_all_references"]),
            file=FileState(size=int(file["size"]), mtime_ns=int(file["mtime_ns"]), inode=int(file["inode"]),
                           sha256=str(file["sha256"])))
    warnings = [[str(path), None if line is None else int(line), str(message), None if code is None else str(code)]
                for path, line, message, code in value.get("warnings", [])]
    return BriefingRecord(generated=str(value["generated"]), outputs=outputs, warnings=warnings)


def save_manifest(output_dir: Path, manifest: Manifest) -> None:
    """Write the manifest atomically (a temporary file moved into place), if it changed."""
    target = output_dir / STATE_DIR / MANIFEST_NAME
    target.parent.mkdir(exist_ok=True)
    text = manifest.to_json()
    try:
        if target.read_text(encoding="utf-8") == text:
            return  # unchanged: leave the file (and its modification time) alone
    except (OSError, UnicodeDecodeError):
        pass
    replace_file(target, text.encode("utf-8"), fsync=True)  # the record of the outputs: on disk before it counts
