"""A cache of parsed topic files and checked Markdown, so that a build with nothing new is cheap.

Contract: :class:`ParseCache` answers "what did this file parse to last
time?" for a file whose bytes have not changed since, and "what was wrong
with this Markdown text?" for a text already checked. Files are always read
and hashed (SHA-256 of their bytes): a file edited within the same second
and keeping its size is never mistaken for the old one. The cache lives in
``output/.briefings/cache/``: one file per YAML file of the project
(``documents/<hash of its path>.json``, read only when that file is loaded,
written as soon as it is parsed) and ``markup.json``; so a build holds in
memory only the documents it is loading, never the whole cache (which was
half the memory of a large project's build, and its peak). Only ``build``
uses it (``check`` and ``list`` parse and check everything every time). It
is JSON data, never code: a missing, damaged or foreign entry is ignored, a
directory that is a link (or anything else that is not ours) means no cache,
and a hand-made entry can at worst make the build accept data whose problems
it remembers wrongly, which someone able to write ``output/`` could do to the
outputs directly anyway. What is cached is exactly what parsing produced: the
data, the line of every value and the problems, so results are the same with
or without it. Entries of files no longer in the project are removed by
:meth:`ParseCache.save`.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import os
import re
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson

from briefings import __version__
from briefings.build.manifest import BOOKKEEPING_MAX_BYTES
from briefings.errors import Problem, Severity
from briefings.files import (
    FileProblem,
    check_project_dir,
    display_path,
    open_project_dir,
    read_file_in,
    read_project_file,
    replace_file,
)
from briefings.paths import CACHE_DIR, LEGACY_CACHE_NAME, STATE_DIR
from briefings.project.yaml import LineTable, YamlDocument, load_yaml

CACHE_FORMAT = 3
_ENTRY = re.compile(r"[0-9a-f]{32}\.json")


class ParseCache:
    def __init__(self, output_dir: Path, root: Path, scanned: Mapping[str, str | None] | None = None):
        """``scanned``: the SHA-256 of the project's files as this build's quick check read them, by the
        path shown (:func:`briefings.build.scan.scan_sources`, which vouches only for regular files inside
        the project): a file named there is not read again to be told unchanged, and a build then reads it
        as its scan did (an edit made since is a change to the next build, as the record says)."""
        self.root = root
        self.scanned = scanned or {}
        self.directory = output_dir / STATE_DIR / CACHE_DIR
        self.documents = self.directory / "documents"
        self._shown_documents = display_path(self.documents, root)
        #: The documents directory, open once it is first read (-1: absent, or not ours to read).
        self._documents_fd: int | None = None
        self._legacy = output_dir / STATE_DIR / LEGACY_CACHE_NAME  # (one file for everything, before format 3)
        self._markup: dict[str, list[str]] = {}
        self._used_markup: dict[str, tuple[str, ...]] = {}
        self._markup_changed = False
        #: Whether some texts of this build's project were not checked (their topic's checks were reused): the
        #: answers no text asked for may be theirs, and stay.
        self._markup_partial = False
        #: Entries this build used, by file name; those parsed while output/ did not exist yet, to write at save.
        self._used: set[str] = set()
        self._pending: dict[str, bytes] = {}  # (zlib-compressed)
        self.usable = all(check_project_dir(path, root) is None for path in (self.directory, self.documents))
        # Written through as files are parsed only once output/ is there (a failed first build leaves no trace).
        self._write_through = self.usable and self.directory.parent.is_dir()
        if not self.usable:
            return
        try:
            payload = orjson.loads(read_project_file(self.directory / "markup.json", root,
                                                     max_bytes=BOOKKEEPING_MAX_BYTES)) \
                if (self.directory / "markup.json").exists() else {}
            if payload.get("format") == CACHE_FORMAT and payload.get("briefings") == __version__:
                self._markup = dict(payload["markup"])  # each value checked when used
        except (FileProblem, OSError, ValueError, TypeError, KeyError, AttributeError):
            pass  # no cache, or not one we can use: check everything

    def load_yaml(self, path: Path, root: Path) -> YamlDocument:
        """:func:`briefings.project.yaml.load_yaml`, answered from the cache when the file's bytes are unchanged."""
        if not self.usable:
            return load_yaml(path, root)
        key = display_path(path, root)
        file_digest = self.scanned.get(key)
        if file_digest is None:
            try:
                file_digest = hashlib.sha256(read_project_file(path, root)).hexdigest()
            except FileProblem:
                return load_yaml(path, root)  # reports the problem exactly as it would without a cache
        name = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32] + ".json"
        self._used.add(name)
        cached = self._entry(name)
        if isinstance(cached, dict) and cached.get("digest") == file_digest and cached.get("path") == key:
            try:
                return _decode(path, key, cached, functools.partial(self._lines_again, path, key, name, file_digest))
            except (ValueError, TypeError, KeyError, IndexError, AttributeError):
                pass
        document = load_yaml(path, root)
        if document.digest is not None:
            entry = orjson.dumps({"format": CACHE_FORMAT, "briefings": __version__, "path": key,
                                  **_encode(document)})
            if self._write_through:
                self._write(name, entry)
            else:
                # Held until output/ may be made (a first build of 10,000 topics held 300 MB of entries as
                # orjson returned them): compressed, they take a fifth of their size.
                self._pending[name] = zlib.compress(entry, 1)
            # The entry holds the lines now: the document keeps none until a problem is located in it.
            document.lines = LineTable(functools.partial(self._lines_again, path, key, name, document.digest))
        return document

    def _lines_again(self, path: Path, key: str, name: str, digest: str) -> str | list[Any]:
        """The lines of a file whose document came from (or went into) entry ``name``, when a line is first
        asked for: from the entry, or, should it have changed since, by parsing the file again (if its bytes
        are still those of the document); else none (a problem is then reported without its line)."""
        pending = self._pending.get(name)
        entry = _json_object(zlib.decompress(pending)) if pending is not None else self._entry(name)
        if isinstance(entry, dict) and entry.get("digest") == digest and entry.get("path") == key \
                and isinstance(entry.get("lines"), str):
            return str(entry["lines"])
        document = load_yaml(path, self.root)
        return [[list(location), line] for location, line in document.lines.items()] \
            if document.digest == digest else []

    def _entry(self, name: str) -> Any:
        if self._documents_fd is None:
            # Vetted and opened once (the first entry read): each entry is then one open of a plain name in it.
            opened = open_project_dir(self.documents, self.root)
            self._documents_fd = -1 if opened is None else opened
        if self._documents_fd < 0:
            return None
        try:
            entry = orjson.loads(read_file_in(self._documents_fd, name, f"{self._shown_documents}/{name}",
                                              max_bytes=BOOKKEEPING_MAX_BYTES))
        except (FileProblem, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != CACHE_FORMAT or entry.get("briefings") != __version__:
            return None
        return entry

    def close(self) -> None:
        """Let go of the cache directory (:meth:`save` does too)."""
        if self._documents_fd is not None and self._documents_fd >= 0:
            os.close(self._documents_fd)
        self._documents_fd = None

    def __del__(self) -> None:
        self.close()

    def _write(self, name: str, entry: bytes) -> None:
        try:
            self.documents.mkdir(parents=True, exist_ok=True)
            replace_file(self.documents / name, entry)
        except OSError:
            pass  # a cache that cannot be written is only a slower next build

    def check_markdown(self, text: str, kind: str, check: Any) -> list[str]:
        key = hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()
        messages = self._used_markup.get(key)  # (a text checked twice in this build)
        if messages is None:
            # Moved from what was read to what is used: a build holds each answer once.
            messages = self._markup.pop(key, None)
            if not (isinstance(messages, (list, tuple)) and all(isinstance(message, str) for message in messages)):
                messages = check(text, kind)
                self._markup_changed = True
            # Nearly every text is fine: their answers share one empty tuple rather than a list each.
            self._used_markup[key] = tuple(messages) if messages else ()
        return list(messages)

    def keep_unused_markup(self) -> None:
        """Keep the answers of texts not checked this build (:mod:`briefings.project.crosscheck` reused their
        topic's checks): a build that checks every text drops those no text asked for."""
        self._markup_partial = True

    def save(self) -> None:
        """Write what this build parsed and checked that is not written yet, and remove the entries of files
        no longer in the project (and the cache of an older version of the tool)."""
        if not self.usable:
            return
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, entry in self._pending.items():
            self._write(name, zlib.decompress(entry))
        self._pending.clear()
        if self._markup_changed or (self._markup and not self._markup_partial):
            # (an answer new, or one no text asked for in a build that checked them all: dropped)
            kept = {**self._markup, **self._used_markup} if self._markup_partial else self._used_markup
            payload = {"format": CACHE_FORMAT, "briefings": __version__, "markup": kept}
            replace_file(self.directory / "markup.json", orjson.dumps(payload))
        try:
            stale = [entry for entry in os.scandir(self.documents)
                     if _ENTRY.fullmatch(entry.name) and entry.name not in self._used
                     and entry.is_file(follow_symlinks=False)]
        except OSError:
            stale = []
        for entry in stale:
            try:
                os.unlink(entry.path)
            except OSError:
                pass
        if self._legacy.is_file() and not self._legacy.is_symlink():
            try:
                os.unlink(self._legacy)
            except OSError:
                pass


def _encode(document: YamlDocument) -> dict[str, Any]:
    dates: list[list[str | int]] = []
    return {
        "digest": document.digest,
        "data": _plain(document.data, [], dates),
        "dates": dates,
        # (a string: decoded only if a line is asked for, see LineTable)
        "lines": orjson.dumps([[list(location), line] for location, line in document.lines.items()]).decode(),
        "problems": [[problem.path, problem.line, problem.message, problem.severity.value, problem.code]
                     for problem in document.problems],
        "rejected": [list(location) for location in document.rejected],
    }


def _plain(value: Any, location: list[str | int], dates: list[list[str | int]]) -> Any:
    """``value`` as JSON, dates as ISO strings whose locations are listed in ``dates``."""
    if isinstance(value, datetime.date):
        dates.append(list(location))
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item, [*location, key], dates) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item, [*location, index], dates) for index, item in enumerate(value)]
    return value


def _json_object(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return None


def _decode(path: Path, shown: str, cached: dict[str, Any], lines: Callable[[], str | list[Any]]) -> YamlDocument:
    # The entry was read for this document alone (never saved again: its file stays as it is), so its dates
    # are put back in place.
    holder = [cached["data"]]
    for location in cached["dates"]:
        container: Any = holder
        key: Any = 0
        for step in location:
            container, key = container[key], step
        container[key] = datetime.date.fromisoformat(container[key])
    data = holder[0]
    if not isinstance(cached["lines"], str):
        raise TypeError("lines")
    lines = LineTable(lines)  # (read again and made into a mapping only if a line is asked for)
    problems = [Problem(str(where), None if line is None else int(line), str(message), Severity(severity),
                        None if code is None else str(code))
                for where, line, message, severity, code in cached["problems"]]
    rejected = {tuple(location) for location in cached["rejected"]}
    return YamlDocument(path=path, display_path=shown, data=data, lines=lines, problems=problems,
                        rejected=rejected, digest=str(cached["digest"]))
