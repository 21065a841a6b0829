"""The sanitised HTML body of a briefing, walked into WordprocessingML.

Contract: :class:`BodyWriter` appends the body that
:func:`briefings.render.html.markdown_to_html` made (the briefing's own Markdown
template, rendered for its audience, then sanitised) to a python-docx
document: ``h2``/``h3``/``h4`` become the Word styles Heading 1/2/3,
paragraphs, lists, quotes and tables become Word paragraphs and tables, links
to other sites become Word hyperlinks, and each citation (``<sup
class="citation">``) becomes a real Word footnote (``w:footnoteReference`` in
the text, ``w:footnote`` in ``word/footnotes.xml``), numbered by Word in
reading order, whose text is that source's entry (outlet, title, date,
reliability, link) and the number of its entry in the Sources list. Text is
only ever written as text (``w:t``): the HTML is already sanitised, and
characters XML cannot hold are dropped.

Walking the rendered body, rather than the template data, keeps Word in step
with the other formats: a house's template blocks, the audience's choices
(grades, verification marks) and the citation numbering are the same.
"""

from __future__ import annotations

import re
from typing import Any


class _LazyEtree:
    """``lxml.etree``, imported on first use: a build that makes no Word document does not load lxml."""

    def __getattr__(self, name: str) -> Any:
        from lxml import etree as module

        return getattr(module, name)


etree = _LazyEtree()
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
FOOTNOTES_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
HYPERLINK_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"

#: HTML heading level → Word heading level (the document's title is Word's Title style).
HEADING_LEVELS = {"h1": 1, "h2": 1, "h3": 2, "h4": 3, "h5": 3, "h6": 3}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_SPACE = re.compile(r"\s+")
_EXTERNAL = re.compile(r"^(?:https?:|mailto:)", re.IGNORECASE)


def w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


def xml_text(text: str) -> str:
    """Text XML 1.0 can hold: control characters (other than tab and newline) are dropped."""
    return _NOT_XML.sub("", text)


def classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split())


def make_run(text: str, fmt: frozenset[str], *, style: str | None = None, colour: str | None = None) -> Any:
    """A ``w:r`` holding ``text`` with the formatting named in ``fmt`` (bold, italic, code, strike, sup, sub,
    link, white), its properties in the order the schema requires."""
    run = etree.Element(w("r"))
    properties = etree.SubElement(run, w("rPr"))
    if style:
        etree.SubElement(properties, w("rStyle")).set(w("val"), style)
    if "code" in fmt:
        fonts = etree.SubElement(properties, w("rFonts"))
        for key in ("ascii", "hAnsi", "cs"):
            fonts.set(w(key), "Courier New")
    for flag, tag in (("bold", "b"), ("italic", "i"), ("strike", "strike")):
        if flag in fmt:
            etree.SubElement(properties, w(tag))
    colour = "FFFFFF" if "white" in fmt else "0563C1" if "link" in fmt else colour
    if colour:
        etree.SubElement(properties, w("color")).set(w("val"), colour)
    if "link" in fmt:
        etree.SubElement(properties, w("u")).set(w("val"), "single")
    if "sup" in fmt or "sub" in fmt:
        etree.SubElement(properties, w("vertAlign")).set(w("val"), "superscript" if "sup" in fmt else "subscript")
    if not len(properties):
        run.remove(properties)
    text_element = etree.SubElement(run, w("t"))
    text_element.text = xml_text(text)
    text_element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def parse_body(body_html: str) -> Any:
    """The sanitised body as an element tree under one ``div``."""
    from lxml import html as lxml_html

    return lxml_html.fragment_fromstring(body_html or "<p></p>", create_parent="div")


def source_entries(notes: dict[str, str]) -> dict[str, Any]:
    """Each footnote's text (sanitised HTML of one paragraph) by its source's number, as an element."""
    return {number: parse_body(html) for number, html in notes.items()}


