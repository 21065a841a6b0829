"""The formatting templates call: filters, functions, and the plain functions under them.

Contract: everything here turns a value (a date, a number, a figure, a
view of :mod:`briefings.render.views`) into text, and does nothing else: no
state, no files, no project. The plain functions (:func:`format_long_date`,
:func:`format_number`, :func:`figure_text`, :func:`escape_markdown`,
:func:`table_cell`) are used by Python code too; the template filters
(``longdate``, ``number``, ``figure_value``, ``md_escape``, ``table_cell``)
and functions (``edition_label``, ``changes_heading``, ``review_notice``,
``source_note``, ``grade_note``, ``date_note``, ``verification_note``, ``figure_note``, ``check_legend``,
``cited_for``) are
registered by :func:`briefings.render.environment.make_environment` (and
``source_note`` by :func:`briefings.render.markdown.render_markdown`). Those
that take the template's context read from it only ``style`` (the locale),
``standalone`` (the Markdown file, or the body of the HTML), ``multi_topic``
and ``audience``: for a reader edition (``audience`` is "reader") the audit's
marks (``grade_note``, ``date_note``, ``verification_note``, ``figure_note``,
``check_legend``, ``cited_for``) are "" and ``source_note`` is outlet, title,
date and link only, so that house templates written before audiences existed
make a clean reader edition unchanged. A function given the wrong kind of value raises a template
error that names the right call.

The built-in templates' labels are written in the briefing's language: ``_("Key figures")``
(and Jinja's ``{% trans %}``, whose gettext is :func:`gettext_label`) gives
the house's override (``style.labels``), else the catalog's translation for
``style.locale`` (:func:`briefings.i18n.translate`), else the English words.

Dates and numbers are written in the briefing's locale (``style.locale``);
Babel (:mod:`briefings.i18n`) is consulted only for a locale other than the
built-in templates' own, :data:`DEFAULT_LOCALE`.
"""

from __future__ import annotations

import datetime
import html
import re
from typing import Any

import jinja2
import markupsafe

from briefings.audit.states import (
    FIGURE_IN_SOURCE,
    FIGURE_NOT_CHECKED,
    FIGURE_NOT_IN_SOURCE,
    LEGEND,
    QUOTE_CONFIRMED,
    QUOTE_FOUND,
    QUOTE_NOT_CHECKED,
    QUOTE_NOT_CONFIRMED,
    QUOTE_NOT_FOUND,
    evidence_words,
    figure_words,
    quote_words,
)
from briefings.i18n import format_date_for, format_number_for, translate
from briefings.project.schema import RELIABILITY_GRADES
from briefings.render.views import (
    ChangesView,
    EditionView,
    FactView,
    FigureView,
    QuoteView,
    ReferenceView,
    StyleView,
    TopicView,
)

#: The locale of the built-in templates' own words, and of dates and numbers unless ``style.locale`` says otherwise.
DEFAULT_LOCALE = "en_GB"


# -- plain formatting ------------------------------------------------------------


def format_long_date(value: datetime.date | datetime.datetime, locale: str | None = None) -> str:
    """``2025-06-23`` → ``23 June 2025`` (the style of UK government publications), or as ``locale`` writes it."""
    if locale is None or locale == DEFAULT_LOCALE:
        return f"{value.day} {value:%B %Y}"
    return format_date_for(value, locale)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!])")


def escape_markdown(text: object) -> str:
    """Escape plain text (titles, outlet names) so Markdown shows it as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def table_cell(text: object) -> str:
    """Fit Markdown text into one table cell: one line, pipes escaped."""
    return re.sub(r"\s*\n\s*", " ", str(text)).replace("|", "\\|").strip()


def format_number(value: object, locale: str | None = None) -> str:
    """A number with thousands separators (``1,234``, up to ten significant digits), or as ``locale`` writes it;
    anything else as text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if locale is not None and locale != DEFAULT_LOCALE:
        return format_number_for(value, locale)
    if isinstance(value, int) or value.is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    return f"{value:,.10g}"


_CURRENCY = "£$€¥"


def format_figure_value(figure: FigureView) -> str:
    """A figure's value with its unit placed as a reader expects: £2.3bn, 2.5% of GDP, 13 countries."""
    return figure_text(figure.value, figure.unit)


