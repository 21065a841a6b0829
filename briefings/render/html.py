"""Markdown → sanitised HTML body → standalone HTML document.

Contract: :func:`markdown_to_html` converts a briefing's Markdown body with
python-markdown (tables, heading ids, typographic quotes) plus this module's
citation extension, and passes the result through the nh3 sanitiser.
Citations arrive already numbered in reading order (see
:mod:`briefings.render.environment`): ``[^3]`` becomes a superscript link to entry 3
of the Sources list, and the ``[^3]: …`` lines under Sources become that
ordered list. The conversion does constant work per citation, so a briefing
with thousands of citations of one source converts in linear time (python-
markdown's own footnotes do not). Two shortcuts change no byte of the output:
smarty's pass tries each text only on the patterns that could match it, and
one converter is reused (reset) from one document to the next within a
process (``tests/test_html_converter.py`` checks both against python-markdown
as shipped).

Facts are curated text, not trusted code, and the Markdown template is
untrusted too: only the tags and attributes listed below survive, links must
be ``http(s):``, ``mailto:`` or ``#fragment``, images must be files of the
project (relative paths) or ``data:`` images, ``id`` attributes only those
this module makes (``h-…`` headings, ``cite-N``, ``source-N``) and ``class``
attributes only :data:`ALLOWED_CLASSES` or ``house-*``, so nothing in the
text can run, fetch from elsewhere or borrow the look of the document's own
furniture (its classification banner, say).

:func:`render_html` wraps the body in the HTML template
(``briefing.html.j2``), which carries the stylesheet inline so that the file
stands alone and prints as the PDF does. :func:`remote_resources` lists what
a finished page would load from other hosts whenever it is opened (a house
template's remote logo, say), so that the build can warn about it.
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import jinja2
import markdown
import nh3
from markdown import inlinepatterns as _patterns
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions import smarty as _smarty
from markdown.extensions.toc import slugify
from markdown.inlinepatterns import InlineProcessor as InlinePattern
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markupsafe import Markup

from briefings import __version__
from briefings.project.model import Briefing, Project
from briefings.render.context import ContextBase, briefing_context, toc_entries
from briefings.render.edition_state import EditionState
from briefings.render.environment import render_template, template_names
from briefings.render.markdown import RenderedMarkdown
from briefings.render.views import TocEntry

HEADING_ID_PREFIX = "h-"


def _heading_id(value: str, separator: str) -> str:
    # A prefix keeps heading ids (made from curated titles) apart from the
    # ids of the page itself and of citations.
    return HEADING_ID_PREFIX + (slugify(value, separator) or "section")


MARKDOWN_EXTENSIONS: list[Any] = ["tables", "toc", "sane_lists", "smarty"]
MARKDOWN_EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    "toc": {"toc_depth": "2-3", "slugify": _heading_id},
    # Column alignment as style="text-align: …": the align attribute is obsolete
    # in HTML5. The sanitiser keeps that one property and nothing else.
    "tables": {"use_align_attribute": False},
}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
    "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href", "aria-label"},
    "img": {"src", "alt", "width", "height"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "ol": {"start"},
    "li": {"value"},
    "time": {"datetime"},
}
#: The only CSS property a ``style`` attribute keeps (table column alignment);
#: nh3 drops every other declaration, so inline styles can neither hide text
#: nor fetch anything.
ALLOWED_STYLE_PROPERTIES = {"text-align"}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "data"}
#: Classes the body may carry: the ones this module makes; house templates may add ``house-*``.
#: A check's state (``confirmed``, ``not-checked``, ...) and the names earlier versions gave them
#: (``verified``, ``unconfirmed``, ``unverified``: see :data:`briefings.render.filters.CHECK_CLASSES`).
ALLOWED_CLASSES = frozenset({"citation", "sources", "backref", "grade", "date-note", "check", "confirmed",
                             "not-confirmed", "found", "not-found", "not-checked", "in-source", "not-in-source",
                             "verified", "unverified", "unconfirmed", "cited-for", "citing"})
_ALLOWED_ID = re.compile(rf"^(?:{HEADING_ID_PREFIX}[\w-]+|cite-\d+|source-\d+"
                         r"|fact-[a-z0-9]+(?:-[a-z0-9]+)*--[a-z0-9]+(?:-[a-z0-9]+)*)$")
_ALLOWED_HREF = re.compile(r"^(?:https?://|mailto:|#)", re.IGNORECASE)
_ALLOWED_SRC = re.compile(r"^(?:data:image/(?:png|jpeg|gif|webp|svg\+xml)[;,]|(?![a-z][a-z0-9+.-]*:|/|\\)[^\\]*$)",
                          re.IGNORECASE)


@dataclass
class HtmlBody:
    """A sanitised HTML fragment and the headings it contains."""

    html: str
    toc: tuple[TocEntry, ...] = field(default_factory=tuple)


# -- citations -----------------------------------------------------------------------


_CITATION_RE = r"\[\^(\d{1,9})\](?!:)"


class _CitationProcessor(InlinePattern):
    """``[^N]`` → a superscript link to Sources entry N; the first citation of N gets an id to come back to."""

    def __init__(self, pattern: str, md: markdown.Markdown):
        super().__init__(pattern, md)
        self.first_seen: set[str] = set()

    def handleMatch(  # type: ignore[override]  # noqa: N802 - python-markdown's name and signature
            self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:
        number = str(int(m.group(1)))
        sup = etree.Element("sup", {"class": "citation"})
        if number not in self.first_seen:
            self.first_seen.add(number)
            sup.set("id", f"cite-{number}")
        link = etree.SubElement(sup, "a", {"href": f"#source-{number}"})
        link.text = number
        return sup, m.start(0), m.end(0)


_DEFINITION_LINE = re.compile(r"^\[\^(\d{1,9})\]:[ \t]?(.*)$")
_DEFINITION_START = re.compile(r"\[\^\d{1,9}\]:")


class _SourcesProcessor(BlockProcessor):
    """Consecutive ``[^N]: text`` lines → one ``<ol class="sources">`` with ``<li id="source-N" value="N">``."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return bool(_DEFINITION_START.match(block))

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        last = parent[-1] if len(parent) else None
        if last is not None and last.tag == "ol" and last.get("class") == "sources":
            sources = last
        else:
            sources = etree.SubElement(parent, "ol", {"class": "sources"})
        entry: etree.Element | None = None
        for line in block.split("\n"):
            match = _DEFINITION_LINE.match(line)
            if match:
                number = str(int(match.group(1)))
                entry = etree.SubElement(sources, "li", {"id": f"source-{number}", "value": number})
                entry.text = match.group(2)
                back = etree.SubElement(entry, "a", {"href": f"#cite-{number}", "class": "backref",
                                                     "aria-label": f"Back to citation {number}"})
                back.text = "↩"
                back.tail = ""
            elif entry is not None:
                entry.text = f"{entry.text}\n{line.strip()}"


