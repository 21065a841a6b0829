"""A briefing as a Word document (``.docx``), built with python-docx.

Contract: :func:`html_body_to_docx` makes the Word document of one briefing
from the same two things the HTML page is made of: the template context
(:func:`briefings.render.context.briefing_context`: title, masthead, dates,
edition, classification, house style) for the document's furniture, and the
sanitised HTML body (the briefing's Markdown template rendered for its
audience) for everything else, walked by :mod:`briefings.render.docx_body`.
The title is Word's Title style and the body's headings Heading 1-3, so
Word's navigation pane and a table of contents work; each citation is a Word
footnote; the classification is printed in the header and footer of every
page; the house's accent colour, fonts and logo are applied; the document
properties carry the title, the author and, as created and modified dates,
the generation time. A house may give its own reference document
(``style: docx_reference:``), whose styles, page size and margins are used.

The bytes are reproducible: the same input gives the same file (every zip
entry is dated with the generation time, python-docx's own clock is not
used), so an unchanged briefing is not rewritten. python-docx is imported
only when a Word document is made.
"""

from __future__ import annotations

import colorsys
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefings.files import FileProblem, read_project_file
from briefings.project.settings_checks import MAX_IMAGE_BYTES, MAX_REFERENCE_BYTES
from briefings.render.docx_body import (
    FOOTNOTES_CONTENT_TYPE,
    FOOTNOTES_RELATIONSHIP,
    W_NS,
    BodyWriter,
    parse_body,
    source_entries,
    xml_text,
)
from briefings.render.filters import edition_label, format_long_date, label_for, source_note
from briefings.render.html import markdown_to_html

#: Images python-docx can place (the logo); others are left out of the Word document with a warning.
PICTURE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif"}
_NAMED_COLOURS = {"black": "000000", "white": "FFFFFF", "red": "FF0000", "green": "008000", "blue": "0000FF",
                  "navy": "000080", "maroon": "800000", "purple": "800080", "teal": "008080", "gray": "808080",
                  "grey": "808080", "olive": "808000", "darkred": "8B0000", "darkblue": "00008B"}


@dataclass
class WordDocument:
    data: bytes
    footnotes: int
    warnings: list[str] = field(default_factory=list)


def hex_colour(css: str | None) -> str | None:
    """A CSS colour as Word's ``RRGGBB`` (None for one this cannot read)."""
    if not css:
        return None
    value = css.strip().lower()
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) in (3, 4):
            digits = "".join(character * 2 for character in digits[:3])
        return digits[:6].upper() if len(digits) >= 6 else None
    numbers = [float(n) for n in re.findall(r"[0-9.]+", value)]
    if value.startswith("rgb") and len(numbers) >= 3:
        return "".join(f"{round(min(255.0, n * 2.55 if '%' in value else n)):02X}" for n in numbers[:3])
    if value.startswith("hsl") and len(numbers) >= 3:
        red, green, blue = colorsys.hls_to_rgb(numbers[0] / 360 % 1, numbers[2] / 100, numbers[1] / 100)
        return "".join(f"{round(channel * 255):02X}" for channel in (red, green, blue))
    return _NAMED_COLOURS.get(value)


def footnote_notes(context: Any, cited_references: Any) -> dict[str, str]:
    """Each cited source's footnote, as sanitised HTML by its number: outlet, title, date, grade, link and
    where it is in the Sources list (``source_note``'s brief entry, so it follows the house's locale)."""
    notes = {}
    for reference in cited_references:
        if reference.number is None:
            continue
        text = source_note(context, reference, brief=True)
        if reference.url:
            text += f" <{reference.url}>"
        notes[str(reference.number)] = markdown_to_html(f"{text} Sources, {reference.number}.").html
    return notes