def figure_text(value: object, unit: str | None, locale: str | None = None) -> str:
    """A value and its unit as a reader expects them (see :func:`format_figure_value`)."""
    value = format_number(value, locale)
    if not unit:
        return value
    if unit[0] in _CURRENCY:
        return f"{unit[0]}{value}{unit[1:]}"
    if unit.startswith("%"):
        return f"{value}{unit}"
    return f"{value} {unit}"


# -- labels ------------------------------------------------------------------------


def label_for(context: Any, text: str) -> str:
    """``text`` (one of :data:`briefings.i18n.LABELS`) in the briefing's language, or the house's own words."""
    style = context.get("style") if context is not None else None
    if not isinstance(style, StyleView):
        return text
    return translate(text, style.locale, dict(style.labels) if style.labels else None)


@jinja2.pass_context
def gettext_label(context: Any, text: str) -> str:
    """The gettext of the templates' ``_()`` and ``{% trans %}`` (installed with Jinja's i18n extension)."""
    translated = label_for(context, str(text))
    return markupsafe.escape(translated) if context.eval_ctx.autoescape else translated


@jinja2.pass_context
def ngettext_label(context: Any, singular: str, plural: str, count: int) -> str:
    """The ngettext of ``{% trans count=… %}``: our catalogs have no plural forms, so English's rule."""
    return gettext_label(context, singular if count == 1 else plural)


@jinja2.pass_context
def page_numbers_rule(context: Any) -> str:
    """A CSS rule writing the page footer's "Page N of M" in the briefing's language; "" when it is English."""
    english = "Page %(page)s of %(pages)s"
    words = label_for(context, english)
    if words == english:
        return ""
    parts = []
    for index, piece in enumerate(re.split(r"%\((page|pages)\)s", words)):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return markupsafe.Markup(f"@page {{ @bottom-right {{ content: {' '.join(parts)}; }} }}")


# -- filters -------------------------------------------------------------------


def is_reader_edition(context: Any) -> bool:
    """Whether the template renders a reader edition (no audit trail); a context without ``audience`` is an
    analyst's (the default, and what every template written before audiences existed was rendered as)."""
    return context is not None and context.get("audience") == "reader"


def _locale_of(context: Any) -> str:
    style = context.get("style") if context is not None else None
    return style.locale if isinstance(style, StyleView) else DEFAULT_LOCALE


@jinja2.pass_context
def longdate_filter(context: Any, value: datetime.date | datetime.datetime) -> str:
    """``longdate``: a date as the briefing's locale writes it in running text."""
    return format_long_date(value, _locale_of(context))


@jinja2.pass_context
def number_filter(context: Any, value: object) -> str:
    """``number``: a number with the briefing's locale's separators."""
    return format_number(value, _locale_of(context))


@jinja2.pass_context
def figure_value_filter(context: Any, figure: FigureView) -> str:
    """``figure_value``: a figure's value and unit, the number in the briefing's locale."""
    return figure_text(figure.value, figure.unit, _locale_of(context))


# -- functions -----------------------------------------------------------------


@jinja2.pass_context
def edition_label(context: Any, edition: EditionView) -> str:
    """"Edition 4 · 24 November 2026", "Draft, after edition 3" or "Draft, no edition published yet"."""
    if not isinstance(edition, EditionView):
        raise jinja2.TemplateRuntimeError("edition_label() takes the edition, e.g. edition_label(edition)")
    if not edition.is_draft and edition.number is not None and edition.date is not None:
        words = label_for(context, "Edition %(number)s") % {"number": edition.number}
        return f"{words} · {format_long_date(edition.date, _locale_of(context))}"
    if edition.number is not None:
        return label_for(context, "Draft, after edition %(number)s") % {"number": edition.number}
    return label_for(context, "Draft, no edition published yet")


@jinja2.pass_context
def changes_heading(context: Any, changes: ChangesView) -> str:
    """"What’s changed since edition 3 (17 November 2026)", or "What’s changed" when there is no earlier one."""
    if not isinstance(changes, ChangesView):
        raise jinja2.TemplateRuntimeError("changes_heading() takes the changes, e.g. changes_heading(changes)")
    if changes.first or changes.since_number is None:
        return "What’s changed"
    since = f" ({format_long_date(changes.since_date, _locale_of(context))})" if changes.since_date else ""
    return f"What’s changed since edition {changes.since_number}{since}"


