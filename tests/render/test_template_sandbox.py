"""Templates are untrusted: they see plain data, reach nothing else, and cannot hang or exhaust the build."""

from __future__ import annotations

import dataclasses
import datetime
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pydantic
import pytest
from click.testing import CliRunner

from briefings.audit.project_audit import load_and_audit
from briefings.cli import main
from briefings.render.context import briefing_context
from briefings.render.environment import make_environment
from briefings.render.views import TEMPLATE_ATTRIBUTES
from tests.conftest import GENERATED, write

TEMPLATE = "templates/briefing.md.j2"


def check(root: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr.splitlines()


# -- escape routes -----------------------------------------------------------------------------------------------

ESCAPES = [
    pytest.param('{{ "".__class__.__mro__[1].__subclasses__() }}', "'__class__' of text is not available",
                 id="class-mro-subclasses"),
    pytest.param('{{ topics[0].__class__ }}', "'__class__' of topic is not available", id="dunder-on-view"),
    pytest.param('{{ "{0.__class__}".format(topics) }}', "'format' of text is not available", id="str-format"),
    pytest.param('{{ "{x}".format_map(settings) }}', "'format_map' of text is not available", id="str-format-map"),
    pytest.param('{{ topics[0] | attr("__class__") }}', "'__class__' of topic is not available",
                 id="attr-filter"),
    pytest.param('{{ cycler.__init__.__globals__ }}', "'__init__' of class is not available", id="cycler-globals"),
    pytest.param('{{ joiner.__init__.__globals__ }}', "'__init__' of class is not available", id="joiner-globals"),
    pytest.param('{{ namespace.__init__.__globals__ }}', "'__init__' of class is not available",
                 id="namespace-globals"),
    pytest.param('{{ lipsum.__globals__ }}', "'lipsum' is undefined", id="lipsum-globals"),
    pytest.param('{{ self._TemplateReference__context }}', "'_TemplateReference__context' of value",
                 id="template-reference-context"),
    pytest.param('{{ topics[0].parse_raw }}', "topic has no attribute 'parse_raw'", id="pydantic-parse-raw"),
    pytest.param('{{ topics[0].parse_file("/etc/passwd") }}', "topic has no attribute 'parse_file'",
                 id="pydantic-parse-file"),
    pytest.param('{{ topics[0].model_validate_json("{}") }}', "topic has no attribute 'model_validate_json'",
                 id="pydantic-validate-json"),
    pytest.param('{{ topics[0].copy() }}', "topic has no attribute 'copy'", id="pydantic-copy"),
    pytest.param('{{ references.copy() }}', "'copy' of mapping is not available", id="dict-copy"),
    pytest.param('{{ generated.today() }}', "'today' of date and time is not available", id="date-classmethod"),
    pytest.param('{{ cite.__globals__ }}', "'__globals__' of function is not available", id="function-globals"),
    pytest.param('{{ source_note.__code__ }}', "'__code__' of function is not available", id="function-code"),
    pytest.param('{{ topics.__len__() }}', "'__len__' of list is not available", id="tuple-dunder"),
    pytest.param('{{ topics.index(topics[0]) }}', "'index' of list is not available", id="tuple-method"),
    pytest.param('{% set x = topics[0].sections[0]._asdict() %}', "'_asdict' of section is not available",
                 id="namedtuple-private"),
]


@pytest.mark.parametrize(("template", "message"), ESCAPES)
def test_known_escape_routes_are_refused(project: Path, template: str, message: str) -> None:
    write(project, TEMPLATE, f"# Title\n\n{template}\n")
    code, lines = check(project)
    assert code == 1
    assert lines[0].startswith(f"{TEMPLATE}:3: ")
    assert message in lines[0]
    assert lines[-1] == "check failed: 1 error."


def _reachable(value: Any, seen: set[int]) -> list[Any]:
    """Every object reachable from ``value`` through the data a template can read."""
    if id(value) in seen:
        return []
    seen.add(id(value))
    found = [value]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _reachable(key, seen) + _reachable(item, seen)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found += _reachable(item, seen)
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            found += _reachable(getattr(value, field.name), seen)
    return found


def test_every_public_attribute_of_everything_in_the_context_is_declared_or_refused(project: Path) -> None:
    loaded = load_and_audit(project, today=GENERATED.date())
    environment = make_environment(project)
    context = briefing_context(loaded, loaded.briefings[0], GENERATED, standalone=True)
    objects = _reachable(dict(context), set())

    def declared_for(value: object) -> frozenset[str] | None:
        # As the sandbox looks them up: by the value's type or its nearest declared base.
        return next((TEMPLATE_ATTRIBUTES[cls] for cls in type(value).__mro__ if cls in TEMPLATE_ATTRIBUTES), None)

    assert {type(value) for value in objects if declared_for(value) is None} <= {int, float, bool, type(None), tuple}
    checked = 0
    for value in objects:
        assert not isinstance(value, pydantic.BaseModel), f"a live model reached the templates: {value!r}"
        declared = declared_for(value) or frozenset()
        for name in dir(value):
            if name.startswith("_"):
                continue
            attribute = getattr(value, name)
            allowed = environment.is_safe_attribute(value, name, attribute)
            assert allowed == (name in declared), (type(value).__name__, name)
            if allowed and callable(attribute):
                # The few declared methods are pure functions of the value (str.upper, date.isoformat…).
                assert isinstance(value, (str, datetime.date, dict)), (type(value).__name__, name)
            checked += 1
    assert checked > 500


def test_views_are_read_only(project: Path) -> None:
    write(project, TEMPLATE, '{% set x = references.pop("alpha-report") %}\n')
    code, lines = check(project)
    assert code == 1
    assert lines[0].startswith(f"{TEMPLATE}:1: ") and "'pop' of mapping is not available" in lines[0]
    write(project, TEMPLATE, "{% set x = topics[0].facts.append(1) %}\n")
    code, lines = check(project)
    assert code == 1
    assert lines[0].startswith(f"{TEMPLATE}:1: ") and "has no attribute 'append'" in lines[0]


# -- no rendering changes what another sees ---------------------------------------------------------------------------

MUTATIONS = [
    pytest.param("{% set x = settings.formats.append('zzz') %}", id="settings-list-append"),
    pytest.param("{% set x = references.clear() %}", id="references-clear"),
    pytest.param("{% set x = reliability_grades.update({'A': 'anything'}) %}", id="grades-update"),
    pytest.param("{% set x = references.__setitem__('alpha-report', 1) %}", id="setitem"),
    pytest.param("{% set x = references.setdefault('new', 1) %}", id="setdefault"),
    pytest.param("{% set x = references.popitem() %}", id="popitem"),
    pytest.param("{% set x = topics[0].facts.sort() %}", id="nested-list-sort"),
    pytest.param("{% set x = briefing.topics[0].figures.extend(figures) %}", id="nested-list-extend"),
    pytest.param("{% set x = style.stylesheets.append('evil.css') %}", id="style-list"),
    pytest.param("{% set x = changes.facts_added.append(1) %}", id="changes-list"),
    pytest.param("{% set x = edition.__setattr__('number', 9) %}", id="edition-setattr"),
    pytest.param("{% set x = (topics | list).pop() %}", id="filter-list-pop"),
    pytest.param("{% set x = (references | dictsort).append(1) %}", id="filter-dictsort-append"),
    pytest.param("{% set x = (topics | groupby('title'))[0].list.append(1) %}", id="filter-groupby-append"),
    pytest.param("{% set ns = namespace(r=references) %}{% set x = ns.r.clear() %}", id="namespace-holding-data"),
    pytest.param("{% for t in topics %}{% set x = loop.__setattr__('index', 0) %}{% endfor %}", id="loop-setattr"),
    pytest.param("{% set settings.formats = [] %}", id="assign-attribute"),
    pytest.param("{% set x = topics %}{% set x += topics %}", id="augmented-assignment"),
    pytest.param("{% do references.clear() %}", id="do-statement"),
]


@pytest.mark.parametrize("attempt", MUTATIONS)
def test_every_attempt_to_change_the_data_is_a_located_error(project: Path, attempt: str) -> None:
    write(project, TEMPLATE, f"# Title\n\n{attempt}\n")
    code, lines = check(project)
    assert code == 1
    assert lines[0].startswith(f"{TEMPLATE}:3: ")
    assert lines[-1] == "check failed: 1 error."
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--jobs", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines()[0] == lines[0]


TWO_BRIEFINGS = """\
formats: [md]
briefings:
  first:
    title: First
    topics: [test-topic]
    template: NAME
  second:
    title: Second
    topics: [test-topic]
"""
SOURCES_BLOCK = "{% for reference in cited_references %}\n[^{{ reference.number }}]: {{ source_note(reference) }}\n" \
                "{% endfor %}\n"
#: Values a template makes for itself at the top of an imported template, and a macro that changes them.
STATE = """\
{% set ns = namespace(count=0) %}
{% set turn = cycler("one", "two", "three", "four", "five") %}
{% set comma = joiner(", ") %}
{% macro bump() %}{% set ns.count = ns.count + 1 %}{{ ns.count }}{% endmacro %}
"""
USES_STATE = """\
{% from "state.j2" import ns, turn, comma, bump %}
{% set ns.count = ns.count + 1 %}
# {{ briefing.title }}: {{ ns.count }} {{ turn.next() }} [{{ comma() }}] {{ bump() }}

{{ topics[0].facts[0].text }}{{ cite(topics[0].facts[0].sources) }}

""" + SOURCES_BLOCK


def _built_alone(project: Path, briefing: str) -> bytes:
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--only", briefing, "--jobs", "1",
                                       "--force"])
    assert result.exit_code == 0, result.output
    return (project / "output" / f"{briefing}.md").read_bytes()


