"""End-to-end bad input through the ``briefings`` command line.

Every mistake in a user's file must come back as one ``path:LINE: message``
line on standard error, exit code 1, and no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import (
    MD_TEMPLATE,
    REFERENCES,
    REFERENCES_FILE,
    SETTINGS_FILE,
    TOPIC,
    TOPIC_FILE,
    assert_failed_with,
    changed,
    check,
    files_under,
    invoke,
    line_of,
    write,
)


def build_md(root: Path, *extra: str) -> Result:
    return invoke("build", "--project", str(root), "--format", "md", *extra)


# -- one mistake, one line ---------------------------------------------------------------------------

BRIEFINGS_YAML = """\
briefings:
  weekly:
    title: Weekly round-up
    topics: [test-topic, no-such-topic]
"""

CRON_YAML = """\
briefings:
  weekly:
    title: Weekly round-up
    topics: [test-topic]
    schedule: every monday at six
"""

BROKEN_TEMPLATE = """\
# {{ briefing.title }}

{% for topic in topics %}
## {{ topic.title }
{% endfor %}
"""

UNDEFINED_TEMPLATE = """\
# {{ briefing.title }}

{{ topics[0].summary }}

Then {{ nope }} here.
"""

# (file to write, its text, a needle on the offending line, the expected message)
ONE_MISTAKE = [
    pytest.param(
        TOPIC_FILE,
        changed(TOPIC, "summary: The bottom line, first.", "summary: The bottom: line, first."),
        "summary:",
        "YAML syntax error: unexpected ': ' inside a value: put text containing ': ' in quotes",
        id="yaml-syntax-error",
    ),
    pytest.param(
        TOPIC_FILE,
        changed(TOPIC, "summary: The bottom line, first.\n", ""),
        "title: Test topic",
        "missing required field 'summary'",
        id="missing-topic-field",
    ),
    pytest.param(
        TOPIC_FILE,
        changed(TOPIC, "    text: A second fact without a date, resting on two sources.\n", ""),
        "- id: second-fact",
        "facts[1] (fact 'second-fact'): missing required field 'text'",
        id="missing-fact-field",
    ),
    pytest.param(
        TOPIC_FILE,
        changed(TOPIC, "text: The two leaders held talks in London.", "text: 42"),
        "text: 42",
        "facts[0] (fact 'talks-held').text: expected text, got a number",
        id="wrong-type",
    ),
    pytest.param(
        TOPIC_FILE,
        changed(TOPIC, "    section: The talks", "    sectoin: The talks"),
        "sectoin:",
        "facts[0] (fact 'talks-held'): unknown field 'sectoin' (did you mean 'section'?)",
        id="unknown-field",
    ),
    pytest.param(
        TOPIC_FILE,
        changed(TOPIC, "sources: [alpha-report, beta-wire]", "sources: [alpha-report, gamma-report]"),
        "gamma-report",
        "unknown reference 'gamma-report' (not in sources/references.yaml)",
        id="unknown-reference",
    ),
    pytest.param(
        TOPIC_FILE,
        changed(TOPIC, "- id: second-fact", "- id: talks-held  # again"),
        "talks-held  # again",
        f"duplicate fact id 'talks-held' (first used on line {line_of(TOPIC, '- id: talks-held')})",
        id="duplicate-fact-id",
    ),
    pytest.param(
        TOPIC_FILE,
        changed(TOPIC, "    section: The talks\n", "    section: The talks\n    date: 2025-06-22\n"),
        "date: 2025-06-22",
        f"duplicate key 'date' (first given on line {line_of(TOPIC, 'date: 2025-06-23')})",
        id="duplicate-key",
    ),
    pytest.param(
        TOPIC_FILE,
        changed(TOPIC, "as_of: 2025-06-24", "as_of: 2025-02-30"),
        "as_of:",
        "invalid date '2025-02-30'",
        id="impossible-date",
    ),
    pytest.param(
        TOPIC_FILE,
        changed(TOPIC, "as_of: 2025-06-24", "as_of: last Tuesday"),
        "as_of:",
        "as_of: invalid date 'last Tuesday' (expected YYYY-MM-DD)",
        id="non-date-string",
    ),
    pytest.param(
        REFERENCES_FILE,
        changed(REFERENCES, "published: 2025-06-24", "published: 2025-06-31"),
        "2025-06-31",
        "invalid date '2025-06-31'",
        id="impossible-date-in-references",
    ),
    pytest.param(
        SETTINGS_FILE,
        BRIEFINGS_YAML,
        "no-such-topic",
        "unknown topic 'no-such-topic' in briefing 'weekly' (topics: test-topic)",
        id="unknown-topic",
    ),
    pytest.param(
        SETTINGS_FILE,
        CRON_YAML,
        "schedule:",
        "schedule 'every monday at six' is not a valid cron expression (e.g. \"0 6 * * 1-5\")",
        id="invalid-cron",
    ),
    pytest.param(
        MD_TEMPLATE,
        BROKEN_TEMPLATE,
        "{{ topic.title }",
        "template syntax error: unexpected '}'",
        id="template-syntax-error",
    ),
    pytest.param(
        MD_TEMPLATE,
        UNDEFINED_TEMPLATE,
        "{{ nope }}",
        "undefined variable: 'nope' is undefined",
        id="template-undefined-variable",
    ),
]


@pytest.mark.parametrize(("relative", "text", "needle", "message"), ONE_MISTAKE)
def test_check_reports_one_mistake_at_its_line(project: Path, relative: str, text: str, needle: str,
                                               message: str) -> None:
    write(project, relative, text)
    written = (project / relative).read_text(encoding="utf-8")

    result = check(project)

    assert_failed_with(result, [f"{relative}:{line_of(written, needle)}: {message}"])


@pytest.mark.parametrize(("relative", "text", "needle", "message"), ONE_MISTAKE)
def test_build_reports_one_mistake_and_writes_nothing(project: Path, relative: str, text: str, needle: str,
                                                      message: str) -> None:
    write(project, relative, text)
    written = (project / relative).read_text(encoding="utf-8")

    result = build_md(project)

    assert_failed_with(result, [f"{relative}:{line_of(written, needle)}: {message}"], command="build")
    assert not (project / "output").exists()


def test_non_utf8_file(project: Path) -> None:
    text = changed(TOPIC, "summary: The bottom line, first.", "summary: Caf\udce9 talks.")
    write(project, TOPIC_FILE, text.encode("utf-8", "surrogateescape"))
    assert (project / TOPIC_FILE).read_bytes().count(b"\xe9") == 1

    result = check(project)

    line = line_of(TOPIC, "summary:")
    assert line == 2
    assert_failed_with(result, [f"{TOPIC_FILE}:{line}: file is not valid UTF-8 (byte 0xe9)"])


def test_unknown_only_id(project: Path) -> None:
    result = build_md(project, "--only", "no-such-briefing")

    assert_failed_with(result, ["--only: unknown briefing 'no-such-briefing' (briefings: test-topic)"],
                       command="build")
    assert not (project / "output").exists()


def _python_tag_topic(marker: Path) -> str:
    return changed(TOPIC, "text: The two leaders held talks in London.",
                   f"text: !!python/object/apply:builtins.open ['{marker}', w]")


def test_python_tag_in_a_fact_is_refused_not_run(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "executed.txt"
    text = write(project, TOPIC_FILE, _python_tag_topic(marker)).read_text()

    result = check(project)

    assert not marker.exists()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{TOPIC_FILE}:{line_of(text, 'python/object')}: unsupported YAML ")
    assert lines[1] == "check failed: 1 error."


def test_problem_in_a_value_overriding_a_merge_key_is_reported_at_its_own_line(project: Path) -> None:
    references = write(project, REFERENCES_FILE, REFERENCES + """\