@jinja2.pass_context
def review_notice(context: Any, topic: TopicView) -> str:
    """"Due for review since 31 May 2027" for an overdue topic ("" otherwise)."""
    if not isinstance(topic, TopicView):
        raise jinja2.TemplateRuntimeError("review_notice() takes a topic, e.g. review_notice(topic)")
    if not topic.overdue or topic.review_by is None:
        return ""
    return f"Due for review since {format_long_date(topic.review_by, _locale_of(context))}"


# -- filters ---------------------------------------------------------------------


@jinja2.pass_context
def source_note(context: Any, reference: ReferenceView, brief: bool = False) -> str:
    """The Sources entry for one reference: outlet, title, date, link, grade (``brief``: outlet, title, date, grade).

    In a reader edition: outlet, title, date and link (``brief``: outlet, title, date), nothing of the audit."""
    if not isinstance(reference, ReferenceView):
        raise jinja2.TemplateRuntimeError("source_note() takes a reference, e.g. source_note(reference)")
    title = escape_markdown(reference.title)
    # A title the curator supplied is bracketed, as in a library catalogue,
    # and is not quoted as if it were the document's own.
    shown_title = title if reference.title.startswith("[") else f"“{title}”"
    locale = _locale_of(context)
    parts = [f"{escape_markdown(reference.outlet)}, {shown_title}, {format_long_date(reference.published, locale)}."]
    reader = is_reader_edition(context)
    if brief:
        grade = f"({reference.reliability})." if reference.reliability and not reader else ""
        return " ".join([*parts, grade]).strip()
    if reference.url:
        parts.append(f"<{reference.url}>.")
    if reader:
        return " ".join(parts)
    if reference.reliability:
        parts.append(f"Reliability {reference.reliability} ({RELIABILITY_GRADES[reference.reliability]}).")
    if reference.accessed:
        parts.append(f"Accessed {format_long_date(reference.accessed, locale)}.")
    if reference.note:
        parts.append(f"*{escape_markdown(reference.note)}*")
    return " ".join(parts)


@jinja2.pass_context
def grade_note(context: Any, fact: FactView) -> str:
    """" (B2; single outlet)" after a fact's citations: its combined grade and the caveats a reader should see.

    In the HTML body it is a ``<span class="grade">``, styled small; in the Markdown file, plain text.
    """
    if not isinstance(fact, FactView):
        raise jinja2.TemplateRuntimeError("grade_note() takes a fact, e.g. grade_note(fact)")
    if is_reader_edition(context):
        return ""
    notes = [note for note in (fact.grade, "single outlet" if fact.single_outlet else "",
                               "weak sources" if fact.low_reliability else "") if note]
    if not notes:
        return ""
    text = "; ".join(notes)
    return f" ({text})" if context.get("standalone", True) else f' <span class="grade">{text}</span>'


@jinja2.pass_context
def date_note(context: Any, fact: FactView) -> str:
    """"*Date inferred from the publication date, 2 March 2025, and 'on Friday'.*" after an inferred date's entry.

    What the curator's inferred date rests on, as the audit established it (the dates check), or
    "*Date inferred by the curator.*" when the audit did not establish it; "" for a date the sources print.
    In the HTML body a ``<span class="date-note">``, set small under the entry.
    """
    if not isinstance(fact, FactView):
        raise jinja2.TemplateRuntimeError("date_note() takes a fact, e.g. date_note(entry.fact)")
    if not fact.date_inferred or is_reader_edition(context):
        return ""
    mark = fact.date_mark
    if mark is None:
        text = "Date inferred by the curator."
    elif mark.startswith("inferred: the day"):
        text = "Date inferred: the day the source was published."
    else:
        text = f"Date {mark}."
    # The words may quote an evidence passage: written as text, never as Markdown or HTML.
    shown = escape_markdown(html.escape(text, quote=False))
    return f"*{shown}*" if context.get("standalone", True) else f'<span class="date-note">{shown}</span>'


