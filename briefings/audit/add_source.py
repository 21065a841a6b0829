"""Adding a document to a project's sources: archived, and appended to ``sources/references.yaml``.

Contract: :func:`new_entry` checks the new reference's details as the model
checks them (a slug id, a real date, an http(s) URL, an Admiralty letter, an
archive file name) and raises :class:`InvalidEntry`, naming the option at
fault, when it refuses one. :func:`add_source` then copies the document (the
user's own file, anywhere) into the project's archive directory
(``archive_dir``, by default ``sources/archive``) under its own name, and
appends its entry, with ``archive: <file name>``, at the end of
``sources/references.yaml``. Everything already in that file stays as it is,
byte for byte (comments, key order, quoting, blank lines): the new entry is
written by ruamel.yaml in the file's indentation and appended, and the
result is read back to make sure it says exactly the old entries plus the
new one before anything is written.

It refuses, with :class:`~briefings.errors.ProblemsFound` (``path:LINE:
message``): an id already in the file, a different file of the same name
already in the archive, an archive directory or references file that is a
link out of the project, and a document with no text (the archive's own
reading of it, :func:`briefings.audit.archive.archive_text`, which is why
this module is in the audit layer). Both files are written atomically (a
temporary file, then a rename); the archived copy never replaces an existing
file.

Runs at the same time add every entry: reading ``sources/references.yaml``,
checking the archive, copying the file and replacing ``references.yaml``
happen under the sources lock (:func:`sources_lock`), so no run writes a
file that another has changed since it read it. A run that succeeds has its
entry in the file; a run that fails (or is interrupted) after copying its
document into the archive removes that copy again (an identical file that
was already there stays). The lock is not the build's
(``output/.briefings/lock``): a build may last minutes and adding a source
does not touch ``output/``, and a build reading the sources meanwhile needs
no lock, as it sees ``references.yaml`` either before or after the one
rename, and a new entry's document is in the archive before the entry that
names it.
"""

from __future__ import annotations

import datetime
import errno
import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import filelock
from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from briefings import files
from briefings.audit import archive
from briefings.errors import Problem, ProblemsFound, printable
from briefings.paths import DEFAULT_ARCHIVE_DIR, REFERENCES_FILE, SETTINGS_FILE, SOURCES_LOCK
from briefings.project.archive_names import archive_dir_problem
from briefings.project.messages import describe
from briefings.project.schema import SLUG_HINT, SLUG_PATTERN, Reference
from briefings.project.yaml import load_yaml

#: Seconds a run waits for another to finish changing the sources: each holds the lock for well under a second.
SOURCES_LOCK_WAIT = 60.0
_POLL_SECONDS = 0.05


