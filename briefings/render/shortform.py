"""The short form of a fact's text, for the timeline of a fact without a headline.

Contract: :func:`short_form` gives the first sentence of a fact's text (the
documented Markdown subset, already checked), cut at a word boundary to at
most :data:`SHORT_FORM_CHARS` characters of reading text with "…" when the
sentence is longer. It is deterministic and never cuts inside markup: the
text is converted with python-markdown, the inline elements read back as a
tree (emphasis, strong, code; links become their words, because the timeline
entry is itself a link to the fact; line breaks become spaces), the tree is
cut, and written again as Markdown with every element closed and all text
escaped. A code span is never cut in two. What comes out is checked as a
headline (:func:`briefings.project.markup.check_markdown`); in the unlikely
case it would not pass, the same words are given as escaped plain text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import markdown

from briefings.project.markup import check_markdown
from briefings.render.filters import escape_markdown

#: The longest short form, in characters of reading text (before the "…").
SHORT_FORM_CHARS = 110

#: Words whose full stop does not end a sentence (titles, initials are handled apart).
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "st", "sr", "jr", "prof", "gen", "lt", "col", "maj", "capt", "cpt", "sgt", "adm",
    "rev", "hon", "gov", "sen", "rep", "pres", "no", "nos", "vs", "v", "etc", "e.g", "i.e", "cf", "approx", "fig",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n",
    "inc", "ltd", "co", "corp", "bn", "m", "mn",
})
_SENTENCE_END = re.compile(r"[.!?][”’\"')\]]*(?=\s+[“‘\"'(\[]?[A-Z0-9À-ÖØ-Þ])")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")


@dataclass
class _Node:
    """An inline element ("p", "em", "strong", "code") and its children: text or nodes."""

    tag: str
    children: list[_Node | str] = field(default_factory=list)


class _Reader(HTMLParser):
    """Reads python-markdown's HTML of one paragraph back into :class:`_Node` trees."""

    _KEPT = frozenset({"em", "strong", "code"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("p")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._KEPT:
            node = _Node(tag)
            self.stack[-1].children.append(node)
            self.stack.append(node)
        elif tag == "br":
            self.stack[-1].children.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._KEPT and len(self.stack) > 1 and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _leaves(node: _Node, in_code: bool = False, marked: bool = False) -> list[tuple[str, bool, bool]]:
    """The texts of the tree in reading order, each with whether it is code and whether it is inside markup."""
    found: list[tuple[str, bool, bool]] = []
    for child in node.children:
        if isinstance(child, str):
            found.append((child, in_code, marked))
        else:
            found.extend(_leaves(child, in_code or child.tag == "code", True))
    return found


def _sentence_end(plain: str, code: list[bool]) -> int:
    """Where the first sentence of ``plain`` ends (its length when it is one sentence)."""
    for match in _SENTENCE_END.finditer(plain):
        stop = match.start()
        if code[stop] or " " not in plain[:stop]:
            continue  # inside code, or a lone word ("1.") is not a sentence
        word = _WORD_BEFORE.search(plain[: stop + 1])
        if plain[stop] == "." and word is not None:
            before = word.group(1).lower()
            if before in _ABBREVIATIONS or (len(before) == 1 and before.isalpha()):
                continue
        return match.end()
    return len(plain)


def _cut_point(plain: str, code: list[bool], marked: list[bool], end: int, limit: int) -> tuple[int, bool]:
    """How many characters of ``plain`` to keep, and whether that cuts the sentence short.

    The cut is at the last space within ``limit``: outside emphasis when one is in the second half (so that
    "**5% of GDP**" is kept whole or left out), else outside code at least."""
    if end <= limit:
        return end, False
    spaces = [index for index in range(1, limit + 1) if plain[index].isspace() and not code[index]]
    clear = [index for index in spaces if not marked[index] and index >= limit // 2]
    if clear or spaces:
        keep = (clear or spaces)[-1]
    else:
        # One word (or code span) longer than the limit: cut it, outside code if it can be.
        keep = limit
        while keep > 0 and code[keep] and code[keep - 1]:
            keep -= 1
        keep = keep or limit
    while keep > 0 and (plain[keep - 1].isspace() or plain[keep - 1] in ",;:–—-([“‘"):
        keep -= 1
    return (keep or limit), True


def _truncated(node: _Node, budget: list[int]) -> _Node | None:
    """A copy of ``node`` holding its first ``budget[0]`` characters (None when it would be empty)."""
    copy = _Node(node.tag)
    for child in node.children:
        if budget[0] <= 0:
            break
        if isinstance(child, str):
            copy.children.append(child[: budget[0]])
            budget[0] -= len(child)
        else:
            inner = _truncated(child, budget)
            if inner is not None:
                copy.children.append(inner)
    return copy if copy.children else None


def _escape(text: str) -> str:
    return escape_markdown(text).replace("&", "&amp;")


def _write(node: _Node) -> str:
    if node.tag == "code":
        content = "".join(child for child in node.children if isinstance(child, str))
        fence = "`" * (max((len(run) for run in re.findall(r"`+", content)), default=0) + 1)
        padding = " " if content.startswith("`") or content.endswith("`") else ""
        return f"{fence}{padding}{content}{padding}{fence}"
    inner = "".join(_escape(child) if isinstance(child, str) else _write(child) for child in node.children)
    if node.tag in ("em", "strong") and inner.strip() != inner:
        # Emphasis must not open or close on a space: keep the space outside.
        stripped = inner.strip()
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()):]
        mark = "*" if node.tag == "em" else "**"
        return f"{lead}{mark}{stripped}{mark}{trail}" if stripped else inner
    return {"em": "*{}*", "strong": "**{}**"}.get(node.tag, "{}").format(inner)


@functools.lru_cache(maxsize=4096)
def short_form(text: str, limit: int = SHORT_FORM_CHARS) -> str:
    """The first sentence of fact ``text``, cut to ``limit`` characters at a word boundary (see the module)."""
    reader = _Reader()
    reader.feed(_to_html(text))
    reader.close()
    # Whitespace as a reader sees it: runs of it are one space.
    normalised = _normalise(reader.root, [True])
    leaves = _leaves(normalised)
    plain = "".join(leaf for leaf, _, _ in leaves).strip()
    code = [flag for leaf, flag, _ in leaves for _ in leaf] + [False]
    marked = [flag for leaf, _, flag in leaves for _ in leaf] + [False]
    end = _sentence_end(plain, code)
    keep, cut = _cut_point(plain, code, marked, end, limit)
    kept = _truncated(normalised, [keep])
    written = _write(kept).strip() if kept else ""
    if cut:
        written += "…"
    written = _not_a_list(written)
    if not written or check_markdown(written, "headline"):
        written = _not_a_list(_escape(plain[:keep].strip()) + ("…" if cut else ""))
    return written


# One converter per process, reset between texts: building one cost more than converting a fact's text
# (issue 21), and reset() leaves nothing of the last text behind. It is taken while in use and put back only
# after a clean conversion, so a failed one never leaves its state to the next text, and a second thread
# simply builds its own.
_spare_converter: markdown.Markdown | None = None


def _to_html(text: str) -> str:
    """``markdown.markdown(text, output_format="html")``, with a converter reused from text to text."""
    global _spare_converter
    converter, _spare_converter = _spare_converter or markdown.Markdown(output_format="html"), None
    html = converter.reset().convert(text)
    _spare_converter = converter
    return html


def _not_a_list(text: str) -> str:
    """A short form that would read as a list item ("1. …", "- …") keeps its marker as text."""
    text = re.sub(r"^(\d+)([.)])(?=\s|$)", r"\1\\\2", text)
    return re.sub(r"^([-+])(?=\s|$)", r"\\\1", text)


def _normalise(node: _Node, after_space: list[bool]) -> _Node:
    """``node`` with runs of whitespace made one space and leading whitespace dropped (code kept as written)."""
    copy = _Node(node.tag)
    for child in node.children:
        if isinstance(child, str):
            text = child if node.tag == "code" else re.sub(r"\s+", " ", child)
            if after_space[0] and text.startswith(" ") and node.tag != "code":
                text = text[1:]
            if text:
                copy.children.append(text)
                after_space[0] = text.endswith(" ")
        else:
            copy.children.append(_normalise(child, after_space))
    return copy
