"""Problems found in a user's project, and the one exception that carries them.

Contract: every stage reports what is wrong with the user's files as
:class:`Problem` values (a path relative to the project, a 1-based line when
one is known, and a message). A stage collects every problem it can find
before giving up, then raises :class:`ProblemsFound` with all of them, so a
user fixes a whole run's worth of mistakes at once. The CLI prints each as
``path:LINE: message`` and exits 1; nothing else about them is shown unless
``--debug`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one place of a project."""

    path: str
    line: int | None
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{where}: {prefix}{self.message}"


class ProblemsFound(Exception):
    """Raised when a run found errors in the user's files; carries all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(dict.fromkeys(problems), key=_sort_key)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def _sort_key(problem: Problem) -> tuple[str, int, str]:
    return (problem.path, problem.line or 0, problem.message)


def relative_path(path: Path, root: Path) -> str:
    """Name ``path`` as the user knows it: relative to the project, with ``/``."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
