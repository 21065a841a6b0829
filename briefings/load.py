"""Stage 1: read YAML files safely, keeping the line of every value.

Contract: :func:`load_yaml` reads one file and returns a :class:`YamlDocument`:
the plain Python data (dicts, lists, str, int, float, bool, None,
:class:`datetime.date`) plus a map from each value's *location* (the tuple of
keys and list indexes that reaches it, as pydantic reports it in ``loc``) to
the 1-based line where it stands. Problems are collected, never raised one by
one: a file that is not UTF-8, YAML that does not parse, a duplicate key in a
mapping (PyYAML keeps the last one silently; we reject it) or an impossible
date all come back in :attr:`YamlDocument.problems`. Only the safe subset of
YAML is constructed: tags that would build Python objects are errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, relative_path

Location = tuple[str | int, ...]


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


class _NodeLoader(yaml.SafeLoader):
    """SafeLoader used only to compose nodes and construct scalar values."""


def load_yaml(path: Path, root: Path) -> YamlDocument:
    """Load ``path`` (reported relative to ``root``) without raising on bad input."""
    document = YamlDocument(path=path, display_path=relative_path(path, root))
    try:
        raw = path.read_bytes()
    except OSError as error:
        document.problems.append(Problem(document.display_path, None, f"cannot read file: {error.strerror}"))
        return document
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

    loader = _NodeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        # PyYAML may place "end of stream" one line past the last one.
        error_line = min(mark.line + 1, text.count("\n") + 1) if mark else None
        message = error.problem or error.context or "invalid YAML"
        if error.problem and error.context and error.context_mark and error.context_mark is not mark:
            message += f" ({error.context} on line {error.context_mark.line + 1})"
        document.problems.append(Problem(document.display_path, error_line, f"YAML syntax error: {message}"))
        return document
    except yaml.YAMLError as error:
        document.problems.append(Problem(document.display_path, None, f"YAML error: {error}"))
        return document
    finally:
        loader.dispose()

    if node is not None:
        document.data = _Constructor(loader, document).construct(node, ())
    return document


class _Constructor:
    """Turns a composed node tree into plain data, recording lines and problems."""

    def __init__(self, loader: _NodeLoader, document: YamlDocument):
        self.loader = loader
        self.document = document

    def construct(self, node: yaml.Node, location: Location) -> Any:
        self.document.lines.setdefault(location, node.start_mark.line + 1)
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
        if value is _REJECTED:
            self.document.rejected.add(location)
            return None
        return value

    def _mapping(self, node: yaml.MappingNode, location: Location, *, merged: bool = False) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merges.append(value_node)
                continue
            key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or key is _REJECTED or isinstance(key, (list, dict)):
                self._report(key_node, "mapping keys must be plain values")
                continue
            line = key_node.start_mark.line + 1
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
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as error:
            message = f"unsupported YAML value: {error.problem}"
        except ValueError:
            # The timestamp resolver matched the shape of a date, but the
            # calendar rejects it (2025-02-30).
            message = f"invalid date '{node.value}'"
        # PyYAML leaves a failed node marked as under construction; unmark it
        # so that an alias to the same node is reported the same way.
        self.loader.recursive_objects.pop(node, None)
        self._report(node, message)
        return _REJECTED

    def _report(self, node: yaml.Node, message: str) -> None:
        problem = Problem(self.document.display_path, node.start_mark.line + 1, message)
        if problem not in self.document.problems:  # a node reached again through an alias
            self.document.problems.append(problem)
