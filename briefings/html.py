"""Stage 4: Markdown → sanitised HTML body → standalone HTML document.

Contract: :func:`markdown_to_html` converts a briefing's Markdown body with
python-markdown (footnotes, tables, heading ids) and passes the result
through the nh3 sanitiser. Facts are curated text, not trusted code:
python-markdown passes raw HTML through by design, so ``<script>``,
``javascript:`` links, event-handler attributes and any tag or attribute not
listed below never reach the output. :func:`render_html` wraps the body in
the HTML template (``briefing.html.j2``), which carries the stylesheet
inline so that the file stands alone and prints as the PDF does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import jinja2
import markdown
import nh3
from markupsafe import Markup

from . import __version__
from .model import Briefing, Project
from .templating import briefing_context, render_template, template_names

MARKDOWN_EXTENSIONS = ["footnotes", "tables", "toc", "sane_lists", "smarty"]
MARKDOWN_EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    # Number footnotes in the order a reader meets them, whatever order the
    # template defines them in.
    "footnotes": {"USE_DEFINITION_ORDER": False, "BACKLINK_TITLE": "Back to citation %d"},
    "toc": {"toc_depth": "2-3"},
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
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "ol": {"start"},
    "time": {"datetime"},
}
#: The only CSS property a ``style`` attribute keeps (table column alignment);
#: nh3 drops every other declaration, so inline styles can neither hide text
#: nor fetch anything.
ALLOWED_STYLE_PROPERTIES = {"text-align"}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


@dataclass
class HtmlBody:
    """A sanitised HTML fragment and the headings it contains."""

    html: str
    toc: list[dict[str, Any]] = field(default_factory=list)


def markdown_to_html(text: str) -> HtmlBody:
    converter = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS,
                                  extension_configs=MARKDOWN_EXTENSION_CONFIGS,
                                  output_format="html")
    raw = converter.convert(text)
    return HtmlBody(html=sanitise(raw), toc=list(getattr(converter, "toc_tokens", [])))


def sanitise(html: str) -> str:
    """Keep the structure Markdown produces; drop everything that could run or fetch."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_html(environment: jinja2.Environment, project: Project, briefing: Briefing,
                generated: datetime.datetime, body: HtmlBody) -> str:
    """The complete HTML document of ``briefing`` around an already-converted body."""
    context = briefing_context(project, briefing, generated, standalone=False)
    context.update({
        "body": Markup(body.html),
        "toc": body.toc,
        "generator": f"briefings {__version__}",
    })
    return render_template(environment, template_names(briefing, "html"), context, project.root)