def test_what_a_template_makes_for_itself_starts_anew_for_every_briefing(project: Path) -> None:
    # Jinja caches an imported template's module on the template; a namespace or cycler in it
    # would carry one rendering's changes into the next (and into the next briefing).
    write(project, "briefings.yaml", TWO_BRIEFINGS.replace("    template: NAME\n", ""))
    write(project, "templates/state.j2", STATE)
    write(project, TEMPLATE, USES_STATE)
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    first = (project / "output/first.md").read_text()
    second = (project / "output/second.md").read_text()
    assert first.splitlines()[0] == "# First: 1 one [] 2"
    assert second.splitlines()[0] == "# Second: 1 one [] 2"
    assert _built_alone(project, "second") == second.encode()
    assert _built_alone(project, "first") == first.encode()


def test_an_imported_template_is_read_through_its_name(project: Path) -> None:
    # {% import "state.j2" as state %}: its macros and values are the template's own, made for this import.
    write(project, "templates/state.j2", STATE)
    write(project, TEMPLATE, '{% import "state.j2" as state %}{% import "state.j2" as again %}\n'
                             "# {{ state.bump() }} {{ state.bump() }} {{ again.bump() }} {{ state.turn.next() }} "
                             "{{ again.turn.next() }} {{ state.ns.count }}\n")
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--jobs", "1", "--format", "md"])
    assert result.exit_code == 0, result.output
    assert (project / "output/test-topic.md").read_text() == "# 1 2 1 one one 2\n"
    write(project, TEMPLATE, '{% import "state.j2" as state %}\n{{ state._hidden }}\n')
    code, lines = check(project)
    assert code == 1 and lines[0].startswith(f"{TEMPLATE}:2: ")