wire-defaults: &wire
  outlet: Wire
  title: Wire copy
  published: 2025-06-20
gamma-wire:
  <<: *wire
  published: last week
""").read_text()

    result = check(project)

    assert_failed_with(result, [
        f"{REFERENCES_FILE}:{line_of(references, 'last week')}: gamma-wire.published: "
        "invalid date 'last week' (expected YYYY-MM-DD)",
    ])


def test_impossible_date_used_through_an_alias_is_one_error(project: Path) -> None:
    references = write(project, REFERENCES_FILE, changed(
        changed(REFERENCES, "published: 2025-06-23", "published: &day 2025-06-31"),
        "published: 2025-06-24", "published: *day",
    )).read_text()

    result = check(project)

    assert_failed_with(result, [f"{REFERENCES_FILE}:{line_of(references, '&day')}: invalid date '2025-06-31'"])


# -- many mistakes, one run ------------------------------------------------------------------------------


def test_every_problem_in_every_file_is_reported_in_one_run(project: Path) -> None:
    settings = write(project, SETTINGS_FILE, """\
        briefings:
          weekly:
            title: Weekly round-up
            topics: [test-topic, no-such-topic]
            schedule: not a schedule
        """).read_text()
    references = write(project, REFERENCES_FILE,
                       changed(REFERENCES, "published: 2025-06-24", "published: 2025-06-31")).read_text()
    topic = write(project, TOPIC_FILE, changed(
        changed(TOPIC, "text: The two leaders held talks in London.", "text: 42"),
        "    section: The talks\n", "    section: The talks\n    date: 2025-06-22\n",
    )).read_text()
    other = write(project, "sources/topics/other-topic.yaml", """\
        title: Another topic
        summary: Its summary.
        facts:
          - id: a-fact
            text: Some text.
            sources: [alpha-report]
            colour: blue
        """).read_text()

    result = check(project)

    expected = [
        f"briefings.yaml:{line_of(settings, 'no-such-topic')}: unknown topic 'no-such-topic' in briefing 'weekly' "
        "(topics: other-topic, test-topic)",
        f"briefings.yaml:{line_of(settings, 'schedule:')}: schedule 'not a schedule' is not a valid cron expression "
        "(e.g. \"0 6 * * 1-5\")",
        f"sources/references.yaml:{line_of(references, '2025-06-31')}: invalid date '2025-06-31'",
        "sources/topics/other-topic.yaml:1: missing required field 'as_of'",
        f"sources/topics/other-topic.yaml:{line_of(other, 'colour')}: facts[0] (fact 'a-fact'): unknown field 'colour'",
        f"sources/topics/test-topic.yaml:{line_of(topic, 'text: 42')}: facts[0] (fact 'talks-held').text: "
        "expected text, got a number",
        f"sources/topics/test-topic.yaml:{line_of(topic, 'date: 2025-06-22')}: duplicate key 'date' "
        f"(first given on line {line_of(topic, 'date: 2025-06-23')})",
    ]
    assert_failed_with(result, sorted(expected, key=_problem_order))
    assert "check failed: 7 errors." in result.stderr


def _problem_order(line: str) -> tuple[str, int]:
    path, number, _ = line.split(":", 2)
    return path, int(number)


# -- tracebacks only with --debug ---------------------------------------------------------------------------


def _run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "briefings", *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def test_debug_shows_a_traceback_and_plain_run_does_not(project: Path) -> None:
    write(project, TOPIC_FILE, changed(TOPIC, "as_of: 2025-06-24", "as_of: last Tuesday"))
    expected = f"{TOPIC_FILE}:3: as_of: invalid date 'last Tuesday' (expected YYYY-MM-DD)"

    plain = _run_module("check", "--project", str(project))
    assert plain.returncode == 1
    assert "Traceback" not in plain.stderr + plain.stdout
    assert plain.stderr.splitlines() == [expected, "check failed: 1 error."]

    debug = _run_module("--debug", "check", "--project", str(project))
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "ProblemsFound" in debug.stderr
    assert expected in debug.stderr


def test_debug_on_the_subcommand_raises_the_problems(project: Path) -> None:
    write(project, TOPIC_FILE, changed(TOPIC, "as_of: 2025-06-24", "as_of: last Tuesday"))
    from briefings.errors import ProblemsFound

    plain = check(project)
    assert isinstance(plain.exception, SystemExit)

    debug = check(project, "--debug")
    assert isinstance(debug.exception, ProblemsFound)
    assert [str(p) for p in debug.exception.problems] == [
        f"{TOPIC_FILE}:3: as_of: invalid date 'last Tuesday' (expected YYYY-MM-DD)"
    ]


# -- a failed build leaves output/ exactly as it was ------------------------------------------------------

SECOND_TOPIC = """\
title: Zulu topic
summary: The second topic.
as_of: 2025-06-24
facts:
  - id: zulu-fact
    text: Something happened in Zulu.
    sources: [alpha-report, beta-wire]
