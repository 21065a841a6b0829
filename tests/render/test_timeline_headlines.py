"""The timeline shows each dated fact's headline (or the first sentence of its text, cut short), not its text.

The example's briefings are built and read back in Markdown, HTML and PDF: each timeline entry is the fact's
headline with its citations, linked to the fact in the HTML, and no fact longer than a sentence is repeated
there word for word. A fact without a headline gets the short form (:mod:`briefings.render.shortform`); a
hostile headline is refused at its line; the headline joins the snapshot and "what changed"; the audit holds
its numbers and days to the fact's.
"""

from __future__ import annotations

import html as html_module
import json
import re
from pathlib import Path

import markdown
import pytest

from briefings.audit.project_audit import load_and_audit
from briefings.build.orchestrate import build
from briefings.editions.changes import compare
from briefings.project.markup import check_markdown
from briefings.project.schema import HEADLINE_MAX_CHARS
from briefings.render import shortform
from briefings.render.shortform import SHORT_FORM_CHARS, short_form
from tests.conftest import (
    GENERATED,
    REPO_ROOT,
    TOPIC,
    assert_failed_with,
    changed,
    check,
    contains,
    copy_example,
    fold,
    line_of,
    pdftotext_pages,
    plain,
    reader,
    write,
)

TIMELINE_BRIEFINGS = ["coalition-of-the-willing", "drone-coproduction", "european-security-overview",
                      "nato-spending"]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("example"))
    build(root, generated=GENERATED)
    return root


def _dated_facts(briefing_id: str):  # type: ignore[no-untyped-def]
    project = load_and_audit(REPO_ROOT)
    briefing = next(item for item in project.briefings if item.id == briefing_id)
    return [(topic.id, fact) for topic in briefing.topics for fact in topic.facts if fact.date is not None]


def _several_sentences(text: str) -> bool:
    return re.search(r"[.!?] [A-Z]", plain(text)) is not None or len(plain(text)) > SHORT_FORM_CHARS


def _section(text: str, start: str, end: str) -> str:
    assert start in text, start
    after = text[text.index(start):]
    return after[: after.index(end)] if end in after else after


@pytest.mark.parametrize("briefing_id", TIMELINE_BRIEFINGS)
def test_the_timeline_shows_headlines_with_citations_not_the_facts_text(example: Path, briefing_id: str) -> None:
    facts = _dated_facts(briefing_id)
    assert facts and all(fact.headline for _, fact in facts), "every dated fact of the example has a headline"
    output = example / "output"
    md = _section((output / f"{briefing_id}.md").read_text("utf-8"), "## Timeline", "## Sources")
    html = _section((output / f"{briefing_id}.html").read_text("utf-8"), 'id="h-timeline"', 'id="h-sources"')
    html_text = fold(html_module.unescape(re.sub(r"<[^>]+>", " ", html)))
    pages = pdftotext_pages(output / f"{briefing_id}.pdf")
    pdf = fold(" ".join(pages))
    pdf_timeline = pdf[pdf.index("Timeline DATE"):]
    # The Sources heading opens on the grades paragraph (analyst) or straight on the list (reader edition).
    pdf_timeline = pdf_timeline[: re.search(r"Sources (?:Reliability grades|1\. )", pdf_timeline).start()]
    rows = [line for line in md.splitlines() if re.match(r"\| \d", line)]
    assert len(rows) == len(facts)
    for row in rows:
        assert re.search(r"\[\^\d+\]", row), f"a timeline entry keeps its citation: {row}"
    long_facts = 0
    for topic_id, fact in facts:
        assert fact.headline in md
        assert plain(fact.headline) in fold(html_module.unescape(re.sub(r"<[^>]+>", "", html)))
        assert contains(pdf_timeline, plain(fact.headline)), fact.headline
        # In the HTML (and so the PDF) the entry is a link to the fact in the body.
        assert f'href="#fact-{topic_id}--{fact.id}"' in html
        if _several_sentences(fact.text):
            long_facts += 1
            assert fact.text not in md
            assert plain(fact.text) not in html_text
            assert not contains(pdf_timeline, plain(fact.text))
    assert long_facts, "the briefing has facts longer than a sentence"


def test_the_timeline_links_reach_the_facts_in_the_pdf(example: Path) -> None:
    pdf = reader(example / "output" / "european-security-overview.pdf")
    destinations = pdf.named_destinations
    for topic_id, fact in _dated_facts("european-security-overview"):
        assert f"fact-{topic_id}--{fact.id}" in destinations


# -- the short form of a fact without a headline ---------------------------------------------------------------

LONG_FIRST = ("The two leaders held talks in London on the future of the alliance, its spending and its "
              "industrial base, and agreed to meet again before the end of the year. A second sentence.")


