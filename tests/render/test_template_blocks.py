"""Checked overrides: a block of an extending template that the templates it extends never define is an error."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from briefings.cli import main
from briefings.render.checks import check_template_blocks
from briefings.render.environment import make_environment
from tests.conftest import REPO_ROOT, write


def check(root: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", "--project", str(root)])
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr.splitlines()


def blocks(root: Path, *names: str) -> list[str]:
    return [str(problem) for problem in check_template_blocks(make_environment(root), names, root)]


def test_a_misspelt_block_is_located_with_a_suggestion(project: Path) -> None:
    write(project, "templates/briefing.md.j2", """\
        {% extends "builtin/briefing.md.j2" %}

        {% block timelime %}No timeline.{% endblock %}
        """)
    code, lines = check(project)
    assert code == 1
    assert len(lines) == 2 and lines[1] == "check failed: 1 error."
    assert lines[0].startswith("templates/briefing.md.j2:3: unknown block 'timelime' (did you mean 'timeline'?) "
                               "(blocks of builtin/briefing.md.j2: header, ")
    # Nested blocks of the parent are listed (and may be overridden) too.
    assert "fact" in lines[0] and lines[0].endswith(")")


def test_a_correct_override_passes(project: Path) -> None:
    write(project, "templates/briefing.md.j2", """\
        {% extends "builtin/briefing.md.j2" %}
        {% block timeline %}No timeline.{% endblock %}
        {% block fact %}- {{ fact.text }}{% endblock %}
        """)
    write(project, "templates/briefing.html.j2", """\
        {% extends "builtin/briefing.html.j2" %}
        {% block colophon %}<footer><p>House.</p></footer>{% endblock %}
        """)
    assert blocks(project, "briefing.md.j2", "briefing.html.j2") == []
    assert check(project)[0] == 0


def test_the_example_projects_override_passes() -> None:
    root = REPO_ROOT
    assert blocks(root, "briefing.html.j2") == []


def test_a_two_level_chain_knows_every_block_up_the_chain(project: Path) -> None:
    write(project, "templates/house.md.j2", """\
        {% extends "builtin/briefing.md.j2" %}
        {% block summary %}{% block house_note %}{% endblock %}{{ super() }}{% endblock %}
        """)
    write(project, "templates/desk.md.j2", """\
        {% extends "house.md.j2" %}
        {% block house_note %}Desk note.{% endblock %}
        {% block sources %}{{ super() }}{% endblock %}
        {% block timeline %}{% endblock %}
        {% block house_nite %}{% endblock %}
        """)
    (problem,) = blocks(project, "house.md.j2", "desk.md.j2")
    assert problem.startswith(
        "templates/desk.md.j2:5: unknown block 'house_nite' (did you mean 'house_note'?) (blocks of "
        "templates/house.md.j2 and builtin/briefing.md.j2: summary, house_note, header, ")
    assert all(name in problem for name in ("topics", "fact", "figures", "timeline", "sources"))


def test_new_blocks_nested_inside_an_overridden_block_are_the_childs_own(project: Path) -> None:
    write(project, "templates/briefing.md.j2", """\
        {% extends "builtin/briefing.md.j2" %}
        {% block summary %}
        {% block lede %}Lede.{% endblock %}
        {{ super() }}
        {% endblock %}
        """)
    assert blocks(project, "briefing.md.j2") == []


def test_a_block_rendered_through_self_is_not_reported(project: Path) -> None:
    write(project, "templates/briefing.md.j2", """\
        {% extends "builtin/briefing.md.j2" %}
        {% block signature %}The desk{% endblock %}
        {% block summary %}{{ super() }}{{ self.signature() }}{% endblock %}
        """)
    assert blocks(project, "briefing.md.j2") == []


def test_a_block_inside_an_if_still_counts_as_top_level(project: Path) -> None:
    write(project, "templates/briefing.md.j2", """\
        {% extends "builtin/briefing.md.j2" %}
        {% if true %}
        {% block sumary %}{% endblock %}
        {% endif %}
        """)
    (problem,) = blocks(project, "briefing.md.j2")
    assert problem.startswith("templates/briefing.md.j2:3: unknown block 'sumary' (did you mean 'summary'?) "
                              "(blocks of builtin/briefing.md.j2: header, ")
    assert all(name in problem for name in ("summary", "topics", "fact", "figures", "timeline", "sources"))


def test_a_computed_parent_name_is_skipped(project: Path) -> None:
    write(project, "templates/computed.md.j2", """\
        {% extends "builtin/" ~ "briefing.md.j2" %}
        {% block nonsense %}{% endblock %}
        """)
    write(project, "templates/chosen.md.j2", """\
        {% extends ["missing.md.j2", "builtin/briefing.md.j2"] %}
        {% block nonsense %}{% endblock %}
        """)
    write(project, "templates/through-computed.md.j2", """\
        {% extends "computed.md.j2" %}
        {% block other %}{% endblock %}
        """)
    assert blocks(project, "computed.md.j2", "chosen.md.j2", "through-computed.md.j2") == []


def test_a_template_that_extends_nothing_is_not_checked(project: Path) -> None:
    write(project, "templates/plain.md.j2", "{% block anything %}Text{% endblock %}\n")
    assert blocks(project, "plain.md.j2") == []


def test_a_parent_that_does_not_exist_is_reported_at_the_extends(project: Path) -> None:
    write(project, "templates/house.md.j2", """\
        {# house style #}
        {% extends "builtin/briefng.md.j2" %}
        {% block summary %}{% endblock %}
        """)
    code, lines = check(project)
    assert code == 1
    assert lines[0] == ("templates/house.md.j2:2: extends 'builtin/briefng.md.j2', which does not exist "
                        "(did you mean 'builtin/briefing.md.j2'?)")


def test_a_loop_of_extends_is_left_to_the_rendering(project: Path) -> None:
    write(project, "templates/a.md.j2", '{% extends "b.md.j2" %}{% block x %}{% endblock %}\n')
    write(project, "templates/b.md.j2", '{% extends "a.md.j2" %}{% block y %}{% endblock %}\n')
    assert blocks(project, "a.md.j2", "b.md.j2") == []


def test_a_parent_that_cannot_be_parsed_is_left_to_its_own_check(project: Path) -> None:
    write(project, "templates/broken.md.j2", "{% block summary %}\n")
    write(project, "templates/child.md.j2", '{% extends "broken.md.j2" %}{% block other %}{% endblock %}\n')
    assert blocks(project, "child.md.j2") == []
    code, lines = check(project)
    assert code == 1
    assert [line for line in lines if "child.md.j2" in line] == []
    assert lines[0].startswith("templates/broken.md.j2:")


def test_a_parent_outside_the_project_is_not_read(project: Path, tmp_path: Path) -> None:
    outside = write(tmp_path, "elsewhere/base.md.j2", "{% block secret_block %}{% endblock %}\n")
    write(project, "templates/child.md.j2", '{% extends "base.md.j2" %}{% block other %}{% endblock %}\n')
    (project / "templates/base.md.j2").symlink_to(outside)
    assert blocks(project, "child.md.j2") == []
    code, lines = check(project)
    assert code == 1
    assert lines[0] == "templates/base.md.j2: is a symbolic link to a file outside the project: refused"
    assert "secret_block" not in "\n".join(lines)