class _CitationRuns(Treeprocessor):
    """Wrap a run of citations that follows another citation across text in a bare ``<span>``.

    The stylesheet separates adjacent citations with a comma (``sup.citation +
    sup.citation``), and CSS sibling selectors do not see text: without this,
    "45,000 jobs[^2] vs 50,000 jobs[^1]" would read "45,000 jobs² vs 50,000 jobs,¹".
    """

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            children = list(parent)
            index = 1
            while index < len(children):
                previous, child = children[index - 1], children[index]
                if not (_is_citation(child) and _is_citation(previous) and (previous.tail or "").strip()):
                    index += 1
                    continue
                end = index + 1
                while end < len(children) and _is_citation(children[end]) and not (children[end - 1].tail or ""):
                    end += 1
                run = children[index:end]
                span = etree.Element("span")
                span.tail, run[-1].tail = run[-1].tail, None
                parent.insert(list(parent).index(child), span)
                for sup in run:
                    parent.remove(sup)
                    span.append(sup)
                children = list(parent)
                index = children.index(span) + 1


def _is_citation(element: etree.Element) -> bool:
    return element.tag == "sup" and element.get("class") == "citation"


class CitationExtension(Extension):
    """Numbered citations and the Sources list, in linear time."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        # Before links (160) and references (170), after backslash escapes (180).
        self._citations = _CitationProcessor(_CITATION_RE, md)
        md.inlinePatterns.register(self._citations, "citation", 175)
        md.parser.blockprocessors.register(_SourcesProcessor(md.parser), "sources", 17)
        md.treeprocessors.register(_CitationRuns(md), "citation-runs", 19)  # after the inline pass (20)
        md.registerExtension(self)  # so that Markdown.reset() calls reset()

    def reset(self) -> None:
        self._citations.first_seen.clear()


# -- smarty, cheaper -----------------------------------------------------------------

# For each of smarty's patterns (by its regular expression), a substring that
# every match contains: a text without it cannot match, so the pattern need
# not be tried on it. A pattern not listed here is always tried.
_S, _D = "'", '"'
_SMARTY_NEEDLES: dict[str, str] = {
    _smarty.singleQuoteStartRe: _S, _smarty.doubleQuoteStartRe: _D,
    _smarty.doubleQuoteSetsRe: _S, _smarty.singleQuoteSetsRe: _S,
    _smarty.doubleQuoteSetsRe2: _S, _smarty.singleQuoteSetsRe2: _S,
    _smarty.decadeAbbrRe: _S, _smarty.openingSingleQuotesRegex: _S,
    _smarty.closingSingleQuotesRegex: _S, _smarty.closingSingleQuotesRegex2: _S,
    _smarty.remainingSingleQuotesRegex: _S, _smarty.openingDoubleQuotesRegex: _D,
    _smarty.closingDoubleQuotesRegex: _D, _smarty.closingDoubleQuotesRegex2: _D,
    _smarty.remainingDoubleQuotesRegex: _D,
    r"(?<!-)---(?!-)": "---", r"(?<!-)--(?!-)": "--", r"(?<!\.)\.{3}(?!\.)": "...",
}
# The same for the main inline pass (code, escapes, citations, links, images,
# autolinks, line breaks, HTML, entities, emphasis): each of its patterns and
# the substrings one of which every match contains.
_INLINE_NEEDLES: dict[str, tuple[str, ...]] = {
    _patterns.BACKTICK_RE: ("`",), _patterns.ESCAPE_RE: ("\\",), _CITATION_RE: ("[^",),
    _patterns.REFERENCE_RE: ("[",), _patterns.IMAGE_REFERENCE_RE: ("![",),
    _patterns.AUTOLINK_RE: ("<",), _patterns.AUTOMAIL_RE: ("<",), _patterns.LINE_BREAK_RE: ("  \n",),
    _patterns.HTML_RE: ("<",), _patterns.ENTITY_RE: ("&",), r"\*|_": ("*", "_"),
}
# python-markdown's InlineProcessor applies every pattern to a text in this
# (name-mangled) method; without it, the inline passes run as python-markdown ships them.
_HANDLE_INLINE = getattr(InlineProcessor, "_InlineProcessor__handleInline", None)


class _NeedleProcessor(InlineProcessor):
    """An inline pass (smarty's, or the main one) trying on each text only the patterns that could match it.

    Each pass tries every one of its patterns on every text of the document,
    and most texts hold none of what most patterns need (a quote, "--",
    "...", a bracket, an asterisk): that was about half the time of
    converting a briefing. The patterns that are tried are tried in the
    pass's order, and a text never gains a needle as patterns replace what
    they match (by placeholders; the text of an element a pattern makes is
    a part of the text it matched), so the result is the same.
    """

    def __init__(self, md: markdown.Markdown, patterns: list[Any],
                 needles: dict[str, tuple[str, ...]] | dict[str, str]):
        super().__init__(md)
        self._patterns = patterns
        self._needles = [_as_tuple(needles.get(getattr(pattern, "pattern", None), None))  # type: ignore[arg-type]
                         for pattern in patterns]
        self._needle_set = tuple(dict.fromkeys(needle for group in self._needles if group for needle in group))
        self._by_present: dict[tuple[bool, ...], list[Any]] = {}
        self.inlinePatterns = patterns  # type: ignore[assignment]  # a list: indexing a Registry is slower

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802,N803
        if patternIndex or isinstance(data, markdown.util.AtomicString):
            return _HANDLE_INLINE(self, data, patternIndex)  # type: ignore[misc]
        present = tuple([needle in data for needle in self._needle_set])
        patterns = self._by_present.get(present)
        if patterns is None:
            found = {needle for needle, here in zip(self._needle_set, present, strict=True) if here}
            patterns = self._by_present[present] = [
                pattern for pattern, group in zip(self._patterns, self._needles, strict=True)
                if group is None or not found.isdisjoint(group)]
        if not patterns:
            return data
        self.inlinePatterns = patterns  # type: ignore[assignment]
        try:
            return _HANDLE_INLINE(self, data, 0)  # type: ignore[misc]
        finally:
            self.inlinePatterns = self._patterns  # type: ignore[assignment]


def _as_tuple(needle: str | tuple[str, ...] | None) -> tuple[str, ...] | None:
    return (needle,) if isinstance(needle, str) else needle


class _SmartyProcessor(_NeedleProcessor):
    """smarty's inline pass, trying on each text only the patterns that could match it."""

    def __init__(self, md: markdown.Markdown, patterns: list[Any]):
        super().__init__(md, patterns, _SMARTY_NEEDLES)


def new_converter() -> markdown.Markdown:
    converter = markdown.Markdown(extensions=[*MARKDOWN_EXTENSIONS, CitationExtension()],
                                  extension_configs=MARKDOWN_EXTENSION_CONFIGS, output_format="html")
    # smarty's own inline pass runs, by default, after the pretty-printer has
    # given every element a newline tail; python-markdown then looks up each
    # such element's position in its parent, which is quadratic in a list of
    # thousands of facts. Run it before the pretty-printer instead.
    smarty = converter.treeprocessors["smarty"]
    converter.treeprocessors.deregister("smarty")
    if _HANDLE_INLINE is not None:
        smarty = _SmartyProcessor(converter, list(smarty.inlinePatterns))
    converter.treeprocessors.register(smarty, "smarty", 15)
    # The main inline pass indexes its patterns once per pattern and text: a
    # list (of the same patterns, in the same order) is cheaper to index than
    # python-markdown's Registry. Every extension has registered its patterns by now.
    inline = converter.treeprocessors["inline"]
    if _HANDLE_INLINE is not None:
        # Each text tried only on the patterns that could match it (see _NeedleProcessor), under the same name:
        # python-markdown's own patterns find the pass's stash by it.
        priority = converter.treeprocessors._priority[converter.treeprocessors.get_index_for_name("inline")]
        converter.treeprocessors.deregister("inline")
        converter.treeprocessors.register(_NeedleProcessor(converter, list(inline.inlinePatterns), _INLINE_NEEDLES),
                                          "inline", priority.priority)
    else:
        inline.inlinePatterns = list(inline.inlinePatterns)  # type: ignore[assignment]
    # md_escape writes "<" as "\\<" (CommonMark's escape); python-markdown would keep the backslash.
    converter.ESCAPED_CHARS = [*converter.ESCAPED_CHARS, "<"]
    return converter


# One converter per process, reset between documents: building one costs
# about a millisecond. It is taken while in use and put back only after a
# clean conversion, so a conversion that fails or is interrupted (a time
# limit, a RecursionError) never leaves its state to the next document, and
# a second thread simply builds its own.
_spare_converter: markdown.Markdown | None = None


def markdown_to_html(text: str) -> HtmlBody:
    global _spare_converter
    converter, _spare_converter = _spare_converter or new_converter(), None
    raw = converter.reset().convert(text)
    toc = toc_entries(list(getattr(converter, "toc_tokens", [])))
    _spare_converter = converter
    return HtmlBody(html=sanitise(raw), toc=toc)


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        return value if _ALLOWED_ID.match(value) else None
    if attribute == "class":
        kept = [name for name in value.split() if name in ALLOWED_CLASSES or name.startswith("house-")]
        return " ".join(kept) or None
    if attribute == "href":
        return value if _ALLOWED_HREF.match(value.strip()) else None
    if attribute == "src":
        return value if _ALLOWED_SRC.match(value.strip()) and ".." not in value else None
    return value


def sanitise(html: str) -> str:
    """Keep the structure Markdown produces; drop everything that could run, fetch or impersonate."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_RESOURCE_ATTRIBUTES = {
    "img": ("src", "srcset"), "script": ("src",), "iframe": ("src",), "frame": ("src",), "source": ("src", "srcset"),
    "video": ("src", "poster"), "audio": ("src",), "track": ("src",), "embed": ("src",), "object": ("data",),
    "input": ("src",), "link": ("href",),
}
_REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"""(?:url\(\s*|@import\s+)['"]?((?:[a-z][a-z0-9+.-]*:)?//[^'")\s;]+)""", re.IGNORECASE)


class _ResourceFinder(HTMLParser):
    """Collects the URLs on other hosts that a browser would load on opening the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = _RESOURCE_ATTRIBUTES.get(tag, ())
        for name, value in attrs:
            if value is None:
                continue
            if name in names:
                candidates = [part.split()[0] for part in value.split(",") if part.strip()] \
                    if name == "srcset" else [value]
                self.urls += [url.strip() for url in candidates if _REMOTE.match(url)]
            elif name == "style":
                self.urls += _CSS_URL.findall(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += _CSS_URL.findall(data)


def remote_resources(html: str) -> list[str]:
    """URLs on other hosts that the HTML document would load whenever it is opened (each once, in order)."""
    finder = _ResourceFinder()
    finder.feed(html)
    finder.close()
    return list(dict.fromkeys(finder.urls))


def render_html(environment: jinja2.Environment, project: Project, briefing: Briefing,
                generated: datetime.datetime, markdown_body: RenderedMarkdown, body: HtmlBody, *,
                edition: EditionState | None = None, today: datetime.date | None = None,
                base: ContextBase | None = None) -> str:
    """The complete HTML document of ``briefing`` around an already-converted body (``base``: see
    :func:`~briefings.render.context.briefing_context`)."""
    context: dict[str, Any] = dict(briefing_context(project, briefing, generated, standalone=False,
                                                    edition=edition, today=today, base=base))
    context.update({
        "cited_references": markdown_body.cited_references,
        "body": Markup(body.html),
        "toc": body.toc,
        "generator": f"briefings {__version__}",
    })
    return render_template(environment, template_names(briefing, "html"), context, project.root)
