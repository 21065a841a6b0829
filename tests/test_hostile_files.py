"""Hostile and broken files through the ``briefings check`` command line.

Whatever a project holds, the user gets one ``path:LINE: message`` line per
problem, exit code 1 and no traceback; nothing outside the project is read or
shown, and nothing hangs. Cases that would hang if the protection regressed
run the command in a subprocess with a timeout.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REFERENCES, TOPIC, write
from .test_errors_cli import REFERENCES_FILE, SETTINGS_FILE, TOPIC_FILE, assert_failed_with, changed, check, line_of
from .test_load import alias_bomb, nested_block_lists, nested_block_mappings

SECRET = "outside-secret-content: the project must never show this\n"
TOPICS_DIR = "sources/topics"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A YAML file next to the project, not in it."""
    return write(tmp_path, "elsewhere/secret.yaml", SECRET)


def run_check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "briefings", "check", "--project", str(root)],
                          capture_output=True, text=True, timeout=20,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def assert_subprocess_failed_with(result: subprocess.CompletedProcess[str], expected_lines: list[str]) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    errors = len(expected_lines)
    assert result.stderr.splitlines() == [*expected_lines, f"check failed: {errors} error{'s' if errors > 1 else ''}."]


def topic_with(old: str, new: str) -> str:
    return changed(TOPIC, old, new)


# -- files that must not be read ------------------------------------------------------------------------


def _replace_with_link(root: Path, relative: str, target: Path | str) -> None:
    path = root / relative
    if path.exists() or path.is_symlink():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


OUTSIDE_LINKS = [
    pytest.param(REFERENCES_FILE, f"{REFERENCES_FILE}: is a symbolic link to a file outside the project: refused",
                 id="references"),
    pytest.param(SETTINGS_FILE, f"{SETTINGS_FILE}: is a symbolic link to a file outside the project: refused",
                 id="settings"),
    pytest.param("sources/topics/secret.yaml",
                 "sources/topics/secret.yaml: is a symbolic link to a file outside the project: refused",
                 id="topic"),
]


@pytest.mark.parametrize(("relative", "message"), OUTSIDE_LINKS)
def test_a_file_linked_from_outside_the_project_is_refused_unread(project: Path, outside: Path, relative: str,
                                                                  message: str) -> None:
    _replace_with_link(project, relative, outside)

    result = check(project)

    assert_failed_with(result, [message])
    assert "outside-secret" not in result.output
    assert str(outside.parent) not in result.output


def test_a_topics_directory_linked_from_outside_is_refused(project: Path, outside: Path) -> None:
    write(outside.parent, "test-topic.yaml", TOPIC)
    (project / TOPICS_DIR / "test-topic.yaml").unlink()
    (project / TOPICS_DIR).rmdir()
    (project / TOPICS_DIR).symlink_to(outside.parent)

    result = check(project)

    assert_failed_with(result, [f"{TOPICS_DIR}: is a symbolic link to a directory outside the project: refused"])
    assert "outside-secret" not in result.output