def test_a_template_that_tries_to_change_the_data_cannot_affect_another_briefing(project: Path) -> None:
    write(project, "briefings.yaml", TWO_BRIEFINGS.replace("NAME", "mutator"))
    write(project, TEMPLATE, "# {{ briefing.title }} {{ settings.formats | join(',') }} "
                             "{{ references | length }} {{ reliability_grades['A'] }}\n\n"
                             "{{ topics[0].facts[0].text }}{{ cite(topics[0].facts[0].sources) }}\n\n" + SOURCES_BLOCK)
    write(project, "templates/mutator.md.j2", "# Mutator\n")
    alone = _built_alone(project, "second")
    assert alone.startswith(b"# Second md 2 completely reliable\n")
    for attempt in ("{% set x = settings.formats.append('zzz') %}", "{% set x = references.clear() %}",
                    "{% set x = reliability_grades.update({'A': 'changed'}) %}",
                    "{% set x = topics[0].facts.sort() %}"):
        write(project, "templates/mutator.md.j2", f"# Mutator\n{attempt}\n")
        (project / "output/second.md").unlink()
        result = CliRunner().invoke(main, ["build", "--project", str(project), "--jobs", "1"])
        assert result.exit_code == 1
        assert result.stderr.splitlines()[0].startswith("templates/mutator.md.j2:2: "), result.stderr
        assert (project / "output/second.md").read_bytes() == alone


