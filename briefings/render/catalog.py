"""What templates a project has, where each comes from, and copying a built-in to start from.

Contract: :func:`catalog` lists every template and stylesheet a project can
use: the project's own (``templates/NAME``) and the package's built-ins
(``builtin/NAME``). For a project file it says whether it overrides a
built-in (same name) and what it extends (a constant ``{% extends %}`` name,
read from the template's syntax tree, never by pattern-matching text); for a
built-in, whether the project replaces it; and for each, which briefings use
it (the template a briefing renders with, and every template that one
extends, includes or imports, by constant name, transitively; for its HTML,
also the stylesheets it names in ``stylesheet:``, which the page includes).

:func:`builtin_source` gives a built-in's text (``NAME`` or ``builtin/NAME``),
and :func:`eject` copies a built-in into the project's ``templates/``: written
atomically (a reader sees no file or the whole file), never over an existing
file unless ``force``, and only inside the project (a ``templates/`` that is
a symbolic link out of the project, or not a directory, is refused).
Refusals raise :class:`CatalogError` with a one-line message.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import jinja2
import jinja2.meta

from briefings.errors import did_you_mean
from briefings.files import check_project_dir, display_path, stage_file
from briefings.paths import TEMPLATES_DIR
from briefings.project.model import Briefing
from briefings.render.checks import constant_parent
from briefings.render.environment import (
    BUILTIN_DIR,
    BUILTIN_PREFIX,
    ProjectTemplateLoader,
    display_template_path,
    make_environment,
    template_names,
)

#: What counts as a template or stylesheet (other files of templates/, a README say, are not listed).
TEMPLATE_SUFFIXES = (".j2", ".css")
#: How many templates deep the walk through extends/include/import goes.
MAX_REFERENCE_DEPTH = 20

PROJECT = "project"
PACKAGE = "package"


class CatalogError(Exception):
    """A request the catalog refuses (unknown name, existing file, unsafe directory); the message says why."""


@dataclasses.dataclass(frozen=True)
class TemplateInfo:
    """One template or stylesheet a project can use."""

    #: As problems and ``list`` name it: ``templates/NAME`` or ``builtin/NAME``.
    path: str
    #: The name inside its directory.
    name: str
    #: ``project`` or ``package``.
    origin: str
    #: A project file with the same name as a built-in replaces that built-in.
    overrides: str | None = None
    #: The constant name a project template extends (``builtin/briefing.md.j2``), if any.
    extends: str | None = None
    #: A built-in that a project file of the same name replaces (the project file's path).
    overridden_by: str | None = None
    #: Ids of the briefings whose rendering uses this file.
    used_by: tuple[str, ...] = ()
    #: The file could not be read or parsed (``check`` says why).
    unreadable: bool = False


def builtin_names() -> list[str]:
    """The package's templates and stylesheets, by name."""
    return sorted(path.name for path in BUILTIN_DIR.iterdir()
                  if path.is_file() and not path.name.startswith(".") and path.name.endswith(TEMPLATE_SUFFIXES))


def resolve_builtin(name: str) -> str:
    """The built-in's name for ``name`` (``NAME`` or ``builtin/NAME``); CatalogError if there is none."""
    names = builtin_names()
    bare = name.removeprefix(f"{BUILTIN_PREFIX}/")
    if bare in names:
        return bare
    hint = did_you_mean(bare, names, cutoff=0.6)
    shown = name if len(name) <= 80 else name[:80] + "…"
    raise CatalogError(f"unknown built-in template '{shown}'{hint}; the built-ins are: {', '.join(names)}")


def builtin_source(name: str) -> str:
    """The text of the built-in ``name`` (see :func:`resolve_builtin`)."""
    return (BUILTIN_DIR / resolve_builtin(name)).read_text(encoding="utf-8")


def catalog(root: Path, briefings: Sequence[Briefing] = (),
            formats: Iterable[str] = ("md", "html")) -> list[TemplateInfo]:
    """Every template of the project and the package (project first), with what it overrides, extends and serves.

    ``formats`` are the outputs built: the HTML template is used for ``html``
    and ``pdf``; the Markdown template always.
    """
    environment = make_environment(root)
    project_names = [name for name in _project_names(root) if name.endswith(TEMPLATE_SUFFIXES)]
    builtins = builtin_names()
    usage = _usage(environment, root, briefings, set(formats))
    entries: list[TemplateInfo] = []
    for name in project_names:
        path = f"{TEMPLATES_DIR}/{name}"
        extends, unreadable = None, False
        ast = _parse(environment, name)
        if ast is None:
            unreadable = True
        else:
            extends = constant_parent(ast)[1]
        entries.append(TemplateInfo(path, name, PROJECT, overrides=f"{BUILTIN_PREFIX}/{name}" if name in builtins
                                    else None, extends=extends, used_by=tuple(usage.get(path, ())),
                                    unreadable=unreadable))
    for name in builtins:
        path = f"{BUILTIN_PREFIX}/{name}"
        entries.append(TemplateInfo(path, name, PACKAGE,
                                    overridden_by=f"{TEMPLATES_DIR}/{name}" if name in project_names else None,
                                    used_by=tuple(usage.get(path, ()))))
    return entries


def _project_names(root: Path) -> list[str]:
    if check_project_dir(root / TEMPLATES_DIR, root) is not None:
        return []  # refused: `check` says why; nothing of it is listed
    return ProjectTemplateLoader(root).list_templates()