class InvalidEntry(ValueError):
    """A detail of the new reference the model refuses; ``option`` is where the user gave it (``--id``, ``FILE``)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option
        self.message = message


@dataclass(frozen=True)
class AddedSource:
    """What :func:`add_source` did."""

    #: The archived copy, as the project shows it (``sources/archive/report.html``).
    archived: str
    #: False when the identical file was already in the archive.
    copied: bool
    #: The text appended to ``sources/references.yaml`` (the new entry, with a blank line before it if the file
    #: separates its entries so).
    appended: str
    #: What the archive's reading of the document warns about (in the order found).
    warnings: list[str] = field(default_factory=list)


def new_entry(reference_id: str, outlet: str, title: str, published: str, url: str | None,
              reliability: str | None, name: str) -> dict[str, Any]:
    """The entry to add, in the order the README lists the keys; :class:`InvalidEntry` if the model refuses it.

    ``name`` is the document's file name (its ``archive:``).
    """
    if not re.match(SLUG_PATTERN, reference_id):
        raise InvalidEntry("--id", f"'{printable(reference_id)}' {SLUG_HINT}")
    entry: dict[str, Any] = {"outlet": outlet, "title": title, "published": published}
    if url is not None:
        entry["url"] = url
    if reliability is not None:
        entry["reliability"] = reliability
    entry["archive"] = name
    try:
        reference = Reference.model_validate(entry, context={"id": reference_id})
    except ValidationError as error:
        detail = error.errors()[0]
        key = str(detail["loc"][0]) if detail["loc"] else "id"
        message = describe(detail, tuple(detail["loc"]), Reference, (), entry).removeprefix(f"{key}: ")
        raise InvalidEntry("FILE" if key == "archive" else f"--{key}", printable(message)) from None
    entry["outlet"], entry["title"] = reference.outlet, reference.title
    entry["published"] = reference.published
    return entry


def add_source(root: Path, file: Path, reference_id: str, entry: dict[str, Any]) -> AddedSource:
    """Archive ``file`` in the project at ``root`` and append ``entry`` (from :func:`new_entry`) as
    ``reference_id`` to its references; see the module docstring."""
    if not root.is_dir():
        raise ProblemsFound([Problem(str(root), None, "project directory does not exist")])
    archive_dir = _archive_dir(root)
    data = _read_user_file(file, archive.MAX_ARCHIVE_BYTES)
    archived, warnings = archive.archive_text(file.name, data)
    if archived is None:
        raise ProblemsFound([Problem(printable(str(file)), None,
                                     "no text could be read from the document: not added")])
    references_path = root / REFERENCES_FILE
    destination = root / archive_dir / file.name
    with sources_lock(root):
        original, appended = _appended_references(references_path, root, reference_id, entry)
        copied = _store_in_archive(destination, root, data)
        try:
            _write(_real(references_path), original + appended.encode("utf-8"), root)
        except BaseException:
            if copied:  # not added after all: the copy made for it must not stay behind
                destination.unlink(missing_ok=True)
            raise
    return AddedSource(files.display_path(destination, root), copied, appended, list(warnings))


@contextmanager
def sources_lock(root: Path, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the lock on ``sources/references.yaml`` and the archive for the duration of the block.

    The lock is an ``flock`` on :data:`~briefings.paths.SOURCES_LOCK` (with
    `filelock`, as the build lock is), which the kernel drops when the process
    holding it ends in any way; the file stays and is reused, since removing it
    would let two runs lock two different files of the same name. ``sources/``
    must be a directory inside the project; it is created if it is missing. A
    lock that cannot be taken (a link or a directory in its place, no
    permission, or another run still holding it after ``wait_seconds``, by
    default :data:`SOURCES_LOCK_WAIT`) is a problem at ``SOURCES_LOCK``, and
    nothing has been written.
    """
    if wait_seconds is None:
        wait_seconds = SOURCES_LOCK_WAIT

    path = root / SOURCES_LOCK
    problem = files.check_project_dir(path.parent, root)
    if problem is None:
        try:
            path.parent.mkdir(exist_ok=True)
        except OSError as error:
            problem = Problem(files.display_path(path.parent, root), None,
                              f"cannot create the directory: {_reason(error)}")
        else:
            problem = files.check_project_dir(path.parent, root)  # it may have been made a link meanwhile
    if problem is not None:
        raise ProblemsFound([problem])
    # is_singleton=False and thread_local=False: one fresh lock per run, so that two runs in one process exclude
    # each other as two processes would, instead of re-entering.
    lock = filelock.FileLock(str(path), thread_local=False, is_singleton=False)
    try:
        lock.acquire(timeout=wait_seconds, poll_interval=_POLL_SECONDS)
    except filelock.Timeout:
        raise ProblemsFound([Problem(SOURCES_LOCK, None, f"another add-source is still changing "
                                     f"sources/references.yaml after {wait_seconds:g} s; try again")]) from None
    except OSError as error:
        # A symbolic link or a directory in the lock's place, or no permission: ours to report, not to follow.
        reason = {errno.ELOOP: "a symbolic link is in its place",
                  errno.EISDIR: "a directory is in its place"}.get(error.errno or 0, error.strerror or str(error))
        raise ProblemsFound([Problem(SOURCES_LOCK, None, f"cannot take the lock: {reason}")]) from None
    try:
        yield
    finally:
        lock.release()


