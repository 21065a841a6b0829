"""Missing archives in one line: the README's first build (no seed articles copied) says so once, not eight times.

Each reference's ``archive-missing`` finding is kept (acknowledged, and failing ``--strict``, per reference;
``check --format json`` counts each); only the lines printed for the user are summed up, and ``--verbose`` lists
each. Read back from the commands' own output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefings.cli import main
from briefings.cli.findings import warning_lines
from briefings.errors import Problem, Severity
from tests.conftest import copy_example, write

SUMMARY = ("sources/references.yaml: warning: 8 references have no archived copy in sources/archive "
           "(000_1a6500208d1d1e15.txt and 4 other files): their quotes and evidence are not checked; "
           "see sources/archive/README.md, or give --archive-dir DIR (--verbose lists each) [archive-missing]")


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    return result


def missing_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.endswith("[archive-missing]")]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example as a fresh clone has it: sources/archive/ holds only its README."""
    root = copy_example(tmp_path_factory.mktemp("fresh") / "example")
    assert [path.name for path in (root / "sources/archive").iterdir()] == ["README.md"]
    return root


def test_check_says_it_once(example: Path) -> None:
    result = invoke("check", "--project", str(example))
    assert result.exit_code == 0, result.output
    assert missing_lines(result) == [SUMMARY]
    # The count still counts every finding.
    assert "8 warning(s)" in result.stdout


def test_check_verbose_lists_each_reference(example: Path) -> None:
    result = invoke("check", "--project", str(example), "--verbose")
    lines = missing_lines(result)
    assert len(lines) == 8
    assert lines[0].startswith("sources/references.yaml:20: warning: reference 'afp-uk-ukraine-ties': archive "
                               "'000_1a6500208d1d1e15.txt' (sources/archive/000_1a6500208d1d1e15.txt) does not exist")


def test_check_json_counts_every_finding(example: Path) -> None:
    result = invoke("check", "--project", str(example), "--format", "json")
    assert json.loads(result.stdout)["warnings"] == 8
    assert missing_lines(result) == [SUMMARY]


def test_strict_fails_on_each_reference(example: Path) -> None:
    result = invoke("check", "--project", str(example), "--strict")
    assert result.exit_code == 1
    failed = [line for line in result.stderr.splitlines() if line.endswith("[archive-missing] (--strict)")]
    assert len(failed) == 8 and result.stderr.endswith("check failed: 8 errors.\n")


def test_build_says_it_once(example: Path) -> None:
    result = invoke("build", "--project", str(example), "--format", "md")
    assert result.exit_code == 0, result.output
    assert missing_lines(result) == [SUMMARY]


def test_one_acknowledged_leaves_seven_in_the_line(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    references = root / "sources/references.yaml"
    text = references.read_text("utf-8")
    write(root, "sources/references.yaml", text.replace(
        "afp-uk-ukraine-ties:\n", "afp-uk-ukraine-ties:\n  acknowledge:\n    archive-missing: Kept elsewhere.\n", 1))
    result = invoke("check", "--project", str(root))
    assert result.exit_code == 0, result.output
    assert missing_lines(result) == [SUMMARY.replace("8 references", "7 references")]


def test_a_single_missing_archive_is_its_own_line() -> None:
    one = Problem("sources/references.yaml", 3, "reference 'a': archive 'a.txt' (sources/archive/a.txt) does not "
                  "exist: its quotes and evidence cannot be verified", Severity.WARNING, "archive-missing")
    other = Problem("sources/topics/t.yaml", 4, "something else", Severity.WARNING, "single-outlet")
    assert warning_lines([other, one], Path(".")) == [str(other), str(one)]


def test_the_summary_stands_where_the_first_stood_and_names_an_outside_directory(tmp_path: Path) -> None:
    def missing(reference: str, name: str, shown: str) -> Problem:
        return Problem("sources/references.yaml", 1, f"reference '{reference}': archive '{name}' ({shown}) does not "
                       "exist: its quotes and evidence cannot be verified", Severity.WARNING, "archive-missing")

    other = Problem("sources/topics/t.yaml", 4, "something else", Severity.WARNING, "single-outlet")
    outside = tmp_path / "elsewhere"
    lines = warning_lines([missing("a", "a.txt", f"{outside}/a.txt"), other,
                           missing("b", "a.txt", f"{outside}/a.txt")], tmp_path)
    assert lines == [f"sources/references.yaml: warning: 2 references have no archived copy in {outside} (a.txt): "
                     "their quotes and evidence are not checked; give --archive-dir DIR (--verbose lists each) "
                     "[archive-missing]", str(other)]