def html_body_to_docx(context: Any, body_html: str, notes: dict[str, str], project_root: Path,
                      generated: datetime.datetime, reference: str | None = None) -> WordDocument:
    """The Word document's bytes; see the module docstring. ``context`` is the briefing's template context,
    ``notes`` each source's footnote by its number (:func:`footnote_notes`)."""
    import docx  # python-docx: loaded only for a Word document
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import XmlPart
    from docx.oxml import parse_xml
    from docx.shared import Mm

    warnings: list[str] = []
    style = context["style"]
    settings = context["settings"]
    briefing = context["briefing"]
    accent = hex_colour(style.accent)
    if reference:
        document = docx.Document(io.BytesIO(read_project_file(project_root / reference, project_root,
                                                               max_bytes=MAX_REFERENCE_BYTES)))
        body = document.element.body
        for child in list(body):
            if child.tag != f"{{{W_NS}}}sectPr":
                body.remove(child)
    else:
        document = docx.Document()
        for section in document.sections:  # A4, as the PDF (python-docx's own template is US Letter)
            section.page_width, section.page_height = Mm(210), Mm(297)
            section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(20)
    _ensure_styles(document, style, accent)

    footnotes_part = XmlPart(PackURI("/word/footnotes.xml"), FOOTNOTES_CONTENT_TYPE,
                             parse_xml(_FOOTNOTES_XML), document.part.package)
    for relationship in list(document.part.rels.values()):
        if relationship.reltype == FOOTNOTES_RELATIONSHIP:  # a reference document's own footnotes: replaced
            document.part.drop_rel(relationship.rId)
    document.part.relate_to(footnotes_part, FOOTNOTES_RELATIONSHIP)

    _furniture(document, settings.classification, accent)
    if style.logo_file:
        warning = _logo(document, project_root, style.logo_file)
        if warning:
            warnings.append(warning)
    document.add_paragraph(xml_text(briefing.title), style="Title")
    masthead = style.organisation or settings.title
    if masthead:
        document.add_paragraph(xml_text(masthead), style="Subtitle")
    _meta(document, context)
    root = parse_body(body_html)
    writer = BodyWriter(document, footnotes_part.element, footnotes_part, source_entries(notes), accent)
    writer.blocks(root)

    properties = document.core_properties
    properties.title = xml_text(briefing.title)[:255]
    properties.author = xml_text(settings.author or masthead or "")[:255]
    properties.subject = xml_text(masthead or "")[:255]
    properties.keywords = xml_text(", ".join(briefing.tags))[:255]
    properties.comments = ""
    properties.category = xml_text(settings.classification or "")[:255]
    properties.last_modified_by = ""
    properties.revision = 1
    moment = generated.astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0)
    properties.created = moment
    properties.modified = moment
    properties.language = style.locale.replace("_", "-")
    document.settings.odd_and_even_pages_header_footer = False
    package_rels = document.part.package.rels
    for rid, relationship in list(package_rels.items()):
        if relationship.reltype == RELATIONSHIP_TYPE.THUMBNAIL:  # python-docx's template's picture of a page
            del package_rels[rid]
    output = io.BytesIO()
    document.save(output)
    return WordDocument(_fixed_zip(output.getvalue(), moment), writer.footnote_count, warnings)