#: The HTML classes of each check's state: the state's own name, then the name earlier versions gave it
#: (``verified``, ``unconfirmed``, ``unverified``), kept so that house stylesheets written for them still apply.
CHECK_CLASSES = {
    QUOTE_CONFIRMED: "confirmed verified", QUOTE_NOT_CONFIRMED: "not-confirmed unconfirmed",
    QUOTE_FOUND: "found verified", QUOTE_NOT_FOUND: "not-found unverified", QUOTE_NOT_CHECKED: "not-checked unverified",
    FIGURE_IN_SOURCE: "in-source", FIGURE_NOT_IN_SOURCE: "not-in-source", FIGURE_NOT_CHECKED: "not-checked",
}


def _check_mark(context: Any, words: str) -> str:
    """A check's state after what it checked: " *(words)*" in Markdown, a ``<span class="check ...">`` in HTML."""
    if context.get("standalone", True):
        return f" *({words})*"
    return f' <span class="check {CHECK_CLASSES[words]}">{words}</span>'


@jinja2.pass_context
def verification_note(context: Any, quote: QuoteView | str | None) -> str:
    """What was checked of a quote, after its attribution: " (quote found · speaker confirmed)", " (quote found ·
    speaker not confirmed)" or " (quote not checked: no archived copy)" (:mod:`briefings.audit.states`); ""
    when the project keeps no archives.

    Takes the quote (``verification_note(fact.quote)``), or only its outcome (``fact.quote.verification``, as
    templates written before speakers were checked do: then a quote found is "quote found").
    In the HTML body a ``<span class="check ...">`` (:data:`CHECK_CLASSES`).
    """
    if isinstance(quote, QuoteView):
        outcome, confirmed = quote.verification, quote.speaker_confirmed
    else:
        outcome, confirmed = quote, None
    if outcome is None or is_reader_edition(context):
        return ""
    return _check_mark(context, quote_words(outcome, confirmed))


@jinja2.pass_context
def figure_note(context: Any, figure: FigureView) -> str:
    """What was checked of a key figure: " (figure in source)", " (figure not in source)" or " (figure not
    checked: no archived copy)"; "" when the project keeps no archives."""
    if not isinstance(figure, FigureView):
        raise jinja2.TemplateRuntimeError("figure_note() takes a figure, e.g. figure_note(entry.figure)")
    return _check_mark(context, figure_words(figure.outcome)) if figure.outcome and not is_reader_edition(context) \
        else ""


@jinja2.pass_context
def check_legend(context: Any) -> str:
    """The legend of the checks' marks: one sentence per state a built document can show
    (:data:`briefings.audit.states.LEGEND`), in Markdown; "" in a reader edition, which shows no marks."""
    return "" if is_reader_edition(context) else LEGEND


@jinja2.pass_context
def cited_for(context: Any, reference: ReferenceView) -> str:
    """" Cited for: fact-id (Topic): “evidence passage”; …" after a Sources entry (linked to the facts in HTML)."""
    if not isinstance(reference, ReferenceView):
        raise jinja2.TemplateRuntimeError("cited_for() takes a reference, e.g. cited_for(reference)")
    if not reference.cited_by or is_reader_edition(context):
        return ""
    standalone = context.get("standalone", True)
    multi_topic = context.get("multi_topic", False)
    items = []
    for item in reference.cited_by:
        # In HTML a raw anchor, not a Markdown link: python-markdown re-scans the brackets after each link, so an
        # entry cited by hundreds of facts cost seconds (issue 21). Ids and anchors are slugs: nothing to escape.
        name = item.fact_id if standalone else f'<a href="#{item.anchor}">{item.fact_id}</a>'
        where = f" ({escape_markdown(item.topic_title)})" if multi_topic else ""
        evidence = ""
        if item.evidence:
            checked = f" ({evidence_words(item.outcome)})" if item.outcome else ""
            evidence = f": “{escape_markdown(' '.join(item.evidence.split()))}”{checked}"
        items.append(f"{name}{where}{evidence}")
    if standalone:
        return f" Cited for: {'; '.join(items)}."
    # In the HTML body: one line per fact, set in small type under the entry (briefing.css).
    lines = "".join(f'<span class="citing">{item}</span>' for item in items)
    return f' <span class="cited-for">Cited for</span>{lines}'
