"""The files the quick check vouches for, hashed: what a build read, told again without loading anything.

Contract: :func:`scan_sources` hashes (SHA-256) the settings, the references,
every topic file and every template, with the listings of ``sources/topics``
and ``templates/``; :func:`file_digest` hashes one file of the project (or a
built-in template); :func:`editions_signature` is the names, sizes and
modification times of ``output/editions/``. Each reads only regular files
inside the project, never through a link or a special file: where it cannot
vouch for everything it returns None (the build then runs in full, and judges
the link or the special file itself). :mod:`briefings.build.quick` records and
compares these; the parse cache takes the scan's digests (a file read once per
build). Nothing here imports the loader or the renderers.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any

from briefings.files import MAX_FILE_BYTES, TOPIC_SUFFIXES, FileProblem, read_project_file
from briefings.paths import (
    BUILTIN_PREFIX,
    BUILTIN_TEMPLATES_DIR,
    EDITIONS_NAME,
    OUTPUT_DIR,
    REFERENCES_FILE,
    SETTINGS_FILE,
    TEMPLATES_DIR,
    TOPICS_DIR,
)

#: A project with more files than this under ``templates/`` or ``output/editions/`` is always built in full.
MAX_LISTED = 200_000


def file_digest(root: Path, key: str) -> str | None:
    """The SHA-256 of a file named relative to the project (or ``builtin/…``); None: absent; "unreadable"."""
    if key.startswith(f"{BUILTIN_PREFIX}/"):
        base, relative = BUILTIN_TEMPLATES_DIR, key[len(BUILTIN_PREFIX) + 1:]
    else:
        base, relative = root, key
    path = base / relative
    if not os.path.lexists(path):
        return None
    try:
        return hashlib.sha256(read_project_file(path, base)).hexdigest()
    except FileProblem:
        return "unreadable"


class NotVouched(Exception):
    """Something the quick check will not judge (a link, a special file): the full build must."""


def regular_digest(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str | None:
    """The SHA-256 of a regular file (None: absent), never following a link; raises :class:`NotVouched`
    for anything else, which the full build reads and judges with :func:`briefings.files.read_project_file`."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            raise NotVouched(str(path))  # not even opened: a link may lead out of the project
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise NotVouched(str(path)) from error
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            raise NotVouched(str(path))
        hasher = hashlib.sha256()
        size = 0
        while chunk := os.read(descriptor, 1 << 20):
            size += len(chunk)
            if size > max_bytes:
                raise NotVouched(str(path))
            hasher.update(chunk)
        return hasher.hexdigest()
    finally:
        os.close(descriptor)


def plain_directory(path: Path) -> bool:
    """Whether ``path`` is absent or a directory that is not a link (what the quick check can list)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return True


def scan_sources(root: Path) -> dict[str, Any] | None:
    """The files the loader and the template check read, hashed; None when the quick check cannot vouch for
    them all (a link, a special file, a directory it cannot list: the full build judges those every time)."""
    directories = (root / "sources", root / TOPICS_DIR, root / TEMPLATES_DIR)
    if not all(plain_directory(directory) for directory in directories):
        return None
    topics = _names(root / TOPICS_DIR, recursive=False)
    templates = _names(root / TEMPLATES_DIR, recursive=True)
    if topics is None or templates is None:
        return None
    topics = [name for name in topics if name.endswith(TOPIC_SUFFIXES) and not name.startswith(".")]
    keys = [SETTINGS_FILE, REFERENCES_FILE, *(f"{TOPICS_DIR}/{name}" for name in topics),
            *(f"{TEMPLATES_DIR}/{name}" for name in templates if not (root / TEMPLATES_DIR / name).is_dir())]
    try:
        files = {key: regular_digest(root / key) for key in keys}
    except NotVouched:
        return None
    return {"files": files, "topics": topics, "templates": templates}


def _names(directory: Path, *, recursive: bool) -> list[str] | None:
    """Every entry of ``directory`` (relative names, sorted; [] if absent), or None if it cannot be listed whole."""
    if not os.path.lexists(directory):
        return []
    names: list[str] = []
    pending = [""]
    try:
        while pending:
            prefix = pending.pop()
            with os.scandir(directory / prefix if prefix else directory) as entries:
                for entry in entries:
                    name = f"{prefix}{entry.name}"
                    if recursive and entry.is_dir(follow_symlinks=False):
                        pending.append(f"{name}/")
                    names.append(name)
                    if len(names) > MAX_LISTED:
                        return None
    except OSError:
        return None
    return sorted(names)


def editions_signature(root: Path) -> list[list[Any]] | None:
    """Names, sizes and modification times under ``output/editions/`` (written only by ``publish``)."""
    directory = root / OUTPUT_DIR / EDITIONS_NAME
    names = _names(directory, recursive=True)
    if names is None:
        return None
    signature: list[list[Any]] = []
    for name in names:
        try:
            status = os.lstat(directory / name)
        except OSError:
            return None
        signature.append([name, status.st_size, status.st_mtime_ns, status.st_mode])
    return signature


__all__ = ["NotVouched", "editions_signature", "file_digest", "plain_directory", "regular_digest", "scan_sources"]
