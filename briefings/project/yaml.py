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

Hostile files are bounded: nesting deeper than :data:`MAX_NESTING` lists and
mappings is refused while parsing, and aliases may not expand a file beyond
:data:`ALIAS_EXPANSION_FACTOR` times its distinct values plus
:data:`ALIAS_EXPANSION_ALLOWANCE` (a "billion laughs" file is refused before
anything is built), so loading takes time proportional to the file's size.

Parsing uses libyaml (PyYAML's C parser) when PyYAML has it, with PyYAML's
Python composer, bounds, resolver and safe constructor on top, which is
several times faster; otherwise, and for any file that libyaml does not parse
cleanly or might read differently (see :data:`_LIBYAML_DIFFERS`), the
pure-Python parser. Either way the data, lines and problems are the same
(``tests/test_load_libyaml.py`` checks it): every problem is worded from the
pure-Python parser's view of the file.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

Location = tuple[str | int, ...]

#: Lists and mappings nested deeper than this are refused (the schema needs about 6).
MAX_NESTING = 50
#: Whole numbers written with more digits than this are refused (before Python converts them).
MAX_NUMBER_DIGITS = 1000
#: Whole numbers beyond this, either way, are refused: 64 bits is what JSON tools (orjson among them) carry.
MAX_INTEGER = 2**63 - 1
#: Aliases may expand a file to at most this many times its distinct values ...
ALIAS_EXPANSION_FACTOR = 10
#: ... plus this many.
ALIAS_EXPANSION_ALLOWANCE = 10_000


@dataclass
class YamlDocument:
    """One loaded YAML file: its data, where each value stands, what was wrong."""

    path: Path
    display_path: str
    data: Any = None
    lines: dict[Location, int] = field(default_factory=dict)
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
_REAL_BREAK = re.compile("\r\n|[\r\n]")
_SEPARATORS = "\x85\u2028\u2029"  # line breaks to PyYAML, not to anyone reading the file
# What libyaml's parser reads differently from PyYAML's without an error: it
# accepts a tab in places PyYAML refuses it, skips a byte-order mark at the
# start of any line and accepts a comment straight after a block scalar's
# indicator (">#"). Files holding any of these are parsed in Python. Found by
# tests/test_load_libyaml.py; see also _LibyamlEvents.compose_node.
_LIBYAML_DIFFERS = re.compile("[\t\ufeff]|[|>][-+0-9]*#")
_TOO_DEEP = f"nested too deeply: more than {MAX_NESTING} levels of lists and mappings"


class _Refused(Exception):
    """A bound of this loader was exceeded at ``mark`` while composing."""

    def __init__(self, message: str, mark: yaml.Mark):
        super().__init__(message)
        self.message = message
        self.mark = mark


class _Unlike(Exception):
    """libyaml's parser would read this file differently from PyYAML's: parse it in Python."""


class _Bounded:
    """The bounds of composing, over whichever parser supplies the events.

    While composing it measures what the constructor will later walk: for
    each node, how many values it stands for once aliases are expanded, and
    how many levels of lists and mappings it holds. That lets it refuse deep
    nesting, recursive aliases and alias bombs before anything is built.
    Mixed in before PyYAML's (pure-Python) ``Composer``, whose
    ``compose_node`` it wraps, in both loaders below.
    """

    def __init__(self, text: str):
        super().__init__(text)
        self.distinct_nodes = 0
        self._open_collections = 0
        self._expanded = 0  # values composed so far, counting each alias as everything it repeats
        self._aliases: list[tuple[int, yaml.Mark]] = []  # (self._expanded after it, where) for each alias
        self._extent: dict[yaml.Node, tuple[int, int]] = {}  # node -> (expanded size, nesting levels)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if node not in self._extent:
                raise _Refused("an alias refers to the value that contains it: recursive data is not allowed",
                               event.start_mark)
            size, levels = self._extent[node]
            if self._open_collections + levels > MAX_NESTING:
                raise _Refused(_TOO_DEEP, event.start_mark)
            self._expanded += size
            self._aliases.append((self._expanded, event.start_mark))
            return node
        is_collection = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        if is_collection:
            if self._open_collections == MAX_NESTING:
                raise _Refused(_TOO_DEEP, event.start_mark)
            self._open_collections += 1
        before = self._expanded
        try:
            node = super().compose_node(parent, index)
        finally:
            if is_collection:
                self._open_collections -= 1
        self._expanded += 1
        self.distinct_nodes += 1
        levels = 1 + max((self._extent[child][1] for child in _children(node)), default=0) if is_collection else 0
        self._extent[node] = (self._expanded - before, levels)
        return node

    def alias_bomb(self) -> yaml.Mark | None:
        """Where aliases first took the file past its expansion budget, if they did."""
        budget = ALIAS_EXPANSION_FACTOR * self.distinct_nodes + ALIAS_EXPANSION_ALLOWANCE
        if self._expanded <= budget:
            return None
        first_over = bisect.bisect_right(self._aliases, budget, key=lambda alias: alias[0])
        return self._aliases[min(first_over, len(self._aliases) - 1)][1]


class _NodeLoader(_Bounded, yaml.SafeLoader):
    """SafeLoader used only to compose nodes and construct scalar values, all in Python.

    The reference: every file whose libyaml parse fails or hits a bound is
    loaded (again) with this one, so that problems are worded and placed the
    same whichever parser is present.
    """


if yaml.__with_libyaml__:

    class _LibyamlEvents(yaml.composer.Composer, yaml.cyaml.CParser, yaml.constructor.SafeConstructor,
                         yaml.resolver.Resolver):
        """libyaml scans and parses (in C); PyYAML's Python composer, resolver and safe constructor do the rest.

        ``Composer`` comes before ``CParser`` so that its (Python) ``compose_node``,
        which :class:`_Bounded` wraps, is the one that runs; ``CParser`` supplies
        only the events (``check_event``, ``peek_event``, ``get_event``).
        """

        def __init__(self, text: str):
            yaml.cyaml.CParser.__init__(self, text)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._flow_level = 0

        def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
            # Stop (for the Python parser to take over) where libyaml's events
            # would differ from PyYAML's: an explicit tag (libyaml resolves an
            # empty "!" scalar differently), and a plain scalar holding "?" in a
            # [flow] or {flow} collection (libyaml, following YAML 1.2, keeps
            # "a?b" whole; PyYAML ends the scalar at the "?").
            event = self.peek_event()
            if isinstance(event, yaml.ScalarEvent):
                if event.tag is not None or (self._flow_level and not event.style and "?" in event.value):
                    raise _Unlike(event.start_mark)
                return super().compose_node(parent, index)
            if not isinstance(event, yaml.CollectionStartEvent):
                return super().compose_node(parent, index)
            if event.tag is not None:
                raise _Unlike(event.start_mark)
            flow = bool(event.flow_style)
            self._flow_level += flow
            try:
                return super().compose_node(parent, index)
            finally:
                self._flow_level -= flow

    class _LibyamlNodeLoader(_Bounded, _LibyamlEvents):
        """:class:`_NodeLoader`'s work with libyaml's parser: several times faster."""

    _FAST_LOADER: type | None = _LibyamlNodeLoader
else:  # a PyYAML built without libyaml: everything is parsed in Python
    _FAST_LOADER = None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return list(node.value)


class _LineMap:
    """Turns PyYAML's line numbers into the file's real ones.

    PyYAML also counts U+0085, U+2028 and U+2029 as line breaks; editors and
    users count only ``\\n``, ``\\r\\n`` and a lone ``\\r``.
    """

    _YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

    def __init__(self, text: str):
        breaks = len(_REAL_BREAK.findall(text))
        ends_with_break = text.endswith(("\n", "\r"))
        self.last_line = max(1, breaks + (0 if ends_with_break else 1))
        self._real: list[int] | None = None
        self._separator_lines: dict[int, str] = {}
        if any(separator in text for separator in _SEPARATORS):
            real = [1]
            for match in self._YAML_BREAK.finditer(text):
                if match.group() in _SEPARATORS:
                    self._separator_lines.setdefault(real[-1], match.group())
                real.append(real[-1] + (match.group() in ("\r\n", "\r", "\n")))
            self._real = real

    def line(self, mark: yaml.Mark) -> int:
        """The real 1-based line of ``mark`` (PyYAML may put "end of stream" past the last line)."""
        line = mark.line + 1 if self._real is None else self._real[min(mark.line, len(self._real) - 1)]
        return min(line, self.last_line)

    def separator_on(self, line: int) -> str | None:
        """The first of U+0085, U+2028 and U+2029 on real line ``line``, if any."""
        return self._separator_lines.get(line)


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

    lines = _LineMap(text)

    def fail(line: int | None, message: str) -> YamlDocument:
        document.problems.append(Problem(document.display_path, line, message))
        return document

    loader, node = _parse_with_libyaml(text)
    if loader is not None:
        try:
            document.data = _Constructor(loader, document, lines).construct(node, ()) if node is not None else None
        finally:
            loader.dispose()
        return document
    try:
        loader = _NodeLoader(text)
    except yaml.reader.ReaderError as error:
        # PyYAML refuses control characters anywhere in the file before parsing.
        line = len(_REAL_BREAK.findall(text, 0, error.position)) + 1
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
    except _Refused as error:
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
        line, message = _explain_syntax_error(error, text, lines)
        separator = lines.separator_on(line) if line else None
        if separator:
            message += (f" (this line holds {describe_character(separator)}, which YAML reads as a line break: "
                        "put the text in quotes)")
        return fail(line, f"YAML syntax error: {message}")
    except yaml.YAMLError as error:
        return fail(None, f"YAML error: {' '.join(str(error).split())}")
    except RecursionError:
        # The bounds above should make this unreachable; never a traceback, though.
        return fail(None, _TOO_DEEP)
    finally:
        loader.dispose()
    return document


def _parse_with_libyaml(text: str) -> tuple[Any, yaml.Node | None]:
    """Compose ``text`` with libyaml's parser: ``(loader, node)``, or ``(None, None)`` to use Python's.

    Only a clean parse is kept: on any syntax error, unreadable character or
    exceeded bound the file is parsed again in Python (by the caller), whose
    messages and marks are the ones explained to the user; libyaml words its
    errors differently and its marks lack the text.
    """
    if _FAST_LOADER is None or _LIBYAML_DIFFERS.search(text):
        return None, None
    loader = _FAST_LOADER(text)
    try:
        node = loader.get_single_node()
        if loader.alias_bomb() is None:
            return loader, node
    except (yaml.YAMLError, _Refused, _Unlike, RecursionError):
        pass
    loader.dispose()
    return None, None


def _explain_syntax_error(error: yaml.MarkedYAMLError, text: str, lines: _LineMap) -> tuple[int | None, str]:
    """Where a syntax error is and what to do about it, in plain words."""
    problem = error.problem or ""
    context = error.context or ""
    where = error.problem_mark or error.context_mark
    opened = error.context_mark or where
    if problem.startswith("found character '\\t'"):
        return lines.line(where), "a tab in the indentation: indent with spaces, not tabs"
    if problem.startswith("found character"):
        character = problem.split("'")[1]
        return lines.line(where), f"a value cannot start with '{character}': put the value in quotes"
    if problem == "mapping values are not allowed here":
        return lines.line(where), "unexpected ': ' inside a value: put text containing ': ' in quotes"
    if context == "while scanning a quoted scalar":
        quote = text[opened.index]
        return lines.line(opened), f"unclosed quote: this string opened with {quote} is never closed"
    if context == "while scanning a double-quoted scalar":  # a bad escape sequence
        return lines.line(where), ("a backslash in a \"double-quoted\" string starts an escape sequence: "
                                   "write \\\\ for a backslash, or use 'single quotes'")
    if problem == "could not find expected ':'":
        return lines.line(opened), ("could not find the ':' after this key: write 'key: value', "
                                    "or put the text in quotes")
    if problem.startswith(("expected <block end>", "did not find expected")):
        return lines.line(where), ("the indentation does not line up: indent the keys of one mapping, "
                                   "and the items of one list, by the same number of spaces")
    if context in ("while parsing a flow sequence", "while parsing a flow mapping"):
        bracket, closing, kind = ("[", "]", "list") if "sequence" in context else ("{", "}", "mapping")
        return lines.line(opened), f"the {kind} opened with '{bracket}' is never closed: add the missing '{closing}'"
    if context == "expected a single document in the stream":
        return lines.line(where), "a second document ('---') in the file: keep one document per file"
    message = problem or context or "invalid YAML"
    if problem and context and error.context_mark and error.context_mark is not where:
        message += f" ({context} on line {lines.line(error.context_mark)})"
    return (lines.line(where) if where else None), message


class _Constructor:
    """Turns a composed node tree into plain data, recording lines and problems."""

    def __init__(self, loader: _NodeLoader, document: YamlDocument, lines: _LineMap):
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