_FOOTNOTES_XML = (
    f'<w:footnotes xmlns:w="{W_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
    'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
    'w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    '</w:footnotes>')


def _ensure_styles(document: Any, style: Any, accent: str | None) -> None:
    """The styles the writer uses (a reference document may lack some), set in the house's fonts and colour."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    styles = document.styles
    names = {existing.name for existing in styles}
    for name, kind, base in (("Title", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
                             ("Subtitle", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
                             ("Heading 1", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
                             ("Heading 2", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
                             ("Heading 3", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
                             ("Quote", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
                             ("List Paragraph", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
                             ("List Bullet", WD_STYLE_TYPE.PARAGRAPH, "List Paragraph"),
                             ("List Bullet 2", WD_STYLE_TYPE.PARAGRAPH, "List Paragraph"),
                             ("List Number", WD_STYLE_TYPE.PARAGRAPH, "List Paragraph"),
                             ("List Number 2", WD_STYLE_TYPE.PARAGRAPH, "List Paragraph"),
                             ("List Continue", WD_STYLE_TYPE.PARAGRAPH, "List Paragraph"),
                             ("footnote text", WD_STYLE_TYPE.PARAGRAPH, "Normal"),
                             ("footnote reference", WD_STYLE_TYPE.CHARACTER, None),
                             ("Table Grid", WD_STYLE_TYPE.TABLE, None)):
        if name not in names:
            added = styles.add_style(name, kind)
            if base and base in names | {"List Paragraph"}:
                added.base_style = styles[base]
            names.add(name)
            if name.startswith("Heading"):
                added.font.bold = True
                added.font.size = Pt({"1": 16, "2": 13, "3": 11}[name[-1]])
            elif name == "Title":
                added.font.size = Pt(24)
    # python-docx names these by their ids' words; Word knows them by the ids FootnoteText/FootnoteReference.
    styles["footnote text"].element.set(f"{{{W_NS}}}styleId", "FootnoteText")
    styles["footnote text"].font.size = Pt(8.5)
    styles["footnote text"].paragraph_format.space_after = Pt(2)
    styles["footnote text"].paragraph_format.space_before = Pt(0)
    styles["footnote reference"].element.set(f"{{{W_NS}}}styleId", "FootnoteReference")
    styles["footnote reference"].font.superscript = True
    if style.body_font:
        styles["Normal"].font.name = style.body_font
    for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3"):
        if style.heading_font:
            styles[name].font.name = style.heading_font
        if accent and name != "Subtitle":
            styles[name].font.color.rgb = RGBColor.from_string(accent)


def _furniture(document: Any, classification: str | None, accent: str | None) -> None:
    """The classification at the top and bottom of every page, and the page number in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for section in document.sections:
        section.different_first_page_header_footer = False
        for part, with_page in ((section.header, False), (section.footer, True)):
            part.is_linked_to_previous = False
            container = part._element
            for child in list(container):
                container.remove(child)
            paragraph = part.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if classification:
                run = paragraph.add_run(xml_text(classification))
                run.bold = True
                if accent:
                    from docx.shared import RGBColor

                    run.font.color.rgb = RGBColor.from_string(accent)
            if with_page:
                page = part.add_paragraph()
                page.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _page_field(page)


def _page_field(paragraph: Any) -> None:
    from docx.oxml import parse_xml

    for xml in ('<w:r {ns}><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r {ns}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
                '<w:r {ns}><w:fldChar w:fldCharType="separate"/></w:r>',
                '<w:r {ns}><w:t>1</w:t></w:r>',
                '<w:r {ns}><w:fldChar w:fldCharType="end"/></w:r>'):
        paragraph._p.append(parse_xml(xml.format(ns=f'xmlns:w="{W_NS}"')))


def _logo(document: Any, project_root: Path, name: str) -> str | None:
    from docx.shared import Cm

    if Path(name).suffix.lower() not in PICTURE_SUFFIXES:
        return (f"logo '{name}' is left out of the Word document: Word takes "
                f"{', '.join(sorted(PICTURE_SUFFIXES))} (give a PNG)")
    try:
        data = read_project_file(project_root / name, project_root, max_bytes=MAX_IMAGE_BYTES)
        document.add_picture(io.BytesIO(data), height=Cm(1.5))
    except FileProblem as error:
        return f"logo '{name}': {error.problem.message}"
    except Exception:  # noqa: BLE001 - python-docx refuses an image it cannot read (UnrecognizedImageError, …)
        return f"logo '{name}' is left out of the Word document: python-docx cannot read it as an image"
    return None


def _meta(document: Any, context: Any) -> None:
    """Facts as of, edition, generated and author, as the HTML page's masthead gives them."""
    briefing, locale = context["briefing"], context["style"].locale
    as_of = format_long_date(briefing.as_of, locale)
    if briefing.latest_as_of != briefing.as_of:
        as_of = label_for(context, "%(start)s to %(end)s, by topic") % {
            "start": as_of, "end": format_long_date(briefing.latest_as_of, locale)}
    lines = [("Facts as of", as_of), ("Edition", edition_label(context, context["edition"])),
             ("Generated", format_long_date(context["generated"], locale))]
    if context["settings"].author:
        lines.append(("Author", context["settings"].author))
    if context["multi_topic"]:
        lines.append(("Topics", "; ".join(topic.title for topic in context["topics"])))
    for label, value in lines:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label_for(context, label)}: ").bold = True
        paragraph.add_run(xml_text(value))


def _fixed_zip(data: bytes, moment: datetime.datetime) -> bytes:
    """The same package with every entry dated ``moment`` (not before 1980, zip's epoch), in the same order."""
    stamp = max(moment, datetime.datetime(1980, 1, 1)).timetuple()[:6]
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 3
            target.writestr(entry, source.read(info.filename))
    return output.getvalue()

