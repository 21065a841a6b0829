"""A cache of parsed topic files and checked Markdown, so that a build with nothing new is cheap.

Contract: :class:`ParseCache` answers "what did this file parse to last
time?" for a file whose bytes have not changed since, and "what was wrong
with this Markdown text?" for a text already checked. Files are always read
and hashed (SHA-256 of their bytes): a file edited within the same second
and keeping its size is never mistaken for the old one. The cache lives in
``output/.briefings/cache.json``; only ``build`` uses it (``check`` and
``list`` parse and check everything every time). It is JSON data, never code:
a missing, damaged or foreign cache is ignored, and a hand-made one can at
worst make the build accept data whose problems it remembers wrongly, which
someone able to write ``output/`` could do to the outputs directly anyway.
What is cached is exactly what parsing produced: the data, the line of every
value and the problems, so results are the same with or without it.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
from pathlib import Path
from typing import Any

import orjson

from briefings import __version__
from briefings.build.manifest import BOOKKEEPING_MAX_BYTES
from briefings.errors import Problem, Severity
from briefings.files import FileProblem, display_path, read_project_file, replace_file
from briefings.paths import CACHE_NAME, STATE_DIR
from briefings.project.yaml import LineTable, YamlDocument, load_yaml

CACHE_FORMAT = 2


class ParseCache:
    def __init__(self, output_dir: Path, root: Path):
        self.path = output_dir / STATE_DIR / CACHE_NAME
        self._documents: dict[str, Any] = {}
        self._markup: dict[str, list[str]] = {}
        self._used_documents: dict[str, Any] = {}
        self._used_markup: dict[str, list[str]] = {}
        try:
            payload = orjson.loads(read_project_file(self.path, root, max_bytes=BOOKKEEPING_MAX_BYTES)) \
                if self.path.exists() else {}
            if payload.get("format") == CACHE_FORMAT and payload.get("briefings") == __version__:
                self._documents = dict(payload["documents"])
                self._markup = dict(payload["markup"])  # each value checked when used
        except (FileProblem, OSError, ValueError, TypeError, KeyError, AttributeError):
            pass  # no cache, or not one we can use: parse everything

    def load_yaml(self, path: Path, root: Path) -> YamlDocument:
        """:func:`briefings.project.yaml.load_yaml`, answered from the cache when the file's bytes are unchanged."""
        try:
            file_digest = hashlib.sha256(read_project_file(path, root)).hexdigest()
        except FileProblem:
            return load_yaml(path, root)  # reports the problem exactly as it would without a cache
        key = display_path(path, root)
        cached = self._documents.get(key)
        if isinstance(cached, dict) and cached.get("digest") == file_digest:
            try:
                document = _decode(path, key, cached)
            except (ValueError, TypeError, KeyError, IndexError):
                document = None
            if document is not None:
                self._used_documents[key] = cached
                return document
        document = load_yaml(path, root)
        if document.digest is not None:
            self._used_documents[key] = _encode(document)
        return document

    def check_markdown(self, text: str, kind: str, check: Any) -> list[str]:
        key = hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()
        messages = self._markup.get(key)
        if not (isinstance(messages, list) and all(isinstance(message, str) for message in messages)):
            messages = check(text, kind)
        self._used_markup[key] = list(messages)
        return list(messages)

    def save(self) -> None:
        """Write what this build used (nothing else: entries of deleted files go) atomically, if it changed."""
        if self._used_documents.keys() == self._documents.keys() and self._used_markup.keys() == self._markup.keys() \
                and all(self._used_documents[key] is self._documents[key] for key in self._documents):
            return  # every answer came from the cache as it stands: nothing to write
        payload = {"format": CACHE_FORMAT, "briefings": __version__, "documents": self._used_documents,
                   "markup": self._used_markup}
        # Keys keep their order: the order of a YAML mapping (the briefings of briefings.yaml, say) is data.
        text = orjson.dumps(payload).decode("utf-8")
        self.path.parent.mkdir(exist_ok=True)
        replace_file(self.path, text.encode("utf-8"))


def _encode(document: YamlDocument) -> dict[str, Any]:
    dates: list[list[str | int]] = []
    return {
        "digest": document.digest,
        "data": _plain(document.data, [], dates),
        "dates": dates,
        "lines": [[list(location), line] for location, line in document.lines.items()],
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


def _decode(path: Path, shown: str, cached: dict[str, Any]) -> YamlDocument:
    # The cached entry stays JSON, to be saved again: only the containers on the
    # way to a date are copied before the date is put in (nothing mutates the rest).
    holder = [cached["data"]]
    copied: set[int] = set()
    for location in cached["dates"]:
        container: Any = holder
        key: Any = 0
        for step in location:
            child = container[key]
            if id(child) not in copied:
                child = copy.copy(child)
                copied.add(id(child))
                container[key] = child
            container, key = child, step
        container[key] = datetime.date.fromisoformat(container[key])
    data = holder[0]
    lines = LineTable(cached["lines"])  # (made into a mapping only if a line is asked for)
    problems = [Problem(str(where), None if line is None else int(line), str(message), Severity(severity),
                        None if code is None else str(code))
                for where, line, message, severity, code in cached["problems"]]
    rejected = {tuple(location) for location in cached["rejected"]}
    return YamlDocument(path=path, display_path=shown, data=data, lines=lines, problems=problems,
                        rejected=rejected, digest=str(cached["digest"]))
