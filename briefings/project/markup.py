"""The Markdown that curators may write, and the check that they wrote only that.

Contract: fact text and topic summaries are Markdown of a documented subset;
every other curated string (titles, outlets, speakers, quotes, notes,
section names, figure labels) is plain text, shown exactly as written.
:func:`check_markdown` returns one message per construct outside the subset
(empty when the text is fine), so the loader can report each at its
``path:LINE``. The subset:

* in fact text (one paragraph): ``*emphasis*``, ``**strong**``, ```code```,
  links ``[text](https://…)`` or ``[text](mailto:…)`` and ``<https://…>``,
  backslash escapes, HTML character entities, and line breaks;
* in a fact's headline: the same on one line, without links (the timeline
  links the headline to its fact) and without unescaped square brackets;
* in summaries, in addition: several paragraphs and bulleted or numbered
  lists, nested at most :data:`MAX_LIST_DEPTH` deep.

Everything else is refused rather than passed through, because a curator's
text must not be able to forge what the document asserts or reach outside
it: raw HTML (classes that borrow the classification banner's look, event
handlers), images (a remote image is a tracking beacon; a local one reads a
file), footnote markers (a citation the tool did not make), link reference
definitions, links to anything but ``http(s)``/``mailto``, headings, block
quotes, code blocks, tables and rules. The check is bounded: texts longer
than :data:`MAX_TEXT_CHARS`, or nested deeper than python-markdown can parse
in reasonable time, are refused with a message instead of being parsed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Literal

import markdown
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.treeprocessors import Treeprocessor
from markdown.util import Registry

MAX_TEXT_CHARS = 20_000
MAX_LIST_DEPTH = 3
#: Deeper bracket nesting makes python-markdown's link parsing take seconds.
MAX_BRACKET_DEPTH = 8
#: Longer runs of emphasis markers are never intended and make python-markdown recurse.
MAX_EMPHASIS_RUN = 3

Kind = Literal["fact", "summary", "headline"]

_INLINE_TAGS = frozenset({"em", "strong", "code", "a", "br"})
_BLOCK_TAGS = frozenset({"p", "ul", "ol", "li"})
_LINK_TARGET = re.compile(r"^(?:https?://[^\s]+|mailto:[^\s]+)$", re.IGNORECASE)
_ENTITY = re.compile(r"^&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});$")
_BARE_BRACKET = re.compile(r"(?<!\\)[\[\]]")
_EMPHASIS_RUN = re.compile(rf"(?<!\\)(?:\*{{{MAX_EMPHASIS_RUN + 1},}}|_{{{MAX_EMPHASIS_RUN + 1},}})")

_REFUSED_TAGS = {
    "img": "images are not allowed (they would be fetched whenever the briefing is opened)",
    "blockquote": "block quotes ('>' at the start of a line) are not allowed: put quotations in the fact's quote",
    "pre": "code blocks (lines indented by four spaces, or ``` fences) are not allowed",
    "hr": "horizontal rules ('---' alone on a line) are not allowed",
    "table": "tables are not allowed",
}


class _Capture(Treeprocessor):
    """Keeps the element tree after inline processing, for inspection."""

    root: etree.Element | None = None

    def run(self, root: etree.Element) -> None:
        self.root = root


class _Checker:
    def __init__(self) -> None:
        # The extensions themselves, not their names: python-markdown looks a name up among the entry points of
        # every installed distribution first (tens of milliseconds of every command that loads a project).
        self.converter = markdown.Markdown(extensions=[TableExtension(), SaneListExtension()], output_format="html")
        self.capture = _Capture(self.converter)
        self.converter.treeprocessors.register(self.capture, "briefings-capture", 0)
        # The check reads the tree, the stash and the references, never the HTML: the postprocessors, which
        # put the stashed HTML back into it, need not run (and each run of python-markdown's left a reference
        # cycle behind, garbage that piled up while a large project was read with the collector paused).
        self.converter.postprocessors = Registry()

    def check(self, text: str, kind: Kind) -> list[str]:
        problems = _check_source(text, kind)
        if problems:
            return problems
        self.converter.reset()
        self.capture.root = None
        try:
            self.converter.convert(text)
        except RecursionError:
            return ["the Markdown is nested too deeply to be read"]
        for raw in self.converter.htmlStash.rawHtmlBlocks:
            raw = str(raw)
            if not _ENTITY.match(raw.strip()):
                return [f"raw HTML is not allowed ({_excerpt(raw)}): use Markdown *emphasis* and [links](https://…)"]
        if self.converter.references:  # type: ignore[attr-defined]
            return ["link reference definitions ('[name]: url' lines) are not allowed: "
                    "write the link inline as [text](https://…)"]
        root = self.capture.root
        return _check_tree(root, kind) if root is not None else []


_checker: _Checker | None = None


def check_markdown(text: str, kind: Kind) -> list[str]:
    """What is wrong with curated Markdown ``text`` for a field of ``kind`` (empty if nothing)."""
    global _checker
    if _checker is None:
        _checker = _Checker()
    return _checker.check(text, kind)


def _check_source(text: str, kind: Kind) -> list[str]:
    if len(text) > MAX_TEXT_CHARS:
        return [f"text is longer than {MAX_TEXT_CHARS:,} characters"]
    if "[^" in text:
        return ["footnote markers ('[^…]') are not allowed: a fact cites its documents through its sources"]
    depth = deepest = 0
    escaped = False
    for character in text:
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif character == "]":
            depth = max(depth - 1, 0)
    if deepest > MAX_BRACKET_DEPTH:
        return [f"square brackets are nested {deepest} deep (at most {MAX_BRACKET_DEPTH})"]
    if kind == "headline" and _BARE_BRACKET.search(text):
        return ["square brackets in a headline are written \\[ and \\] (links are not allowed: "
                "the timeline links the headline to its fact)"]
    if _EMPHASIS_RUN.search(text):
        return [f"more than {MAX_EMPHASIS_RUN} emphasis markers in a row ('****'): escape them as \\*"]
    return []


def _check_tree(root: etree.Element, kind: Kind) -> list[str]:
    problems: list[str] = []
    top = list(root)
    if kind in ("fact", "headline") and (len(top) > 1 or any(child.tag != "p" for child in top)):
        if any(child.tag in ("ul", "ol") for child in top):
            problems.append("lists are allowed in summaries, not in fact text: a fact is one statement")
        elif len(top) > 1 and all(child.tag == "p" for child in top):
            problems.append("a fact is one paragraph: remove the blank line or make it two facts")
    allowed = _INLINE_TAGS | (_BLOCK_TAGS if kind == "summary" else {"p"})
    if kind == "headline":
        allowed = allowed - {"a", "br"}
    _walk(root, allowed, 0, problems)
    return list(dict.fromkeys(problems))


def _walk(element: etree.Element, allowed: frozenset[str] | set[str], list_depth: int, problems: list[str]) -> None:
    for child in element:
        tag = child.tag
        depth = list_depth + 1 if tag in ("ul", "ol") else list_depth
        if tag in _REFUSED_TAGS:
            problems.append(_REFUSED_TAGS[tag])
            continue
        if re.fullmatch(r"h[1-6]", str(tag)):
            problems.append("headings (a line starting with '#') are not allowed: escape the '#' as \\#")
        elif tag == "a" and "a" not in allowed:
            problems.append("links are not allowed in a headline: the timeline links the headline to its fact")
        elif tag not in allowed:
            if tag not in ("ul", "ol", "li"):  # lists in fact text are reported once, above
                problems.append(f"<{tag}> is not allowed here")
        elif tag == "a":
            target = child.get("href", "")
            if not _LINK_TARGET.match(target):
                problems.append(f"link target '{_excerpt(target)}' is not allowed: "
                                "links must be https://, http:// or mailto: addresses")
        if depth > MAX_LIST_DEPTH:
            problems.append(f"lists are nested more than {MAX_LIST_DEPTH} deep")
            continue
        _walk(child, allowed, depth, problems)


def _excerpt(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
