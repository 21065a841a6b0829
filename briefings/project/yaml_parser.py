"""Stage 1, parsing: YAML text to a node tree, within bounds, with the real line of every node.

Contract: :func:`parse_with_libyaml` composes a file's text with libyaml
(PyYAML's C parser) under PyYAML's Python composer, and keeps the result only
when libyaml reads the file exactly as PyYAML's pure-Python parser does;
:class:`NodeLoader` is that pure-Python parser, the reference, whose errors
:func:`explain_syntax_error` words for the user. Both refuse, while composing
(:class:`Refused`), nesting deeper than :data:`MAX_NESTING` lists and
mappings and aliases that refer to their own container, and both measure how
far aliases expand the file (:meth:`NodeLoader.alias_bomb`: more than
:data:`ALIAS_EXPANSION_FACTOR` times its distinct values plus
:data:`ALIAS_EXPANSION_ALLOWANCE` is an alias bomb), so that nothing is
built from a hostile file and composing takes time proportional to its size.
:class:`LineMap` turns PyYAML's line numbers into the ones an editor shows.

Turning the nodes into data, with the location of every value and the checks
on each value, is :mod:`briefings.project.yaml`'s job.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

import yaml

#: Lists and mappings nested deeper than this are refused (the schema needs about 6).
MAX_NESTING = 50
#: Aliases may expand a file to at most this many times its distinct values ...
ALIAS_EXPANSION_FACTOR = 10
#: ... plus this many.
ALIAS_EXPANSION_ALLOWANCE = 10_000

_REAL_BREAK = re.compile("\r\n|[\r\n]")
_SEPARATORS = "\x85\u2028\u2029"  # line breaks to PyYAML, not to anyone reading the file
# What libyaml's parser reads differently from PyYAML's without an error: it
# accepts a tab in places PyYAML refuses it, skips a byte-order mark at the
# start of any line and accepts a comment straight after a block scalar's
# indicator (">#"). Files holding any of these are parsed in Python. Found by
# tests/project/test_yaml_libyaml.py; see also _LibyamlEvents.compose_node.
_LIBYAML_DIFFERS = re.compile("[\t\ufeff]|[|>][-+0-9]*#")
TOO_DEEP = f"nested too deeply: more than {MAX_NESTING} levels of lists and mappings"


class Refused(Exception):
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
                raise Refused("an alias refers to the value that contains it: recursive data is not allowed",
                              event.start_mark)
            size, levels = self._extent[node]
            if self._open_collections + levels > MAX_NESTING:
                raise Refused(TOO_DEEP, event.start_mark)
            self._expanded += size
            self._aliases.append((self._expanded, event.start_mark))
            return node
        is_collection = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
        if is_collection:
            if self._open_collections == MAX_NESTING:
                raise Refused(TOO_DEEP, event.start_mark)
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


class NodeLoader(_Bounded, yaml.SafeLoader):
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
        """:class:`NodeLoader`'s work with libyaml's parser: several times faster."""

    _FAST_LOADER: type | None = _LibyamlNodeLoader
else:  # a PyYAML built without libyaml: everything is parsed in Python
    _FAST_LOADER = None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [child for pair in node.value for child in pair]
    return list(node.value)


class LineMap:
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


def line_at(text: str, position: int) -> int:
    """The real 1-based line of the character at ``position`` in ``text``."""
    return len(_REAL_BREAK.findall(text, 0, position)) + 1


def parse_with_libyaml(text: str) -> tuple[Any, yaml.Node | None]:
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
    except (yaml.YAMLError, Refused, _Unlike, RecursionError):
        pass
    loader.dispose()
    return None, None


def explain_syntax_error(error: yaml.MarkedYAMLError, text: str, lines: LineMap) -> tuple[int | None, str]:
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