class BodyWriter:
    """Appends the walked body to ``document``, footnotes to ``footnotes`` (a ``w:footnotes`` element)."""

    def __init__(self, document: Any, footnotes: Any, footnotes_part: Any, sources: dict[str, Any],
                 accent: str | None):
        self.document = document
        self.footnotes = footnotes
        self.footnotes_part = footnotes_part
        self.sources = sources
        self.accent = accent
        self.next_footnote = 1
        self.footnote_count = 0

    # -- blocks --------------------------------------------------------------------------

    def blocks(self, parent: Any, *, style: str | None = None, depth: int = 0) -> None:
        """Every child of ``parent`` as Word blocks; loose text between them as a paragraph."""
        loose: list[Any] = []
        if (parent.text or "").strip():
            loose.append(parent.text)
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            if child.tag in _BLOCKS:
                self._loose(loose, style)
                loose = []
                self.block(child, style=style, depth=depth)
            else:
                loose.append(child)
            if (child.tail or "").strip():
                loose.append(child.tail)
        self._loose(loose, style)

    def _loose(self, items: list[Any], style: str | None) -> None:
        if not items:
            return
        paragraph = self.document.add_paragraph(style=style)
        for item in items:
            if isinstance(item, str):
                self.text(paragraph._p, item, frozenset())
            else:
                self.inline_element(paragraph._p, item, frozenset(), self.document.part)
        _trim(paragraph._p)

    def block(self, element: Any, *, style: str | None = None, depth: int = 0) -> None:
        tag = element.tag
        if tag in HEADING_LEVELS:
            self.paragraph(element, f"Heading {HEADING_LEVELS[tag]}")
        elif tag in ("p", "pre", "dt", "dd", "figcaption", "caption"):
            fmt = frozenset({"code"}) if tag == "pre" else frozenset({"bold"}) if tag == "dt" else frozenset()
            self.paragraph(element, style, fmt)
        elif tag in ("ul", "ol"):
            self.list(element, depth)
        elif tag == "blockquote":
            self.blocks(element, style="Quote", depth=depth)
        elif tag == "table":
            self.table(element)
        elif tag == "hr":
            self.document.add_paragraph(style=style)
        else:  # div, figure, dl, section, …: their contents
            self.blocks(element, style=style, depth=depth)

    def paragraph(self, element: Any, style: str | None, fmt: frozenset[str] = frozenset(),
                  prefix: str = "") -> Any:
        paragraph = self.document.add_paragraph(style=style)
        if prefix:
            paragraph._p.append(make_run(prefix, frozenset()))
        self.inline(paragraph._p, element, fmt, self.document.part)
        _trim(paragraph._p)
        align = re.search(r"text-align:\s*(left|right|center)", element.get("style") or "")
        if align:
            paragraph.alignment = {"left": 0, "center": 1, "right": 2}[align.group(1)]
        return paragraph

    def list(self, element: Any, depth: int) -> None:
        numbered = element.tag == "ol"
        sources = "sources" in classes(element)
        style = ("List Number" if numbered else "List Bullet") + (" 2" if depth else "")
        for index, item in enumerate((child for child in element if child.tag == "li"), start=1):
            number = item.get("value") or str(index)
            prefix = f"{number}.\t" if numbered else ""
            item_style = "List Paragraph" if numbered else style
            if sources:
                _hanging(self.paragraph(item, "List Paragraph", prefix=prefix))
                continue
            first, rest = _split_item(item)
            paragraph = self.document.add_paragraph(style=item_style)
            if numbered:
                _hanging(paragraph)
            if prefix:
                paragraph._p.append(make_run(prefix, frozenset()))
            for node in first:
                if isinstance(node, str):
                    self.text(paragraph._p, node, frozenset())
                elif node.tag == "p":
                    self.inline(paragraph._p, node, frozenset(), self.document.part)
                else:
                    self.inline_element(paragraph._p, node, frozenset(), self.document.part)
            _trim(paragraph._p)
            for child in rest:
                if child.tag in ("ul", "ol"):
                    self.list(child, depth + 1)
                elif child.tag == "blockquote":
                    self.blocks(child, style="Quote", depth=depth + 1)
                else:
                    self.block(child, style="List Continue", depth=depth + 1)

    def table(self, element: Any) -> None:
        rows = [row for row in element.iter("tr")]
        width = max((len([cell for cell in row if cell.tag in ("td", "th")]) for row in rows), default=0)
        if not rows or not width:
            return
        table = self.document.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            header = row.getparent().tag == "thead" or all(cell.tag == "th" for cell in row)
            if header:
                _repeat_header(table.rows[r])
            for c, cell in enumerate(cell for cell in row if cell.tag in ("td", "th")):
                target = table.cell(r, c)
                paragraph = target.paragraphs[0]
                fmt = frozenset({"bold", "white"} if self.accent else {"bold"}) if header else frozenset()
                self.inline(paragraph._p, cell, fmt, self.document.part)
                _trim(paragraph._p)
                align = re.search(r"text-align:\s*(left|right|center)", cell.get("style") or "")
                if align:
                    paragraph.alignment = {"left": 0, "center": 1, "right": 2}[align.group(1)]
                if header and self.accent:
                    _shade(target, self.accent)
        self.document.add_paragraph()

    # -- inline --------------------------------------------------------------------------

    def inline(self, p: Any, element: Any, fmt: frozenset[str], part: Any, *, footnote: bool = False) -> None:
        """The text and inline children of ``element`` as runs appended to ``p``."""
        if element.text:
            self.text(p, element.text, fmt)
        previous_citation = False
        for child in element:
            if not isinstance(child.tag, str):
                continue
            citation = child.tag == "sup" and "citation" in classes(child)
            if citation and previous_citation:
                p.append(make_run(",", frozenset({"sup"})))
            if not (footnote and classes(child) & {"cited-for", "citing", "backref"}):
                self.inline_element(p, child, fmt, part, footnote=footnote)
            elif "cited-for" in classes(child):
                break  # the facts citing a source stay in the Sources list
            previous_citation = citation and not (child.tail or "")
            if child.tail:
                self.text(p, child.tail, fmt)

    def inline_element(self, p: Any, child: Any, fmt: frozenset[str], part: Any, *, footnote: bool = False) -> None:
        tag, names = child.tag, classes(child)
        if tag == "sup" and "citation" in names and not footnote:
            self.citation(p, child)
        elif tag == "br":
            etree.SubElement(etree.SubElement(p, w("r")), w("br"))
        elif tag == "img":
            if child.get("alt"):
                self.text(p, f"[{child.get('alt')}]", fmt | {"italic"})
        elif tag == "a" and "backref" in names:
            return
        elif tag == "a" and _EXTERNAL.match(child.get("href") or ""):
            link = etree.SubElement(p, w("hyperlink"))
            link.set(f"{{{R_NS}}}id", part.relate_to(child.get("href"), HYPERLINK_RELATIONSHIP, is_external=True))
            self.inline(link, child, fmt | {"link"}, part, footnote=footnote)
        else:
            if names & {"cited-for", "citing"}:
                etree.SubElement(etree.SubElement(p, w("r")), w("br"))
            self.inline(p, child, fmt | _INLINE_FORMAT.get(tag, frozenset()) |
                        (frozenset({"bold"}) if "cited-for" in names else frozenset()), part, footnote=footnote)

    def text(self, p: Any, text: str, fmt: frozenset[str]) -> None:
        text = text if "code" in fmt else _SPACE.sub(" ", text)
        if text:
            p.append(make_run(text, fmt))

    def citation(self, p: Any, sup: Any) -> None:
        """A Word footnote for this citation (numbered by Word, in reading order), holding its source's entry."""
        href = next((link.get("href") for link in sup.iter("a")), "") or ""
        number = href[len("#source-"):] if href.startswith("#source-") else "".join(sup.itertext()).strip()
        identifier = self.next_footnote
        self.next_footnote += 1
        self.footnote_count += 1
        run = etree.SubElement(p, w("r"))
        etree.SubElement(etree.SubElement(run, w("rPr")), w("rStyle")).set(w("val"), "FootnoteReference")
        etree.SubElement(run, w("footnoteReference")).set(w("id"), str(identifier))
        note = etree.SubElement(self.footnotes, w("footnote"))
        note.set(w("id"), str(identifier))
        paragraph = etree.SubElement(note, w("p"))
        etree.SubElement(etree.SubElement(paragraph, w("pPr")), w("pStyle")).set(w("val"), "FootnoteText")
        mark = etree.SubElement(paragraph, w("r"))
        etree.SubElement(etree.SubElement(mark, w("rPr")), w("rStyle")).set(w("val"), "FootnoteReference")
        etree.SubElement(mark, w("footnoteRef"))
        paragraph.append(make_run(" ", frozenset()))
        entry = self.sources.get(number)
        if entry is not None:
            self.inline(paragraph, entry, frozenset(), self.footnotes_part, footnote=True)
        else:
            self.text(paragraph, f"Source {number}.", frozenset())
        texts = list(paragraph.iter(w("t")))
        texts[-1].text = (texts[-1].text or "").rstrip()