def _parse(environment: jinja2.Environment, name: str) -> jinja2.nodes.Template | None:
    assert environment.loader is not None
    try:
        source, filename, _ = environment.loader.get_source(environment, name)
        return environment.parse(source, name, filename)
    except Exception:  # noqa: BLE001 - unreadable or broken: `check` reports it
        return None


def _usage(environment: jinja2.Environment, root: Path, briefings: Sequence[Briefing],
           formats: set[str]) -> dict[str, list[str]]:
    """For each template path, the ids of the briefings that use it."""
    extensions = ["md"] + (["html"] if formats & {"html", "pdf"} else [])
    walked: dict[str, set[str]] = {}
    usage: dict[str, list[str]] = {}
    for briefing in briefings:
        used: set[str] = set()
        for extension in extensions:
            chosen = _first_existing(environment, template_names(briefing, extension))
            if chosen is None:
                continue
            # The stylesheets a briefing names (stylesheet:, project-wide or its own) are included by name
            # from a variable, which the walk through the template cannot see: they are used by its HTML.
            starts = [chosen, *(briefing.stylesheets if extension == "html" else ())]
            for start in starts:
                if start not in walked:
                    walked[start] = _reachable(environment, root, start)
                used |= walked[start]
        for path in sorted(used):
            usage.setdefault(path, []).append(briefing.id)
    return usage


def _first_existing(environment: jinja2.Environment, names: list[str]) -> str | None:
    assert environment.loader is not None
    for name in names:
        try:
            environment.loader.get_source(environment, name)
        except jinja2.TemplateNotFound:
            continue
        except Exception:  # noqa: BLE001 - exists but is refused: it is still the one chosen
            return name
        return name
    return None


def _reachable(environment: jinja2.Environment, root: Path, start: str) -> set[str]:
    """The paths of ``start`` and every template it extends, includes or imports by constant name."""
    assert environment.loader is not None
    found: set[str] = set()
    pending = [(start, 0)]
    seen_names: set[str] = set()
    while pending:
        name, depth = pending.pop()
        if name in seen_names or depth > MAX_REFERENCE_DEPTH:
            continue
        seen_names.add(name)
        try:
            source, filename, _ = environment.loader.get_source(environment, name)
        except Exception:  # noqa: BLE001 - missing or refused: nothing to follow
            continue
        path = display_template_path(filename, name, root)
        if path in found:
            continue
        found.add(path)
        try:
            ast = environment.parse(source, name, filename)
        except Exception:  # noqa: BLE001 - broken: `check` reports it
            continue
        pending.extend((referenced, depth + 1) for referenced in jinja2.meta.find_referenced_templates(ast)
                       if isinstance(referenced, str))
    return found


# -- eject -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Ejected:
    """A built-in copied into the project."""

    builtin: str  # builtin/NAME
    path: Path
    shown: str  # templates/NAME
    replaced: bool  # an existing file was overwritten (--force)


def eject(root: Path, name: str, *, force: bool = False) -> Ejected:
    """Copy the built-in ``name`` to ``templates/NAME`` in the project at ``root`` (see the module docstring)."""
    bare = resolve_builtin(name)
    data = (BUILTIN_DIR / bare).read_bytes()
    if not root.is_dir():
        raise CatalogError(f"{root}: project directory does not exist")
    directory = root / TEMPLATES_DIR
    problem = check_project_dir(directory, root)
    if problem is not None:
        raise CatalogError(str(problem))
    try:
        directory.mkdir(exist_ok=True)
    except OSError as error:
        raise CatalogError(f"{TEMPLATES_DIR}: cannot create the directory: "
                           f"{(error.strerror or type(error).__name__).lower()}") from None
    # Checked again now that it exists (it may have been created as a link in between), and
    # written through its real path, so that nothing lands outside the project.
    problem = check_project_dir(directory, root)
    if problem is not None:
        raise CatalogError(str(problem))
    real_directory = Path(os.path.realpath(directory))
    target = real_directory / bare
    shown = display_path(directory / bare, root)
    exists = os.path.lexists(target)
    if exists and not force:
        raise CatalogError(f"{shown} already exists: not replaced (use --force to overwrite it with "
                           f"{BUILTIN_PREFIX}/{bare})")
    if exists and os.path.isdir(target) and not os.path.islink(target):
        raise CatalogError(f"{shown} is a directory: not replaced")
    try:
        temporary = stage_file(target, data, fsync=True)
    except OSError as error:
        raise CatalogError(f"{shown}: cannot write: {(error.strerror or type(error).__name__).lower()}") from None
    try:
        if force:
            os.replace(temporary, target)  # replaces a symbolic link itself, never what it points to
        else:
            # A hard link never replaces a file that appeared since the check above.
            try:
                os.link(temporary, target, follow_symlinks=False)
            except FileExistsError:
                raise CatalogError(f"{shown} already exists: not replaced (use --force to overwrite it with "
                                   f"{BUILTIN_PREFIX}/{bare})") from None
            except OSError:
                # A file system without hard links: the check above has to do.
                if os.path.lexists(target):
                    raise CatalogError(f"{shown} already exists: not replaced") from None
                os.replace(temporary, target)
    except OSError as error:
        raise CatalogError(f"{shown}: cannot write: {(error.strerror or type(error).__name__).lower()}") from None
    finally:
        if os.path.lexists(temporary):
            temporary.unlink()
    return Ejected(f"{BUILTIN_PREFIX}/{bare}", target, shown, replaced=exists)
