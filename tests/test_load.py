"""Unit tests of stage 1: briefings.load.load_yaml."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from briefings.errors import Problem, Severity
from briefings.load import YamlDocument, load_yaml

from .conftest import write


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
