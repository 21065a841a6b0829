"""Distortions of the example project, one at a time, and whether ``check --strict`` catches them (issue 17).

Usage: .venv/bin/python bench/distortions.py [--archive-dir DIR] [--per-kind N] [--verbose]

Each case copies the example project (the repository root's ``briefings.yaml``,
``sources/`` and ``templates/``) into a temporary directory, changes ONE thing
about ONE fact, figure or summary there (a quote's word, a number, a unit, a
date, a source, a speaker, a polarity word …), runs ``check --strict
--archive-dir DIR`` in-process and records whether the check failed and whether
an output line names what was changed: its ``fact '<id>'`` or ``figure
'<label>'``, or a ``path:LINE`` inside it. A distortion is *caught* when both
hold; a harmless edit (a rewording, typographic quotes, "13" as "thirteen",
"£2.3bn" as "£2.3 billion", "5,000" as "5000") must leave the check passing.

The edits are made on the YAML text itself: the file is parsed (``yaml.compose``)
only to find where a fact's field sits, and the exact text at that line is
replaced, so the rest of the file stays byte-identical. Targets are chosen
deterministically: for each kind, the first facts (or figures, or summaries) it
applies to, taken in turn from each topic file (the first of each file, then
the second of each, …) so that several articles are involved. The command
prints, for each kind, caught (or passing, for harmless edits) out of applied,
and which targets were missed; tests/audit/test_distortions.py runs the same
cases one by one.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from click.testing import CliRunner
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from briefings.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
TOPICS = "sources/topics"
PER_KIND = 3
PROJECT_PARTS = ("briefings.yaml", "sources", "templates")
MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December").split("|")
MONTH = "|".join(MONTHS)
#: A number in running text: not part of a word ("600m", "F-16"), nor a date's day ("23 June", "June 23").
NUMBER = re.compile(rf"(?<![\w.,-])(\d+(?:[.,]\d+)*)(?![\w])(?! (?:{MONTH})\b)")
AFTER_MONTH = re.compile(rf"\b(?:{MONTH}) $")
#: A whole number up to 20 standing alone ("13 countries"; not "No 10", "2%", "£2.3bn" or "2 March").
SMALL_NUMBER = re.compile(rf"(?<![\w.,£€$*-])(?<!No )(1?\d|20)(?![\w.,%*-])(?! (?:{MONTH})\b)")
YEAR = re.compile(r"(19|20)\d\d")
NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                "sixteen seventeen eighteen nineteen twenty").split()
NEGATIONS = ((r"\bagreed\b", "refused"), (r"\bconfirmed\b", "denied"), (r"\bsigned\b", "rejected"),
             (r"\bwill\b(?! not)", "will not"), (r"\bwould\b(?! not)", "would not"), (r"\bcan\b", "cannot"))
CONNECTIVES = ((r"\bbut\b", "yet"), (r"\bwhile\b", "whereas"), (r"\band\b", "and also"))


@dataclass(frozen=True)
class Edit:
    """Lines ``line`` to ``line + count - 1`` (1-based) of ``path`` replaced by ``new`` (none: deleted)."""

    path: str
    line: int
    count: int
    new: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    """One distortion (or harmless edit) of one target of the example."""

    kind: str
    harmful: bool
    target: str
    edits: tuple[Edit, ...]
    #: Text that names the target in the check's output ("fact 'id'", "figure 'label'").
    names: tuple[str, ...]
    #: (path, first line, last line) of the target: a ``path:LINE:`` in that range names it too.
    spans: tuple[tuple[str, int, int], ...]

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.target}"


@dataclass(frozen=True)
class Outcome:
    case: Case
    failed: bool
    named: bool
    output: str

    @property
    def caught(self) -> bool:
        return self.failed and self.named

    @property
    def as_expected(self) -> bool:
        return self.caught if self.case.harmful else not self.failed


# -- the example, located -----------------------------------------------------------------------------------------

def child(node: Node | None, key: str) -> Node | None:
    if isinstance(node, MappingNode):
        for name, value in node.value:
            if isinstance(name, ScalarNode) and name.value == key:
                return value
    return None


def key_node(node: Node, key: str) -> ScalarNode | None:
    for name, _ in node.value if isinstance(node, MappingNode) else ():
        if isinstance(name, ScalarNode) and name.value == key:
            return name
    return None


@dataclass(frozen=True)
class Item:
    """A fact, figure or topic summary of one topic file, with its parsed node."""

    path: str
    lines: tuple[str, ...]
    sort: str  # "fact", "figure" or "summary"
    name: str  # the fact's id, the figure's label, the topic's file stem
    node: Node

    @property
    def naming(self) -> tuple[str, ...]:
        return {"fact": (f"fact '{self.name}'",), "figure": (f"figure '{self.name}'",)}.get(self.sort, ())

    @property
    def span(self) -> tuple[str, int, int]:
        return (self.path, self.node.start_mark.line + 1, self.node.end_mark.line + 1)

    def scalar_lines(self, node: Node | None) -> Iterator[tuple[int, int]]:
        """(1-based line, first column) of each line holding ``node``'s text (a block scalar: not its header)."""
        if not isinstance(node, ScalarNode):
            return
        if node.style in (">", "|"):
            for index in range(node.start_mark.line + 1, node.end_mark.line):
                yield index + 1, 0
        else:
            for index in range(node.start_mark.line, node.end_mark.line + 1):
                yield index + 1, node.start_mark.column if index == node.start_mark.line else 0

    def replace_first(self, node: Node | None, pattern: str, replace: Callable[[re.Match[str]], str]) -> Edit | None:
        """An edit replacing the first match of ``pattern`` in ``node``'s text (matched line by line)."""
        if isinstance(node, ScalarNode) and node.style in ("'", '"'):
            return None
        for line, column in self.scalar_lines(node):
            text = self.lines[line - 1]
            found = re.compile(pattern).search(text, column)
            if found:
                return Edit(self.path, line, 1, (text[:found.start()] + replace(found) + text[found.end():],))
        return None

    def case(self, kind: str, harmful: bool, *edits: Edit | None, also: Item | None = None) -> Case | None:
        if not edits or any(edit is None for edit in edits):
            return None
        items = (self,) if also is None else (self, also)
        target = self.name if also is None else f"{self.name} + {also.name}"
        return Case(kind, harmful, target, tuple(e for e in edits if e is not None),
                    tuple(n for item in items for n in item.naming), tuple(item.span for item in items))


