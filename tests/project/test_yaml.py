"""Unit tests of stage 1: briefings.project.yaml.load_yaml."""

from __future__ import annotations

import datetime
import time
from pathlib import Path

import orjson
import pytest

from briefings.errors import Problem, Severity
from briefings.project.yaml import YamlDocument, load_yaml
from tests.conftest import alias_bomb, nested_block_lists, nested_block_mappings, write


def load(root: Path, text: str | bytes, name: str = "sources/data.yaml") -> YamlDocument:
    return load_yaml(write(root, name, text), root)


def messages(document: YamlDocument) -> list[str]:
    return [str(problem) for problem in document.problems]


# -- data and lines ------------------------------------------------------------


def test_nested_mappings_and_lists_give_data_and_lines(tmp_path: Path) -> None:
    document = load(tmp_path, """\
        title: A title
        as_of: 2025-06-24
        count: 3
        ratio: 2.5
        flag: true
        empty:
        nested:
          inner: value
          items:
            - first
            - second
          records:
            - id: one
              tags: [a, b]
            - id: two
        """)

    assert document.problems == []
    assert document.data == {
        "title": "A title",
        "as_of": datetime.date(2025, 6, 24),
        "count": 3,
        "ratio": 2.5,
        "flag": True,
        "empty": None,
        "nested": {
            "inner": "value",
            "items": ["first", "second"],
            "records": [{"id": "one", "tags": ["a", "b"]}, {"id": "two"}],
        },
    }
    assert type(document.data["as_of"]) is datetime.date
    assert document.lines == {
        (): 1,
        ("title",): 1,
        ("as_of",): 2,
        ("count",): 3,
        ("ratio",): 4,
        ("flag",): 5,
        ("empty",): 6,
        ("nested",): 7,
        ("nested", "inner"): 8,
        ("nested", "items"): 9,
        ("nested", "items", 0): 10,
        ("nested", "items", 1): 11,
        ("nested", "records"): 12,
        ("nested", "records", 0): 13,
        ("nested", "records", 0, "id"): 13,
        ("nested", "records", 0, "tags"): 14,
        ("nested", "records", 0, "tags", 0): 14,
        ("nested", "records", 0, "tags", 1): 14,
        ("nested", "records", 1): 15,
        ("nested", "records", 1, "id"): 15,
    }


def test_display_path_is_relative_to_root(tmp_path: Path) -> None:
    document = load(tmp_path, "a: 1\n", name="sources/topics/some-topic.yaml")
    assert document.display_path == "sources/topics/some-topic.yaml"


def test_line_of_a_missing_value_is_the_line_of_its_enclosing_mapping(tmp_path: Path) -> None:
    document = load(tmp_path, """\
        first: 1
        facts:
          - id: one
            text: something
        """)
    assert document.line_of(("facts", 0, "sources")) == 3
    assert document.line_of(("facts", 0, "text")) == 4
    assert document.line_of(("nothing", "here")) == 1
    problem = document.problem(("facts", 0, "sources"), "missing")
    assert problem == Problem("sources/data.yaml", 3, "missing", Severity.ERROR)


def test_empty_file_is_none_without_problems(tmp_path: Path) -> None:
    document = load(tmp_path, "")
    assert document.data is None
    assert document.problems == []


# -- duplicate keys ------------------------------------------------------------


def test_duplicate_top_level_key_is_rejected_at_its_line(tmp_path: Path) -> None:
    document = load(tmp_path, """\
        a: 1
        x: first
        b: 2
        x: second
        """)
    assert messages(document) == ["sources/data.yaml:4: duplicate key 'x' (first given on line 2)"]
    assert document.problems[0].severity is Severity.ERROR
    # The first value is kept; the second never silently replaces it.
    assert document.data["x"] == "first"


def test_duplicate_nested_key_is_rejected_at_its_line(tmp_path: Path) -> None:
    document = load(tmp_path, """\
        facts:
          - id: one
            text: a
          - id: two
            date: 2025-01-01
            text: b
            date: 2025-01-02
        """)
    assert messages(document) == ["sources/data.yaml:7: duplicate key 'date' (first given on line 5)"]


def test_same_key_in_different_mappings_is_not_a_duplicate(tmp_path: Path) -> None:
    document = load(tmp_path, """\
        one:
          x: 1
        two:
          x: 2
        """)
    assert document.problems == []
    assert document.data == {"one": {"x": 1}, "two": {"x": 2}}