"""


def _break_yaml(root: Path) -> str:
    write(root, TOPIC_FILE, changed(TOPIC, "as_of: 2025-06-24", "as_of: 2025-02-30"))
    return f"{TOPIC_FILE}:3: invalid date '2025-02-30'"


def _break_template_for_second_briefing(root: Path) -> str:
    # The first briefing renders (differently from before); only the second fails.
    write(root, MD_TEMPLATE, """\
        # {{ briefing.title }}
        {% if briefing.id == "zulu-topic" %}
        {{ nope }}
        {% endif %}
        """)
    return f"{MD_TEMPLATE}:3: undefined variable: 'nope' is undefined"


def _break_strict(root: Path) -> str:
    write(root, TOPIC_FILE, changed(TOPIC, "sources: [alpha-report, beta-wire]", "sources: [beta-wire]"))
    return (f"{TOPIC_FILE}:17: fact 'second-fact' rests only on low-reliability sources (E): corroborate it "
            "[low-reliability] (--strict)")


ALL_FILES = ["test-topic.md", "zulu-topic.md"]


@pytest.mark.parametrize(("breaker", "extra", "unchanged"), [
    # A problem with the project's data stops everything before rendering.
    pytest.param(_break_yaml, (), ALL_FILES, id="yaml"),
    pytest.param(_break_strict, ("--strict",), ALL_FILES, id="strict-warning"),
    # A problem rendering one briefing keeps that briefing's outputs; the other is written.
    pytest.param(_break_template_for_second_briefing, (), ["zulu-topic.md"], id="template"),
])
def test_failed_build_leaves_previous_outputs_untouched(project: Path, breaker, extra: tuple[str, ...],
                                                        unchanged: list[str]) -> None:
    write(project, "sources/topics/zulu-topic.yaml", SECOND_TOPIC)
    first = build_md(project)
    assert first.exit_code == 0, first.output
    output = project / "output"
    names = sorted(name for name in os.listdir(output) if name != ".briefings")  # not the build's bookkeeping
    assert names == ["test-topic.md", "zulu-topic.md"]
    before = {name: ((output / name).read_bytes(), (output / name).stat().st_mtime_ns) for name in names}

    expected_problem = breaker(project)
    second = build_md(project, *extra)

    assert second.exit_code == 1, second.output
    assert "Traceback" not in second.output
    assert second.stderr.splitlines() == [expected_problem, "build failed: 1 error."]
    assert sorted(os.listdir(output)) == [".briefings", *names]  # nothing added, in particular no temporary files
    assert not [name for name in os.listdir(output) if name.endswith(".tmp")]
    after = {name: ((output / name).read_bytes(), (output / name).stat().st_mtime_ns) for name in names}
    assert {name: after[name] for name in unchanged} == {name: before[name] for name in unchanged}
    for name in set(names) - set(unchanged):
        assert after[name] != before[name]


def test_successful_build_leaves_no_temporary_files(project: Path) -> None:
    result = invoke("build", "--project", str(project), "--format", "md", "--format", "html")
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(project / "output")) == [".briefings", "test-topic.html", "test-topic.md"]
    assert sorted(os.listdir(project / "output/.briefings")) == ["cache", "inputs.json", "lock", "manifest.json"]


# -- fact text is data, never template code or active content ------------------------------------------------


def test_template_syntax_in_a_fact_appears_as_written(project: Path) -> None:
    write(project, TOPIC_FILE, changed(
        TOPIC, "text: The two leaders held talks in London.",
        "text: 'Curly {{ 7*7 }} and {% if true %}kept{% endif %} as written'",
    ))

    result = invoke("build", "--project", str(project), "--format", "md", "--format", "html")

    assert result.exit_code == 0, result.output
    for name in ("test-topic.md", "test-topic.html"):
        text = (project / "output" / name).read_text(encoding="utf-8")
        assert "Curly {{ 7*7 }} and {% if true %}kept{% endif %} as written" in text, name
        assert "Curly 49" not in text
        assert "and kept as written" not in text


def test_active_content_in_a_fact_is_refused_and_nothing_is_written(project: Path) -> None:
    written = changed(TOPIC, "    text: The two leaders held talks in London.\n", """\
    text: >-
      Harmless words one <script>alert('xss-script')</script>
      then [markdown link](javascript:void(0)) harmless words two