def load_items(root: Path) -> list[list[Item]]:
    """Each topic file's summary, facts and figures, in file order."""
    files = []
    for path in sorted((root / TOPICS).glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(root).as_posix()
        lines = tuple(text.split("\n"))
        document = yaml.compose(text)
        items = []
        summary = child(document, "summary")
        if summary is not None:
            items.append(Item(relative, lines, "summary", path.stem, summary))
        for sort, key, name in (("fact", "facts", "id"), ("figure", "figures", "label")):
            listed = child(document, key)
            for node in listed.value if isinstance(listed, SequenceNode) else ():
                items.append(Item(relative, lines, sort, str(getattr(child(node, name), "value", "")), node))
        files.append(items)
    return files


def references(root: Path) -> dict[str, dict]:
    return yaml.safe_load((root / "sources" / "references.yaml").read_text(encoding="utf-8"))


# -- the kinds ----------------------------------------------------------------------------------------------------

def bumped(number: str) -> str:
    """The number with its first digit changed (+1, a 9 becomes 8): "2.5" → "3.5", "5,000" → "6,000"."""
    digit = int(number[0])
    return str(digit + 1 if digit < 9 else 8) + number[1:]


def first_number(item: Item, node: Node | None, change: Callable[[str], str]) -> Edit | None:
    """An edit changing the first number of ``node``'s text that is neither a year nor a date's day."""
    for line, column in item.scalar_lines(node):
        text = item.lines[line - 1]
        for found in NUMBER.finditer(text, column):
            if not YEAR.fullmatch(found.group()) and not AFTER_MONTH.search(text, 0, found.start()):
                return Edit(item.path, line, 1, (text[:found.start()] + change(found.group()) + text[found.end():],))
    return None


def word_changed(item: Item, node: Node | None, shortest: int) -> Edit | None:
    return item.replace_first(node, rf"\b[A-Za-z]{{{shortest},}}\b",
                              lambda found: "Fully" if found.group()[0].isupper() else "fully")


def first_passage(item: Item) -> Node | None:
    evidence = child(item.node, "evidence")
    return evidence.value[0][1] if isinstance(evidence, MappingNode) and evidence.value else None


def flow_sources(item: Item) -> tuple[Node, list[str]] | None:
    node = child(item.node, "sources")
    if isinstance(node, SequenceNode) and node.flow_style and node.start_mark.line == node.end_mark.line:
        return node, [entry.value for entry in node.value]
    return None


def sources_edit(item: Item, node: Node, sources: list[str]) -> Edit:
    text = item.lines[node.start_mark.line]
    new = text[:node.start_mark.column] + "[" + ", ".join(sources) + "]" + text[node.end_mark.column:]
    return Edit(item.path, node.start_mark.line + 1, 1, (new,))


class Kinds:
    """Every kind: a method taking an item (and the project's context) to a case, or None where it does not apply."""

    def __init__(self, root: Path, archive_dir: Path | None, files: list[list[Item]]) -> None:
        self.references = references(root)
        self.archive_dir = archive_dir
        self.speakers = list(dict.fromkeys(
            str(child(child(item.node, "quote"), "speaker").value) for items in files for item in items
            if item.sort == "fact" and child(child(item.node, "quote"), "speaker") is not None))

    # distortions
    def quote_word(self, item: Item) -> Case | None:
        return item.case("quote word changed", True, word_changed(item, child(child(item.node, "quote"), "text"), 4))

    def evidence_word(self, item: Item) -> Case | None:
        return item.case("evidence word changed", True, word_changed(item, first_passage(item), 5))

    def unit_scale(self, item: Item) -> Case | None:
        if item.sort == "fact":
            edit = item.replace_first(child(item.node, "text"), r"([£€$]\d[\d.,]*)(bn|m)\b",
                                      lambda found: found.group(1) + {"bn": "m", "m": "bn"}[found.group(2)])
        elif item.sort == "figure":
            edit = item.replace_first(child(item.node, "unit"), r"£(?=bn|m)|€(?=bn|m)", lambda found: "$")
        else:
            return None
        return item.case("unit or scale changed", True, edit)

    def source_swapped(self, item: Item) -> Case | None:
        located = flow_sources(item)
        evidence = child(item.node, "evidence")
        if item.sort != "fact" or located is None or len(located[1]) != 1 or not isinstance(evidence, MappingNode):
            return None
        node, [source] = located
        archive = self.references.get(source, {}).get("archive")
        others = [name for name, entry in self.references.items() if entry.get("archive") != archive]
        weakest = sorted(others, key=lambda name: str(self.references[name].get("reliability", "F")) != "E")
        if not weakest or key_node(evidence, source) is None:
            return None
        other, key = weakest[0], key_node(evidence, source)
        text = item.lines[key.start_mark.line]
        renamed = Edit(item.path, key.start_mark.line + 1, 1,
                       (text[:key.start_mark.column] + other + text[key.end_mark.column:],))
        return item.case("only source swapped", True, sources_edit(item, node, [other]), renamed)

    def fact_number(self, item: Item) -> Case | None:
        return item.case("number changed in a fact", True, first_number(item, child(item.node, "text"), bumped)) \
            if item.sort == "fact" else None

    def figure_number(self, item: Item) -> Case | None:
        return item.case("number changed in a figure", True, first_number(item, child(item.node, "value"), bumped)) \
            if item.sort == "figure" else None

    def quote_source(self, item: Item) -> Case | None:
        located = flow_sources(item)
        if item.sort != "fact" or child(item.node, "quote") is None or located is None or len(located[1]) < 2:
            return None
        node, sources = located
        return item.case("quote cited to another source", True, sources_edit(item, node, [*sources[1:], sources[0]]))

    def date_changed(self, item: Item) -> Case | None:
        node = child(item.node, "date")
        if item.sort != "fact" or not isinstance(node, ScalarNode):
            return None
        old = datetime.date.fromisoformat(node.value)
        new = old - datetime.timedelta(days=3)
        edits = [item.replace_first(node, re.escape(node.value), lambda found: new.isoformat())]
        for pattern, written in ((f"\\b{old.day} {MONTHS[old.month - 1]}\\b", f"{new.day} {MONTHS[new.month - 1]}"),
                                 (f"\\b{MONTHS[old.month - 1]} {old.day}\\b", f"{MONTHS[new.month - 1]} {new.day}")):
            in_text = item.replace_first(child(item.node, "text"), pattern, lambda found, written=written: written)
            if in_text is not None:
                edits.append(in_text)
        return item.case("date changed (text and date:)", True, *edits)

    def wrong_speaker(self, item: Item) -> Case | None:
        quote = child(item.node, "quote")
        speaker = child(quote, "speaker")
        if item.sort != "fact" or not isinstance(speaker, ScalarNode):
            return None
        surname = speaker.value.split(",")[0].split()[-1]
        named = [s for s in self.speakers if not re.match(r"(?i)an? ", s) and surname not in s.split(",")[0]]
        after = [s for s in named if self.speakers.index(s) > self.speakers.index(speaker.value)] or named
        edits = [item.replace_first(speaker, re.escape(speaker.value), lambda found: after[0])]
        aliases = child(quote, "speaker_aliases")
        if aliases is not None:
            if aliases.start_mark.line != aliases.end_mark.line:
                return None
            edits.append(Edit(item.path, aliases.start_mark.line + 1, 1, ()))
        return item.case("quote given to another speaker", True, *edits)

    def negated(self, item: Item) -> Case | None:
        if item.sort != "fact" or first_passage(item) is None:
            return None
        for line, column in item.scalar_lines(child(item.node, "text")):
            hits = [(found.start(), found, word) for pattern, word in NEGATIONS
                    for found in [re.compile(pattern).search(item.lines[line - 1], column)] if found]
            if hits:
                _, found, word = min(hits, key=lambda hit: hit[0])
                text = item.lines[line - 1]
                return item.case("claim negated", True, Edit(item.path, line, 1,
                                                            (text[:found.start()] + word + text[found.end():],)))
        return None

    def summary_number(self, item: Item) -> Case | None:
        return item.case("number changed in a summary", True, first_number(item, item.node, bumped)) \
            if item.sort == "summary" else None

    def summary_date(self, item: Item) -> Case | None:
        if item.sort != "summary":
            return None
        month = "|".join(MONTHS)

        def moved(found: re.Match[str]) -> str:  # two days later: a day of the same month the facts do not give
            return f"{int(found.group(1)) + 2} {found.group(2)}"

        return item.case("date changed in a summary", True,
                         item.replace_first(item.node, rf"\b([12]?[0-9]) ({month})\b", moved))

    def figure_as_date(self, item: Item) -> Case | None:
        value = child(item.node, "value")
        located = flow_sources(item)
        if item.sort != "figure" or not isinstance(value, ScalarNode) or value.tag.endswith(":str") \
                or located is None or self.archive_dir is None:
            return None
        days = set()
        for source in located[1]:
            archive = self.archive_dir / str(self.references.get(source, {}).get("archive", ""))
            text = archive.read_text(encoding="utf-8", errors="replace") if archive.is_file() else ""
            month = "|".join(MONTHS)
            days.update(int(next(day for day in found.groups() if day)) for found in re.finditer(
                rf"\b(\d{{1,2}}) (?:{month})\b|\b(?:{month}) (\d{{1,2}})\b|\b\d{{4}}-\d\d-(\d\d)\b", text))
        number = float(value.value)
        days.discard(number)
        if not days:
            return None
        day = min(days, key=lambda candidate: (abs(candidate - number), -candidate))
        return item.case("figure changed to a date's number", True,
                         item.replace_first(value, re.escape(value.value), lambda found: str(day)))

    # harmless edits
    def sentences_swapped(self, item: Item) -> Case | None:
        text = child(item.node, "text")
        if item.sort != "fact" or not isinstance(text, ScalarNode) or text.style != ">":
            return None
        lines = list(item.scalar_lines(text))
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.value)
        if len(sentences) < 2 or not lines:
            return None
        indent = re.match(r"\s*", item.lines[lines[0][0] - 1]).group()
        body = " ".join([sentences[1], sentences[0], *sentences[2:]])
        wrapped = tuple(textwrap.wrap(body, width=79, initial_indent=indent, subsequent_indent=indent,
                                      break_on_hyphens=False, break_long_words=False))
        return item.case("harmless: two sentences swapped", False, Edit(item.path, lines[0][0], len(lines), wrapped))

    def connective(self, item: Item) -> Case | None:
        if item.sort != "fact":
            return None
        for pattern, word in CONNECTIVES:
            edit = item.replace_first(child(item.node, "text"), pattern, lambda found, word=word: word)
            if edit is not None:
                return item.case("harmless: a connective replaced", False, edit)
        return None

    def typographic_quotes(self, item: Item) -> Case | None:
        if item.sort != "fact":
            return None
        edit = item.replace_first(child(child(item.node, "quote"), "text"), "'", lambda found: "\u2019")
        if edit is not None:
            return item.case("harmless: typographic quotes", False, edit)
        passage = first_passage(item)
        edits, opening = [], True
        for line, column in item.scalar_lines(passage):
            text = item.lines[line - 1]
            if '"' not in text[column:]:
                continue
            parts = text[column:].split('"')
            rebuilt = parts[0]
            for part in parts[1:]:
                rebuilt += ("\u201c" if opening else "\u201d") + part
                opening = not opening
            edits.append(Edit(item.path, line, 1, (text[:column] + rebuilt,)))
        return item.case("harmless: typographic quotes", False, *edits) if edits and opening else None

    def number_words(self, item: Item) -> Case | None:
        if item.sort not in ("fact", "summary"):
            return None
        for line, column in item.scalar_lines(child(item.node, "text") if item.sort == "fact" else item.node):
            text = item.lines[line - 1]
            for found in SMALL_NUMBER.finditer(text, column):
                if not AFTER_MONTH.search(text, 0, found.start()):
                    written = text[:found.start()] + NUMBER_WORDS[int(found.group())] + text[found.end():]
                    return item.case("harmless: a number ≤ 20 in words", False, Edit(item.path, line, 1, (written,)))
        return None

    def scale_words(self, item: Item) -> Case | None:
        if item.sort not in ("fact", "summary"):
            return None
        node = child(item.node, "text") if item.sort == "fact" else item.node
        edit = item.replace_first(node, r"([£€$]\d[\d.,]*)(bn|m)\b",
                                  lambda found: found.group(1) + {"bn": " billion", "m": " million"}[found.group(2)])
        return item.case("harmless: £2.3bn as £2.3 billion", False, edit)

    def thousands(self, item: Item) -> Case | None:
        node = {"fact": child(item.node, "text"), "figure": child(item.node, "value")}.get(item.sort, item.node)
        edit = item.replace_first(node, r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])",
                                  lambda found: found.group().replace(",", ""))
        return item.case("harmless: 5,000 as 5000", False, edit)

    ORDER = ("quote_word", "evidence_word", "unit_scale", "source_swapped", "fact_number", "figure_number",
             "quote_source", "date_changed", "wrong_speaker", "negated", "summary_number", "summary_date",
             "figure_as_date",
             "sentences_swapped", "connective", "typographic_quotes", "number_words", "scale_words", "thousands")