# -- syntax errors -------------------------------------------------------------


def test_yaml_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    document = load(tmp_path, """\
        title: fine
        summary: fine
        text: this: is not allowed
        other: fine
        """)
    assert document.data is None
    assert messages(document) == [
        "sources/data.yaml:3: YAML syntax error: unexpected ': ' inside a value: put text containing ': ' in quotes"
    ]


def test_tab_indentation_is_a_syntax_error(tmp_path: Path) -> None:
    document = load(tmp_path, "a: 1\nb:\n\tc: 2\n")
    assert len(document.problems) == 1
    problem = document.problems[0]
    assert problem.line == 3
    assert problem.message.startswith("YAML syntax error: ")
    assert problem.message == "YAML syntax error: a tab in the indentation: indent with spaces, not tabs"


def test_unterminated_quote_points_at_where_the_quote_opens(tmp_path: Path) -> None:
    document = load(tmp_path, "title: 'unterminated\nsummary: fine\n")
    assert len(document.problems) == 1
    problem = document.problems[0]
    assert problem.message.startswith("YAML syntax error: ")
    assert problem.line == 1 or "line 1" in problem.message


# -- dates -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2025-02-30", "2025-13-01", "2023-02-29"])
def test_impossible_calendar_date_is_reported(tmp_path: Path, value: str) -> None:
    document = load(tmp_path, f"title: x\nas_of: {value}\n")
    assert messages(document) == [f"sources/data.yaml:2: invalid date '{value}'"]
    assert document.data == {"title": "x", "as_of": None}


def test_leap_day_is_a_date(tmp_path: Path) -> None:
    document = load(tmp_path, "as_of: 2024-02-29\n")
    assert document.problems == []
    assert document.data == {"as_of": datetime.date(2024, 2, 29)}


# -- encodings -------------------------------------------------------------------


def test_non_utf8_file_is_reported_at_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    document = load(tmp_path, b"title: fine\nsummary: fine\noutlet: Caf\xe9 News\nother: x\n")
    assert document.data is None
    assert messages(document) == ["sources/data.yaml:3: file is not valid UTF-8 (byte 0xe9)"]


def test_non_utf8_byte_on_first_line(tmp_path: Path) -> None:
    document = load(tmp_path, b"\xff\xfet\x00i\x00")
    assert messages(document) == ["sources/data.yaml:1: file is not valid UTF-8 (byte 0xff)"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    document = load(tmp_path, "\ufefftitle: Caf\u00e9\nb: 2\nb: 3\n".encode("utf-8"))
    assert document.data == {"title": "Caf\u00e9", "b": 2}
    assert "\ufefftitle" not in document.data
    # Lines are unaffected by the BOM.
    assert messages(document) == ["sources/data.yaml:3: duplicate key 'b' (first given on line 2)"]


def test_crlf_line_endings_keep_line_numbers(tmp_path: Path) -> None:
    document = load(tmp_path, b"a: 1\r\nb: 1\r\nb: 2\r\n")
    assert document.data == {"a": 1, "b": 1}
    assert messages(document) == ["sources/data.yaml:3: duplicate key 'b' (first given on line 2)"]


# -- safe loading ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("!!python/name:os.system", id="python-name-scalar"),
        pytest.param("!!python/object/apply:builtins.print", id="python-apply-scalar"),
        pytest.param("!custom tagged", id="unknown-local-tag"),
        pytest.param(
            "!!python/object:collections.OrderedDict {x: 1}",
            id="python-object-mapping",
        ),
        pytest.param(
            "!!python/object/apply:os.system ['echo hi']",
            id="python-apply-sequence",
        ),
        pytest.param(
            "!!python/object/new:builtins.list [[1, 2]]",
            id="python-new-sequence",
        ),
    ],
)
def test_python_tags_are_refused(tmp_path: Path, value: str) -> None:
    document = load(tmp_path, f"title: fine\nthing: {value}\n")
    assert len(document.problems) == 1, messages(document)
    problem = document.problems[0]
    assert problem.path == "sources/data.yaml"
    assert problem.line == 2
    assert problem.message.startswith("unsupported YAML ")
    assert document.data["title"] == "fine"
    assert document.data["thing"] is None


