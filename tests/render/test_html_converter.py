"""The Markdown converter's shortcuts change no byte of its output.

:func:`briefings.render.html.new_converter` replaces smarty's inline pass and
the main inline pass (code, links, emphasis, HTML…) with ones that try each
text only on the patterns that could match it, and
:func:`briefings.render.html.markdown_to_html` reuses one converter between
documents. Both are checked here against python-markdown as shipped (smarty's
stock pass, at the same priority) and a fresh converter per document.
"""

from __future__ import annotations

import random
import sys
from typing import Any

import markdown
import pytest
from markdown.treeprocessors import InlineProcessor

from briefings.render import html
from briefings.render.html import (
    MARKDOWN_EXTENSION_CONFIGS,
    MARKDOWN_EXTENSIONS,
    CitationExtension,
    markdown_to_html,
    new_converter,
    sanitise,
)

PIECES = [
    "'", '"', "''", '""', "'\"", "\"'", "--", "---", "----", "-", "...", "....", "..", ".", "'80s", "it's",
    "rock 'n' roll", " ", " ", "\n", "word", "NATO", "*em*", "**strong**", "`code 'q' -- ...`", "\\'", '\\"',
    "[link 'x'](https://example.org/a--b)", "<https://example.org/x...y>", "&amp;", "&mdash;", "&nbsp;",
    "–", "—", "(", ")", "[^1]", "[^2]", "<<", ">>", "2025–2030", "\"'Quoted' words\"", "'\"x\"'",
]


def stock_converter() -> markdown.Markdown:
    """python-markdown as shipped, smarty moved to priority 15 as new_converter does."""
    converter = markdown.Markdown(extensions=[*MARKDOWN_EXTENSIONS, CitationExtension()],
                                  extension_configs=MARKDOWN_EXTENSION_CONFIGS, output_format="html")
    smarty = converter.treeprocessors["smarty"]
    converter.treeprocessors.deregister("smarty")
    converter.treeprocessors.register(smarty, "smarty", 15)
    return converter


def random_document(rng: random.Random) -> str:
    def line() -> str:
        return "".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 30))).replace("\n", " ")

    blocks = []
    for _ in range(rng.randrange(1, 6)):
        kind = rng.random()
        if kind < 0.3:
            blocks.append("\n".join(f"- {line()}" for _ in range(rng.randrange(1, 4))))
        elif kind < 0.4:
            blocks.append(f"## {line()}")
        elif kind < 0.5:
            blocks.append(f"| a | b |\n| --- | --- |\n| {line()} | {line()} |")
        elif kind < 0.6:
            blocks.append(f"    > {line()}\n    >\n    > — {line()}")
        else:
            blocks.append(line())
    blocks.append("[^1]: A 'source' -- \"quoted\"...\n[^2]: Another.")
    return "\n\n".join(blocks) + "\n"


def test_the_cheaper_smarty_pass_is_in_use() -> None:
    assert html._HANDLE_INLINE is not None
    converter = new_converter()
    smarty = converter.treeprocessors["smarty"]
    assert isinstance(smarty, html._SmartyProcessor)
    assert converter.treeprocessors.get_index_for_name("smarty") == \
        stock_converter().treeprocessors.get_index_for_name("smarty")
    # Every pattern smarty registers has its needle: none is tried on every text for lack of one.
    assert None not in smarty._needles
    assert len(smarty._needles) == 18


def test_output_is_the_same_as_python_markdowns_own(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(20260102)
    for case in range(400):
        text = random_document(rng)
        expected = stock_converter().convert(text)
        assert new_converter().convert(text) == expected, f"case {case}: {text!r}"


def test_a_reused_converter_gives_what_a_fresh_one_does(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    documents = [random_document(rng) for _ in range(60)]
    fresh = []
    for text in documents:
        converter = stock_converter()
        raw = converter.convert(text)
        fresh.append((sanitise(raw), list(converter.toc_tokens)))
    monkeypatch.setattr(html, "_spare_converter", None)
    reused = [markdown_to_html(text) for text in documents]
    assert [(body.html, body.toc) for body in reused] == \
        [(expected_html, html.toc_entries(tokens)) for expected_html, tokens in fresh]
    # The first citation of each source gets its id again in the next document.
    assert 'id="cite-1"' in reused[-1].html


def test_a_failed_conversion_does_not_leave_its_converter_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html, "_spare_converter", None)
    markdown_to_html("First.\n")
    spare = html._spare_converter
    assert spare is not None

    def explode(text: str) -> str:
        raise RecursionError("too deep")

    monkeypatch.setattr(spare, "convert", explode)
    with pytest.raises(RecursionError):
        markdown_to_html("Second.\n")
    assert html._spare_converter is None
    assert markdown_to_html("Third -- 'quoted'.\n").html == "<p>Third – ‘quoted’.</p>"


MAIN_PASS_PIECES = [*PIECES, "![an image](figure.png)", "![alt][ref]", "[ref]", "[text][ref]", "\\*", "\\_", "_u_",
                    "__uu__", "*", "_", "**", "***x***", "<b>bold</b>", "<span id=\"fact-a--b\"></span>", "&copy;",
                    "&#169;", "a@b.org", "<a@b.org>", "<mailto:a@b.org>", "`x`", "``y``", "\\`", "\\[^1]", "[^x]",
                    "!", "[", "]", "&", "<", "  "]


def test_the_cheaper_main_inline_pass_is_in_use() -> None:
    inline = new_converter().treeprocessors["inline"]
    assert isinstance(inline, html._NeedleProcessor)
    assert new_converter().treeprocessors.get_index_for_name("inline") == \
        stock_converter().treeprocessors.get_index_for_name("inline")
    # Every pattern of the main pass has its needles: none is tried on every text for lack of one.
    assert None not in inline._needles
    assert len(inline._needles) == len(stock_converter().treeprocessors["inline"].inlinePatterns)


def test_the_main_inline_pass_gives_python_markdowns_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "PIECES", MAIN_PASS_PIECES)
    rng = random.Random(20261207)
    for case in range(400):
        text = random_document(rng)
        expected = stock_converter().convert(text)
        assert new_converter().convert(text) == expected, f"case {case}: {text!r}"


def test_the_inline_passes_try_a_text_only_on_patterns_that_could_match(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every pattern was tried on every text of the document: most of the cost of a briefing's conversion
    # (issue 21). Counted: the pattern applications, against python-markdown as shipped.
    facts = "".join(f"- Fact {number}, with *emphasis*, a [link](https://example.org/{number}) and 'quotes'."
                    f"[^{number % 7 + 1}]\n" for number in range(60))
    text = f"## Facts\n\n{facts}\n## Sources\n\n" + "".join(f"[^{n}]: Outlet, “Title”.\n" for n in range(1, 8))
    applied = [0]
    apply = InlineProcessor._InlineProcessor__applyPattern  # type: ignore[attr-defined]

    def counted(self: InlineProcessor, *args: Any, **keywords: Any) -> Any:
        applied[0] += 1
        return apply(self, *args, **keywords)

    monkeypatch.setattr(InlineProcessor, "_InlineProcessor__applyPattern", counted)
    stock = stock_converter().convert(text)
    stock_applied, applied[0] = applied[0], 0
    assert new_converter().convert(text) == stock
    assert applied[0] * 4 < stock_applied, (applied[0], stock_applied)