def test_a_fact_without_a_headline_shows_its_first_sentence(project: Path) -> None:
    topic = changed(TOPIC, "text: The two leaders held talks in London.",
                    "text: The leaders met at **Downing Street** for two hours. They spoke of drones.")
    write(project, "sources/topics/test-topic.yaml", topic)
    build(project, generated=GENERATED)
    md = _section((project / "output/test-topic.md").read_text("utf-8"), "## Timeline", "## Sources")
    assert "| The leaders met at **Downing Street** for two hours.[^1] |" in md
    assert "They spoke of drones" not in md
    html = (project / "output/test-topic.html").read_text("utf-8")
    assert ('<a href="#fact-test-topic--talks-held" rel="noopener noreferrer">The leaders met at '
            '<strong>Downing Street</strong> for two hours.</a>') in html
    pdf = fold(" ".join(pdftotext_pages(project / "output/test-topic.pdf")))
    timeline = pdf[pdf.index("Timeline"):]
    assert "The leaders met at Downing Street for two hours." in timeline
    assert "They spoke of drones" not in timeline[: timeline.index("Sources")]


def test_a_long_first_sentence_is_cut_at_a_word_with_an_ellipsis() -> None:
    short = short_form(LONG_FIRST)
    assert short.endswith("…") and len(short) <= SHORT_FORM_CHARS + 1
    assert LONG_FIRST.startswith(short[:-1])
    assert LONG_FIRST[len(short) - 1] == " ", "cut at a word boundary"
    assert short_form(LONG_FIRST) == short  # deterministic


@pytest.mark.parametrize(("text", "expected"), [
    ("Mr. Smith met Dr. Jones in London. Then more.", "Mr. Smith met Dr. Jones in London."),
    ("Prices rose 3.5% on 2 June. Next.", "Prices rose 3.5% on 2 June."),
    ("One sentence only", "One sentence only"),
    ("See [the report](https://example.com/r) and <https://example.org/x> today. More.",
     "See the report and https://example.org/x today."),
    ("Escaped \\*stars\\* and &amp; an entity. More.", "Escaped \\*stars\\* and &amp; an entity."),
])
def test_the_short_form_keeps_the_first_sentence(text: str, expected: str) -> None:
    assert short_form(text) == expected


@pytest.mark.parametrize("text", [
    "Starmer said Britain and France would lead a **coalition of the willing** to help end the fighting, "
    "and that others would follow.",
    "**A very long bold sentence that goes on and on without stopping for a long time indeed, well over the "
    "limit of characters allowed** end.",
    "Uses `some code with spaces that is long enough to cross the boundary of one hundred and ten characters "
    "easily` then more words.",
    "A *nested **strong** emphasis that runs on and on and on and on, past the limit of the short form by "
    "quite a long way* indeed.",
    "x" * 300,
])
def test_the_short_form_never_cuts_inside_markup(text: str) -> None:
    short = short_form(text)
    assert short.endswith("…")
    assert check_markdown(short, "headline") == []
    assert short.count("`") % 2 == 0 and short.replace("**", "").count("*") % 2 == 0
    assert len(plain(short)) <= SHORT_FORM_CHARS + 1
    if "`" in text:
        code = text[text.index("`"): text.rindex("`") + 1]
        assert code in short or "`" not in short, "a code span is kept whole or left out"
    if "coalition" in text:
        assert "**coalition of the willing**" in short or "coalition" not in short, "emphasis whole or left out"


# -- hostile headlines ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("headline", "message"), [
    ("'[a link](https://example.com)'",
     "fact 'talks-held': headline: square brackets in a headline are written \\[ and \\] (links are not allowed: "
     "the timeline links the headline to its fact)"),
    ("<https://example.com>",
     "fact 'talks-held': headline: links are not allowed in a headline: the timeline links the headline to its "
     "fact"),
    ('"<b>bold</b> talks"',
     "fact 'talks-held': headline: raw HTML is not allowed (<b>): use Markdown *emphasis* and [links](https://…)"),
    ("'# Heading'",
     "fact 'talks-held': headline: headings (a line starting with '#') are not allowed: escape the '#' as \\#"),
    ("x" * (HEADLINE_MAX_CHARS + 1),
     f"facts[0] (fact 'talks-held').headline: a headline is at most {HEADLINE_MAX_CHARS} characters (this one has "
     f"{HEADLINE_MAX_CHARS + 1}): say what happened, the fact's text says the rest"),
    ('"Two\\nlines"',
     "facts[0] (fact 'talks-held').headline: a headline is one line: write it without line breaks"),
])
def test_a_hostile_headline_is_refused_at_its_line(project: Path, headline: str, message: str) -> None:
    topic = changed(TOPIC, "    date: 2025-06-23\n", f"    date: 2025-06-23\n    headline: {headline}\n")
    write(project, "sources/topics/test-topic.yaml", topic)
    line = line_of(topic, "headline:")
    assert_failed_with(check(project), [f"sources/topics/test-topic.yaml:{line}: {message}"])