def _write(path: Path, data: bytes, root: Path) -> None:
    """Replace the file at ``path`` with ``data``; a problem at it (no space, no permission) if that fails."""
    try:
        files.replace_file(path, data)
    except OSError as error:
        raise ProblemsFound([Problem(files.display_path(path, root), None,
                                     f"cannot write the file: {_reason(error)}; nothing was added")]) from None


def _reason(error: OSError) -> str:
    return (error.strerror or type(error).__name__).lower()


def _archive_dir(root: Path) -> str:
    """The project's archive_dir, read from briefings.yaml without validating the rest of it."""
    path = root / SETTINGS_FILE
    if not (path.exists() or path.is_symlink()):
        return DEFAULT_ARCHIVE_DIR
    document = load_yaml(path, root)
    if document.problems:
        raise ProblemsFound(list(document.problems))
    data = document.data if isinstance(document.data, dict) else {}
    value = data.get("archive_dir", DEFAULT_ARCHIVE_DIR)
    problem = archive_dir_problem(value) if isinstance(value, str) else "must be text"
    if problem:
        raise ProblemsFound([document.problem(("archive_dir",), f"archive_dir: {problem}")])
    return str(value)


def _read_user_file(file: Path, max_bytes: int) -> bytes:
    """FILE's bytes: the user's own file, wherever it is, but a regular file of bounded size."""
    shown = printable(str(file))
    try:
        real = Path(os.path.realpath(file, strict=True))
    except OSError as error:
        reason = "it does not exist" if isinstance(error, FileNotFoundError) else (error.strerror or "").lower()
        raise ProblemsFound([Problem(shown, None, f"cannot read the document: {reason}")]) from None
    try:
        return bytes(files.read_project_file(real, real.parent, max_bytes=max_bytes))
    except files.FileProblem as error:
        raise ProblemsFound([Problem(shown, None, error.problem.message)]) from None


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long title onto a second line
    return yaml


def _appended_references(path: Path, root: Path, reference_id: str, entry: dict[str, Any]) -> tuple[bytes, str]:
    """The references file's bytes as they are, and the text to append to them."""
    shown = files.display_path(path, root)
    if os.path.lexists(path):
        try:
            original = files.read_project_file(path, root)
        except files.FileProblem as error:
            raise ProblemsFound([error.problem]) from None
    else:
        directory_problem = files.check_project_dir(path.parent, root)
        if directory_problem is not None:
            raise ProblemsFound([directory_problem])
        path.parent.mkdir(parents=True, exist_ok=True)
        original = b""
    try:
        text = original.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProblemsFound([Problem(shown, None, f"file is not valid UTF-8 (byte offset {error.start})")]) from None
    yaml = _yaml()
    try:
        data = yaml.load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None) if isinstance(error, MarkedYAMLError) else None
        line = mark.line + 1 if mark is not None else None
        raise ProblemsFound([Problem(shown, line, "cannot add to this file: it is not valid YAML "
                                     f"({printable(str(getattr(error, 'problem', '') or 'syntax error'))})")]) \
            from None
    if data is None:
        data = {}
        indent = 2
    elif not isinstance(data, dict):
        raise ProblemsFound([Problem(shown, 1, "must be a mapping from reference id to its details")])
    else:
        if reference_id in data:
            line = data.lc.key(reference_id)[0] + 1 if hasattr(data, "lc") else None
            raise ProblemsFound([Problem(shown, line, f"reference '{reference_id}' already exists")])
        if getattr(data, "fa", None) is not None and data.fa.flow_style():
            raise ProblemsFound([Problem(shown, 1, "cannot add to a mapping written in flow style ({...}): "
                                         "add the entry by hand")])
        indent = _indent_of(data)
    yaml.indent(mapping=indent, sequence=indent + 2, offset=indent)
    buffer = io.StringIO()
    yaml.dump({reference_id: entry}, buffer)
    appended = buffer.getvalue()
    separator = "" if not text or text.endswith("\n") else "\n"
    if text.strip() and _blank_line_between_entries(text):
        separator += "\n"
    addition = separator + appended
    # Read the result back: the old entries, then the new one, and nothing else changed.
    try:
        after = yaml.load(text + addition)
    except YAMLError:
        after = None
    expected = {**_plain(data), reference_id: _plain(entry)}
    if not isinstance(after, dict) or _plain(after) != expected or list(after)[-1] != reference_id:
        raise ProblemsFound([Problem(shown, None, "cannot append an entry safely to this file (does it end a "
                                     "YAML document with '...' or hold several?): add the entry by hand")])
    return original, addition


