"""Checking a project's templates before anything is rendered.

Contract: :func:`check_templates` returns the problems of a project's
templates that can be found without rendering (``briefings check`` and
every build run it): a ``templates/`` directory outside the project, a
template that cannot be read or compiled (encoding, syntax), a briefing
naming a template that does not exist, and, through
:func:`check_template_blocks`, a block of an extending template that the
templates it extends do not define (Jinja would silently ignore it). Every
problem names the template file and line. :func:`constant_parent` and
:func:`top_level_blocks` read a parsed template's structure; the catalogue
(:mod:`briefings.render.catalog`) uses them too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import jinja2

from briefings.errors import Problem, did_you_mean
from briefings.files import check_project_dir
from briefings.paths import SETTINGS_FILE, TEMPLATES_DIR
from briefings.project.model import Project
from briefings.render.environment import (
    ProjectTemplateLoader,
    TemplateProblem,
    available_templates,
    display_template_path,
    make_environment,
)


def check_templates(project: Project) -> list[Problem]:
    """Problems a template has before any rendering: location, encoding, syntax, names that do not exist,
    and blocks that override nothing (:func:`check_template_blocks`).

    Every template file of the project's ``templates/`` is compiled, whether
    or not a briefing uses it yet, so that a broken house template is found
    by ``check`` rather than by the first briefing that extends it.
    """
    root = project.root
    directory_problem = check_project_dir(root / TEMPLATES_DIR, root)
    if directory_problem is not None:
        return [directory_problem]
    problems: list[Problem] = []
    environment = make_environment(root)
    compiled: list[str] = []
    for name in ProjectTemplateLoader(root).list_templates():
        if not name.endswith((".j2", ".css")):
            continue
        try:
            environment.get_template(name)
        except TemplateProblem as error:
            problems.append(error.problem)
            continue
        except Exception as error:  # noqa: BLE001 - turned into the located problem render_template would give
            problems.append(_compile_problem(error, name, root))
            continue
        compiled.append(name)
    # Checked overrides: a block the extended template does not define would be silently ignored.
    problems.extend(check_template_blocks(environment, compiled, root))
    available = available_templates(root)
    for briefing in project.briefings:
        if briefing.template and briefing.template not in available:
            path, line = project.template_origins.get(briefing.id, (SETTINGS_FILE, None))
            hint = did_you_mean(briefing.template, available, cutoff=0.6)
            problems.append(Problem(path, line, f"unknown template '{briefing.template}'{hint}: there is no "
                                    f"{TEMPLATES_DIR}/{briefing.template}.md.j2 (available: "
                                    f"{', '.join(available)})"))
    return problems


def _compile_problem(error: Exception, name: str, root: Path) -> Problem:
    if isinstance(error, jinja2.TemplateSyntaxError):
        return Problem(f"{TEMPLATES_DIR}/{name}", error.lineno, f"template syntax error: {error.message}")
    if isinstance(error, RecursionError):
        return Problem(f"{TEMPLATES_DIR}/{name}", None, "template is nested too deeply to compile")
    return Problem(f"{TEMPLATES_DIR}/{name}", None, f"template cannot be compiled: {error}")


# -- checked overrides -------------------------------------------------------------
#
# Jinja silently ignores a block of an extending template that the template it
# extends never renders, so a misspelt `{% block timelime %}` would change
# nothing and say nothing. check_template_blocks finds such blocks before any
# rendering.
#
# Which blocks must exist: only the *top-level* blocks of the child (those not
# inside another of its blocks). A top-level block replaces a block of the
# parent chain or is never rendered at all. A block nested inside one of the
# child's blocks is rendered wherever its enclosing block is, so a child may
# define new blocks inside a block it overrides (they are its own structure);
# and a nested block that happens to share a parent's block name overrides it
# as usual. "Defined by the parent chain" means defined anywhere in any
# template up the chain, nested blocks included (`fact` inside `topics` can be
# overridden at the top level). A block the templates call as `self.NAME()`
# is rendered by that call, so it is not reported either.
#
# The check is skipped, rather than guessed at, when a template of the chain
# extends a name that is not a constant string (`{% extends layout %}`), when
# the chain loops (the rendering reports that as recursion), or when a parent
# cannot be read or parsed (reported where that template is compiled). A
# direct parent that does not exist is reported at the `{% extends %}` line.

#: How many templates up an `{% extends %}` chain the check follows.
MAX_EXTENDS_DEPTH = 20


@dataclasses.dataclass(frozen=True)
class _Parsed:
    shown: str  # as problems name it: templates/NAME or builtin/NAME
    filename: str | None
    ast: jinja2.nodes.Template


def constant_parent(ast: jinja2.nodes.Template) -> tuple[bool, str | None, int | None]:
    """Whether a parsed template extends anything, and what: (extends?, constant name or None, line)."""
    extends = list(ast.find_all(jinja2.nodes.Extends))
    if not extends:
        return False, None, None
    target = extends[0].template
    if len(extends) == 1 and isinstance(target, jinja2.nodes.Const) and isinstance(target.value, str):
        return True, target.value, extends[0].lineno
    return True, None, extends[0].lineno


def top_level_blocks(ast: jinja2.nodes.Template) -> list[jinja2.nodes.Block]:
    """The blocks of a template that are not inside another of its blocks, in source order."""
    blocks = list(ast.find_all(jinja2.nodes.Block))
    nested = {id(inner) for block in blocks for inner in block.find_all(jinja2.nodes.Block)}
    return [block for block in blocks if id(block) not in nested]


def _self_calls(ast: jinja2.nodes.Template) -> set[str]:
    """Block names a template renders itself through ``self.NAME``."""
    return {node.attr for node in ast.find_all(jinja2.nodes.Getattr)
            if isinstance(node.node, jinja2.nodes.Name) and node.node.name == "self"}


def check_template_blocks(environment: jinja2.Environment, names: Sequence[str],
                          project_root: Path) -> list[Problem]:
    """Blocks of the project templates ``names`` that the templates they extend do not define (see above)."""
    cache: dict[str, _Parsed | None] = {}

    def parse(name: str) -> _Parsed | None:
        if name not in cache:
            cache[name] = _parse_for_check(environment, name, project_root)
        return cache[name]

    problems: list[Problem] = []
    for name in names:
        child = parse(name)
        if child is None:
            continue
        extends, parent_name, extends_line = constant_parent(child.ast)
        if not extends or parent_name is None:
            continue
        shown = f"{TEMPLATES_DIR}/{name}"
        if _exists(environment, parent_name) is False:
            hint = did_you_mean(parent_name, _lookup_names(environment), cutoff=0.7)
            problems.append(Problem(shown, extends_line, f"extends '{parent_name}', which does not exist{hint}"))
            continue
        chain = _parent_chain(parse, parent_name, child.filename)
        if chain is None:
            continue
        defined: dict[str, None] = {}
        called = _self_calls(child.ast)
        for parent in chain:
            defined.update(dict.fromkeys(block.name for block in parent.ast.find_all(jinja2.nodes.Block)))
            called |= _self_calls(parent.ast)
        parents = " and ".join(parent.shown for parent in chain)
        for block in top_level_blocks(child.ast):
            if block.name in defined or block.name in called:
                continue
            hint = did_you_mean(block.name, defined, cutoff=0.7)
            problems.append(Problem(shown, block.lineno, f"unknown block '{block.name}'{hint} (blocks of {parents}: "
                                    f"{', '.join(defined) or 'none'})"))
    return problems


def _parent_chain(parse: Callable[[str], _Parsed | None], first: str,
                  child_filename: str | None) -> list[_Parsed] | None:
    """The parsed templates up the chain from ``first``; None when it cannot be known for certain."""
    chain: list[_Parsed] = []
    seen = {child_filename}
    name: str | None = first
    for _ in range(MAX_EXTENDS_DEPTH):
        if name is None:
            return chain
        parent = parse(name)
        if parent is None or parent.filename in seen:
            return None  # unreadable, or a loop: reported elsewhere
        seen.add(parent.filename)
        chain.append(parent)
        extends, name, _ = constant_parent(parent.ast)
        if not extends:
            return chain
        if name is None:
            return None  # extends a computed name: the blocks it inherits are unknown
    return None


def _parse_for_check(environment: jinja2.Environment, name: str, project_root: Path) -> _Parsed | None:
    assert environment.loader is not None
    try:
        source, filename, _ = environment.loader.get_source(environment, name)
        ast = environment.parse(source, name, filename)
    except Exception:  # noqa: BLE001 - unreadable or broken templates are reported where they are compiled
        return None
    return _Parsed(display_template_path(filename, name, project_root), filename, ast)


def _exists(environment: jinja2.Environment, name: str) -> bool | None:
    """Whether the loader finds ``name`` (None: it could not tell, e.g. a refused file)."""
    assert environment.loader is not None
    try:
        environment.loader.get_source(environment, name)
    except jinja2.TemplateNotFound:
        return False
    except Exception:  # noqa: BLE001 - a refused or unreadable file exists; its problem is reported elsewhere
        return None
    return True


def _lookup_names(environment: jinja2.Environment) -> list[str]:
    assert environment.loader is not None
    try:
        return environment.loader.list_templates()
    except Exception:  # noqa: BLE001 - only a suggestion is at stake
        return []