""")
    write(project, TOPIC_FILE, written)

    result = invoke("build", "--project", str(project), "--format", "md", "--format", "html")

    line = line_of(written, "text: >-")
    assert_failed_with(result, [
        f"{TOPIC_FILE}:{line}: fact 'talks-held': raw HTML is not allowed (<script>): "
        "use Markdown *emphasis* and [links](https://…)",
    ], command="build")
    assert not (project / "output").exists()


# -- check writes nothing; warnings --------------------------------------------------------------------------


def test_check_writes_nothing(project: Path) -> None:
    before = files_under(project)

    result = check(project)

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: 1 topic(s), 2 fact(s), 2 reference(s), 1 briefing(s)")
    assert not (project / "output").exists()
    assert files_under(project) == before


def test_fact_on_unreliable_sources_only_is_a_warning(project: Path) -> None:
    text = write(project, TOPIC_FILE,
                 changed(TOPIC, "sources: [alpha-report, beta-wire]", "sources: [beta-wire]")).read_text()
    line = line_of(text, "sources: [beta-wire]")
    message = "fact 'second-fact' rests only on low-reliability sources (E): corroborate it [low-reliability]"

    result = check(project)

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == [f"{TOPIC_FILE}:{line}: warning: {message}"]
    assert "1 warning(s)" in result.stdout

    strict = check(project, "--strict")

    assert strict.exit_code == 1, strict.output
    assert "Traceback" not in strict.output
    assert strict.stderr.splitlines() == [f"{TOPIC_FILE}:{line}: {message} (--strict)", "check failed: 1 error."]


def test_build_with_warning_succeeds_and_strict_build_writes_nothing(project: Path) -> None:
    write(project, TOPIC_FILE, changed(TOPIC, "sources: [alpha-report, beta-wire]", "sources: [beta-wire]"))

    strict = build_md(project, "--strict")
    assert strict.exit_code == 1, strict.output
    assert not (project / "output").exists()

    lenient = build_md(project)
    assert lenient.exit_code == 0, lenient.output
    assert "warning: fact 'second-fact' rests only on low-reliability sources (E)" in lenient.stderr
    assert (project / "output" / "test-topic.md").is_file()