def test_a_sources_directory_linked_from_outside_is_refused(project: Path, outside: Path) -> None:
    write(outside.parent, "references.yaml", REFERENCES + SECRET)
    write(outside.parent, "topics/test-topic.yaml", TOPIC)
    for path in sorted((project / "sources").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (project / "sources").rmdir()
    (project / "sources").symlink_to(outside.parent)

    result = check(project)

    assert_failed_with(result, [
        f"{REFERENCES_FILE}: is a symbolic link to a file outside the project: refused",
        f"{TOPICS_DIR}: is a symbolic link to a directory outside the project: refused",
    ])
    assert "outside-secret" not in result.output


def test_a_link_that_stays_inside_the_project_is_read(project: Path) -> None:
    write(project, "shared/topic.yaml", TOPIC)
    _replace_with_link(project, TOPIC_FILE, "../../shared/topic.yaml")

    result = check(project)

    assert result.exit_code == 0, result.output


def test_a_link_to_dev_zero_is_refused_without_hanging(project: Path) -> None:
    _replace_with_link(project, "sources/topics/zero.yaml", "/dev/zero")

    assert_subprocess_failed_with(run_check(project), [
        "sources/topics/zero.yaml: is a symbolic link to a file outside the project: refused"])


def test_a_fifo_is_refused_without_hanging(project: Path) -> None:
    os.mkfifo(project / "sources/topics/pipe.yaml")

    assert_subprocess_failed_with(run_check(project), [
        "sources/topics/pipe.yaml: is a named pipe (FIFO), not a regular file: refused"])


def test_a_fifo_as_the_references_file_is_refused_without_hanging(project: Path) -> None:
    (project / REFERENCES_FILE).unlink()
    os.mkfifo(project / REFERENCES_FILE)

    result = run_check(project)

    assert result.stderr.splitlines()[0] == f"{REFERENCES_FILE}: is a named pipe (FIFO), not a regular file: refused"
    assert result.returncode == 1


def test_a_device_file_in_the_project_is_refused(project: Path) -> None:
    try:
        os.mknod(project / "sources/topics/device.yaml", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("creating a device file needs privileges")

    assert_subprocess_failed_with(run_check(project), [
        "sources/topics/device.yaml: is a device, not a regular file: refused"])


def test_a_symlink_loop_is_refused(project: Path) -> None:
    _replace_with_link(project, "sources/topics/loop.yaml", "loop.yaml")
    _replace_with_link(project, SETTINGS_FILE, "briefings.yaml")

    assert_failed_with(check(project), [
        f"{SETTINGS_FILE}: is a symbolic link loop",
        "sources/topics/loop.yaml: is a symbolic link loop",
    ])


def test_a_broken_link_is_reported_not_taken_for_a_missing_file(project: Path) -> None:
    _replace_with_link(project, REFERENCES_FILE, "gone.yaml")

    result = check(project)

    lines = result.stderr.splitlines()
    assert lines[0] == f"{REFERENCES_FILE}: is a broken symbolic link (what it points to does not exist)"
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_a_directory_named_like_a_topic_file_is_refused(project: Path) -> None:
    (project / "sources/topics/x.yaml").mkdir()

    assert_failed_with(check(project), ["sources/topics/x.yaml: is a directory, not a file"])


def test_an_unreadable_file_is_permission_denied(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def refusing_open(name: str | os.PathLike[str], *args: object, **kwargs: object) -> int:
        if str(name).endswith("test-topic.yaml"):
            raise PermissionError(13, "Permission denied", str(name))
        return real_open(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing_open)

    assert_failed_with(check(project), [f"{TOPIC_FILE}: cannot read file: permission denied"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_permission_denied_for_real(project: Path) -> None:
    (project / TOPIC_FILE).chmod(0)
    try:
        assert_failed_with(check(project), [f"{TOPIC_FILE}: cannot read file: permission denied"])
    finally:
        (project / TOPIC_FILE).chmod(0o644)


def test_a_file_over_the_size_limit_is_refused(project: Path) -> None:
    with (project / "sources/topics/huge.yaml").open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)

    assert_failed_with(check(project), [
        "sources/topics/huge.yaml: file is too large: 6.0 MiB (the limit is 5.0 MiB)"])


@pytest.mark.parametrize(("name", "shown", "message"), [
    ("a\nb.yaml", "a\\nb.yaml", "file name contains the control character U+000A (LINE FEED): rename the file"),
    ("a\x1b[2Jb.yaml", "a\\x1b[2Jb.yaml", "file name contains the control character U+001B (ESCAPE): rename the file"),
    ("a\u202egpj.yaml", "a\\u202egpj.yaml",
     "file name contains the control character U+202E (RIGHT-TO-LEFT OVERRIDE): rename the file"),
    (os.fsdecode(b"caf\xe9.yaml"), "caf\\xe9.yaml", "file name is not valid UTF-8 (byte 0xe9): rename the file"),
])
def test_a_file_name_with_control_characters_is_refused_and_shown_escaped(project: Path, name: str, shown: str,
                                                                          message: str) -> None:
    write(project, f"{TOPICS_DIR}/{name}", TOPIC)

    assert_failed_with(check(project), [f"{TOPICS_DIR}/{shown}: {message}"])


def test_hidden_files_and_editor_leftovers_are_ignored(project: Path) -> None:
    for name in (".test-topic.yaml.swp", "test-topic.yaml~", "#test-topic.yaml#", ".hidden.yaml"):
        write(project, f"{TOPICS_DIR}/{name}", "broken: [\n")
    (project / TOPICS_DIR / ".#test-topic.yaml").symlink_to("user@host.12345:1700000000")

    result = check(project)

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: 1 topic(s)")


# -- YAML that would exhaust time or memory --------------------------------------------------------------------------


def test_an_alias_bomb_is_refused_at_once(project: Path) -> None:
    write(project, TOPIC_FILE, TOPIC + "lols:\n" + "".join(f"  {line}\n" for line in alias_bomb().splitlines()))
    written = (project / TOPIC_FILE).read_text()

    assert_subprocess_failed_with(run_check(project), [
        f"{TOPIC_FILE}:{line_of(written, 'l4: &l4')}: aliases (*name) repeat values too many times, "
        "as in an alias bomb: use fewer aliases"])


@pytest.mark.parametrize("nesting", [
    pytest.param("tags: " + "[" * 10_000 + "\n", id="10000-flow-lists"),
    pytest.param("tags:\n" + "".join("  " + line + "\n" for line in nested_block_lists(300).splitlines()),
                 id="300-block-lists"),
    pytest.param("figures:\n" + "".join("  " + line + "\n" for line in nested_block_mappings(300).splitlines()),
                 id="300-block-mappings"),
])
def test_deep_nesting_is_refused_without_a_recursion_error(project: Path, nesting: str) -> None:
    text = TOPIC.replace("tags: [testing, talks]\n", "").replace("figures:", "other:") + nesting
    write(project, TOPIC_FILE, text)
    flow = nesting.startswith("tags: [")
    line = len(text.splitlines()) - nesting.count("\n") + (1 if flow else 51)

    assert_subprocess_failed_with(run_check(project), [
        f"{TOPIC_FILE}:{line}: nested too deeply: more than 50 levels of lists and mappings"])


def test_a_recursive_alias_is_refused(project: Path) -> None:
    text = write(project, TOPIC_FILE, topic_with("tags: [testing, talks]", "tags: &tags [testing, *tags]")).read_text()

    assert_failed_with(check(project), [
        f"{TOPIC_FILE}:{line_of(text, '&tags')}: an alias refers to the value that contains it: "
        "recursive data is not allowed"])


def test_a_number_too_long_is_refused(project: Path) -> None:
    text = write(project, TOPIC_FILE, topic_with("value: 50000", "value: " + "7" * 5000)).read_text()

    assert_failed_with(check(project), [
        f"{TOPIC_FILE}:{line_of(text, '7777')}: number too long: 5000 digits (the limit is 1000)"])


# -- line numbers past U+2028, U+2029 and NEL ---------------------------------------------------------------------


def test_line_separators_in_text_do_not_shift_later_line_numbers(project: Path) -> None:
    text = write(project, TOPIC_FILE, topic_with(
        "text: The two leaders held talks in London.",
        'text: "The two leaders\u2028held talks\u2029in London\x85and Kyiv."').replace(
        "    unit: troops", "    unti: troops").replace("- id: second-fact", "- id: second-fact\n    date: 2025-06-31"),
    ).read_text()

    # str.splitlines() would count the separators as line breaks too, as PyYAML does.
    real_lines = text.split("\n")
    assert len(real_lines) == len(text.splitlines()) - 3 + 1

    assert_failed_with(check(project), [
        f"{TOPIC_FILE}:{real_lines.index('    date: 2025-06-31') + 1}: invalid date '2025-06-31'",
        f"{TOPIC_FILE}:{real_lines.index('    unti: troops') + 1}: figures[0]: unknown field 'unti'",
    ])


# -- syntax errors explained ------------------------------------------------------------------------------------------

INDENTATION = ("the indentation does not line up: indent the keys of one mapping, and the items of one list, "
               "by the same number of spaces")

SYNTAX = [
    pytest.param("    section: The talks\n", "\tsection: The talks\n", "section",
                 "a tab in the indentation: indent with spaces, not tabs", id="tab"),
    pytest.param("summary: The bottom line, first.", "summary: Bottom line: talks held.", "summary",
                 "unexpected ': ' inside a value: put text containing ': ' in quotes", id="colon"),
    pytest.param("summary: The bottom line, first.", 'summary: "The bottom line, first.', "summary",
                 'unclosed quote: this string opened with " is never closed', id="unclosed-double-quote"),
    pytest.param("title: Test topic", "title: 'Test topic", "title",
                 "unclosed quote: this string opened with ' is never closed", id="unclosed-single-quote"),
    pytest.param("review_by: 2099-01-01", "review_by 2099-01-01", "review_by",
                 "could not find the ':' after this key: write 'key: value', or put the text in quotes",
                 id="missing-colon"),
    pytest.param("    sources: [alpha-report, beta-wire]", "   sources: [alpha-report, beta-wire]",
                 "sources: [alpha-report, beta-wire]", INDENTATION, id="indentation"),
    pytest.param("    section: The talks", "    section: @talks", "@talks",
                 "a value cannot start with '@': put the value in quotes", id="at-sign"),
    pytest.param("tags: [testing, talks]", "tags: [testing, talks", "tags:",
                 "the list opened with '[' is never closed: add the missing ']'", id="unclosed-list"),
    pytest.param("    sources: [alpha-report]\n    quote:", "    sources: [alpha-report]\n    quote: {text: a",
                 "quote:", "the mapping opened with '{' is never closed: add the missing '}'", id="unclosed-mapping"),
]


@pytest.mark.parametrize(("old", "new", "needle", "message"), SYNTAX)
def test_syntax_errors_are_explained_with_the_fix(project: Path, old: str, new: str, needle: str,
                                                  message: str) -> None:
    text = write(project, TOPIC_FILE, topic_with(old, new)).read_text()

    assert_failed_with(check(project), [f"{TOPIC_FILE}:{line_of(text, needle)}: YAML syntax error: {message}"])


def test_a_raw_control_character_in_the_file(project: Path) -> None:
    text = write(project, TOPIC_FILE, topic_with("Test topic", "Test \x1b[31mtopic")).read_text()

    assert_failed_with(check(project), [
        f"{TOPIC_FILE}:{line_of(text, 'title:')}: the file contains the control character U+001B (ESCAPE): "
        "remove it"])


# -- keys and values -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "kind"), [
    ("1", "a number"), ("true", "a true/false value"), ("null", "empty (null)"), ("2025-01-01", "a date"),
])
def test_a_key_that_is_not_text(project: Path, key: str, kind: str) -> None:
    text = write(project, TOPIC_FILE, topic_with("as_of: 2025-06-24", f"as_of: 2025-06-24\n{key}: x")).read_text()

    assert_failed_with(check(project), [
        f"{TOPIC_FILE}:{line_of(text, f'{key}: x')}: mapping keys must be text: {key} is {kind}; put it in quotes"])


def test_a_reference_id_that_is_a_date(project: Path) -> None:
    text = write(project, REFERENCES_FILE, REFERENCES + "2025-01-01:\n  outlet: x\n").read_text()

    assert_failed_with(check(project), [
        f"{REFERENCES_FILE}:{line_of(text, '2025-01-01:')}: mapping keys must be text: 2025-01-01 is a date; "
        "put it in quotes"])


@pytest.mark.parametrize(("written", "described"), [
    ('"\\e[31mred\\e[0m talks"', "U+001B (ESCAPE)"),
    ('"talks\\x07"', "U+0007 (BELL)"),
    ('"talks\\x9b"', "U+009B"),
    ('"talks\\x7f"', "U+007F (DELETE)"),
    ("talks \u202edeh", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("talks \u2067held\u2069", "U+2067 (RIGHT-TO-LEFT ISOLATE)"),
])
def test_control_characters_in_text_are_one_error(project: Path, written: str, described: str) -> None:
    text = write(project, TOPIC_FILE, topic_with("title: Test topic", f"title: {written}")).read_text()

    # One error: not also "title: expected text" for the value the loader rejected.
    assert_failed_with(check(project), [
        f"{TOPIC_FILE}:{line_of(text, 'title:')}: text contains the control character {described}: remove it"])


def test_a_bidirectional_control_in_a_reference_id(project: Path) -> None:
    text = write(project, REFERENCES_FILE, REFERENCES.replace("beta-wire:", "beta-wire\u202e:")).read_text()

    result = check(project)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{REFERENCES_FILE}:{line_of(text, 'beta-wire')}: text contains the control character U+202E "
        "(RIGHT-TO-LEFT OVERRIDE): remove it")
    assert "\u202e" not in result.output


def test_every_hostile_file_is_reported_in_one_run(project: Path, outside: Path) -> None:
    os.mkfifo(project / "sources/topics/pipe.yaml")
    _replace_with_link(project, "sources/topics/secret.yaml", outside)
    write(project, "sources/topics/bomb.yaml", alias_bomb())
    write(project, "sources/topics/deep.yaml", "title: " + "[" * 10_000 + "\n")

    assert_subprocess_failed_with(run_check(project), [
        "sources/topics/bomb.yaml:5: aliases (*name) repeat values too many times, as in an alias bomb: "
        "use fewer aliases",
        "sources/topics/deep.yaml:1: nested too deeply: more than 50 levels of lists and mappings",
        "sources/topics/pipe.yaml: is a named pipe (FIFO), not a regular file: refused",
        "sources/topics/secret.yaml: is a symbolic link to a file outside the project: refused",
    ])



@pytest.mark.parametrize("tag", ["!!float", "!!int"])
def test_an_explicitly_tagged_empty_number_is_one_located_error(project: Path, tag: str) -> None:
    written = write(project, TOPIC_FILE, TOPIC + f"stray: {tag}\n").read_text()
    result = check(project)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"{TOPIC_FILE}:{len(written.splitlines())}: invalid number ''"
