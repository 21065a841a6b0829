"""Problems found in a user's project, and the one exception that carries them.

Contract: every stage reports what is wrong with the user's files as
:class:`Problem` values (a path relative to the project, a 1-based line when
one is known, and a message). A stage collects every problem it can find
before giving up, then raises :class:`ProblemsFound` with all of them, so a
user fixes a whole run's worth of mistakes at once. The CLI prints each as
``path:LINE: message`` and exits 1; nothing else about them is shown unless
``--debug`` is given.

A warning may carry a ``code`` (``low-reliability``, ``never-cited``, …):
it is printed after the message, and it is what a project writes under
``acknowledge:`` to accept that one warning for that one fact, reference or
topic (which makes it an :class:`Acknowledged` warning). Messages quote the
user's values, so :meth:`Problem.__str__` shows control characters, terminal
escape sequences, bidirectional controls and line breaks escaped (``\\x1b``,
``\\u202e``, ``\\n``): a message is always one line that means what it says.

A library the tool needs that is not installed, or cannot be loaded, is no
internal error either: :func:`missing_library` turns the ImportError into the
one line the CLI prints (exit 1), saying what to install; code that knows
better what is missing (a system library, say) raises :class:`MissingLibrary`
with that line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


#: Characters never shown raw in a message: C0/C1 controls, DEL, the
#: bidirectional controls and marks, the Unicode line and paragraph separators,
#: and surrogates (no UTF-8 output, such as the run log, can hold one).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                          "\ud800-\udfff]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every character that could disguise or break a one-line message escaped."""
    def escape(match: re.Match[str]) -> str:
        character = match.group()
        if character in _NAMED_ESCAPES:
            return _NAMED_ESCAPES[character]
        code = ord(character)
        if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8 (Python's surrogateescape)
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNPRINTABLE.sub(escape, text)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one place of a project."""

    path: str
    line: int | None
    message: str
    severity: Severity = Severity.ERROR
    #: For warnings that can be acknowledged: the name to acknowledge them by.
    code: str | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        suffix = f" [{self.code}]" if self.code else ""
        return printable(f"{where}: {prefix}{self.message}{suffix}")


def sort_key(problem: Problem) -> tuple[str, int, str]:
    return (problem.path, problem.line or 0, problem.message)


@dataclass(frozen=True)
class Acknowledged:
    """A warning the project accepted, and the reason it gave."""

    warning: Problem
    reason: str


class ProblemsFound(Exception):
    """Raised when a run found errors in the user's files; carries all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(dict.fromkeys(problems), key=sort_key)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def did_you_mean(word: object, choices: Iterable[object], *, cutoff: float = 0.8) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``word``, or nothing when none is close enough."""
    close = difflib.get_close_matches(str(word), [str(choice) for choice in choices], n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""


def relative_path(path: Path, root: Path) -> str:
    """Name ``path`` as the user knows it: relative to the project, with ``/``."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return path.as_posix()


class MissingLibrary(ImportError):
    """A library the tool needs cannot be loaded; the message says, in one line, what to install."""


#: Modules whose distribution, the name ``pip install`` takes, is spelled differently.
_DISTRIBUTIONS = {"yaml": "PyYAML", "ruamel": "ruamel.yaml", "PIL": "pillow", "fontTools": "fonttools",
                  "dateutil": "python-dateutil", "bs4": "beautifulsoup4"}


def missing_library(error: BaseException) -> str | None:
    """The one line saying what to install when ``error`` is a library that cannot be imported, else None.

    ``error`` counts when it is an ImportError of a module that is not the
    tool's own, or was raised while importing one (as lxml raises an
    ImportError of its own when ``lxml_html_clean`` is missing). An
    ImportError inside ``briefings`` itself is a bug, not a missing library:
    None.
    """
    if not isinstance(error, ImportError):
        return None
    chain: list[BaseException] = []
    seen: BaseException | None = error
    while seen is not None and len(chain) < 20:  # exception chains are short; a cycle must not loop
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    if any(isinstance(link, ImportError) and _ours(link.name) for link in chain):
        return None
    if isinstance(error, MissingLibrary):
        return f"briefings: {printable(str(error))}"
    for link in chain:
        if isinstance(link, ModuleNotFoundError) and link.name:
            distribution = _DISTRIBUTIONS.get(link.name.partition(".")[0], link.name.partition(".")[0])
            return (f"briefings: a library it needs is not installed (no module named '{printable(link.name)}'): "
                    f"install it with 'pip install {distribution}', or reinstall briefings")
    detail = printable(str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
    if error.name:
        distribution = _DISTRIBUTIONS.get(error.name.partition(".")[0], error.name.partition(".")[0])
        return (f"briefings: a library it needs cannot be loaded ({detail}): "
                f"reinstall it with 'pip install --force-reinstall {distribution}'")
    return f"briefings: a library it needs cannot be loaded ({detail}): reinstall briefings and its dependencies"


def _ours(module: str | None) -> bool:
    return module is not None and (module == "briefings" or module.startswith("briefings."))
