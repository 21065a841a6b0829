"""libyaml's parser and PyYAML's pure-Python one load every file the same.

:func:`briefings.project.yaml.load_yaml` parses with libyaml when PyYAML has it and
falls back to the pure-Python parser for any file libyaml does not parse
cleanly. These tests load each file both ways and compare everything a caller
sees: the data (types included), the line of every value, the problems and
the rejected locations. The files are the example project's and the new-project
template's, a set of tricky documents, and deterministic mutations of them.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefings.project import yaml as load
from briefings.project import yaml_parser as parser
from briefings.project.yaml import YamlDocument, load_yaml
from tests.conftest import REFERENCES, REPO_ROOT, TOPIC

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="this PyYAML has no libyaml")

EXAMPLE_FILES = sorted([
    REPO_ROOT / "briefings.yaml", *REPO_ROOT.glob("sources/**/*.yaml"),
    *(REPO_ROOT / "briefings" / "project_template").glob("**/*.yaml"),
])

TRICKY = {
    "anchors-and-merge": "base: &b {x: 1, y: [a, b]}\nother:\n  <<: *b\n  y: override\nlist: [*b, *b]\n"
                         "multi:\n  <<: [*b, {z: 3}]\n",
    "scalars": "a: yes\nb: No\nc: ~\nd: null\ne: 0x1F\nf: 0o17\ng: 017\nh: 1_000\ni: 190:20:30\nj: .inf\n"
               "k: -.Inf\nl: .nan\nm: 1e3\nn: 6.8523015e+5\no: +12\np: ''\nq: \"\"\nr: !!str 12\ns: !!int '7'\n"
               "t: !!float 1\nu: on\nv: OFF\nw: 2001-12-14t21:59:43.10-05:00\nx: 2025-02-30\ny: 2025-13-01\n",
    "dates": "a: 2025-06-24\nb: '2025-06-24'\nc: 2025-6-4\nd: 2025-06-24 10:00:00\ne: [2025-01-01, 2024-02-29]\n",
    "block-scalars": "a: |\n  one\n   two\n\n  three\nb: >-\n  folded\n  text\n\n  para\nc: |+\n  keep\n\n"
                     "d: >2\n   indented\n  less\ne: |-\n  strip\n",
    "quoted": "a: \"tab\\tnew\\nline \\u00e9 \\x41 \\N \\_ \\L \\P\"\nb: 'it''s'\nc: \"multi\n  line\n\n  para\"\n"
              "d: 'multi\n  line'\ne: \"\\x07 bell\"\nf: \"\\u202e bidi\"\n",
    "plain-multiline": "a: one\n  two\n  three\nb: - not a list\nc: x # comment\nd: 'q' \n",
    "flow": "a: {b: [1, {c: d}], e: f}\nb: [a, [b, [c]], {}]\nc: {? complex : value}\nd: [a: b, c]\n",
    "complex-key": "? [a, b]\n: value\n? {x: 1}\n: other\n",
    "non-text-keys": "1: one\ntrue: yes\n2025-01-01: date\n~: null\n1.5: float\n",
    "duplicates": "a: 1\nb: {x: 1, x: 2}\na: 3\n",
    "tags": "a: !!python/object/apply:os.system [echo]\nb: !!set {x, y}\nc: !!binary aGVsbG8=\nd: !custom x\n"
            "e: !!omap [a: 1]\nf: !!python/name:os.system\n",
    "directives": "%YAML 1.1\n%TAG !e! tag:example.com,2000:\n---\na: !e!thing x\n...\n",
    "document-markers": "---\na: 1\n...\n",
    "explicit-start-only": "--- \n",
    "comments-only": "# nothing here\n# at all\n",
    "empty": "",
    "scalar-document": "just text\n",
    "crlf": "a: 1\r\nb:\r\n  - x\r\n  - y\r\nc: |\r\n  block\r\n  text\r\n",
    "lone-cr": "a: 1\rb: 2\rc: [x,\r  y]\r",
    "separators-quoted": "a: \"one\u2028two\u2029three\x85four\"\nb: 'x\u2028y'\nc: after\n",
    "separators-plain": "a: one\u2028two\nb: three\x85four\nc: five\u2029six\nd: after\n",
    "separators-block": "a: |\n  one\u2028two\n  three\x85four\nb: >\n  five\u2029six\nc: after\n",
    "separators-comment": "# comment\u2028more\na: 1 # x\x85y\nb: 2\n",
    "separator-in-key": "a\u2028b: 1\nc: 2\n",
    "bom-middle": "a: 1\n\ufeffb: 2\nc: \ufeffx\n",
    "bom-in-value": "a: x\ufeffy\n",
    "non-bmp": "a: \U0001f600 emoji\nb: '\U00010348'\nc: \"\\U0001F600\"\n",
    "control-in-text": "a: \"\\x01\"\nb: \"ok\"\nc: \"\\x9b[31m\"\n",
    "tabs": "a:\t1\nb: x\ty\nc: [1,\t2]\nd: \"\t\"\n",
    "trailing-space": "a: value   \nb: |\n  text   \n  \nc: end\n",
    "long-key": "k" * 1100 + ": value\n",
    "long-number": "a: " + "9" * 1500 + "\nb: 0x" + "f" * 1200 + "\n",
    "deep": "a: " + "[" * 60 + "]" * 60 + "\n",
    "recursive": "a: &x [1, *x]\n",
    "undefined-alias": "a: *nothing\n",
    "duplicate-anchor": "a: &x 1\nb: &x 2\nc: *x\n",
    "two-documents": "a: 1\n---\nb: 2\n",
    "bomb": "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(6)),
    "syntax-colon": "a: b: c\n",
    "syntax-unclosed": "a: \"open\nb: 1\n",
    "syntax-tab-indent": "a:\n\tb: 1\n",
    "syntax-at": "a: @x\n",
    "syntax-backtick": "a: `x\n",
    "syntax-bad-escape": "a: \"\\q\"\n",
    "syntax-indent": "a:\n  b: 1\n c: 2\n",
    "syntax-flow": "a: [1, 2\nb: 3\n",
    "control-character": "a: 1\nb: \x07\n",
    "del-character": "a: x\x7fy\n",
    "c1-character": "a: x\x9by\n",
    "surrogate-escape": "a: \"\\ud800\"\n",
    "surrogate-pair-escape": "a: \"\\ud83d\\udca3\"\n\"k\\udca3\": 1\n",
    "escape-past-unicode": "a: \"\\U00110000\"\n",
    "beyond-json": "a: 1.0e+400\nb: 123456789012345678901234567890\nc: !!binary aGVsbG8=\nd: !!bool maybe\n",
    "null-escape": "a: \"\\0\"\n",
    "percent-value": "a: %x\nb: '%x'\n",
    "question-plain": "a: ?x\nb: -x\nc: :x\nd: x:y\n",
    "empty-values": "a:\nb: []\nc: {}\nd: ''\n-: e\n",
    "sequence-top": "- a\n- - b\n  - c\n-\n- {d: e}\n",
    "indentless": "a:\n- 1\n- 2\nb:\n  - 3\n",
    "example-topic": TOPIC,
    "example-references": REFERENCES,
}

MUTATION_CHARACTERS = [
    ":", " ", "-", "#", "&", "*", "!", "|", ">", "'", '"', "%", "@", "`", "{", "}", "[", "]", ",", "?",
    "\t", "\n", "\r", "\r\n", "\x85", "\u2028", "\u2029", "\ufeff", "\\", "~", "<<: ", "&a ", "*a", "---\n",
    "...\n", "\x07", "é", "\U0001f600", "\u202e", "  ", "- ", ": ", "!!str ", "!!binary ",
]


def typed(value: Any) -> Any:
    """``value`` with every type made explicit, so that 1, 1.0 and True differ and NaN equals NaN."""
    if isinstance(value, dict):
        return ("dict", [(typed(key), typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def load_both(path: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[YamlDocument, YamlDocument, bool]:
    """Load ``path`` as the tool does and with the pure-Python parser only; and whether libyaml's parse was kept."""
    kept: list[bool] = []
    parse = load.parse_with_libyaml

    def spy(text: str) -> tuple[Any, Any]:
        loader, node = parse(text)
        kept.append(loader is not None)
        return loader, node

    with monkeypatch.context() as patch:
        patch.setattr(load, "parse_with_libyaml", spy)
        fast = load_yaml(path, root)
    with monkeypatch.context() as patch:
        patch.setattr(parser, "_FAST_LOADER", None)
        slow = load_yaml(path, root)
    return fast, slow, any(kept)


