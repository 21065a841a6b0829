"""briefings: curated, sourced facts → Markdown, HTML and PDF briefings.

The public API is small, importable from the package itself:

- :func:`load_project` loads and validates a project without rendering it,
  giving a :class:`Project`;
- :class:`ProblemsFound` is the one exception a user's bad input raises; its
  ``problems`` are :class:`Problem` values printed as ``path:LINE: message``;
- :class:`BuildReport` is what a build returns. The build itself is
  :func:`briefings.build.orchestrate.build` (``briefings.build`` is the build
  layer's package, not a function).

The code is in layers, each importing only those below it (checked by
import-linter; see ``pyproject.toml``)::

    cli        the ``briefings`` command: one module per command family
    live       watch and serve: rebuild as the sources change, the preview server
    schedule   publish at the times the briefings' schedules name
    build      read → plan → render → write, incrementally, under the project's lock; publish
    editions   published editions and what changed between them
    render     Jinja → Markdown → sanitised HTML → PDF, and the JSON snapshot
    audit      the attribution audit against the archived sources; adding a source
    project    YAML with line numbers, the schema, loading and cross-checks
    files  lock  i18n  limits             shared helpers
    errors  paths  digests                imported by everything, importing nothing of ours

Importing the package is cheap: the names above are imported on first use,
so that the command can catch Ctrl-C from its very first moment.

Logging: warnings about the user's project (and anything WeasyPrint warns
about while rendering it) go to the ``briefings`` logger at WARNING level.
"""

from __future__ import annotations

__version__ = "0.1.0"

# Not typing.TYPE_CHECKING: importing typing (or anything) here would delay the
# command's taking over Ctrl-C (briefings.__main__ runs only after this module).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from briefings.audit.project_audit import load_and_audit as load_project
    from briefings.build.orchestrate import BuildReport
    from briefings.errors import Problem, ProblemsFound
    from briefings.project.model import Project

#: Each public name: the module it is imported from on first use, and its name there.
_EXPORTS = {
    "BuildReport": ("briefings.build.orchestrate", "BuildReport"), "Problem": ("briefings.errors", "Problem"),
    "ProblemsFound": ("briefings.errors", "ProblemsFound"), "Project": ("briefings.project.model", "Project"),
    # Loaded with its attribution audit, as check and build load it (the loader alone never audits).
    "load_project": ("briefings.audit.project_audit", "load_and_audit"),
}

__all__ = ["BuildReport", "Problem", "ProblemsFound", "Project", "__version__", "load_project"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        module, attribute = _EXPORTS[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'briefings' has no attribute '{name}'")