def swapped_figures(items: list[Item]) -> list[Case]:
    """Two figures of one file with the same unit and different values, their values exchanged (pairs in order)."""
    by_unit: dict[str, list[Item]] = {}
    for item in items:
        value = child(item.node, "value")
        if item.sort == "figure" and isinstance(value, ScalarNode) and value.start_mark.line == value.end_mark.line:
            by_unit.setdefault(str(getattr(child(item.node, "unit"), "value", "")), []).append(item)
    cases = []
    for group in by_unit.values():
        for first, second in zip(group[::2], group[1::2], strict=False):
            one, two = child(first.node, "value"), child(second.node, "value")
            if one.value == two.value:
                continue

            def put(item: Item, node: Node, other: Node) -> Edit:
                text = item.lines[node.start_mark.line]
                source = item.lines[other.start_mark.line][other.start_mark.column:other.end_mark.column]
                return Edit(item.path, node.start_mark.line + 1, 1,
                            (text[:node.start_mark.column] + source + text[node.end_mark.column:],))
            case = first.case("two figures' values swapped", True, put(first, one, two), put(second, two, one),
                              also=second)
            if case is not None:
                cases.append(case)
    return cases


def round_robin(per_file: list[list[Case]], count: int) -> list[Case]:
    """The first of each file's cases, then the second of each, … (at most ``count``)."""
    chosen = [case for row in itertools.zip_longest(*per_file) for case in row if case is not None]
    return chosen[:count]


