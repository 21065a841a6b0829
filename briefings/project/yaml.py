"""Stage 1: read YAML files safely, keeping the line of every value.

Contract: :func:`load_yaml` reads one file and returns a :class:`YamlDocument`:
the plain Python data (dicts with text keys, lists, str, int, float, bool,
None, :class:`datetime.date`) plus a map from each value's *location* (the
tuple of keys and list indexes that reaches it, as pydantic reports it in
``loc``) to the 1-based line where it stands. Problems are collected, never
raised: a file that cannot be read safely (see :mod:`briefings.files`), is not
UTF-8 or does not parse, a duplicate key in a mapping (PyYAML keeps the last
one silently; we reject it), a key that is not text, an impossible date, a
number too long to be a number, or text holding control characters all come
back in :attr:`YamlDocument.problems`, each as one line with the line of the
file where it stands. Only the safe subset of YAML is constructed: tags that
would build Python objects are errors.

What comes back is plain data that every later stage can carry as it is (the
parse cache, the manifest and the JSON snapshot write it with orjson): a value
that is not is refused here, reported, and left as None (its location in
:attr:`YamlDocument.rejected`). That is text holding a UTF-16 surrogate (which
only a ``"\\ud83d"`` escape can write: it is no character, and no UTF-8),
a number that is not finite (``.nan``, ``.inf``, or beyond about 1.8e308),
a whole number outside the signed 64-bit range, and binary data
(``!!binary``).

Parsing the text into nodes, within the bounds that keep hostile files cheap
(nesting, alias bombs), with libyaml when it reads the file as PyYAML's
pure-Python parser would, is :mod:`briefings.project.yaml_parser`'s job; this
module turns the nodes into data (:class:`_Constructor`) and checks each value.
Either parser gives the same data, lines and problems
(``tests/project/test_yaml_libyaml.py`` checks it): every problem is worded
from the pure-Python parser's view of the file.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import yaml

from briefings.errors import Problem
from briefings.files import (
    FileProblem,
    describe_character,
    display_path,
    first_forbidden_character,
    is_forbidden_character,
    read_project_file,
)
from briefings.project.yaml_parser import (
    TOO_DEEP,
    LineMap,
    NodeLoader,
    Refused,
    explain_syntax_error,
    line_at,
    parse_with_libyaml,
)

Location = tuple[str | int, ...]

#: Whole numbers written with more digits than this are refused (before Python converts them).
MAX_NUMBER_DIGITS = 1000
#: Whole numbers beyond this, either way, are refused: 64 bits is what JSON tools (orjson among them) carry.
MAX_INTEGER = 2**63 - 1


class LineTable(Mapping[Location, int]):
    """The lines of a document as the parse cache keeps them (``[[location], line]`` pairs, as JSON text),
    made into a mapping only when a line is first asked for: a build of an unchanged project locates nothing,
    and these tables, one entry per value, were most of the memory of a large project's build. ``pairs`` is
    that text, or a function that reads it again when a line is first asked for (so that a large project's
    build holds no line of a file it has no problem to report in). Malformed pairs (the cache is data a hand
    could have made) are left out, never raised on."""

    def __init__(self, pairs: str | list[Any] | Callable[[], str | list[Any]]):
        self.pairs = pairs
        self._table: dict[Location, int] | None = None

    def _lines(self) -> dict[Location, int]:
        if self._table is None:
            pairs = self.pairs() if callable(self.pairs) else self.pairs
            self.pairs = ""
            if isinstance(pairs, str):
                try:
                    pairs = orjson.loads(pairs)
                except orjson.JSONDecodeError:
                    pairs = []
            pairs = pairs if isinstance(pairs, list) else []
            self._table = {tuple(pair[0]): pair[1] for pair in pairs
                           if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], list)
                           and type(pair[1]) is int and all(type(step) in (str, int) for step in pair[0])}
        return self._table

    def __getitem__(self, location: Location) -> int:
        return self._lines()[location]

    def __contains__(self, location: object) -> bool:
        return location in self._lines()

    def __iter__(self) -> Iterator[Location]:
        return iter(self._lines())

    def __len__(self) -> int:
        return len(self._lines())


@dataclass
class YamlDocument:
    """One loaded YAML file: its data, where each value stands, what was wrong."""

    path: Path
    display_path: str
    data: Any = None
    lines: Mapping[Location, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Locations whose value was rejected here (and is None in ``data``).
    rejected: set[Location] = field(default_factory=set)
    #: SHA-256 of the bytes parsed (None if the file could not be read), for the parse cache.
    digest: str | None = None

    def line_of(self, location: Location) -> int | None:
        """The line of ``location``, or of its nearest enclosing value.

        A missing field has no line of its own; the mapping that lacks it does.
        """
        location = tuple(location)
        while location:
            if location in self.lines:
                return self.lines[location]
            location = location[:-1]
        return self.lines.get((), None)

    def problem(self, location: Location, message: str) -> Problem:
        return Problem(self.display_path, self.line_of(location), message)


_REJECTED = object()  # what _scalar returns for a value it reported as a problem
_PLAIN_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
_INT_TAG = "tag:yaml.org,2002:int"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_SURROGATE = re.compile("[\ud800-\udfff]")
_SHOWN_LENGTH = 40  # characters of a refused value quoted in its message


def load_yaml(path: Path, root: Path) -> YamlDocument:
    """Load ``path`` (reported relative to ``root``) without raising on bad input."""
    document = YamlDocument(path=path, display_path=display_path(path, root))
    try:
        raw = read_project_file(path, root)
    except FileProblem as error:
        document.problems.append(error.problem)
        return document
    document.digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        document.problems.append(
            Problem(document.display_path, line, f"file is not valid UTF-8 (byte 0x{raw[error.start]:02x})")
        )
        return document
    if text.startswith("\ufeff"):
        text = text[1:]

    lines = LineMap(text)

    def fail(line: int | None, message: str) -> YamlDocument:
        document.problems.append(Problem(document.display_path, line, message))
        return document

    loader, node = parse_with_libyaml(text)
    if loader is not None:
        try:
            document.data = _Constructor(loader, document, lines).construct(node, ()) if node is not None else None
        finally:
            loader.dispose()
        return document
    try:
        loader = NodeLoader(text)
    except yaml.reader.ReaderError as error:
        # PyYAML refuses control characters anywhere in the file before parsing.
        line = line_at(text, error.position)
        return fail(line, f"the file contains the control character {describe_character(chr(error.character))}: "
                          "remove it")
    try:
        node = loader.get_single_node()
        bomb = loader.alias_bomb()
        if bomb is not None:
            return fail(lines.line(bomb), "aliases (*name) repeat values too many times, as in an alias bomb: "
                                          "use fewer aliases")
        if node is not None:
            document.data = _Constructor(loader, document, lines).construct(node, ())
    except Refused as error:
        return fail(lines.line(error.mark), error.message)
    except (ValueError, OverflowError):
        # PyYAML's scanner makes the character of a "\UXXXXXXXX" escape with
        # chr(), which fails past U+10FFFF; the reader stands just after the U.
        if loader.buffer[loader.pointer - 2:loader.pointer] != "\\U":
            raise
        return fail(lines.line(loader.get_mark()),
                    f"the escape \\U{_shown(loader.prefix(8))} in a \"double-quoted\" string is past the last "
                    "Unicode character (\\U0010FFFF): write the character itself")
    except yaml.MarkedYAMLError as error:
        line, message = explain_syntax_error(error, text, lines)
        separator = lines.separator_on(line) if line else None
        if separator:
            message += (f" (this line holds {describe_character(separator)}, which YAML reads as a line break: "
                        "put the text in quotes)")
        return fail(line, f"YAML syntax error: {message}")
    except yaml.YAMLError as error:
        return fail(None, f"YAML error: {' '.join(str(error).split())}")
    except RecursionError:
        # The bounds above should make this unreachable; never a traceback, though.
        return fail(None, TOO_DEEP)
    finally:
        loader.dispose()
    return document


class _Constructor:
    """Turns a composed node tree into plain data, recording lines and problems."""

    def __init__(self, loader: NodeLoader, document: YamlDocument, lines: LineMap):
        self.loader = loader
        self.document = document
        self.lines = lines

    def construct(self, node: yaml.Node, location: Location) -> Any:
        self.document.lines.setdefault(location, self.lines.line(node.start_mark))
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_COLLECTION_TAGS:
            # Only the safe constructor's scalars are built; a tagged collection
            # (!!python/object/apply, !!set, ...) is refused, never constructed.
            self._report(node, f"unsupported YAML tag '{node.tag}'")
            self.document.rejected.add(location)
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, location)
        if isinstance(node, yaml.SequenceNode):
            return [self.construct(item, (*location, index)) for index, item in enumerate(node.value)]
        value = self._scalar(node)
        if value is not _REJECTED:
            message = _unfit_value(node, value)
            if message is not None:
                self._report(node, message)
                value = _REJECTED
        if value is _REJECTED:
            self.document.rejected.add(location)
            return None
        return value

    def _mapping(self, node: yaml.MappingNode, location: Location, *, merged: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merges.append(value_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._report(key_node, "mapping keys must be text, not a list or mapping")
                continue
            key = self._scalar(key_node)
            if key is _REJECTED:
                continue  # reported by _scalar
            if not isinstance(key, str):
                self._report(key_node, _non_text_key(key_node.value, key))
                continue
            line = self.lines.line(key_node.start_mark)
            if key in first_line:
                self._report(key_node, f"duplicate key '{key}' (first given on line {first_line[key]})")
                continue
            first_line[key] = line
            child = (*location, key)
            if merged:
                self.document.lines.setdefault(child, line)  # an explicit key keeps its own line
            else:
                self.document.lines[child] = line
            result[key] = self.construct(value_node, child)
        # YAML merge keys (<<): explicit keys win, then earlier merged mappings
        # win over later ones. Merged values are not duplicates of anything.
        for merge_node in merges:
            sources = merge_node.value if isinstance(merge_node, yaml.SequenceNode) else [merge_node]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    self._report(source, "a merge key (<<) takes a mapping or a list of mappings")
                    continue
                for key, value in self._mapping(source, location, merged=True).items():
                    result.setdefault(key, value)
        return result

    def _scalar(self, node: yaml.Node) -> Any:
        message = _refused_scalar(node)
        if message is None:
            try:
                value = self.loader.construct_object(node, deep=True)
            except yaml.constructor.ConstructorError as error:
                message = f"unsupported YAML value: {error.problem}"
            except (ValueError, IndexError, KeyError, AttributeError, OverflowError):
                # For a date, the resolver matched the shape (2025-02-30) but the calendar rejects it;
                # an explicitly tagged value PyYAML cannot read fails inside it: IndexError for an empty
                # !!float or !!int, KeyError for "!!bool maybe", AttributeError for "!!timestamp x".
                kind = {_TIMESTAMP_TAG: "date", _BOOL_TAG: "true/false value"}.get(node.tag, "number")
                message = f"invalid {kind} '{_shown(node.value)}'"
            else:
                message = _unfit_text(value) if isinstance(value, str) else None
                if message is None:
                    return value
        # PyYAML leaves a failed node marked as under construction; unmark it
        # so that an alias to the same node is reported the same way.
        self.loader.recursive_objects.pop(node, None)
        self._report(node, message)
        return _REJECTED

    def _report(self, node: yaml.Node, message: str) -> None:
        problem = Problem(self.document.display_path, self.lines.line(node.start_mark), message)
        if problem not in self.document.problems:  # a node reached again through an alias
            self.document.problems.append(problem)


def _refused_scalar(node: yaml.Node) -> str | None:
    """Why a scalar must not be constructed at all, if it must not."""
    if node.tag == _INT_TAG:
        # Python refuses to convert over 4,300 decimal digits, and hexadecimal
        # or sexagesimal forms would build numbers too large to print.
        digits = len(re.sub(r"^[-+]?0[xXbB]|[^0-9a-fA-F]", "", node.value))
        if digits > MAX_NUMBER_DIGITS:
            return f"number too long: {digits} digits (the limit is {MAX_NUMBER_DIGITS})"
    return None


def _unfit_text(text: str) -> str | None:
    """Why ``text`` (a key or a value) cannot be data, if it cannot."""
    forbidden = first_forbidden_character(text)
    if forbidden is not None:
        return f"text contains the control character {describe_character(forbidden)}: remove it"
    found = _SURROGATE.search(text)
    if found is None:
        return None
    # Only an escape writes one ("\ud83d"): a UTF-8 file cannot hold it. JSON writes a character past
    # U+FFFF as two such escapes, a pair; YAML does not combine them, and neither is a character.
    first = ord(found.group())
    second = ord(text[found.end()]) if found.end() < len(text) else 0
    if 0xD800 <= first <= 0xDBFF and 0xDC00 <= second <= 0xDFFF:
        code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        return (f"text contains the surrogate pair \\u{first:04x}\\u{second:04x}, which YAML does not combine "
                f"into a character: write the character itself, or \\U{code:08X}")
    return f"text contains \\u{first:04x}, a lone surrogate, which is not a character: remove it"


def _unfit_value(node: yaml.Node, value: Any) -> str | None:
    """Why a constructed value (not a key: those must be text) cannot be data, if it cannot."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not -MAX_INTEGER <= value <= MAX_INTEGER:
        return (f"number out of range: '{_shown(node.value)}' (whole numbers must lie within "
                f"\u00b1{MAX_INTEGER:,}): put it in quotes to keep it as text")
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value) or "inf" in node.value.lower():  # .nan, .inf, -.Inf, !!float infinity
            return f"'{_shown(node.value)}' is not a finite number: write a number, or put text in quotes"
        return (f"number out of range: '{_shown(node.value)}' (numbers must lie within \u00b11.8e308): "
                "put it in quotes to keep it as text")
    if isinstance(value, bytes):
        return "binary data (!!binary) is not allowed: write text"
    return None


def _shown(written: str) -> str:
    """``written`` as a message quotes it: on one line, unsafe characters escaped, long values cut short."""
    if len(written) > _SHOWN_LENGTH:
        written = written[:_SHOWN_LENGTH - 1] + "\u2026"
    return "".join(character.encode("unicode_escape").decode("ascii")
                   if is_forbidden_character(character) or character in "\t\n" or _SURROGATE.match(character)
                   else character for character in written)


def _non_text_key(written: str, key: Any) -> str:
    if key is None:
        kind = "empty (null)"
    elif isinstance(key, bool):
        kind = "a true/false value"
    elif isinstance(key, (int, float)):
        kind = "a number"
    elif isinstance(key, datetime.date):
        kind = "a date"
    else:
        kind = "binary data"  # !!binary: the only other scalar the safe loader builds
    if not written:
        return "mapping keys must be text: this key is empty"
    return f"mapping keys must be text: {written} is {kind}; put it in quotes"