def assert_same(fast: YamlDocument, slow: YamlDocument, what: str) -> None:
    assert typed(fast.data) == typed(slow.data), what
    assert fast.lines == slow.lines, what
    assert fast.problems == slow.problems, what
    assert fast.rejected == slow.rejected, what


def test_libyaml_is_used_for_a_clean_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(TOPIC, encoding="utf-8")
    fast, slow, kept = load_both(path, tmp_path, monkeypatch)
    assert kept
    assert isinstance(parser._FAST_LOADER("a: 1"), yaml.cyaml.CParser)
    assert_same(fast, slow, "topic")


def test_the_bounds_run_over_libyaml_events() -> None:
    text = "a: &x [1, 2]\nb: [*x, *x]\nc: {d: [[e]]}\n"
    counts = []
    for loader_class in (parser._FAST_LOADER, parser.NodeLoader):
        loader = loader_class(text)
        loader.get_single_node()
        counts.append((loader.distinct_nodes, loader._expanded, len(loader._aliases), loader.alias_bomb()))
        loader.dispose()
    assert counts[0] == counts[1] == (13, 19, 2, None)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_every_example_file_loads_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow, kept = load_both(path, REPO_ROOT, monkeypatch)
    assert kept
    assert fast.problems == []
    assert_same(fast, slow, str(path))