def cases(root: Path = ROOT, archive_dir: Path | None = SEEDS, per_kind: int = PER_KIND) -> list[Case]:
    """Every case, kind by kind in the table's order (the figure-as-date kind needs the archived articles)."""
    files = load_items(root)
    kinds = Kinds(root, archive_dir if archive_dir is not None and archive_dir.is_dir() else None, files)
    chosen: list[Case] = []
    for name in Kinds.ORDER:
        method = getattr(kinds, name)
        chosen += round_robin([[case for item in items if (case := method(item)) is not None] for items in files],
                              per_kind)
        if name == "figure_number":
            chosen += round_robin([swapped_figures(items) for items in files], per_kind)
    return chosen


# -- running a case -----------------------------------------------------------------------------------------------

def copy_project(destination: Path, root: Path = ROOT) -> Path:
    """The example project (settings, sources, templates; not output/ or .venv) copied to ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_PARTS:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        elif source.is_file():
            shutil.copy(source, destination / name)
    return destination


def apply(project: Path, case: Case) -> dict[Path, bytes]:
    """Make the case's edits in the copy at ``project``; returns the files' bytes before, to restore them."""
    before: dict[Path, bytes] = {}
    for path in sorted({edit.path for edit in case.edits}):
        file = project / path
        before[file] = file.read_bytes()
        lines = before[file].decode("utf-8").split("\n")
        for edit in sorted((e for e in case.edits if e.path == path), key=lambda e: e.line, reverse=True):
            lines[edit.line - 1:edit.line - 1 + edit.count] = list(edit.new)
        file.write_bytes("\n".join(lines).encode("utf-8"))
    return before


def names_target(case: Case, output: str) -> bool:
    for line in output.splitlines():
        if any(name in line for name in case.names):
            return True
        for path, first, last in case.spans:
            found = re.match(rf"{re.escape(path)}:(\d+):", line)
            if found and first <= int(found.group(1)) <= last:
                return True
    return False


def check(project: Path, archive_dir: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--project", str(project), "--strict",
                                       "--archive-dir", str(archive_dir)])
    return result.exit_code, result.output


def run(case: Case, project: Path, archive_dir: Path = SEEDS) -> Outcome:
    """The case applied to the copy at ``project``, checked, and the copy restored."""
    before = apply(project, case)
    try:
        code, output = check(project, archive_dir)
    finally:
        for file, content in before.items():
            file.write_bytes(content)
    return Outcome(case, code != 0, names_target(case, output), output)


def table(outcomes: list[Outcome]) -> list[str]:
    lines = ["| kind | caught / applied (harmless: passing / applied) | missed |", "| --- | --- | --- |"]
    for kind, group in itertools.groupby(outcomes, key=lambda outcome: outcome.case.kind):
        group = list(group)
        good = [outcome for outcome in group if outcome.as_expected]
        missed = ", ".join(outcome.case.target + ("" if outcome.case.harmful or not outcome.failed else " (fails)")
                           + (" (fails, fact not named)" if outcome.case.harmful and outcome.failed
                              and not outcome.named else "")
                           for outcome in group if not outcome.as_expected)
        lines.append(f"| {kind} | {len(good)}/{len(group)} | {missed or '—'} |")
    return lines


def machine() -> str:
    memory = ""
    if Path("/proc/meminfo").is_file():
        total = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {round(total / 1024 ** 2)} GiB"
    return f"{os.cpu_count()} cores, {platform.machine()}{memory}; Python {platform.python_version()}"


def main_command(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--archive-dir", type=Path, default=SEEDS, help="the five articles (default ../shared/seeds)")
    parser.add_argument("--per-kind", type=int, default=PER_KIND, help="targets per kind (default 3)")
    parser.add_argument("--verbose", action="store_true", help="print each unexpected outcome's check output")
    arguments = parser.parse_args(argv)
    if not arguments.archive_dir.is_dir():
        print(f"no archived articles at {arguments.archive_dir}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        project = copy_project(Path(scratch) / "example")
        code, output = check(project, arguments.archive_dir)
        if code != 0:
            print(f"the example itself fails check --strict:\n{output}", file=sys.stderr)
            return 2
        outcomes = [run(case, project, arguments.archive_dir)
                    for case in cases(ROOT, arguments.archive_dir, arguments.per_kind)]
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                         check=False)
    commit = git.stdout.strip() or "unknown"
    print(f"Distortions of the example, check --strict --archive-dir: measured {datetime.date.today().isoformat()} "
          f"at commit {commit} on {machine()}")
    print("A distortion is caught when check --strict fails and an output line names the fact or figure (its id or "
          "label, or a path:LINE inside it); a harmless edit must leave the check passing.")
    print()
    print("\n".join(table(outcomes)))
    if arguments.verbose:
        for outcome in outcomes:
            if not outcome.as_expected:
                print(f"\n## {outcome.case.id} (failed={outcome.failed}, named={outcome.named})\n{outcome.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main_command())