# -- the snapshot, what changed, the audit -----------------------------------------------------------------------

def test_the_headline_is_in_the_snapshot_and_a_change_to_it_is_a_change(project: Path) -> None:
    write(project, "sources/topics/test-topic.yaml",
          changed(TOPIC, "    date: 2025-06-23\n", "    date: 2025-06-23\n    headline: Leaders meet in London\n"))
    build(project, generated=GENERATED)
    before = json.loads((project / "output/test-topic.json").read_text("utf-8"))
    facts = {fact["id"]: fact for fact in before["topics"][0]["facts"]}
    assert facts["talks-held"]["headline"] == "Leaders meet in London"
    assert facts["second-fact"]["headline"] is None
    after = json.loads(json.dumps(before))
    after["topics"][0]["facts"][0]["headline"] = "Leaders hold talks in London"
    changes = compare(before, after, since={"number": 1, "date": "2025-06-24"})
    assert [(item["id"], item["fields"]) for item in changes["facts_changed"]] == [("talks-held", ["headline"])]
    assert changes["facts_changed"][0]["before"]["headline"] == "Leaders meet in London"
    assert compare(before, before, since={"number": 1, "date": "2025-06-24"})["facts_changed"] == []


def test_a_headline_stating_what_its_fact_does_not_is_a_warning(project: Path) -> None:
    topic = changed(TOPIC, "    date: 2025-06-23\n",
                    "    date: 2025-06-23\n    headline: 3 leaders meet in London on 24 June 2025\n")
    write(project, "sources/topics/test-topic.yaml", topic)
    result = check(project)
    assert result.exit_code == 0, result.output
    line = line_of(topic, "headline:")
    assert (f"sources/topics/test-topic.yaml:{line}: warning: fact 'talks-held': the headline states '3 leaders', "
            "'24 June 2025', which the fact's text does not: a headline says what the fact says, in fewer words "
            "[headline-unsupported]") in result.stderr
    fine = changed(TOPIC, "    date: 2025-06-23\n", "    date: 2025-06-23\n    headline: Leaders meet on 23 June\n")
    write(project, "sources/topics/test-topic.yaml", fine)
    assert "headline-unsupported" not in check(project).output


def test_a_changed_headline_rebuilds_the_briefing(project: Path) -> None:
    topic = changed(TOPIC, "    date: 2025-06-23\n", "    date: 2025-06-23\n    headline: Leaders meet in London\n")
    write(project, "sources/topics/test-topic.yaml", topic)
    assert build(project, formats=["md"], generated=GENERATED).rendered == ["test-topic"]
    assert build(project, formats=["md"], generated=GENERATED).rendered == []
    write(project, "sources/topics/test-topic.yaml", changed(topic, "Leaders meet", "Leaders hold talks"))
    assert build(project, formats=["md"], generated=GENERATED).rendered == ["test-topic"]
    assert "| Leaders hold talks in London[^1] |" in (project / "output/test-topic.md").read_text("utf-8")


SHORT_FORM_TEXTS = [
    "The *ministry* said it would \"review\" the plan. Officials agreed.",
    "See [the report](https://example.org/a) for `code` -- and **more**... Then stop.",
    "Line one  \nline two & <b>three</b>; a [ref] and a ![image](a.png). Next sentence.",
    "1. A numbered start. Another.",
    "- A dash start, with _underscores_ and \\*escapes\\*. Done.",
]


def test_one_markdown_converter_serves_every_short_form(monkeypatch: pytest.MonkeyPatch) -> None:
    # A new python-markdown converter per fact cost more than converting its text: a fifth of rendering a
    # briefing (issue 21). Counted: converters built for N texts; and the forms are those of a fresh converter.
    texts = [f"{text} Fact {number}." for number in range(20) for text in SHORT_FORM_TEXTS]
    built = [0]
    original = markdown.Markdown.__init__

    def counted(self: markdown.Markdown, *args: object, **keywords: object) -> None:
        built[0] += 1
        original(self, *args, **keywords)  # type: ignore[arg-type]

    monkeypatch.setattr(markdown.Markdown, "__init__", counted)
    monkeypatch.setattr(shortform, "_spare_converter", None)
    short_form.cache_clear()
    forms = [short_form(text) for text in texts]
    assert built[0] <= 2, built  # the short forms' and the headline check's (each at most one per process)
    # The reused converter gives what a fresh one does, text after text, and so the same short forms.
    assert all(shortform._to_html(text) == markdown.markdown(text, output_format="html") for text in texts)
    short_form.cache_clear()
    monkeypatch.setattr(shortform, "_to_html", lambda text: markdown.markdown(text, output_format="html"))
    assert forms == [short_form(text) for text in texts]
    short_form.cache_clear()