@pytest.mark.parametrize("name", list(TRICKY))
def test_tricky_documents_load_the_same(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(TRICKY[name].encode("utf-8", "surrogatepass"))
    fast, slow, _ = load_both(path, tmp_path, monkeypatch)
    assert_same(fast, slow, name)


def test_mutated_documents_load_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random (but fixed) insertions, deletions and swaps of YAML's significant characters."""
    rng = random.Random(20260102)
    seeds = [*(path.read_text(encoding="utf-8") for path in EXAMPLE_FILES),
             *(text for name, text in TRICKY.items() if name != "scalars")]
    kept_count = 0
    cases = 800
    for case in range(cases):
        text = rng.choice(seeds)
        for _ in range(rng.choice((1, 1, 2, 3))):
            position = rng.randrange(len(text) + 1)
            operation = rng.random()
            if operation < 0.6:
                text = text[:position] + rng.choice(MUTATION_CHARACTERS) + text[position:]
            elif operation < 0.85:
                text = text[:position] + text[position + rng.randrange(1, 8):]
            else:
                lines = text.split("\n")
                index = rng.randrange(len(lines))
                lines.insert(rng.randrange(len(lines) + 1), lines[index])
                text = "\n".join(lines)
        path = tmp_path / f"case-{case}.yaml"
        path.write_text(text, encoding="utf-8", newline="")
        fast, slow, kept = load_both(path, tmp_path, monkeypatch)
        kept_count += kept
        assert_same(fast, slow, f"case {case}: {text!r}")
    # Many mutations still parse cleanly, so many cases did exercise libyaml's events.
    assert kept_count > cases // 5