@pytest.mark.parametrize(
    "template",
    [
        "thing: !!python/object/apply:builtins.open [{marker}, w]\n",
        "thing: !!python/object/new:builtins.open [{marker}, w]\n",
        "thing: !!python/object/apply:builtins.open\n  args: [{marker}, w]\n",
    ],
)
def test_python_tags_are_never_executed(tmp_path: Path, template: str) -> None:
    marker = tmp_path / "executed.txt"
    document = load(tmp_path, template.format(marker=f"'{marker}'"))
    assert not marker.exists()
    # Whatever came back, it is plain data and never a Python object.
    value = document.data["thing"] if isinstance(document.data, dict) else None
    assert value is None or isinstance(value, (str, list, dict))


# -- merge keys --------------------------------------------------------------------


def test_merge_key_copies_an_anchored_mapping(tmp_path: Path) -> None:
    document = load(tmp_path, """\
        defaults: &defaults
          outlet: Alpha News
          reliability: B
        report:
          <<: *defaults
          title: A report
        """)
    assert document.problems == []
    assert document.data["report"] == {"outlet": "Alpha News", "reliability": "B", "title": "A report"}
    assert document.lines[("report", "title")] == 6


def test_merge_key_explicit_value_overrides_merged_one(tmp_path: Path) -> None:
    document = load(tmp_path, """\
        defaults: &defaults
          outlet: Alpha News
          reliability: B
        report:
          <<: *defaults
          reliability: C
        """)
    assert messages(document) == []
    assert document.data["report"] == {"outlet": "Alpha News", "reliability": "C"}
    assert document.data["defaults"] == {"outlet": "Alpha News", "reliability": "B"}
    # The explicit value keeps its own line; the merged one points at the anchor.
    assert document.lines[("report", "reliability")] == 6
    assert document.lines[("report", "outlet")] == 2


def test_merge_key_list_earlier_mapping_takes_precedence(tmp_path: Path) -> None:
    document = load(tmp_path, """\
        one: &one {x: 1}
        two: &two {x: 2, y: 2}
        both:
          <<: [*one, *two]
        """)
    assert messages(document) == []
    assert document.data["both"] == {"x": 1, "y": 2}


def test_merge_key_list_lines_follow_the_value_kept(tmp_path: Path) -> None:
    document = load(tmp_path, """\
        one: &one {x: 1}
        two: &two {x: 2, y: 2}
        both:
          <<: [*one, *two]
        """)
    assert document.data["both"] == {"x": 1, "y": 2}
    assert document.lines[("both", "x")] == 1
    assert document.lines[("both", "y")] == 2


# -- anchors and aliases -------------------------------------------------------------


def test_alias_repeats_a_value(tmp_path: Path) -> None:
    document = load(tmp_path, "first: &when 2025-01-30\nsecond: *when\n")
    assert document.problems == []
    assert document.data == {"first": datetime.date(2025, 1, 30), "second": datetime.date(2025, 1, 30)}


def test_invalid_date_used_through_an_alias_is_reported_once(tmp_path: Path) -> None:
    document = load(tmp_path, "first: &when 2025-02-30\nsecond: *when\n")
    assert messages(document) == ["sources/data.yaml:1: invalid date '2025-02-30'"]


def test_invalid_date_inside_a_merged_anchor_is_reported_once(tmp_path: Path) -> None:
    document = load(tmp_path, """\
        defaults: &defaults
          published: 2025-02-30
        report:
          <<: *defaults
          title: A report
        """)
    assert messages(document) == ["sources/data.yaml:2: invalid date '2025-02-30'"]


# -- hostile files: bounded work ------------------------------------------------------------------


def test_alias_bomb_is_refused_at_once_at_the_alias_that_blew_the_budget(tmp_path: Path) -> None:
    # Six levels stand for about 600,000 values: slow but finite if the bound regresses (the
    # command-line test runs the full nine levels in a subprocess with a timeout).
    started = time.process_time()
    document = load(tmp_path, alias_bomb(levels=6))
    assert time.process_time() - started < 1
    assert document.data is None
    # 22 distinct values allow 10,220; the first alias on line 5 brings the count to about 15,700.
    assert messages(document) == [
        "sources/data.yaml:5: aliases (*name) repeat values too many times, as in an alias bomb: use fewer aliases"
    ]


