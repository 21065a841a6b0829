"""briefings: curated, sourced facts → Markdown, HTML and PDF briefings.

The public API is small:

- :func:`build` runs the whole pipeline over a project directory;
- :func:`load_project` loads and validates a project without rendering it;
- :class:`ProblemsFound` is the one exception a user's bad input raises; its
  ``problems`` are :class:`Problem` values printed as ``path:LINE: message``.

The pipeline stages live in their own modules, each usable alone:
``load`` (YAML with line numbers) → ``model`` (schema and cross-checks) →
``templating`` (Jinja → Markdown) → ``html`` (Markdown → sanitised HTML) →
``pdf`` (WeasyPrint), with ``build`` over them and ``cli`` on top.

Logging: warnings about the user's project (and anything WeasyPrint warns
about while rendering it) go to the ``briefings`` logger at WARNING level.
"""

__version__ = "0.1.0"

from .build import BuildReport, build  # noqa: E402
from .errors import Problem, ProblemsFound  # noqa: E402
from .model import Project, load_project  # noqa: E402

__all__ = ["BuildReport", "Problem", "ProblemsFound", "Project", "__version__", "build", "load_project"]