_BLOCKS = {"p", "pre", "ul", "ol", "blockquote", "table", "hr", "div", "figure", "dl", "dt", "dd", "figcaption",
           "caption", "section", "h1", "h2", "h3", "h4", "h5", "h6"}
_INLINE_FORMAT = {"strong": frozenset({"bold"}), "b": frozenset({"bold"}), "em": frozenset({"italic"}),
                  "i": frozenset({"italic"}), "cite": frozenset({"italic"}), "dfn": frozenset({"italic"}),
                  "code": frozenset({"code"}), "kbd": frozenset({"code"}), "samp": frozenset({"code"}),
                  "del": frozenset({"strike"}), "s": frozenset({"strike"}), "sup": frozenset({"sup"}),
                  "sub": frozenset({"sub"})}


def _split_item(item: Any) -> tuple[list[Any], list[Any]]:
    """A list item's first paragraph (its text and inline children, or its first ``p``) and the blocks after it."""
    first: list[Any] = [item.text] if (item.text or "").strip() else []
    rest: list[Any] = []
    for child in item:
        if not isinstance(child.tag, str):
            continue
        starts_rest = child.tag in _BLOCKS and (child.tag != "p" or any(not isinstance(node, str) and
                                                                        node.tag == "p" for node in first))
        if rest or starts_rest:
            rest.append(child)
            continue
        first.append(child)
        if (child.tail or "").strip():
            first.append(child.tail)
    return first, rest


def _hanging(paragraph: Any) -> None:
    """A numbered entry: the number hangs in the margin, its text aligned after the tab."""
    from docx.shared import Cm

    paragraph.paragraph_format.left_indent = Cm(0.9)
    paragraph.paragraph_format.first_line_indent = Cm(-0.9)


def _trim(p: Any) -> None:
    """No space at the start or end of a paragraph (HTML collapses it; Word would show it)."""
    texts = [t for t in p.iter(w("t"))]
    if texts:
        texts[0].text = (texts[0].text or "").lstrip()
        texts[-1].text = (texts[-1].text or "").rstrip()


def _repeat_header(row: Any) -> None:
    properties = row._tr.get_or_add_trPr()
    etree.SubElement(properties, w("tblHeader"))


def _shade(cell: Any, colour: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = etree.SubElement(properties, w("shd"))
    shading.set(w("val"), "clear")
    shading.set(w("color"), "auto")
    shading.set(w("fill"), colour)