def test_many_legitimate_aliases_and_merges_are_within_the_budget(tmp_path: Path) -> None:
    entries = "".join(f"r{n}:\n  <<: *base\n  title: Title {n}\n  same: *base\n" for n in range(3000))
    document = load(tmp_path, "base: &base {outlet: A, published: 2025-01-01, reliability: B}\n" + entries)
    assert document.problems == []
    assert document.data["r2999"] == {"outlet": "A", "published": datetime.date(2025, 1, 1), "reliability": "B",
                                      "title": "Title 2999", "same": document.data["base"]}
    assert document.lines[("r2999", "title")] == 1 + 4 * 2999 + 3


@pytest.mark.parametrize(("text", "line"), [
    pytest.param("x: " + "[" * 10_000 + "\n", 1, id="10000-flow-lists"),
    pytest.param("x: " + "{a: " * 10_000 + "\n", 1, id="10000-flow-mappings"),
    pytest.param(nested_block_lists(300), 51, id="300-block-lists"),
    pytest.param(nested_block_mappings(300), 51, id="300-block-mappings"),
])
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path, text: str, line: int) -> None:
    document = load(tmp_path, text)
    assert messages(document) == [f"sources/data.yaml:{line}: nested too deeply: more than 50 levels of lists "
                                  "and mappings"]


def test_fifty_levels_of_nesting_are_fine(tmp_path: Path) -> None:
    assert load(tmp_path, nested_block_lists(50)).problems == []
    assert load(tmp_path, nested_block_mappings(50)).problems == []
    assert load(tmp_path, "[" * 50 + "]" * 50 + "\n").problems == []


def test_nesting_built_through_aliases_is_bounded_too(tmp_path: Path) -> None:
    chain = "a0: &a0 " + "[" * 40 + "]" * 40 + "\n" + "".join(
        f"a{n}: &a{n} " + "[" * 5 + f"*a{n - 1}" + "]" * 5 + "\n" for n in range(1, 4))
    document = load(tmp_path, chain)
    assert messages(document) == ["sources/data.yaml:3: nested too deeply: more than 50 levels of lists and mappings"]


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    document = load(tmp_path, "title: fine\nloop: &loop [a, *loop]\n")
    assert messages(document) == [
        "sources/data.yaml:2: an alias refers to the value that contains it: recursive data is not allowed"
    ]


@pytest.mark.parametrize(("written", "digits"), [
    ("9" * 5000, 5000),
    ("-" + "1" * 4301, 4301),
    ("0x" + "f" * 1001, 1001),
    ("1_000" * 300, 1200),
])
def test_a_number_too_long_is_refused_by_its_digits(tmp_path: Path, written: str, digits: int) -> None:
    document = load(tmp_path, f"title: x\nvalue: {written}\n")
    assert messages(document) == [f"sources/data.yaml:2: number too long: {digits} digits (the limit is 1000)"]
    assert document.data == {"title": "x", "value": None}
    assert document.rejected == {("value",)}


def test_the_largest_64_bit_numbers_are_numbers(tmp_path: Path) -> None:
    document = load(tmp_path, "a: 9223372036854775807\nb: -9223372036854775807\nc: 0x7fffffffffffffff\n")
    assert document.data == {"a": 2**63 - 1, "b": -(2**63 - 1), "c": 2**63 - 1}
    assert document.problems == []


# -- line numbers past U+2028, U+2029 and NEL ---------------------------------------------------------------


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separators_do_not_shift_line_numbers(tmp_path: Path, separator: str) -> None:
    document = load(tmp_path, f'a: "one{separator}two"\nlist: [x,{separator} y]\nb: 1\nb: 2\n')
    assert messages(document) == ["sources/data.yaml:4: duplicate key 'b' (first given on line 3)"]
    assert document.lines == {(): 1, ("a",): 1, ("list",): 2, ("list", 0): 2, ("list", 1): 2, ("b",): 3}


def test_a_line_separator_in_an_unquoted_value_is_explained(tmp_path: Path) -> None:
    document = load(tmp_path, "title: fine\ntext: one\u2028two\nother: x\n")
    assert messages(document) == [
        "sources/data.yaml:2: YAML syntax error: could not find the ':' after this key: write 'key: value', or put "
        "the text in quotes (this line holds U+2028 (LINE SEPARATOR), which YAML reads as a line break: put the text "
        "in quotes)"
    ]


