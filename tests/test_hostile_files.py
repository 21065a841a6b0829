"""Hostile and broken files through the ``briefings check`` command line.

Whatever a project holds, the user gets one ``path:LINE: message`` line per
problem, exit code 1 and no traceback; nothing outside the project is read or
shown, and nothing hangs. Cases that would hang if the protection regressed
run the command in a subprocess with a timeout. Values that no later stage
could carry (a surrogate escape, a number that is not finite or beyond 64
bits) go through ``check``, ``build`` and ``publish``, over outputs that must
stay as they were.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import (
    REFERENCES,
    REFERENCES_FILE,
    SETTINGS_FILE,
    TOPIC,
    TOPIC_FILE,
    alias_bomb,
    assert_failed_with,
    changed,
    check,
    files_under,
    invoke,
    line_of,
    nested_block_lists,
    nested_block_mappings,
    write,
)

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


# -- values no later stage could carry: check, build and publish refuse them alike ------------------------------------

MARKDOWN_ONLY = "formats: [md]\n"  # (publishing renders every format: Markdown alone keeps these cases quick)
FACT_TEXT = "    text: The two leaders held talks in London.\n"
SETTINGS_WITH_BRIEFING = MARKDOWN_ONLY + "briefings:\n  weekly:\n    title: Weekly\n    topics: [test-topic]\n"
OUT_OF_RANGE = "(whole numbers must lie within \u00b19,223,372,036,854,775,807): put it in quotes to keep it as text"

# (file, its new text, a needle on the offending line, the message)
UNCARRIABLE = [
    # Surrogates: only an escape writes one, and it is no character (orjson, UTF-8 and the cache refuse it).
    pytest.param(TOPIC_FILE, topic_with("title: Test topic", 'title: "Talks \\ud83d\\udca3"'), "title:",
                 "text contains the surrogate pair \\ud83d\\udca3, which YAML does not combine into a character: "
                 "write the character itself, or \\U0001F4A3", id="surrogate-pair-in-a-title"),
    pytest.param(TOPIC_FILE, topic_with("as_of: 2025-06-24", 'as_of: 2025-06-24\n"note\\udca3": x'), "note",
                 "text contains \\udca3, a lone surrogate, which is not a character: remove it",
                 id="lone-surrogate-in-a-key"),
    pytest.param(REFERENCES_FILE, changed(REFERENCES, "outlet: Alpha News", 'outlet: "Alpha \\U0000D83D News"'),
                 "D83D", "text contains \\ud83d, a lone surrogate, which is not a character: remove it",
                 id="surrogate-in-references"),
    pytest.param(SETTINGS_FILE, SETTINGS_WITH_BRIEFING + '    template: "brief\\udca3"\n', "template:",
                 "text contains \\udca3, a lone surrogate, which is not a character: remove it",
                 id="surrogate-in-a-template-name"),
    pytest.param(SETTINGS_FILE, SETTINGS_WITH_BRIEFING.replace("weekly:", '"weekly\\ud83d":'), "weekly",
                 "text contains \\ud83d, a lone surrogate, which is not a character: remove it",
                 id="surrogate-in-the-only-briefing-id"),
    pytest.param(TOPIC_FILE, topic_with("title: Test topic", 'title: "Talks \\UFFFFFFFF"'), "title:",
                 'the escape \\UFFFFFFFF in a "double-quoted" string is past the last Unicode character '
                 "(\\U0010FFFF): write the character itself", id="escape-past-unicode"),
    # Numbers JSON cannot hold: the snapshot would say null, or orjson would fail.
    pytest.param(TOPIC_FILE, topic_with("value: 50000", "value: .nan"), "value:",
                 "'.nan' is not a finite number: write a number, or put text in quotes", id="figure-nan"),
    pytest.param(TOPIC_FILE, topic_with("value: 50000", "value: -.inf"), "value:",
                 "'-.inf' is not a finite number: write a number, or put text in quotes", id="figure-inf"),
    pytest.param(TOPIC_FILE, topic_with("value: 50000", "value: 1.0e+400"), "value:",
                 "number out of range: '1.0e+400' (numbers must lie within \u00b11.8e308): put it in quotes to keep "
                 "it as text", id="figure-overflowing-to-inf"),
    pytest.param(TOPIC_FILE, topic_with("value: 50000", "value: 123456789012345678901234567890"), "value:",
                 f"number out of range: '123456789012345678901234567890' {OUT_OF_RANGE}", id="figure-30-digits"),
    pytest.param(TOPIC_FILE, topic_with(FACT_TEXT, FACT_TEXT + "    credibility: 100000000000000000000\n"),
                 "credibility:", f"number out of range: '100000000000000000000' {OUT_OF_RANGE}",
                 id="credibility-21-digits"),
    pytest.param(SETTINGS_FILE, MARKDOWN_ONLY + "keep_editions: .inf\n", "keep_editions:",
                 "'.inf' is not a finite number: write a number, or put text in quotes", id="keep-editions-inf"),
    pytest.param(SETTINGS_FILE, MARKDOWN_ONLY + "limits:\n  pdf_seconds: .NaN\n", "pdf_seconds:",
                 "'.NaN' is not a finite number: write a number, or put text in quotes", id="pdf-seconds-nan"),
    # What the safe loader builds but no stage can use, or fails to build.
    pytest.param(TOPIC_FILE, topic_with("title: Test topic", "title: !!binary VGFsa3M="), "title:",
                 "binary data (!!binary) is not allowed: write text", id="binary"),
    pytest.param(TOPIC_FILE, topic_with(FACT_TEXT, FACT_TEXT + "    date_inferred: !!bool perhaps\n"), "perhaps",
                 "invalid true/false value 'perhaps'", id="tagged-bool"),
    pytest.param(TOPIC_FILE, topic_with("as_of: 2025-06-24", "as_of: !!timestamp soon"), "as_of:",
                 "invalid date 'soon'", id="tagged-timestamp"),
    # true is not 1, 1 is not true, 2.5 is not a whole number.
    pytest.param(TOPIC_FILE, topic_with("value: 50000", "value: true"), "value:",
                 "figures[0].value: expected a number or text, got true/false", id="figure-true"),
    pytest.param(TOPIC_FILE, topic_with(FACT_TEXT, FACT_TEXT + "    credibility: true\n"), "credibility:",
                 "facts[0] (fact 'talks-held').credibility: expected a whole number, got true/false",
                 id="credibility-true"),
    pytest.param(TOPIC_FILE, topic_with(FACT_TEXT, FACT_TEXT + "    date_inferred: 1\n"), "date_inferred:",
                 "facts[0] (fact 'talks-held').date_inferred: expected true or false, got a number",
                 id="date-inferred-1"),
    pytest.param(SETTINGS_FILE, MARKDOWN_ONLY + "keep_editions: true\n", "keep_editions:",
                 "keep_editions: expected a whole number, got true/false", id="keep-editions-true"),
    pytest.param(SETTINGS_FILE, MARKDOWN_ONLY + "keep_editions: 2.5\n", "keep_editions:",
                 "keep_editions: expected a whole number, got 2.5", id="keep-editions-fraction"),
    pytest.param(SETTINGS_FILE, MARKDOWN_ONLY + "limits:\n  template_seconds: true\n", "template_seconds:",
                 "limits.template_seconds: expected a number, got true/false", id="template-seconds-true"),
    pytest.param(SETTINGS_FILE, MARKDOWN_ONLY + "limits:\n  pdf_seconds: 7200\n", "pdf_seconds:",
                 "limits.pdf_seconds: must be at most 3,600, not 7,200", id="pdf-seconds-too-long"),
]


def publish_first_edition(project: Path) -> dict[str, bytes]:
    """Publish ``project`` (Markdown only) and return its outputs, which later failures must leave alone."""
    write(project, SETTINGS_FILE, MARKDOWN_ONLY)
    result = invoke("publish", "--project", str(project), "--now", "2026-01-02")
    assert result.exit_code == 0, result.output
    outputs = files_under(project / "output")
    assert "test-topic.md" in outputs and "editions/test-topic/test-topic-edition-0001-2026-01-02.json" in outputs
    return outputs


@pytest.mark.parametrize(("relative", "text", "needle", "message"), UNCARRIABLE)
def test_a_value_no_stage_could_carry_is_refused_by_check_build_and_publish(
        project: Path, relative: str, text: str, needle: str, message: str) -> None:
    before = publish_first_edition(project)
    write(project, relative, text)
    expected = f"{relative}:{line_of(text, needle)}: {message}"

    for command in ("check", "build", "publish"):
        result = invoke(command, "--project", str(project), *(["--now", "2026-01-03"] if command == "publish" else []))

        assert result.exit_code == 1, (command, result.output)
        assert "Traceback" not in result.output and "internal error" not in result.output, command
        errors = result.stderr.splitlines()
        if command == "publish":  # first, the line saying that --now is for testing
            assert errors[0].startswith("briefings: --now is for testing: "), errors
            errors = errors[1:]
        if command != "publish" or errors[-1:] == ["publish failed: 1 error."]:
            assert errors == [expected, f"{command} failed: 1 error."], command
        else:  # each briefing fails with the problem
            assert errors == [expected], command
            assert result.stdout.splitlines()[-1] == "0 published, 0 unchanged, 1 failed."
        assert files_under(project / "output") == before, command


def test_negative_zero_is_zero(project: Path) -> None:
    write(project, SETTINGS_FILE, MARKDOWN_ONLY)
    write(project, TOPIC_FILE, topic_with("value: 50000", "value: -0.0"))

    result = invoke("build", "--project", str(project))

    assert result.exit_code == 0, result.output
    assert "| Troops trained | 0 troops |" in (project / "output/test-topic.md").read_text()
    assert '"value": 0.0,' in (project / "output/test-topic.json").read_text()


def test_a_name_that_is_not_utf8_is_escaped_in_every_message_and_in_the_run_log(project: Path) -> None:
    # Messages that list templates name the file (templates/brief\xff.md.j2); Python holds its byte as a
    # surrogate, which neither a terminal line nor the run log (JSON in UTF-8) can hold as it is.
    write(project, "templates/" + os.fsdecode(b"brief\xff.md.j2"), "{{ briefing.title }}\n")
    write(project, SETTINGS_FILE, SETTINGS_WITH_BRIEFING + '    template: brief\n    schedule: "0 6 * * *"\n')

    results = [invoke("check", "--project", str(project)), invoke("build", "--project", str(project)),
               invoke("publish", "--project", str(project), "--now", "2026-01-05"),
               invoke("schedule", "--project", str(project), "--once", "--now", "2026-01-05T07:00")]

    for result in results:
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and "internal error" not in result.output
        assert "templates/brief\\xff.md.j2: file name is not valid UTF-8 (byte 0xff): rename the file" \
            in result.stderr.splitlines()
        assert not re.search("[\ud800-\udfff]", result.output)
    (record,) = [json.loads(line) for line in (project / "output/editions/runs.jsonl").read_text("utf-8").splitlines()]
    assert record["outcome"] == "failed"
    assert "templates/brief\\xff.md.j2: file name is not valid UTF-8 (byte 0xff): rename the file" in record["problems"]