def _indent_of(data: Any) -> int:
    for value in data.values():
        if hasattr(value, "lc") and isinstance(value, dict) and value:
            column = value.lc.col
            if isinstance(column, int) and 1 <= column <= 8:
                return column
    return 2


def _blank_line_between_entries(text: str) -> bool:
    """Whether the file separates its top-level entries with a blank line (the example's style)."""
    lines = text.splitlines()
    top = [index for index, line in enumerate(lines) if line and not line[0].isspace() and not line.startswith("#")]
    if len(top) < 2:
        return True
    before = top[1] - 1
    while before > 0 and lines[before].startswith("#"):
        before -= 1
    return not lines[before].strip()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value if value is None or isinstance(value, (int, float, bool)) else str(value)


def _store_in_archive(destination: Path, root: Path, data: bytes) -> bool:
    """Put ``data`` at ``destination`` unless the identical file is there; True if it was written."""
    shown = files.display_path(destination, root)
    directory = destination.parent
    # The nearest existing ancestor must be a directory inside the project (not a link out of it).
    existing = directory
    while not os.path.lexists(existing) and existing != root:
        existing = existing.parent
    problem = files.check_project_dir(existing, root)
    if problem is not None:
        raise ProblemsFound([problem])
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ProblemsFound([Problem(files.display_path(directory, root), None,
                                     f"cannot create the directory: {_reason(error)}")]) from None
    problem = files.check_project_dir(directory, root)
    if problem is not None:
        raise ProblemsFound([problem])
    if os.path.lexists(destination):
        return _same_as_archived(destination, root, data, shown)
    try:
        return _link_new(destination, root, data, shown)
    except OSError as error:  # no space, no permission: a problem at the archived file, not an internal error
        raise ProblemsFound([Problem(shown, None, f"cannot write the file: {_reason(error)}; nothing was added")]) \
            from None


def _link_new(destination: Path, root: Path, data: bytes, shown: str) -> bool:
    """Write ``data`` as the new file ``destination``, never replacing one that appeared meanwhile."""
    staged = files.stage_file(destination, data)
    try:
        os.link(staged, destination)  # fails if a file of that name appeared meanwhile: never overwrite
    except FileExistsError:
        return _same_as_archived(destination, root, data, shown)
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if os.path.lexists(destination):  # a file system without hard links
            return _same_as_archived(destination, root, data, shown)
        os.replace(staged, destination)
        return True
    finally:
        Path(staged).unlink(missing_ok=True)
    return True


def _same_as_archived(destination: Path, root: Path, data: bytes, shown: str) -> bool:
    try:
        existing = files.read_project_file(destination, root, max_bytes=len(data) + 1)
    except files.FileProblem:
        existing = None
    if existing == data:
        return False
    raise ProblemsFound([Problem(shown, None, "a different file of this name is already in the archive: "
                                 "rename the document, or remove the archived one if it is a mistake")])


def _real(path: Path) -> Path:
    """The file a (checked, inside-the-project) link points to, so that replacing it keeps the link."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else path