def test_lone_carriage_returns_are_line_breaks(tmp_path: Path) -> None:
    document = load(tmp_path, b'a: "x\xe2\x80\xa8y"\rb: 1\rb: 2\r')
    assert messages(document) == ["sources/data.yaml:3: duplicate key 'b' (first given on line 2)"]


# -- syntax errors in plain words ------------------------------------------------------------------------------

SYNTAX_ERRORS = [
    pytest.param("a: 1\nb:\n\tc: 2\n", 3, "a tab in the indentation: indent with spaces, not tabs", id="tab"),
    pytest.param("title: fine\ntext: this: that\n", 2,
                 "unexpected ': ' inside a value: put text containing ': ' in quotes", id="colon-in-value"),
    pytest.param('title: fine\ntext: "never closed\nother: x\n\nmore: y\n', 2,
                 'unclosed quote: this string opened with " is never closed', id="unclosed-double-quote"),
    pytest.param("title: fine\ntext: 'never closed\nother: x\n", 2,
                 "unclosed quote: this string opened with ' is never closed", id="unclosed-single-quote"),
    pytest.param('path: "C:\\Users\\me"\n', 1,
                 "a backslash in a \"double-quoted\" string starts an escape sequence: write \\\\ for a backslash, "
                 "or use 'single quotes'", id="bad-escape"),
    pytest.param("title: fine\nsummary\nas_of: 2025-01-01\n", 2,
                 "could not find the ':' after this key: write 'key: value', or put the text in quotes",
                 id="missing-colon"),
    pytest.param("facts:\n  - id: x\n   text: y\n", 3,
                 "the indentation does not line up: indent the keys of one mapping, and the items of one list, "
                 "by the same number of spaces", id="misaligned-list-item"),
    pytest.param("a:\n    b: 1\n  c: 2\n", 3,
                 "the indentation does not line up: indent the keys of one mapping, and the items of one list, "
                 "by the same number of spaces", id="misaligned-mapping"),
    pytest.param("title: @handle\n", 1, "a value cannot start with '@': put the value in quotes", id="at-sign"),
    pytest.param("title: `code`\n", 1, "a value cannot start with '`': put the value in quotes", id="backtick"),
    pytest.param("tags: [a, b\nfacts: x\n", 1, "the list opened with '[' is never closed: add the missing ']'",
                 id="unclosed-list"),
    pytest.param("quote: {text: a, speaker: b\nfacts: x\n", 1,
                 "the mapping opened with '{' is never closed: add the missing '}'", id="unclosed-mapping"),
    pytest.param("a: 1\n---\nb: 2\n", 2, "a second document ('---') in the file: keep one document per file",
                 id="two-documents"),
]


@pytest.mark.parametrize(("text", "line", "message"), SYNTAX_ERRORS)
def test_syntax_errors_are_explained_with_the_fix(tmp_path: Path, text: str, line: int, message: str) -> None:
    document = load(tmp_path, text)
    assert document.data is None
    assert messages(document) == [f"sources/data.yaml:{line}: YAML syntax error: {message}"]


def test_a_control_character_written_raw_in_the_file(tmp_path: Path) -> None:
    document = load(tmp_path, "title: fine\ntext: ring \x07 the bell\n")
    assert messages(document) == [
        "sources/data.yaml:2: the file contains the control character U+0007 (BELL): remove it"
    ]


# -- keys and values ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "message"), [
    ("1", "mapping keys must be text: 1 is a number; put it in quotes"),
    ("2.5", "mapping keys must be text: 2.5 is a number; put it in quotes"),
    ("true", "mapping keys must be text: true is a true/false value; put it in quotes"),
    ("null", "mapping keys must be text: null is empty (null); put it in quotes"),
    ("2025-01-01", "mapping keys must be text: 2025-01-01 is a date; put it in quotes"),
    ("[a, b]", "mapping keys must be text, not a list or mapping"),
    ("!!binary aGVsbG8=", "mapping keys must be text: aGVsbG8= is binary data; put it in quotes"),
])
def test_mapping_keys_must_be_text(tmp_path: Path, key: str, message: str) -> None:
    document = load(tmp_path, f"title: fine\n? {key}\n: value\n")
    assert messages(document) == [f"sources/data.yaml:2: {message}"]
    assert document.data == {"title": "fine"}