def test_functions_offered_to_templates_check_their_arguments(project: Path) -> None:
    write(project, TEMPLATE, "# T\n{{ cite(['no-such-reference']) }}\n")
    assert check(project) == (1, [f"{TEMPLATE}:2: template error: cite(): unknown reference 'no-such-reference'",
                                  "check failed: 1 error."])
    write(project, TEMPLATE, "# T\n{{ cite('alpha-report') }}\n")
    code, lines = check(project)
    assert code == 1 and "cite() takes a list of reference ids" in lines[0]


# -- bounded resources -----------------------------------------------------------------------------------------------

LIMITS = """\
limits:
  template_seconds: 1
"""
#: For the cases that must reach the memory or output bound first, however slow the machine.
PATIENT = """\
limits:
  template_seconds: 60
"""

RUNAWAY = [
    pytest.param("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
                 1, "template rendering took longer than 1 s (the limit): does a loop never end?", id="endless-loop"),
    pytest.param('{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}'
                 "{{ ns.s }}", None, "template rendering needed more than 1024 MiB of memory (the limit)",
                 id="doubling-string", marks=pytest.mark.patient),
    pytest.param('{{ "x" * 10 ** 10 }}', 1, "template error: repeating 1 items 10,000,000,000 times is too long",
                 id="huge-repeat"),
    pytest.param("{{ 10 ** 100000 }}", 1, "template error: 10 ** 100000 is too large a number", id="huge-power"),
    pytest.param('{{ "x" | center(10 ** 10) }}', None,
                 "template rendering needed more than 1024 MiB of memory (the limit)", id="huge-filter",
                 marks=pytest.mark.patient),
    pytest.param('{% for i in range(100000) %}{{ "x" * 1000 }}{% endfor %}', None,
                 "template output is longer than 20,000,000 characters (the limit)", id="huge-output",
                 marks=pytest.mark.patient),
    pytest.param("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}", 1,
                 "template recursion is too deep: does a template extend, include, import or call itself?",
                 id="recursive-macro"),
    pytest.param('{% extends "briefing.md.j2" %}', 1,
                 "template recursion is too deep: does a template extend, include, import or call itself?",
                 id="extends-itself"),
    pytest.param('{% include "briefing.md.j2" %}', 1,
                 "template recursion is too deep: does a template extend, include, import or call itself?",
                 id="includes-itself"),
]


@pytest.mark.parametrize(("template", "line", "message"), RUNAWAY)
def test_runaway_templates_end_with_a_located_error(project: Path, template: str, line: int | None,
                                                    message: str, request: pytest.FixtureRequest) -> None:
    patient = request.node.get_closest_marker("patient") is not None
    write(project, "briefings.yaml", PATIENT if patient else LIMITS)
    write(project, TEMPLATE, template + "\n")
    started = time.monotonic()
    code, lines = check(project)
    assert time.monotonic() - started < 60
    where = TEMPLATE if line is None else f"{TEMPLATE}:{line}"
    assert (code, lines) == (1, [f"{where}: {message}", "check failed: 1 error."])


def test_an_endless_template_cannot_hang_the_command(project: Path) -> None:
    # The same guard, end to end in a separate process, so that a regression fails here instead of hanging.
    write(project, "briefings.yaml", LIMITS)
    write(project, TEMPLATE, "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}\n")
    result = subprocess.run([sys.executable, "-m", "briefings", "build", "--project", str(project)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith(f"{TEMPLATE}:1: template rendering took longer than 1 s")
    assert not (project / "output").exists()


def test_a_template_outside_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    outside = write(tmp_path, "elsewhere/briefing.md.j2", "SECRET-TEMPLATE {{ briefing.title }}\n")
    (project / "templates").mkdir()
    (project / TEMPLATE).symlink_to(outside)
    code, lines = check(project)
    assert code == 1
    assert lines[0] == f"{TEMPLATE}: is a symbolic link to a file outside the project: refused"
    assert "SECRET-TEMPLATE" not in "\n".join(lines)


def test_a_template_that_is_not_utf8_is_named(project: Path) -> None:
    write(project, TEMPLATE, b"# Title\n\n\xff\xfe broken\n")
    assert check(project) == (1, [f"{TEMPLATE}:3: template is not valid UTF-8 (byte 0xff)", "check failed: 1 error."])
