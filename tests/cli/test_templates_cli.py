"""``briefings templates list | show | eject``: the template stack, looked at and started from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefings.cli import main
from briefings.render.catalog import builtin_names, catalog, resolve_builtin
from briefings.render.environment import BUILTIN_DIR
from tests.conftest import REPO_ROOT, copy_example, write

EXAMPLE_BRIEFINGS = ("drone-coproduction, coalition-of-the-willing, nato-spending, european-security-overview, "
                     "nato-at-a-glance")


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, ["templates", *args])
    assert "Traceback" not in result.output
    return result


def lines_of(result: Result) -> dict[str, str]:
    """``list`` output by path: the rest of each line, spaces squeezed."""
    rows = {}
    for line in result.stdout.splitlines():
        path, *rest = line.split()
        rows[path] = " ".join(rest)
    return rows


# -- list ---------------------------------------------------------------------------------


def test_list_shows_origin_overrides_extends_and_users(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "example")
    result = run("list", "--project", str(root))
    assert result.exit_code == 0, result.output
    rows = lines_of(result)
    assert list(rows) == ["templates/briefing.html.j2", "builtin/briefing.css", "builtin/briefing.html.j2",
                          "builtin/briefing.md.j2", "builtin/one-pager.html.j2", "builtin/one-pager.md.j2"]
    assert rows["templates/briefing.html.j2"] == (
        "project overrides builtin/briefing.html.j2; extends builtin/briefing.html.j2; "
        f"used by {EXAMPLE_BRIEFINGS}")
    # Still used: the override extends it.
    assert rows["builtin/briefing.html.j2"] == (
        f"package replaced by templates/briefing.html.j2; used by {EXAMPLE_BRIEFINGS}")
    assert rows["builtin/briefing.css"] == f"package used by {EXAMPLE_BRIEFINGS}"  # included by the HTML
    assert rows["builtin/briefing.md.j2"] == f"package used by {EXAMPLE_BRIEFINGS}"
    assert rows["builtin/one-pager.md.j2"] == rows["builtin/one-pager.html.j2"] == "package used by nato-at-a-glance"
    assert "README.md" not in result.stdout


def test_list_follows_named_templates_chains_and_includes(project: Path) -> None:
    write(project, "briefings.yaml", """\
        formats: [md]
        briefings:
          plain:
            title: Plain
            topics: [test-topic]
          desk:
            title: Desk
            topics: [test-topic]
            template: desk
        """)
    write(project, "templates/house.md.j2", '{% extends "builtin/briefing.md.j2" %}\n')
    write(project, "templates/desk.md.j2", """\
        {% extends "house.md.j2" %}
        {% block summary %}{% include "partials/note.md.j2" %}{% endblock %}
        """)
    write(project, "templates/partials/note.md.j2", "Note.\n")
    write(project, "templates/unused.md.j2", "{% extends layout %}\n")
    write(project, "templates/broken.md.j2", "{% block x %}\n")
    result = run("list", "--project", str(project))
    assert result.exit_code == 0, result.output
    rows = lines_of(result)
    assert rows["templates/desk.md.j2"] == "project extends house.md.j2; used by desk"
    assert rows["templates/house.md.j2"] == "project extends builtin/briefing.md.j2; used by desk"
    assert rows["templates/partials/note.md.j2"] == "project used by desk"
    assert rows["templates/unused.md.j2"] == "project used by no briefing"  # a computed parent: not shown
    assert rows["templates/broken.md.j2"] == ("project cannot be read or parsed (run briefings check); "
                                              "used by no briefing")
    assert rows["builtin/briefing.md.j2"] == "package used by plain, desk"
    # Only Markdown is built: the HTML template and stylesheet serve nobody.
    assert rows["builtin/briefing.html.j2"] == "package used by no briefing"
    assert rows["builtin/briefing.css"] == "package used by no briefing"


def test_list_counts_a_stylesheet_named_in_settings_as_used_by_the_briefings_that_name_it(project: Path) -> None:
    # A house's own @page rules in a stylesheet named under stylesheet: (included by the HTML page from a
    # variable, not by a constant name): used by the briefings it applies to, project-wide or each its own.
    write(project, "briefings.yaml", """\
        formats: [md, pdf]
        stylesheet: [house.css]
        briefings:
          plain:
            title: Plain
            topics: [test-topic]
          desk:
            title: Desk
            topics: [test-topic]
            stylesheet: [house.css, desk.css]
        """)
    write(project, "templates/house.css", '@page { @top-left { content: "Not for onward distribution"; } }\n'
                                          '{% include "partials/fonts.css" %}\n')
    write(project, "templates/partials/fonts.css", "body { font-size: 11pt; }\n")
    write(project, "templates/desk.css", "h1 { color: navy; }\n")
    write(project, "templates/spare.css", "p {}\n")
    result = run("list", "--project", str(project))
    assert result.exit_code == 0, result.output
    rows = lines_of(result)
    assert rows["templates/house.css"] == "project used by plain, desk"
    assert rows["templates/partials/fonts.css"] == "project used by plain, desk"  # included by it
    assert rows["templates/desk.css"] == "project used by desk"
    assert rows["templates/spare.css"] == "project used by no briefing"
    # Without an HTML output (nor a PDF), a stylesheet serves nobody.
    write(project, "briefings.yaml", "formats: [md]\nstylesheet: [house.css]\n")
    assert lines_of(run("list", "--project", str(project)))["templates/house.css"] == "project used by no briefing"


def test_list_still_works_when_the_project_has_errors(project: Path) -> None:
    write(project, "briefings.yaml", "formats: [md, odt]\n")
    result = run("list", "--project", str(project))
    assert result.exit_code == 0
    assert "note: the project has 1 error(s)" in result.stderr
    assert "builtin/briefing.md.j2" in result.stdout


def test_list_of_a_missing_project_fails(tmp_path: Path) -> None:
    result = run("list", "--project", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "project directory does not exist" in result.stderr


def test_list_does_not_read_templates_outside_the_project(project: Path, tmp_path: Path) -> None:
    write(tmp_path, "elsewhere/secret.md.j2", "SECRET\n")
    (project / "templates").symlink_to(tmp_path / "elsewhere")
    result = run("list", "--project", str(project))
    assert result.exit_code == 0
    assert "templates: is a symbolic link to a directory outside the project: refused" in result.stderr
    assert "secret" not in result.stdout


def test_catalog_lists_project_files_first() -> None:
    root = REPO_ROOT
    entries = catalog(root)
    assert [entry.origin for entry in entries] == ["project", "package", "package", "package", "package", "package"]
    assert all(entry.used_by == () for entry in entries)


# -- show ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["briefing.md.j2", "builtin/briefing.md.j2"])
def test_show_prints_a_builtins_source(name: str) -> None:
    result = run("show", name)
    assert result.exit_code == 0
    assert result.stdout == (BUILTIN_DIR / "briefing.md.j2").read_text(encoding="utf-8")


def test_show_an_unknown_name_lists_the_builtins_with_a_suggestion() -> None:
    result = run("show", "builtin/briefing.md")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: unknown built-in template 'builtin/briefing.md' (did you mean 'briefing.md.j2'?); "
        f"the built-ins are: {', '.join(builtin_names())}")
    assert run("show", "nothing-like-it").stderr.strip().endswith("the built-ins are: " + ", ".join(builtin_names()))


def test_show_escapes_a_hostile_name() -> None:
    result = run("show", "\x1b[31mred")
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\\x1b[31mred" in result.stderr


def test_resolve_builtin() -> None:
    assert resolve_builtin("builtin/briefing.css") == "briefing.css"
    with pytest.raises(Exception, match="unknown built-in template '../pyproject.toml'"):
        resolve_builtin("../pyproject.toml")


# -- eject --------------------------------------------------------------------------------


def test_eject_copies_a_builtin_into_templates(project: Path) -> None:
    result = run("eject", "briefing.md.j2", "--project", str(project))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("created templates/briefing.md.j2 (a copy of builtin/briefing.md.j2)\n")
    copied = project / "templates/briefing.md.j2"
    assert copied.read_bytes() == (BUILTIN_DIR / "briefing.md.j2").read_bytes()
    assert [path.name for path in (project / "templates").iterdir()] == ["briefing.md.j2"]  # no temporaries
    # The copy renders as the built-in did.
    assert CliRunner().invoke(main, ["check", "--project", str(project)]).exit_code == 0


def test_eject_refuses_to_overwrite_without_force(project: Path) -> None:
    mine = write(project, "templates/briefing.css", "body { color: red; }\n")
    result = run("eject", "builtin/briefing.css", "--project", str(project))
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: templates/briefing.css already exists: not replaced "
                                     "(use --force to overwrite it with builtin/briefing.css)")
    assert mine.read_text() == "body { color: red; }\n"
    result = run("eject", "builtin/briefing.css", "--force", "--project", str(project))
    assert result.exit_code == 0
    assert result.stdout.startswith("replaced templates/briefing.css (a copy of builtin/briefing.css)\n")
    assert mine.read_bytes() == (BUILTIN_DIR / "briefing.css").read_bytes()


def test_eject_unknown_name(project: Path) -> None:
    result = run("eject", "briefing.txt", "--project", str(project))
    assert result.exit_code == 1
    assert "unknown built-in template 'briefing.txt'" in result.stderr
    assert not (project / "templates").exists()


def test_eject_refuses_a_templates_directory_outside_the_project(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (project / "templates").symlink_to(outside)
    result = run("eject", "briefing.md.j2", "--project", str(project))
    assert result.exit_code == 1
    assert "templates: is a symbolic link to a directory outside the project: refused" in result.stderr
    assert list(outside.iterdir()) == []


def test_eject_with_force_replaces_a_link_not_what_it_points_to(project: Path, tmp_path: Path) -> None:
    outside = write(tmp_path, "elsewhere/keep.md.j2", "KEEP\n")
    (project / "templates").mkdir()
    (project / "templates/briefing.md.j2").symlink_to(outside)
    result = run("eject", "briefing.md.j2", "--project", str(project))
    assert result.exit_code == 1  # a link is a file in the way too
    result = run("eject", "briefing.md.j2", "--force", "--project", str(project))
    assert result.exit_code == 0
    assert outside.read_text() == "KEEP\n"
    assert not (project / "templates/briefing.md.j2").is_symlink()


def test_eject_refuses_a_directory_in_the_way(project: Path) -> None:
    (project / "templates/briefing.md.j2").mkdir(parents=True)
    result = run("eject", "briefing.md.j2", "--force", "--project", str(project))
    assert result.exit_code == 1
    assert "templates/briefing.md.j2 is a directory: not replaced" in result.stderr


def test_eject_into_a_missing_project(tmp_path: Path) -> None:
    result = run("eject", "briefing.md.j2", "--project", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "project directory does not exist" in result.stderr
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_eject_into_a_read_only_templates_directory(project: Path) -> None:
    directory = project / "templates"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        result = run("eject", "briefing.md.j2", "--project", str(project))
    finally:
        directory.chmod(0o755)
    assert result.exit_code == 1
    assert "templates/briefing.md.j2: cannot write: permission denied" in result.stderr