def test_true_and_one_as_keys_are_two_problems_not_a_duplicate(tmp_path: Path) -> None:
    document = load(tmp_path, "1: a\ntrue: b\n'1': c\n")
    assert messages(document) == ["sources/data.yaml:1: mapping keys must be text: 1 is a number; put it in quotes",
                                  "sources/data.yaml:2: mapping keys must be text: true is a true/false value; "
                                  "put it in quotes"]
    assert document.data == {"1": "c"}


@pytest.mark.parametrize(("written", "described"), [
    ('"\\e[31mred"', "U+001B (ESCAPE)"),
    ('"\\x07"', "U+0007 (BELL)"),
    ('"\\0"', "U+0000 (NULL)"),
    ('"a\\rb"', "U+000D (CARRIAGE RETURN)"),
    ('"\\x7f"', "U+007F (DELETE)"),
    ('"\\x80"', "U+0080"),
    ('"\\x9b"', "U+009B"),
    ('"\\N"', "U+0085 (NEXT LINE)"),
    ("abc\u202edef", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ('"\\u202a"', "U+202A (LEFT-TO-RIGHT EMBEDDING)"),
    ("x\u2066y\u2069", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
    ("'\u2069'", "U+2069 (POP DIRECTIONAL ISOLATE)"),
])
def test_control_characters_in_text_are_refused(tmp_path: Path, written: str, described: str) -> None:
    document = load(tmp_path, f"title: fine\ntext: {written}\n")
    assert messages(document) == [f"sources/data.yaml:2: text contains the control character {described}: remove it"]
    assert document.data == {"title": "fine", "text": None}
    assert document.rejected == {("text",)}


def test_control_characters_in_keys_are_refused(tmp_path: Path) -> None:
    document = load(tmp_path, "title: fine\n\u202etext: x\n")
    assert messages(document) == [
        "sources/data.yaml:2: text contains the control character U+202E (RIGHT-TO-LEFT OVERRIDE): remove it"
    ]
    assert document.data == {"title": "fine"}


def test_tabs_newlines_and_line_separators_in_text_are_fine(tmp_path: Path) -> None:
    document = load(tmp_path, 'text: "a\\tb\\nc\\Ld\\Pe"\nother: |\n  one\n  two\n')
    assert document.problems == []
    assert document.data == {"text": "a\tb\nc\u2028d\u2029e", "other": "one\ntwo\n"}


# -- values no later stage could carry ---------------------------------------------------------------------------

LONE = "which is not a character: remove it"


@pytest.mark.parametrize(("written", "message"), [
    ('"Talks \\ud83d\\udca3"', "text contains the surrogate pair \\ud83d\\udca3, which YAML does not combine into a "
                               "character: write the character itself, or \\U0001F4A3"),
    ('"\\uD83D\\uDE00!"', "text contains the surrogate pair \\ud83d\\ude00, which YAML does not combine into a "
                          "character: write the character itself, or \\U0001F600"),
    ('"end \\ud83d"', f"text contains \\ud83d, a lone surrogate, {LONE}"),
    ('"\\udca3 first"', f"text contains \\udca3, a lone surrogate, {LONE}"),
    ('"\\ud83d\\ud83d"', f"text contains \\ud83d, a lone surrogate, {LONE}"),
    ('"\\U0000DFFF"', f"text contains \\udfff, a lone surrogate, {LONE}"),
])
def test_a_surrogate_escape_is_refused(tmp_path: Path, written: str, message: str) -> None:
    document = load(tmp_path, f"title: fine\ntext: {written}\n")
    assert messages(document) == [f"sources/data.yaml:2: {message}"]
    assert document.data == {"title": "fine", "text": None}
    assert document.rejected == {("text",)}


def test_a_surrogate_in_a_key_is_refused(tmp_path: Path) -> None:
    document = load(tmp_path, 'title: fine\n"key\\udca3": x\nlist: ["\\ud800"]\n')
    assert messages(document) == [f"sources/data.yaml:2: text contains \\udca3, a lone surrogate, {LONE}",
                                  f"sources/data.yaml:3: text contains \\ud800, a lone surrogate, {LONE}"]
    assert document.data == {"title": "fine", "list": [None]}


def test_an_escape_past_the_last_character_is_one_located_error(tmp_path: Path) -> None:
    document = load(tmp_path, 'title: fine\ntext: "a \\U00110000 b"\n')
    assert messages(document) == ['sources/data.yaml:2: the escape \\U00110000 in a "double-quoted" string is past '
                                  "the last Unicode character (\\U0010FFFF): write the character itself"]
    document = load(tmp_path, 'text: "\\UFFFFFFFF"\n')
    assert messages(document)[0].startswith("sources/data.yaml:1: the escape \\UFFFFFFFF in a")


@pytest.mark.parametrize(("written", "message"), [
    (".nan", "'.nan' is not a finite number: write a number, or put text in quotes"),
    (".NaN", "'.NaN' is not a finite number: write a number, or put text in quotes"),
    (".inf", "'.inf' is not a finite number: write a number, or put text in quotes"),
    ("-.Inf", "'-.Inf' is not a finite number: write a number, or put text in quotes"),
    ("!!float infinity", "'infinity' is not a finite number: write a number, or put text in quotes"),
    ("1.0e+400", "number out of range: '1.0e+400' (numbers must lie within \u00b11.8e308): put it in quotes to "
                 "keep it as text"),
    ("-2.5e+999", "number out of range: '-2.5e+999' (numbers must lie within \u00b11.8e308): put it in quotes to "
                  "keep it as text"),
    ("123456789012345678901234567890", "number out of range: '123456789012345678901234567890' (whole numbers must "
                                       "lie within \u00b19,223,372,036,854,775,807): put it in quotes to keep it as "
                                       "text"),
    ("-9223372036854775808", "number out of range: '-9223372036854775808' (whole numbers must lie within "
                             "\u00b19,223,372,036,854,775,807): put it in quotes to keep it as text"),
    ("0x8000000000000000", "number out of range: '0x8000000000000000' (whole numbers must lie within "
                           "\u00b19,223,372,036,854,775,807): put it in quotes to keep it as text"),
    ("9" * 1000, "number out of range: '" + "9" * 39 + "\u2026' (whole numbers must lie within "
                 "\u00b19,223,372,036,854,775,807): put it in quotes to keep it as text"),
    ("!!binary aGVsbG8=", "binary data (!!binary) is not allowed: write text"),
])
def test_a_number_json_cannot_hold_and_binary_data_are_refused(tmp_path: Path, written: str, message: str) -> None:
    document = load(tmp_path, f"title: fine\nvalue: {written}\n")
    assert messages(document) == [f"sources/data.yaml:2: {message}"]
    assert document.data == {"title": "fine", "value": None}
    assert document.rejected == {("value",)}


def test_what_json_can_hold_passes_and_comes_back_the_same(tmp_path: Path) -> None:
    # The parse cache stores the loader's data with orjson: whatever loads must come back exactly.
    document = load(tmp_path, "a: -0.0\nb: 1.7976931348623157e+308\nc: 1.0e-400\nd: 9223372036854775807\n"
                              "e: -9223372036854775807\nf: '1e400'\ng: \"\\U0001F4A3 \\u00e9\"\nh: 190:20:30\n")
    assert document.problems == []
    assert document.data == {"a": -0.0, "b": 1.7976931348623157e308, "c": 0.0, "d": 2**63 - 1, "e": -(2**63 - 1),
                             "f": "1e400", "g": "\U0001f4a3 \u00e9", "h": 685230}
    assert orjson.loads(orjson.dumps(document.data)) == document.data


@pytest.mark.parametrize(("written", "message"), [
    ("!!bool maybe", "invalid true/false value 'maybe'"),
    ("!!bool ''", "invalid true/false value ''"),
    ("!!timestamp soon", "invalid date 'soon'"),
    ('!!int "1\\n2"', "invalid number '1\\n2'"),
    ('!!float "\\ud83d"', "invalid number '\\ud83d'"),
    ("!!int " + "x" * 60, f"invalid number '{'x' * 39}\u2026'"),
])
def test_a_tagged_value_pyyaml_cannot_build_is_one_line(tmp_path: Path, written: str, message: str) -> None:
    document = load(tmp_path, f"title: fine\nvalue: {written}\n")
    assert messages(document) == [f"sources/data.yaml:2: {message}"]
    assert document.data == {"title": "fine", "value": None}
